"""The comment form without JavaScript: preview, Isso's own path, refusals as pages."""

import json
import sqlite3
import time
import urllib.parse
import urllib.request

import pytest
from bs4 import BeautifulSoup

from comments.server import form_post, form_token
from tests.support import NoRedirect, set_created

ARTICLE = "/2026/warum-wir-antworten/"
BLOG = "http://localhost:8000"
EVIL = "https://evil.example"
FROM_BLOG = {"Origin": BLOG}
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}
RELAXED = {"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(staff=STAFF, guard=RELAXED)


def secret(server):
    """Isso's signing key, as the server reads it."""
    with sqlite3.connect(server.database) as db:
        (key,) = db.execute(
            "SELECT value FROM preferences WHERE key = 'session-key'"
        ).fetchone()
    db.close()
    return key


def fields(text="Danke für den **Beitrag**!", **more):
    """What the article's form sends."""
    return {
        "uri": ARTICLE,
        "title": "Warum wir antworten",
        "author": "Lea Leserin",
        "website": "",
        "text": text,
        "subject": "",
        **more,
    }


def token(server, age=10, uri=ARTICLE):
    """A token as the preview page carries it, shown ``age`` seconds ago."""
    return form_token.issue(secret(server), uri, time.time() - age)


def send(server, values, headers=FROM_BLOG):
    """POST the form; return (status, headers, parsed page)."""
    reply = server.client.form("/form/new", values, headers=headers)
    return reply.status, reply.headers, BeautifulSoup(reply.body, "html.parser")


def publish(server, headers=FROM_BLOG, **more):
    """Send the form as from the preview page (a token 10 s old)."""
    return send(server, fields(token=token(server), **more), headers)


def stored(server):
    """(author, text, mode, parent) of every stored comment."""
    with sqlite3.connect(server.database) as db:
        rows = db.execute(
            "SELECT author, text, mode, parent FROM comments ORDER BY id"
        ).fetchall()
    db.close()
    return rows


def get(url):
    """GET ``url``; return (status, parsed page)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, BeautifulSoup(reply.read(), "html.parser")
    except urllib.error.HTTPError as error:
        return error.code, BeautifulSoup(error.read(), "html.parser")


def assert_refused_page(status, headers, page, expected_status, words):
    """A German HTML page (never JSON) with the status and a readable reason,
    and the typed text in it again."""
    assert status == expected_status
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert words in page.select_one("[role=alert]").get_text()
    textarea = page.find("textarea")
    assert textarea is not None and "Beitrag" in textarea.get_text()


def test_the_first_send_shows_isso_s_preview_and_the_form_with_a_token(server):
    status, headers, page = send(server, fields())

    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert page.select_one(".preview strong").get_text() == "Beitrag"
    form = page.find("form")
    assert form["action"] == "new"
    values = {field["name"]: field.get("value") for field in form.find_all("input")}
    assert values["author"] == "Lea Leserin" and values["uri"] == ARTICLE
    assert values["blog"] == BLOG and values["token"]
    assert page.find("textarea").get_text() == "Danke für den **Beitrag**!"
    assert stored(server) == []


def test_sent_from_the_preview_it_is_published_and_lands_on_the_article(server):
    status, headers, _ = publish(server)

    assert status == 303
    assert "Set-Cookie" not in headers  # Isso's edit cookie: no use without JS
    assert headers["Location"] == f"{BLOG}{ARTICLE}#kommentar-veroeffentlicht"
    assert stored(server) == [("Lea Leserin", "Danke für den **Beitrag**!", 1, None)]


def test_a_comment_under_moderation_lands_on_the_waiting_message(
    comment_server_factory,
):
    server = comment_server_factory(guard=RELAXED, moderation={"enabled": "true"})
    status, headers, _ = publish(server)

    assert status == 303
    assert [row[2] for row in stored(server)] == [2]
    assert headers["Location"] == f"{BLOG}{ARTICLE}#kommentar-wartet"


def test_a_blog_field_naming_another_site_lands_on_the_configured_blog(server):
    status, headers, _ = publish(server, blog=EVIL)
    assert status == 303
    assert headers["Location"].startswith(f"{BLOG}{ARTICLE}#")


@pytest.mark.parametrize(
    "uri",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "/2026/a/\r\nLocation: https://evil.example/",
        "/2026/a/?next=//evil.example",
        "/2026/a/#x",
    ],
    ids=["scheme-relative", "absolute", "backslash", "crlf", "query", "fragment"],
)
def test_a_thread_path_off_the_blog_is_refused_before_storing(server, uri):
    status, headers, page = publish(server, uri=uri)
    assert status == 400 and "Location" not in headers
    assert "gehört" in page.select_one("[role=alert]").get_text()
    assert stored(server) == []


def test_a_parent_that_is_no_ascii_number_is_refused_as_a_page(server):
    status, headers, page = publish(server, parent="²")
    assert_refused_page(status, headers, page, 400, "")
    assert stored(server) == []


def test_a_reply_names_its_parent(server):
    publish(server)
    parent = server.client.thread(ARTICLE).body["replies"][0]["id"]
    status, _, _ = publish(server, parent=str(parent), text="Eine Antwort")
    assert status == 303
    assert stored(server)[1][3] == parent


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/seite.html"}],
    ids=["origin", "null-origin", "referer"],
)
def test_a_post_from_another_site_is_refused(server, headers):
    status, reply_headers, page = publish(server, headers=headers)

    assert_refused_page(status, reply_headers, page, 403, "eigenen Seiten")
    assert page.find("form") is None  # the text to copy, nothing to send
    assert stored(server) == []


def test_the_honeypot_field_refuses(server):
    status, headers, page = publish(server, subject="Billig kaufen")
    assert_refused_page(status, headers, page, 400, "nicht angenommen")
    assert stored(server) == []


def test_sent_faster_than_anyone_reads_a_preview_is_refused(server):
    status, headers, page = send(server, fields(token=token(server, age=0)))

    assert_refused_page(status, headers, page, 429, "schneller")
    assert 1 <= int(headers["Retry-After"]) <= 3
    assert stored(server) == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (lambda server: token(server, age=form_token.MAX_SECONDS + 60), "einen Tag"),
        (lambda server: token(server, uri="/2026/anderer/"), "zuordnen"),
        (lambda server: form_token.issue("fremder-schluessel", ARTICLE, 0), "zuordnen"),
    ],
    ids=["older-than-a-day", "other-thread", "forged"],
)
def test_a_stale_or_foreign_token_is_refused_and_a_fresh_one_offered(
    server, value, words
):
    status, headers, page = send(server, fields(token=value(server)))

    assert_refused_page(status, headers, page, 400, words)
    offered = page.find("input", attrs={"name": "token"})["value"]
    assert form_token.check(
        secret(server), offered, ARTICLE, time.time() + 5
    ) == form_token.Verdict(form_token.OK)
    assert stored(server) == []


@pytest.mark.parametrize("with_token", [False, True], ids=["preview", "publish"])
def test_a_text_longer_than_isso_takes_is_refused(server, with_token):
    long_text = "Beitrag " + "x" * 65535
    values = fields(text=long_text)
    if with_token:
        values["token"] = token(server)
    status, headers, page = send(server, values)

    assert_refused_page(status, headers, page, 400, "zu lang")
    assert page.find("textarea").get_text() == long_text  # nothing lost
    assert stored(server) == []


def test_a_form_beyond_any_comment_is_refused_without_reading_it(server):
    status, headers, page = send(server, fields(text="ü" * (form_post.LARGEST_FORM)))
    assert status == 413 and headers["Content-Type"].startswith("text/html")
    assert "zu lang" in page.select_one("[role=alert]").get_text()


def test_isso_s_rate_limit_refuses_with_the_wait(comment_server_factory):
    server = comment_server_factory(
        guard={"ratelimit": "2", "direct-reply": "100", "reply-to-self": "true"}
    )
    assert publish(server)[0] == 303
    assert publish(server, text="Noch ein Beitrag")[0] == 303
    set_created(server.database, 1, time.time() - 45)

    status, headers, page = publish(server, text="Dritter Beitrag")

    assert_refused_page(status, headers, page, 403, "gerade schon kommentiert")
    assert 14 <= int(headers["Retry-After"]) <= 16
    assert page.find("textarea").get_text() == "Dritter Beitrag"
    assert len(stored(server)) == 2


def test_the_write_guard_s_layers_apply_a_staff_name_is_reserved(server):
    status, headers, page = publish(server, author="Anna Schmidt")
    assert_refused_page(status, headers, page, 403, "Redaktion vorbehalten")
    assert stored(server) == []


def test_the_typed_text_comes_back_escaped(server):
    text = '<script>alert("x")</script> Beitrag & Tschüss'
    status, headers, page = publish(server, subject="x", text=text)
    assert status == 400
    assert page.find("script") is None
    assert page.find("textarea").get_text() == text


def test_refusals_name_no_address(server):
    _, _, page = send(server, fields(token=token(server, age=0)))
    assert "127.0.0" not in str(page)


def multipart(values):
    """Encode ``values`` as the browser sends the form (multipart/form-data)."""
    boundary = "----formgrenze7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n"
        for name, value in values.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_text_at_isso_s_limit_fits_as_the_browser_sends_it(server):
    text = "Beitrag " + "€" * (65535 - 8)  # 3 bytes each in UTF-8
    body, content_type = multipart(fields(text=text, token=token(server)))
    request = urllib.request.Request(
        server.url.rstrip("/") + "/form/new",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, **FROM_BLOG},
    )
    assert len(body) < form_post.LARGEST_FORM
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303
    assert stored(server)[0][1] == text


def test_a_closed_thread_takes_no_comment_from_the_form(server):
    from comments.staff import owners

    path = owners.owners_file(server.conf)
    owners.write_thread_owners(path, "redaktion", {}, closed=[ARTICLE])
    status, headers, page = publish(server)
    assert_refused_page(status, headers, page, 403, "geschlossen")
    assert stored(server) == []


def test_the_widget_s_path_takes_a_text_at_isso_s_limit_too(server):
    text = "€" * 65535  # 196 KiB as UTF-8 (as browsers send it), 393 KiB escaped
    body = json.dumps(
        {"text": text, "author": "Lea", "title": "T"}, ensure_ascii=False
    ).encode("utf-8")
    request = urllib.request.Request(
        f"{server.url.rstrip('/')}/new?uri={ARTICLE}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **FROM_BLOG},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 201
    assert stored(server)[0][1] == text


def reply_page(server, uri, parent):
    """GET the reply form as the static thread links it; (status, page)."""
    query = urllib.parse.urlencode({"uri": uri, "parent": parent})
    reply = server.client.request("GET", f"/form/new?{query}")
    return reply.status, BeautifulSoup(reply.body, "html.parser")


def test_the_reply_link_shows_the_comment_answered_and_the_form(server):
    parent = server.client.post(
        ARTICLE, "Was heißt *offen*?", author="Ida & <Co>", title="Warum wir antworten"
    ).body["id"]

    status, page = reply_page(server, ARTICLE, parent)

    assert status == 200
    quoted = page.select_one("figure.parent")
    assert quoted.find("strong").get_text() == "Ida & <Co>"  # escaped once
    assert quoted.select_one("blockquote em").get_text() == "offen"  # Isso's HTML
    assert quoted.find("time")["datetime"].endswith("Z")
    form = page.find("form")
    values = {field["name"]: field.get("value") for field in form.find_all("input")}
    assert values["parent"] == str(parent) and values["uri"] == ARTICLE
    assert values["title"] == "Warum wir antworten" and values["blog"] == BLOG
    assert values["token"] == ""  # the preview gives one, as from the article
    assert form.find("button").get_text() == "Vorschau ansehen"
    back = page.select("main a")[-1]["href"]
    assert back == f"{BLOG}{ARTICLE}#isso-{parent}"


def test_a_reply_from_the_reply_page_previews_then_names_its_parent(server):
    parent = server.client.post(ARTICLE, "Eine Frage").body["id"]
    status, page = reply_page(server, ARTICLE, parent)
    sent = {field["name"]: field.get("value") or "" for field in page.find_all("input")}
    sent.update(author="Lea", text="Meine Antwort", subject="")

    status, _, preview = send(server, sent)
    assert status == 200 and preview.select_one(".preview").get_text().strip()
    sent["token"] = preview.find("input", attrs={"name": "token"})["value"]
    verdict = form_token.check(secret(server), sent["token"], ARTICLE, time.time() + 5)
    assert verdict == form_token.Verdict(form_token.OK)
    status, headers, _ = send(
        server,
        {**sent, "token": token(server)},  # as if read for 10 s
    )
    assert status == 303
    assert headers["Location"] == f"{BLOG}{ARTICLE}#kommentar-veroeffentlicht"
    assert stored(server)[-1] == ("Lea", "Meine Antwort", 1, parent)


def test_a_comment_awaiting_approval_cannot_be_answered_or_read_here(
    comment_server_factory,
):
    server = comment_server_factory(guard=RELAXED, moderation={"enabled": "true"})
    parent = server.client.post(ARTICLE, "Noch geheim").body["id"]
    status, page = reply_page(server, ARTICLE, parent)
    assert status == 404
    assert "wartet noch auf Freigabe" in page.select_one("[role=alert]").get_text()
    assert "Noch geheim" not in str(page) and page.find("form") is None


@pytest.mark.parametrize(
    ("uri", "parent", "status"),
    [
        ("/2026/anderer-beitrag/", "own", 404),  # a comment of another thread
        (ARTICLE, "999", 404),
        (ARTICLE, "1 OR 1=1", 404),
        (ARTICLE, "²", 404),
        (ARTICLE, "9" * 40, 404),
        ("//evil.example/", "own", 400),
        ("https://evil.example/", "own", 400),
    ],
    ids=[
        "other-thread",
        "unknown",
        "not-a-number",
        "superscript-digit",
        "huge",
        "scheme-relative",
        "url",
    ],
)
def test_a_reply_link_to_no_comment_of_that_thread_shows_none(
    server, uri, parent, status
):
    own = server.client.post(ARTICLE, "Nur hier zu lesen").body["id"]
    got, page = reply_page(server, uri, str(own) if parent == "own" else parent)
    assert got == status
    assert "Nur hier zu lesen" not in str(page) and page.find("form") is None
    assert page.select_one("[role=alert]").get_text().strip()


def test_a_removed_comment_cannot_be_answered_here(server):
    parent = server.client.post(ARTICLE, "Gleich weg").body["id"]
    server.client.post(ARTICLE, "Antwort hält ihn", parent=parent)
    with sqlite3.connect(server.database) as db:  # as Isso keeps one with replies
        db.execute("UPDATE comments SET mode = 4, text = '' WHERE id = ?", (parent,))
    db.close()
    status, page = reply_page(server, ARTICLE, parent)
    assert status == 404 and page.find("form") is None
