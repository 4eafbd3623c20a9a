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
    rows = page.select("article.entry")
    assert [row["id"] for row in rows] == [f"comment-{overdue}", f"comment-{recent}"]
    heading = rows[0].select_one("h2").get_text(" ", strip=True)
    # the id, the author and the article (its address: no build wrote a title)
    assert heading == f"Kommentar {overdue} von Leserin zu „ {ARTICLE} “"
    meta = " ".join(rows[0].select_one(".meta").get_text(" ", strip=True).split())
    assert meta.startswith("überfällig · wartet seit 25 h 0 min · Ziel ")
    assert meta.endswith("zuständig: Redaktion (Vertretung)")
    # Isso's rendered, sanitised text: markup shown as text, lines kept
    assert rows[0].select_one(".text").decode_contents().strip() == (
        "<p>Warum &lt;b&gt;so&lt;/b&gt; langsam?<br/>\nZweite Zeile</p>"
    )
    assert rows[0].select_one("h2 a")["href"] == f"{BLOG}{ARTICLE}#isso-{overdue}"
    assert rows[1].select_one(".status").get_text() == "im Ziel"
    assert " ".join(page.select_one("#summary").get_text().split()) == (
        "2 Kommentare warten auf eine Antwort: 1 überfällig, 0 bald fällig, 1 im Ziel."
    )
    nav = page.select_one("nav.staff-nav")
    assert [a.get_text() for a in nav.select("a")] == [
        "Antwortpult",
        "Meine",
        "Entfernungsprotokoll",
    ]
    assert nav.select_one("form")["action"] == "/staff/logout"
    assert "Angemeldet als Anna Schmidt" in nav.get_text(" ", strip=True)
    assert READER_EMAIL not in body and "127.0.0.1" not in body
    # Names are isolated: a right-to-left name cannot reorder the text around it.
    assert rows[0].select_one("h2 bdi").get_text() == "Leserin"
    assert rows[0].select_one(".meta strong bdi").get_text() == "Redaktion"
    assert nav.select_one("strong bdi").get_text() == "Anna Schmidt"
    assert "<b>so</b>" not in body
    # every action is a form with the page's token
    actions = [form["action"] for form in rows[0].select("form")]
    assert actions == [
        "/desk/answer",
        "/desk/assign",
        "/desk/no-answer",
        "/desk/remove",
    ]


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
    assert "Wartet auf Freigabe" in row.get_text()
    assert row.select_one("h2 a")["href"] == f"{BLOG}{ARTICLE}"
    # no answer and no "no answer needed" before it is approved
    assert [form["action"] for form in row.select("form")] == [
        "/desk/assign",
        "/desk/remove",
    ]
    assert row.select_one("a[href='/admin/']") is not None


def test_empty_desk(server):
    status, _, body = get(server, "/desk", login(server))
    assert status == 200
    assert "Keine offenen Kommentare" in body
    assert BeautifulSoup(body, "html.parser").select("article.entry") == []


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
    # the bad target is dropped: to the desk
    assert reply.status == 303 and reply.headers["Location"] == "/desk"


def desk_form(server, cookie, comment_id, action):
    """The fields of one of a comment's forms on the desk page."""
    _, _, body = get(server, "/desk", cookie)
    page = BeautifulSoup(body, "html.parser")
    form = page.select_one(f"#comment-{comment_id} form[action='/desk/{action}']")
    return {field["name"]: field.get("value", "") for field in form.select("input")}


def act(server, cookie, action, fields, origin=None):
    return server.client.form(
        f"/desk/{action}",
        fields,
        headers={"Cookie": cookie, "Origin": origin or server.url},
    )


def test_desk_answers_removes_and_closes_without_answer(server):
    question = post(server, "Eine Frage?")
    spam = post(server, "Billig kaufen!")
    thanks = post(server, "Danke!")
    cookie = login(server)
    answer = desk_form(server, cookie, question, "answer")
    reply = act(server, cookie, "answer", {**answer, "text": "Gern geschehen."})
    assert reply.status == 303
    assert (
        reply.headers["Location"]
        == f"/desk?done=answer&id={question}#comment-{question}"
    )
    removal = desk_form(server, cookie, spam, "remove")
    reply = act(
        server, cookie, "remove", {**removal, "reason": "spam", "note": "Werbung"}
    )
    assert reply.status == 303
    decision = desk_form(server, cookie, thanks, "no-answer")
    assert (
        act(server, cookie, "no-answer", {**decision, "reason": "thanks"}).status == 303
    )
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT comment_id, reason, note, removed_by FROM blog_removals"
        ).fetchall() == [(spam, "spam", "Werbung", "anna")]
        assert db.execute(
            "SELECT comment_id, reason, decided_by, via FROM blog_no_answer_needed"
        ).fetchall() == [(thanks, "thanks", "anna", "desk")]
        assert db.execute(
            "SELECT staff_account, via FROM blog_staff_comments"
        ).fetchall() == [("anna", "desk")]
    db.close()
    _, _, body = get(server, f"/desk?done=answer&id={question}", cookie)
    page = BeautifulSoup(body, "html.parser")
    assert page.select("article.entry") == []
    assert page.select_one("[role=status].done").get_text() == (
        f"Kommentar {question} ist beantwortet."
    )


@pytest.mark.parametrize("action", ["answer", "remove", "no-answer"])
def test_desk_actions_need_the_pages_token_and_origin(server, action):
    comment_id = post(server, "Bleibt offen")
    cookie = login(server)
    fields = {**desk_form(server, cookie, comment_id, action), "text": "Hallo!"}
    fields["reason"] = "spam" if action == "remove" else "thanks"
    assert act(server, cookie, action, {**fields, "token": "x"}).status == 403
    assert act(server, cookie, action, fields, "https://evil.example").status == 401
    assert act(server, "blog-staff=erfunden", action, fields).status == 401
    _, _, body = get(server, "/desk", cookie)
    assert f'id="comment-{comment_id}"' in body
