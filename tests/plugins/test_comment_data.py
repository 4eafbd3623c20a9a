"""The comment_data plugin: one read per build, shared, and nothing private written."""

import gc
import re
import sqlite3

import pytest
from pelican import signals

from contracts import COMMENT_DATA
from tests.support import build_site, write_files

ARTICLE = {
    "articles/a.md": """
        Title: Ein Artikel
        Date: 2026-10-01 09:00
        Category: Technik
        Slug: ein-artikel
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """
}
EMAILS = ("leserin@example.com", "staff.person@example.org")
ADDRESSES = ("198.51.100", "203.0.113")


@pytest.fixture
def server(comment_server_factory):
    server = comment_server_factory(
        staff={"anna": ("Anna Schmidt", "ein-langes-passwort")},
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
        server={"trusted-proxies": "127.0.0.1"},
    )
    first = server.client.post(
        "/2026/ein-artikel/",
        "Frage",
        email=EMAILS[0],
        headers={"X-Forwarded-For": f"{ADDRESSES[0]}.7"},
    ).body["id"]
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    server.client.post(
        "/2026/ein-artikel/",
        "Antwort",
        parent=first,
        email=EMAILS[1],
        headers={"Cookie": cookie, "X-Forwarded-For": f"{ADDRESSES[1]}.9"},
    )
    return server


def test_one_read_per_build_shared_by_every_generator(server, tmp_path):
    seen = []

    def remember(generator):
        seen.append(generator.context.get(COMMENT_DATA))

    signals.generator_init.connect(remember)
    try:
        write_files(tmp_path / "content", ARTICLE)
        build_site(
            tmp_path / "content", tmp_path / "output", COMMENTS_DATABASE=server.database
        )
    finally:
        signals.generator_init.disconnect(remember)
    comment_data = seen[-1]
    assert comment_data.comment_count == 2
    # One reader comment, answered by staff: the digest keeps its figures.
    assert len(comment_data.total) == 1 and comment_data.open == ()
    assert list(comment_data.by_staff) == ["Anna Schmidt"]
    assert all(data is comment_data for data in seen[1:])
    # One read, one snapshot.
    assert len(list((tmp_path / "snapshots").glob("comments-*.json"))) == 1


def test_heap_is_frozen_from_the_read_to_the_end_of_the_build(tmp_path):
    frozen_during_build = []

    def note_freeze(generators):
        frozen_during_build.append(gc.get_freeze_count())

    signals.all_generators_finalized.connect(note_freeze)
    try:
        write_files(tmp_path / "content", ARTICLE)
        build_site(tmp_path / "content", tmp_path / "output")
    finally:
        signals.all_generators_finalized.disconnect(note_freeze)
    # comment_data froze the heap after its read; the build's end thawed it
    assert frozen_during_build and frozen_during_build[0] > 0
    assert gc.get_freeze_count() == 0


def test_build_falls_back_to_no_comments_without_a_database(tmp_path, caplog):
    write_files(tmp_path / "content", ARTICLE)
    output = build_site(tmp_path / "content", tmp_path / "output")
    assert (output / "2026/ein-artikel/index.html").exists()
    assert "building without comments" in caplog.text


def test_no_email_or_address_in_any_file_a_build_writes(server, tmp_path):
    with sqlite3.connect(server.database) as db:
        stored = db.execute("SELECT email, remote_addr FROM comments").fetchall()
    # A staff comment keeps the account's pseudonym, not the typed address,
    # and no reader's address (comments.server.staff_web.STAFF_ADDRESS).
    assert stored == [
        (EMAILS[0], f"{ADDRESSES[0]}.0"),
        ("staff:anna", "staff"),
    ]
    write_files(tmp_path / "content", ARTICLE)
    build_site(
        tmp_path / "content", tmp_path / "output", COMMENTS_DATABASE=server.database
    )
    written = [
        path
        for folder in (tmp_path / "output", tmp_path / "snapshots")
        for path in folder.rglob("*")
        if path.is_file()
    ]
    assert any(path.suffix == ".json" for path in written)
    secrets = [*EMAILS, *ADDRESSES, "staff:anna"]
    leaks = re.compile("|".join(re.escape(s) for s in secrets))
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not leaks.search(text), path
