"""``blog_webmentions``: one row per source and target, and approved mentions
reach every build: read from SQLite, through the export, from a snapshot."""

import datetime
import sqlite3
from pathlib import Path

from comments.build import data, reader, snapshots
from comments.build.digest import digest_of
from comments.build.source import SourceSettings, load_for_build
from comments.store import webmentions
from comments.store.schema import ensure_schema
from comments.webmention.source import Entry
from tests.support import isso_database_with

NOW = datetime.datetime(2026, 12, 16, 9, 0, tzinfo=datetime.UTC)
CALL = "https://blog.example.org/2026/aufruf/"


def database(tmp_path):
    path = tmp_path / "comments.db"
    isso_database_with(path, 2)
    ensure_schema(path)
    return path


def mention(path, source, review=None, status=webmentions.VERIFIED):
    mention_id = webmentions.record_received(path, source, CALL, "/2026/aufruf/", 1.0)
    webmentions.record_checked(
        path,
        mention_id,
        status,
        2.0,
        Entry("Titel", "Eva", "2026-12-10", "Offen ist besser."),
    )
    if review:
        webmentions.review(path, mention_id, review, "", "anna", 3.0)
    return mention_id


def test_a_mention_sent_again_is_one_row(tmp_path):
    path = database(tmp_path)
    first = mention(path, "https://eva.example/a/", webmentions.APPROVED)
    again = webmentions.record_received(path, "https://eva.example/a/", CALL, "/", 5.0)

    assert again == first
    with sqlite3.connect(path) as connection:
        assert connection.execute(
            "SELECT COUNT(*), MAX(received_at), MAX(status), MAX(review) "
            "FROM blog_webmentions"
        ).fetchone() == (1, 5.0, "queued", "approved")
        # Approved and linking until the new check says otherwise.
        assert len(webmentions.approved_participants(connection)) == 1


def test_only_approved_linking_mentions_reach_a_build(tmp_path):
    path = database(tmp_path)
    mention(path, "https://eva.example/a/", webmentions.APPROVED)
    mention(path, "https://spam.example/", webmentions.REJECTED)
    mention(path, "https://neu.example/")  # pending
    mention(path, "https://weg.example/", webmentions.APPROVED, webmentions.GONE)

    read = reader.read_database(path, NOW)

    assert read.mentions == (
        data.Mention(
            "https://eva.example/a/",
            "/2026/aufruf/",
            "Titel",
            "Eva",
            "2026-12-10",
            2.0,
            "Offen ist besser.",
        ),
    )
    exported = data.from_json(data.to_json(read))
    assert digest_of(exported).mentions == read.mentions


def test_a_snapshot_keeps_the_mentions_for_a_build_without_the_database(tmp_path):
    path = database(tmp_path)
    mention(path, "https://eva.example/a/", webmentions.APPROVED)
    settings = SourceSettings("database", path, "", "", tmp_path / "snapshots")
    fresh = load_for_build(settings, now=NOW)

    settings = SourceSettings(
        "database", Path(tmp_path / "weg.db"), "", "", tmp_path / "snapshots"
    )
    fallback = load_for_build(settings, now=NOW + datetime.timedelta(hours=1))

    assert fresh.source == "database" and fallback.source == "snapshot"
    assert fallback.mentions == fresh.mentions != ()
    assert snapshots.latest_snapshot(tmp_path / "snapshots").mentions == fresh.mentions


def test_a_database_from_before_webmention_has_none(tmp_path):
    path = tmp_path / "comments.db"
    isso_database_with(path, 1)
    assert reader.read_database(path, NOW).mentions == ()
