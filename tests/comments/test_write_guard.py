"""Writes the blog did not ask for are refused before Isso sees them."""

import logging
import sqlite3
import urllib.request

import pytest

from comments.staff import owners

ARTICLE = "/2026/kritik/"
CLOSED = "/2026/geschlossen/"
BLOG = "http://localhost:8000"
EVIL = "https://evil.example"
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )


def raw(server, method, path, body=b"", headers=None):
    """Send bytes as they are; return (status, headers, body text)."""
    request = urllib.request.Request(
        server.url.rstrip("/") + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def stored_texts(server):
    with sqlite3.connect(server.database) as db:
        return [row[0] for row in db.execute("SELECT text FROM comments ORDER BY id")]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Referer": f"{EVIL}/seite.html"},
        {"Origin": "http://localhost.evil.example:8000"},
    ],
    ids=["origin", "null-origin", "referer", "lookalike"],
)
def test_another_site_cannot_post_or_vote_in_its_visitors_names(server, headers):
    comment_id = server.client.post(ARTICLE, "Vom Blog", headers={"Origin": BLOG})
    comment_id = comment_id.body["id"]
    posted = server.client.post(ARTICLE, "Von fremder Seite", headers=headers)
    liked = server.client.request("POST", f"/id/{comment_id}/like", headers=headers)
    assert (posted.status, posted.body["reason"]) == (403, "origin")
    assert "eigenen Seiten" in posted.body["message"]
    assert liked.status == 403
    assert stored_texts(server) == ["Vom Blog"]
    assert server.client.thread(ARTICLE).body["replies"][0]["likes"] == 0


def test_the_blog_and_the_server_itself_may_write(server):
    for headers in ({"Origin": BLOG}, {"Referer": f"{BLOG}/2026/kritik/"}, {}):
        assert server.client.post(ARTICLE, "Erlaubt", headers=headers).status == 201
    own = {"Origin": server.url.rstrip("/")}
    assert server.client.post(ARTICLE, "Vom Server", headers=own).status == 201


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data"])
def test_a_write_must_be_json(server, content_type):
    comment_id = server.client.post(ARTICLE, "Erster").body["id"]
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"text": "Ohne JSON-Kopf", "title": "T"}'
    status, _, answer = raw(server, "POST", f"/new?uri={ARTICLE}", body, headers)
    assert status == 415 and '"content-type"' in answer
    assert raw(server, "POST", f"/id/{comment_id}/like", b"", headers)[0] == 415
    assert stored_texts(server) == ["Erster"]


def close_thread(server, uri):
    """Write the thread-owners file as a build would, with ``uri`` closed."""
    path = owners.owners_file(server.conf)
    owners.write_thread_owners(path, "redaktion", {}, closed=[uri])


def test_a_closed_thread_takes_no_new_comments_or_votes_from_readers(server):
    earlier = server.client.post(CLOSED, "Vor dem Schließen").body["id"]
    close_thread(server, CLOSED)
    refused = server.client.post(CLOSED, "Nach dem Schließen")
    assert (refused.status, refused.body["reason"]) == (403, "closed")
    assert refused.body["message"] == (
        "Die Kommentare zu diesem Beitrag sind geschlossen."
    )
    assert server.client.request("POST", f"/id/{earlier}/dislike").status == 403
    assert server.client.post(ARTICLE, "Anderswo offen").status == 201
    assert stored_texts(server) == ["Vor dem Schließen", "Anderswo offen"]


def test_staff_still_answer_in_a_closed_thread(server):
    question = server.client.post(CLOSED, "Noch offen").body["id"]
    close_thread(server, CLOSED)
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    answer = server.client.post(
        CLOSED, "Unsere Antwort", parent=question, headers={"Cookie": cookie}
    )
    assert answer.status == 201


def test_a_preview_is_no_longer_than_a_comment(server):
    too_long = server.client.request("POST", "/preview", {"text": "*a* " * 16384})
    assert too_long.status == 400
    short = server.client.request("POST", "/preview", {"text": "*a* " * 16383})
    assert short.status == 200


def test_previews_come_as_often_as_a_person_writes(server):
    statuses = [
        server.client.request("POST", "/preview", {"text": "**fett**"}).status
        for _ in range(21)
    ]
    assert statuses == [200] * 20 + [429]
    refused = server.client.request("POST", "/preview", {"text": "**fett**"})
    assert refused.body["reason"] == "preview-limit"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/new?uri={ARTICLE}"),
        ("POST", "/count"),
        ("PUT", "/id/1"),
        ("POST", "/preview"),
    ],
)
def test_json_nested_too_deep_is_a_400_not_a_traceback(server, caplog, method, path):
    server.client.post(ARTICLE, "Damit es Kommentar 1 gibt")
    body = b"[" * 100_000 + b"]" * 100_000
    headers = {"Content-Type": "application/json"}
    assert raw(server, method, path, body, headers)[0] == 400
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_an_origin_with_a_port_that_is_no_number_is_a_400(server, caplog, header):
    headers = {header: "http://localhost:8000.evil.example"}
    assert server.client.thread(ARTICLE, headers=headers).status == 400
    assert server.client.post(ARTICLE, "Hallo", headers=headers).status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_behind_a_proxy_each_reader_has_their_own_previews(comment_server_factory):
    server = comment_server_factory(server={"trusted-proxies": "127.0.0.1"})
    for reader in ("198.51.100.7", "203.0.113.9"):  # both through nginx
        statuses = {
            server.client.request(
                "POST",
                "/preview",
                {"text": "**fett**"},
                headers={"X-Forwarded-For": reader},
            ).status
            for _ in range(20)
        }
        assert statuses == {200}, reader
