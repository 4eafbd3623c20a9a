"""/desk on a real comment server: the queue for staff, nothing for anyone else."""

import json
import sqlite3
import time
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup

from comments.staff.accounts import token_hash
from tests.support import NoRedirect, set_age

ARTICLE = "/2026/kritik/"
BLOG = "https://blog.firma.example"
READER_EMAIL = "leserin.privat@example.org"
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
        blog={"site-url": BLOG},
    )


def get(server, path, cookie=None, method="GET", **headers):
    """Send one request without following redirects; return (status, headers, body)."""
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(server.url + path, method=method, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def login(server):
    return server.client.staff_login("anna", "ein-langes-passwort")


def post(server, text, **fields):
    reply = server.client.post(
        ARTICLE, text, title="Kritik <am> Kundenservice", **fields
    )
    assert reply.status in (201, 202)
    return reply.body["id"]


def expired_session(server):
    with sqlite3.connect(server.database) as db:
        db.execute(
            "INSERT INTO blog_staff_sessions VALUES (?, 'anna', ?, ?)",
            (token_hash("abgelaufen"), time.time() - 7200, time.time() - 60),
        )
    return "blog-staff=abgelaufen"


REFUSED = {
    "anonymous": lambda server: None,
    "forged": lambda server: "blog-staff=erfunden",
    "forged admin": lambda server: "admin-session=erfunden.signatur",
    "expired": expired_session,
}


@pytest.mark.parametrize("who", REFUSED)
def test_desk_refuses_without_a_live_staff_session(server, who):
    post(server, "Geheime Frage", email=READER_EMAIL)
    cookie = REFUSED[who](server)
    status, headers, body = get(server, "/desk", cookie)
    assert status == 303
    assert headers["Location"] == "/staff/login?next=/desk"
    assert "Geheime Frage" not in body and "Leserin" not in body
    status, headers, body = get(server, "/desk.json", cookie)
    assert status == 401
    assert json.loads(body) == {"error": "staff login required"}
    assert "Access-Control-Allow-Origin" not in headers


def test_desk_shows_the_queue_to_staff(server):
    overdue = post(server, "Warum <b>so</b> langsam?\nZweite Zeile", email=READER_EMAIL)
    recent = post(server, "Noch eine Frage", author="Bernd")
    answered = post(server, "Schon beantwortet")
    set_age(server, overdue, 25)
    cookie = login(server)
    server.client.post(ARTICLE, "Antwort", parent=answered, headers={"Cookie": cookie})
    status, headers, body = get(server, "/desk", cookie)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in headers
    page = BeautifulSoup(body, "html.parser")
    rows = page.select("tbody tr")
    assert [row["id"] for row in rows] == [f"comment-{overdue}", f"comment-{recent}"]
    first = [cell.get_text(" ", strip=True) for cell in rows[0].select("td")]
    assert first == [
        "25 h 0 min",
        "überfällig",
        "Kritik <am> Kundenservice",
        "Leserin",
        "Warum <b>so</b> langsam?",
        "Redaktion (Vertretung) übergeben an Anna Schmidt übergeben",
        "antworten",
    ]
    assert rows[0].select_one("a.answer")["href"] == f"{BLOG}{ARTICLE}#isso-{overdue}"
    assert rows[1].select_one("td.status").get_text() == "im Ziel"
    assert " ".join(page.select_one("#summary").get_text().split()) == (
        "2 Kommentare warten auf eine Antwort: 1 überfällig, 0 bald fällig, 1 im Ziel."
    )
    assert "Angemeldet als Anna Schmidt" in page.select_one("header").get_text(
        " ", strip=True
    )
    assert READER_EMAIL not in body and "127.0.0.1" not in body
    # Names are isolated: a right-to-left name cannot reorder the text around it.
    assert rows[0].select_one("td:nth-of-type(4) bdi").get_text() == "Leserin"
    assert rows[0].select_one(".owner-name bdi").get_text() == "Redaktion"
    assert page.select_one("header strong bdi").get_text() == "Anna Schmidt"
    assert "<b>so</b>" not in body


def test_desk_json_is_the_queue(server):
    comment_id = post(server, "Frage", email=READER_EMAIL)
    status, headers, body = get(server, "/desk.json", login(server))
    assert status == 200 and headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["summary"]["open"] == 1
    [entry] = document["comments"]
    assert entry["link"] == f"{BLOG}{ARTICLE}#isso-{comment_id}"
    assert READER_EMAIL not in body


def test_pending_comment_is_marked_and_has_no_anchor(comment_server_factory):
    server = comment_server_factory(
        staff=STAFF,
        moderation={"enabled": "true"},
        blog={"site-url": BLOG},
        admin={"enabled": "true", "password": "admin-passwort-123"},
    )
    comment_id = post(server, "Bitte freischalten")
    status, _, body = get(server, "/desk", login(server))
    assert status == 200
    row = BeautifulSoup(body, "html.parser").select_one(f"#comment-{comment_id}")
    assert "wartet auf Freigabe" in row.get_text()
    assert row.select_one("a.answer")["href"] == f"{BLOG}{ARTICLE}"
    assert row.select_one("a[href='/admin/']") is not None


def test_empty_desk(server):
    status, _, body = get(server, "/desk", login(server))
    assert status == 200
    assert "Keine offenen Kommentare" in body
    assert BeautifulSoup(body, "html.parser").select("tbody tr") == []


@pytest.mark.parametrize("origin", ["http://localhost:8000", "http://evil.example"])
def test_desk_is_not_readable_from_other_origins(server, origin):
    post(server, "Nur für die Redaktion")
    cookie = login(server)
    status, headers, body = get(server, "/desk.json", cookie, Origin=origin)
    assert status == 401 and "Nur für die Redaktion" not in body
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = get(
        server, "/desk.json", cookie, method="OPTIONS", Origin=origin
    )
    assert status == 405 and "Access-Control-Allow-Origin" not in headers


def test_desk_accepts_its_own_origin(server):
    cookie = login(server)
    status, _, _ = get(server, "/desk.json", cookie, Origin=server.url)
    assert status == 200


def test_login_returns_to_the_desk(server):
    reply = server.client.form(
        "/staff/login",
        {"account": "anna", "password": "ein-langes-passwort", "next": "/desk"},
    )
    assert reply.status == 303 and reply.headers["Location"] == "/desk"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "/\tdesk"])
def test_login_does_not_redirect_elsewhere(server, target):
    reply = server.client.form(
        "/staff/login",
        {"account": "anna", "password": "ein-langes-passwort", "next": target},
    )
    assert reply.status == 200 and "Location" not in reply.headers
