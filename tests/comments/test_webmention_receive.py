"""Receiving Webmentions: a real comment server on loopback, a participant's
blog on another loopback port, the check in the server's background thread."""

import json
import socket
import sqlite3
import threading
import time

import pytest

from comments.server.webmention_web import RateLimit
from comments.staff import parade_review
from comments.store import webmentions
from comments.store.schema import ensure_schema
from comments.webmention import verify
from comments.webmention.calls import calls_file, write_calls
from tests.remote_site import Page, RemoteSite, participant_post
from tests.support import isso_database_with

SITE = "http://localhost:8000"
CALL = f"{SITE}/2026/aufruf-offenheit/"


@pytest.fixture
def server(comment_server_factory):
    """A comment server that may fetch sources on 127.0.0.1 (tests only)."""
    server = comment_server_factory(
        webmention={"allow-private-sources": "true"},
        blog={"site-url": SITE},
    )
    write_calls(calls_file(server.database), {"/2026/aufruf-offenheit/": "offenheit"})
    return server


@pytest.fixture
def remote():
    with RemoteSite() as site:
        yield site


def mention(server, source, target=CALL, headers=None):
    """POST one Webmention; return the Response."""
    return server.client.form(
        "/webmention", {"source": source, "target": target}, headers
    )


def checked(server, timeout=10):
    """Wait until the server has checked every mention; return them all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = parade_review.mentions(server.database)
        if found and all(item.status != webmentions.QUEUED for item in found):
            return found
        time.sleep(0.05)
    raise AssertionError("the mentions were not checked in time")


def test_a_post_mentioning_our_call_becomes_a_pending_participant(server, remote):
    remote.pages["/eva/"] = Page(participant_post(CALL))

    reply = mention(server, f"{remote.url}/eva/")

    assert reply.status == 202
    assert json.loads(reply.body) == {"status": "queued"}
    [found] = checked(server)
    assert (found.status, found.parade, found.review) == (
        "verified",
        "offenheit",
        "pending",
    )
    assert (found.title, found.author, found.summary) == (
        "Mein Beitrag zur Blogparade",
        "Eva Beispiel",
        "Offenheit zahlt sich aus.",
    )
    assert found.published.startswith("2026-12-10")
    participants, others = parade_review.pending(server.database)
    assert [item.id for item in participants] == [found.id] and others == []


def test_a_mention_of_another_post_is_kept_for_staff(server, remote):
    other = f"{SITE}/2026/anderer-beitrag/"
    remote.pages["/link/"] = Page(f'<title>Link</title><a href="{other}">da</a>')

    assert mention(server, f"{remote.url}/link/", other).status == 202

    [found] = checked(server)
    assert (found.status, found.parade, found.title) == ("verified", "", "Link")
    assert parade_review.pending(server.database)[1] == [found]


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"source": "http://eva.example/x"}, "source and target are required"),
        ({"source": "ftp://eva.example/x", "target": CALL}, "source must be an http"),
        ({"source": "http://eva.example/x", "target": "/2026/a/"}, "target must be"),
        ({"source": CALL, "target": CALL}, "the same address"),
        (
            {"source": "http://eva.example/x", "target": "http://else.example/a/"},
            "target is not a page of http://localhost:8000",
        ),
    ],
)
def test_malformed_mentions_get_400_with_the_reason(server, fields, reason):
    reply = server.client.form("/webmention", fields)

    assert reply.status == 400
    assert reason in json.loads(reply.body)["error"]
    assert parade_review.mentions(server.database) == []


def test_a_json_body_is_refused(server):
    reply = server.client.request(
        "POST", "/webmention", {"source": "http://eva.example/", "target": CALL}
    )
    assert reply.status == 400
    assert "form" in reply.body["error"]


def test_a_mention_sent_again_updates_its_row_and_marks_a_source_that_stopped_linking(
    server, remote
):
    source = f"{remote.url}/eva/"
    remote.pages["/eva/"] = Page(participant_post(CALL))
    mention(server, source)
    [first] = checked(server)
    parade_review.approve(server.database, first.id, by="anna")

    remote.pages["/eva/"] = Page("<title>Neu</title><p>Kein Link mehr.</p>")
    assert mention(server, source).status == 202

    [again] = checked(server)
    assert again.id == first.id
    assert (again.status, again.review) == ("unlinked", "approved")
    assert again.problem == "the source does not link to the target"
    assert parade_review.stopped_linking(server.database) == [again]


@pytest.mark.parametrize(
    "page, status, problem",
    [
        (Page("weg", 410), "gone", "the source answers 410"),
        (Page("weg", 404), "gone", "the source answers 404"),
        (
            Page(b"%PDF-1.7", headers={"Content-Type": "application/pdf"}),
            "ignored",
            "not an HTML page (application/pdf)",
        ),
        (
            Page("<p>" + "x" * 1_000_001 + "</p>"),
            "failed",
            "larger than 1,000,000 bytes; not read",
        ),
    ],
)
def test_sources_that_cannot_count(server, remote, page, status, problem):
    remote.pages["/quelle/"] = page

    assert mention(server, f"{remote.url}/quelle/").status == 202

    [found] = checked(server)
    assert (found.status, found.problem) == (status, problem)


def test_a_flood_from_one_client_is_rate_limited(server, remote):
    remote.pages["/eva/"] = Page(participant_post(CALL))
    answers = [
        mention(server, f"{remote.url}/eva/?n={number}").status for number in range(12)
    ]

    assert answers[:10] == [202] * 10
    assert answers[10:] == [429, 429]


def test_the_check_runs_in_the_background(server, remote):
    remote.pages["/langsam/"] = Page(participant_post(CALL), drip_seconds=0.05)

    started = time.monotonic()
    assert mention(server, f"{remote.url}/langsam/").status == 202
    answered = time.monotonic() - started

    assert answered < 1.0  # the source takes several seconds to read
    assert checked(server)[0].status == "verified"


def test_approval_and_rejection_are_recorded(server, remote):
    for name in ("eva", "spam"):
        remote.pages[f"/{name}/"] = Page(participant_post(CALL, title=name))
        mention(server, f"{remote.url}/{name}/")
    eva, spam = checked(server)

    parade_review.approve(server.database, eva.id, by="anna", now=100.0)
    parade_review.reject(server.database, spam.id, "spam", by="jonas", now=200.0)

    assert webmentions.review_log(server.database) == [
        (eva.id, eva.source, "approved", "", 100.0, "anna"),
        (spam.id, spam.source, "rejected", "spam", 200.0, "jonas"),
    ]
    assert parade_review.pending(server.database) == ([], [])
    with pytest.raises(parade_review.ReviewError, match="keiner von spam, off-topic"):
        parade_review.reject(server.database, eva.id, "boring")
    with pytest.raises(parade_review.ReviewError, match="Erwähnung 99 gibt es nicht"):
        parade_review.approve(server.database, 99)
    with (
        sqlite3.connect(server.database) as connection,
        pytest.raises(sqlite3.DatabaseError, match="append-only"),
    ):
        connection.execute("DELETE FROM blog_webmention_reviews")


def test_sources_on_private_addresses_are_refused_without_a_connection(
    comment_server_factory, monkeypatch
):
    """The production setting: the source's name resolves inside the network."""
    server = comment_server_factory(blog={"site-url": SITE})
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    attempts = []

    def getaddrinfo(host, port, *args, **kwargs):
        inside = {"metadata.example": "169.254.169.254", "intranet.example": "10.1.2.3"}
        if host in inside:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (inside[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(sock, address):
        if address[0] != "127.0.0.1":
            attempts.append(address)
            raise AssertionError(f"a connection to {address} was attempted")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for source in (
        "http://metadata.example/latest/meta-data/",
        "http://intranet.example/wiki/",
        "http://169.254.169.254/latest/",
        "http://127.0.0.1:9/",
        "http://[::1]:9/",
    ):
        assert mention(server, source).status == 202

    found = checked(server)
    assert [item.status for item in found] == ["failed"] * 5
    assert all("private, loopback or link-local" in item.problem for item in found)
    assert attempts == []


def test_the_rate_limit_remembers_a_bounded_number_of_clients():
    limit = RateLimit(limit=2, window=60, clients=100)

    assert [limit.allow("a", now=0.0) for _ in range(3)] == [0, 0, 60]
    assert limit.allow("a", now=61.0) == 0  # the window moved on
    for number in range(10_000):  # a flood from many addresses
        limit.allow(f"10.0.{number // 256}.{number % 256}", now=62.0)
    assert len(limit.recent) == 100


def test_a_full_queue_refuses_more_and_keeps_memory_bounded(tmp_path, monkeypatch):
    path = tmp_path / "comments.db"
    isso_database_with(path, 1)
    ensure_schema(path)
    release, checked_ids = threading.Event(), []

    def slow_check(db_path, mention_id, source, target, allow_private):
        release.wait(10)
        checked_ids.append(mention_id)

    monkeypatch.setattr(verify, "check_mention", slow_check)
    jobs = verify.MentionQueue(path, size=2)
    ids = [
        webmentions.record_received(path, f"https://q.example/{n}", CALL, "/", 1.0)
        for n in range(5)
    ]

    jobs.start()  # queues the oldest unchecked mention left in the database
    deadline = time.monotonic() + 5
    while jobs.waiting and time.monotonic() < deadline:
        time.sleep(0.01)  # the worker has taken it
    answers = [jobs.put(mention_id, "s", "t") for mention_id in ids[1:]]
    assert answers == [True, True, False, False]
    assert jobs.put(ids[1], "s", "t")  # waiting already: not queued twice
    release.set()
    assert jobs.wait()
    assert checked_ids == ids[:3]


def test_a_huge_request_is_refused_unread(server):
    reply = server.client.form(
        "/webmention", {"source": "http://eva.example/" + "x" * 20_000, "target": CALL}
    )
    assert reply.status == 413
    assert parade_review.mentions(server.database) == []
