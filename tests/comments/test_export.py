"""The export endpoint: every thread in one response, only with the right token."""

import contextlib
import datetime
import http.server
import json
import logging
import socket
import threading

import pytest

from comments.build import data, reader
from comments.build.digest import OPEN, digest_of
from comments.build.source import SourceSettings, load_comment_data, load_for_build

TOKEN = "export-token-fuer-tests-1234567890"
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def server(comment_server_factory):
    server = comment_server_factory(
        environ={"BLOG_EXPORT_TOKEN": TOKEN},
        guard={"ratelimit": "100", "direct-reply": "100"},
    )
    for uri in ("/2026/a/", "/2026/b/", "/2026/c/"):
        server.client.post(uri, f"Kommentar zu {uri}", email="leser@example.com")
    return server


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer falsch"}, 403),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ],
)
def test_export_without_the_right_token_reveals_nothing(server, headers, status):
    reply = server.client.request("GET", "/export", headers=headers)
    assert reply.status == status
    assert "Kommentar" not in str(reply.body) and "/2026/" not in str(reply.body)


def test_export_is_absent_when_no_token_is_configured(comment_server):
    reply = comment_server.client.request(
        "GET", "/export", headers={"Authorization": "Bearer "}
    )
    assert reply.status == 404


def test_export_returns_every_thread_in_one_response(server):
    reply = server.client.request(
        "GET", "/export", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reply.status == 200
    exported = data.from_json(reply.body)
    assert sorted(c.thread_uri for c in exported.comments) == [
        "/2026/a/",
        "/2026/b/",
        "/2026/c/",
    ]
    assert "leser@example.com" not in str(reply.body)


def test_http_source_reads_the_same_data_as_the_database(server, tmp_path):
    settings = SourceSettings(
        "http", None, f"{server.url}/export", TOKEN, tmp_path / "snapshots"
    )
    over_http = load_comment_data(settings, now=NOW)
    direct = reader.read_database(server.database, NOW)
    assert over_http.source == "http"
    assert over_http.comments == direct.comments
    assert over_http.database_id == direct.database_id


def test_a_build_over_http_gets_the_digest_a_database_build_gets(server, tmp_path):
    snapshot_dir = tmp_path / "snapshots"
    over_http = load_for_build(
        SourceSettings("http", None, f"{server.url}/export", TOKEN, snapshot_dir),
        now=NOW,
    )
    direct = digest_of(reader.read_database(server.database, NOW))
    assert over_http.source == "http" and over_http.comment_count == 3
    assert list(over_http.total) == list(direct.total) == [OPEN] * 3
    assert over_http.open == direct.open
    # The snapshot of the read is written, and a later build away from the
    # server falls back to it, digested the same way.
    away = SourceSettings(
        "http", None, "http://127.0.0.1:9/export", TOKEN, snapshot_dir
    )
    fallback = load_for_build(away, now=NOW + datetime.timedelta(hours=1))
    assert fallback.source == "snapshot" and fallback.open == direct.open


def test_http_source_with_a_wrong_token_is_a_one_line_error(server, tmp_path):
    settings = SourceSettings(
        "http", None, f"{server.url}/export", "falsch", tmp_path / "snapshots"
    )
    with pytest.raises(reader.CommentDataError, match="export refused \\(403\\)"):
        load_comment_data(settings, now=NOW)


def test_unreachable_server_falls_back_to_the_snapshot(server, tmp_path, caplog):
    url = f"{server.url}/export"
    load_comment_data(
        SourceSettings("http", None, url, TOKEN, tmp_path / "snapshots"), now=NOW
    )
    closed_port = SourceSettings(
        "http", None, "http://127.0.0.1:9/export", TOKEN, tmp_path / "snapshots"
    )
    with caplog.at_level(logging.WARNING):
        fallback = load_comment_data(closed_port, now=NOW + datetime.timedelta(days=3))
    assert fallback.source == "snapshot" and len(fallback.comments) == 3
    assert "3 days old" in caplog.text


@contextlib.contextmanager
def loopback_http(handler_class):
    """Serve ``handler_class`` on 127.0.0.1; yield the server."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_the_token_is_not_sent_on_through_a_redirect(tmp_path):
    seen = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            body = json.dumps(
                data.to_json(data.CommentData(read_at=NOW, source="database"))
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with loopback_http(Recorder) as other:

        class Redirector(Recorder):
            def do_GET(self):
                self.send_response(302)
                self.send_header(
                    "Location", f"http://127.0.0.1:{other.server_port}/export"
                )
                self.send_header("Content-Length", "0")
                self.end_headers()

        with loopback_http(Redirector) as first:
            settings = SourceSettings(
                "http",
                None,
                f"http://127.0.0.1:{first.server_port}/export",
                TOKEN,
                tmp_path / "snapshots",
            )
            with pytest.raises(reader.CommentDataError, match=r"redirects \(302, to "):
                load_comment_data(settings, now=NOW)
    assert seen == []


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to resolve a name or open a connection."""

    def refuse(*args, **kwargs):
        pytest.fail(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_plain_http_to_another_host_is_refused_before_any_traffic(tmp_path, no_network):
    settings = SourceSettings(
        "http",
        None,
        "http://kommentare.example.org/export",
        TOKEN,
        tmp_path / "snapshots",
    )
    with pytest.raises(reader.CommentDataError, match="must start with https://"):
        load_comment_data(settings, now=NOW)
    with pytest.raises(reader.CommentDataError, match="must start with https://"):
        reader.read_export(settings.export_url, TOKEN, NOW)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://kommentare.example.org/export", True),
        ("http://127.0.0.1:8080/export", True),
        ("http://localhost/export", True),
        ("http://[::1]:8080/export", True),
        ("http://kommentare.example.org/export", False),
        ("http://127.0.0.1.example.org/export", False),
        ("ftp://kommentare.example.org/export", False),
        ("kommentare.example.org/export", False),
    ],
)
def test_only_https_or_loopback_export_urls_pass(url, allowed):
    if allowed:
        reader.check_export_url(url)
    else:
        with pytest.raises(reader.CommentDataError, match="COMMENTS_EXPORT_URL="):
            reader.check_export_url(url)


def test_a_comment_time_that_is_no_time_names_the_comment_through_the_export(
    server, caplog
):
    from tests.support import set_created

    comment_id = server.client.post("/2026/d/", "Falsche Uhr").body["id"]
    set_created(server.database, comment_id, 1e12)
    url = server.url.rstrip("/") + "/export"
    with pytest.raises(reader.CommentDataError) as failure:
        reader.read_export(url, TOKEN, NOW)
    assert str(failure.value).startswith(f"{url}: the comment server says: ")
    assert f"comment {comment_id} on /2026/d/ has created = 1000000000000.0" in str(
        failure.value
    )
    assert "Traceback" not in caplog.text
