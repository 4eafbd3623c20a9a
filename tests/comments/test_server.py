"""The comment server over real HTTP: post, read, count, reply, rate limits, logs."""

import logging
import sqlite3

import pytest

ARTICLE = "/2026/warum-wir-antworten/"


def test_comment_with_umlauts_is_stored_and_read_back(comment_server):
    created = comment_server.client.post(
        ARTICLE, "Grüße aus Köln – „sehr“ schön!", author="Jörg Müller"
    )
    assert created.status == 201
    listing = comment_server.client.thread(ARTICLE)
    assert listing.status == 200
    [comment] = listing.body["replies"]
    assert comment["id"] == created.body["id"]
    assert comment["author"] == "Jörg Müller"
    assert comment["text"] == "<p>Grüße aus Köln – „sehr“ schön!</p>"


def test_reply_and_reply_to_reply_nest_one_level(comment_server):
    client = comment_server.client
    top = client.post(ARTICLE, "Erste Frage").body["id"]
    reply = client.post(ARTICLE, "Antwort", parent=top).body["id"]
    reply_to_reply = client.post(ARTICLE, "Rückfrage", parent=reply).body
    # Isso keeps threads one level deep: the reply to a reply hangs on the top.
    assert reply_to_reply["parent"] == top
    [thread] = client.thread(ARTICLE).body["replies"]
    assert thread["id"] == top
    assert [r["text"] for r in thread["replies"]] == [
        "<p>Antwort</p>",
        "<p>Rückfrage</p>",
    ]


def test_counts_cover_published_comments_per_thread(comment_server):
    client = comment_server.client
    other = "/2026/anderer-artikel/"
    for text in ("eins", "zwei"):
        assert client.post(ARTICLE, text).status == 201
    assert client.post(other, "drei").status == 201
    assert client.counts([ARTICLE, other, "/ohne/kommentare/"]).body == [2, 1, 0]


def test_spoofed_forwarded_for_does_not_escape_the_rate_limit(comment_server_factory):
    server = comment_server_factory(guard={"ratelimit": "2", "direct-reply": "100"})
    statuses = [
        server.client.post(
            ARTICLE, f"Kommentar {n}", headers={"X-Forwarded-For": f"203.0.113.{n}"}
        ).status
        for n in range(4)
    ]
    assert statuses == [201, 201, 403, 403]


def test_forwarded_for_is_believed_from_a_trusted_proxy(comment_server_factory):
    server = comment_server_factory(
        guard={"ratelimit": "2", "direct-reply": "100"},
        server={"trusted-proxies": "127.0.0.1"},
    )
    statuses = [
        server.client.post(
            ARTICLE, f"Kommentar {n}", headers={"X-Forwarded-For": f"198.51.{n}.7"}
        ).status
        for n in range(4)
    ]
    # Each client sits in its own /24, so the limit counts each separately.
    assert statuses == [201, 201, 201, 201]
    with sqlite3.connect(server.database) as db:
        addresses = {row[0] for row in db.execute("SELECT remote_addr FROM comments")}
    assert addresses == {f"198.51.{n}.0" for n in range(4)}


def test_logs_name_no_email_and_no_address(comment_server, caplog):
    caplog.set_level(logging.INFO)
    created = comment_server.client.post(
        ARTICLE,
        "Mit Adresse",
        email="leserin@example.com",
        headers={"X-Forwarded-For": "192.0.2.44"},
    )
    assert created.status == 201
    log = caplog.text
    assert f"comment {created.body['id']} created on {ARTICLE}" in log
    assert "leserin@example.com" not in log
    assert "192.0.2" not in log
    assert "127.0.0" not in log.replace("http://127.0.0.1", "")


def test_public_api_never_returns_email_or_address(comment_server):
    comment_server.client.post(ARTICLE, "Hallo", email="geheim@example.com")
    listing = comment_server.client.thread(ARTICLE)
    assert "geheim@example.com" not in str(listing.body)
    assert "remote_addr" not in str(listing.body)


def test_serves_the_isso_client_and_allows_the_blog_origin(comment_server):
    script = comment_server.client.request("GET", "/js/embed.min.js")
    assert script.status == 200
    assert "isso" in script.body
    preflight = comment_server.client.request(
        "OPTIONS", f"/new?uri={ARTICLE}", headers={"Origin": "http://localhost:8000"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    foreign = comment_server.client.request(
        "GET", f"/?uri={ARTICLE}", headers={"Origin": "http://evil.example"}
    )
    assert foreign.headers["Access-Control-Allow-Origin"] != "http://evil.example"


def test_admin_login_takes_the_password_from_the_environment(comment_server_factory):
    server = comment_server_factory(admin={"enabled": "true"})
    password = server.conf.get("admin", "password")
    assert password and password != "please_choose_a_strong_password"
    status, cookie = server.client.login("please_choose_a_strong_password")
    assert status == 200 and "admin-session" not in cookie
    status, cookie = server.client.login(password)
    assert status == 302 and cookie.startswith("admin-session=")


def test_shipped_configs_agree_on_the_answer_target():  # no override to drift
    from pelican.settings import read_settings

    from comments.config import DEFAULT_CONFIG_FILE, load_config
    from tests.support import ROOT

    conf, _ = load_config(DEFAULT_CONFIG_FILE, environ={}, create_secrets=False)
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    target = settings.get("ANSWERED_TARGET_HOURS", 24)
    assert float(conf.get("blog", "answer-target-hours")) == target


HUGE = 99999999999999999999999


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("POST", f"/new?uri={ARTICLE}", ["text", "author"], 400),
        ("POST", f"/new?uri={ARTICLE}", {"text": "Hallo", "parent": HUGE}, 400),
        ("POST", f"/new?uri={ARTICLE}", {"text": "abc \udcff"}, 400),
        ("POST", "/count", [[1]], 400),
        ("POST", "/count", ["/a/", "\udcff"], 400),
        ("GET", f"/id/{HUGE}", None, 404),
        ("PUT", f"/id/{HUGE}", {"text": "neu"}, 404),
    ],
    ids=[
        "array",
        "huge-parent",
        "surrogate",
        "count-lists",
        "count-surrogate",
        "get-huge-id",
        "put-huge-id",
    ],
)
def test_requests_isso_cannot_handle_get_4xx_not_500(
    comment_server, caplog, method, path, payload, status
):
    reply = comment_server.client.request(method, path, payload)
    assert reply.status == status
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    created = comment_server.client.post(ARTICLE, "Danach geht alles weiter")
    assert created.status == 201
    assert comment_server.client.counts([ARTICLE]).body == [1]


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"general": {"host": "blog.example.org"}},
            "[general] host = 'blog.example.org' is not the blog's origin",
        ),
        (
            {"server": {"trusted-proxies": "der-proxy"}},
            "[server] trusted-proxies = 'der-proxy' is not an IP address",
        ),
        (
            {"smtp": {"host": "127.0.0.1", "to": "redaktion, anna@example.org"}},
            "[smtp] to = 'redaktion' is not a mail address",
        ),
    ],
)
def test_settings_that_cannot_work_stop_the_start_in_one_line(
    comment_server_factory, sections, message
):
    from comments.config import ConfigError

    with pytest.raises(ConfigError) as raised:
        comment_server_factory(**sections)
    assert str(raised.value).startswith(message)
