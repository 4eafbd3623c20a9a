"""/desk with owners: who owns what, filters, and handing over from the page."""

import json
import sqlite3
import urllib.parse
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from comments.staff import owners
from tests.comments.test_desk_web import get
from tests.support import NoRedirect

ARTICLE = "/2026/kritik/"
OTHER = "/2026/technik/"
PASSWORD = "ein-langes-passwort"
STAFF = {"anna": ("Anna Schmidt", PASSWORD), "jonas": ("Jonas Weber", PASSWORD)}


@pytest.fixture
def server(comment_server_factory):
    server = comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
        server={"public-endpoint": "https://kommentare.firma.example"},
    )
    owners.write_thread_owners(
        Path(server.database).with_name(owners.OWNERS_FILE_NAME),
        "redaktion",
        {ARTICLE: ("anna", owners.AUTHOR), OTHER: ("jonas", owners.CATEGORY)},
    )
    return server


def post(server, uri, text="Frage"):
    reply = server.client.post(uri, text, title="Ein Artikel")
    assert reply.status == 201
    return reply.body["id"]


def desk(server, cookie, query=""):
    status, _, body = get(server, f"/desk{query}", cookie)
    assert status == 200, body
    return BeautifulSoup(body, "html.parser")


def hand_over(server, cookie, fields, origin=None):
    """POST the hand-over form; return (status, Location, body)."""
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin or server.url,
    }
    request = urllib.request.Request(
        server.url + "/desk/assign",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers=headers,
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Location"), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode()


def form_fields(page, comment_id, owner):
    form = page.select_one(f"#comment-{comment_id} form[action='/desk/assign']")
    fields = {field["name"]: field.get("value", "") for field in form.select("input")}
    assert form["method"] == "post"
    return {**fields, "to": owner}


def handovers(server):
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT comment_id, owner, previous_owner, handed_by, via "
            "FROM blog_owner_handovers"
        ).fetchall()


def test_desk_shows_owners_and_filters_by_them(server):
    annas, jonas = post(server, ARTICLE), post(server, OTHER)
    cookie = server.client.staff_login("anna", PASSWORD)
    page = desk(server, cookie)
    names = {
        row["id"]: row.select_one(".meta strong").get_text()
        for row in page.select("article.entry")
    }
    assert names == {
        f"comment-{annas}": "Anna Schmidt",
        f"comment-{jonas}": "Jonas Weber",
    }
    assert page.select_one(f"#comment-{annas} .owner-rule").get_text() == (
        "(Autor/in des Artikels)"
    )
    choices = [
        " ".join(option.get_text().split())
        for option in page.select("select[name=owner] option")
    ]
    assert choices == ["alle (2)", "meine (1)", "Redaktion (0)", "Jonas Weber (1)"]
    mine = desk(server, cookie, "?owner=mine")
    assert [row["id"] for row in mine.select("article.entry")] == [f"comment-{annas}"]
    assert mine.select_one("nav.staff-nav a[aria-current]").get_text() == "Meine"
    assert mine.select_one("select[name=owner] option[selected]")["value"] == "mine"
    by_name = desk(server, cookie, "?owner=Jonas%20Weber")
    assert [row["id"] for row in by_name.select("article.entry")] == [
        f"comment-{jonas}"
    ]
    status, _, body = get(server, "/desk.json?owner=jonas", cookie)
    document = json.loads(body)
    assert status == 200 and document["owner"] == "jonas"
    [entry] = document["comments"]
    assert entry["owner"] == {
        "account": "jonas",
        "name": "Jonas Weber",
        "rule": "category",
        "handovers": [],
    }
    status, _, body = get(server, "/desk.json?owner=anja", cookie)
    assert status == 400 and json.loads(body) == {
        "error": "kein Redaktionskonto 'anja'"
    }


def test_handing_over_on_the_desk_is_recorded_and_shown(server):
    comment_id = post(server, ARTICLE)
    cookie = server.client.staff_login("anna", PASSWORD)
    page = desk(server, cookie, "?owner=mine")
    options = page.select(f"#comment-{comment_id} select[name=to] option")
    assert [option["value"] for option in options] == ["redaktion", "jonas"]
    fields = form_fields(page, comment_id, "jonas")
    status, location, _ = hand_over(server, cookie, fields)
    assert status == 303
    assert (
        location == f"/desk?owner=mine&done=assign&id={comment_id}#comment-{comment_id}"
    )
    assert handovers(server) == [(comment_id, "jonas", "anna", "anna", "desk")]
    row = desk(server, cookie).select_one(f"#comment-{comment_id}")
    assert row.select_one(".meta strong").get_text() == "Jonas Weber"
    [step] = row.select(".history li")
    assert "Anna Schmidt → Jonas Weber, durch Anna Schmidt" in step.get_text()
    # The published origin counts as this server's own (behind a TLS proxy).
    fields = form_fields(desk(server, cookie), comment_id, "anna")
    status, _, _ = hand_over(server, cookie, fields, "https://kommentare.firma.example")
    assert status == 303 and len(handovers(server)) == 2


def test_hand_over_of_an_answered_comment_says_why(server):
    comment_id = post(server, ARTICLE)
    cookie = server.client.staff_login("anna", PASSWORD)
    fields = form_fields(desk(server, cookie), comment_id, "jonas")
    server.client.post(
        ARTICLE, "Antwort", parent=comment_id, headers={"Cookie": cookie}
    )
    status, _, body = hand_over(server, cookie, fields)
    assert status == 409
    alert = BeautifulSoup(body, "html.parser").select_one("[role=alert]")
    assert alert.get_text() == (
        f"Kommentar {comment_id}: Kommentar {comment_id} ist schon erledigt "
        "(beantwortet, entfernt oder ohne nötige Antwort)."
    )
    assert handovers(server) == []


@pytest.mark.parametrize(
    ("attack", "status"),
    [
        ("no token", 403),
        ("another session's token", 403),
        ("the blog's origin", 401),
        ("another site", 401),
        ("no session", 401),
    ],
)
def test_hand_over_refuses_requests_not_from_the_desk(server, attack, status):
    comment_id = post(server, ARTICLE)
    cookie = server.client.staff_login("anna", PASSWORD)
    fields = form_fields(desk(server, cookie), comment_id, "jonas")
    origin = None
    if attack == "no token":
        del fields["token"]
    if attack == "another session's token":
        other = server.client.staff_login("jonas", PASSWORD)
        fields["token"] = form_fields(desk(server, other), comment_id, "x")["token"]
    if attack == "the blog's origin":
        origin = "http://localhost:8000"
    if attack == "another site":
        origin = "https://evil.example"
    if attack == "no session":
        cookie = "blog-staff=erfunden"
    assert hand_over(server, cookie, fields, origin)[0] == status
    assert handovers(server) == []


def test_hand_over_is_post_only(server):
    status, headers, _ = get(
        server, "/desk/assign", server.client.staff_login("anna", PASSWORD)
    )
    assert status == 405 and headers["Allow"] == "POST"
