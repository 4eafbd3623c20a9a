"""A database that cannot be written: a German 503 for readers, few log lines."""

import logging
import sqlite3

import pytest
from werkzeug.test import Client

from comments.config import load_config
from comments.server.app import create_app
from comments.server.storage_errors import StorageErrorLog, condition_of
from tests.support import write_isso_config

ARTICLE = "/2026/warum-wir-antworten/"
MESSAGE = (
    "Ihr Kommentar konnte gerade nicht gespeichert werden – bitte später noch einmal."
)

# What SQLite itself says when the file turns read-only or the disk is full,
# set on the connection the in-process server uses in this (the test's) thread.
READ_ONLY = "PRAGMA query_only = ON"
DISK_FULL = "PRAGMA max_page_count = {pages}"


@pytest.fixture
def app(tmp_path):
    """The comment server in process; requests run in the test's thread."""
    config_file = write_isso_config(tmp_path, guard={"enabled": "false"})
    conf, _ = load_config(config_file, environ={})
    return create_app(conf, environ={})


def post(app, text):
    return Client(app).post(
        f"/new?uri={ARTICLE}", json={"text": text, "title": "Artikel"}
    )


def break_storage(app, how):
    """Make the next write on this thread's connection fail as ``how`` says."""
    execute = app.comment_server.db.execute
    pages = execute("PRAGMA page_count").fetchone()[0]
    execute(how.format(pages=pages))


@pytest.mark.parametrize("how", [READ_ONLY, DISK_FULL], ids=["read-only", "full"])
def test_unwritable_database_answers_a_german_503(app, how, caplog):
    assert post(app, "Vorher ging es").status_code == 201
    break_storage(app, how)

    reply = post(app, "Jetzt nicht" * 500)

    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "60"
    assert reply.json == {"reason": "storage", "message": MESSAGE, "retry_after": 60}
    assert "Traceback" not in caplog.text
    assert post(app, "Danach wieder").status_code == 201


def test_each_condition_is_logged_once_not_per_request(app, caplog):
    caplog.set_level(logging.INFO)
    for attempt in range(5):
        break_storage(app, READ_ONLY)
        assert post(app, f"Versuch {attempt}").status_code == 503
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "comment storage: read-only database (attempt to write a readonly "
        "database); readers get 503 until it clears"
    ]


def test_the_log_counts_repeats_at_most_once_a_minute(caplog):
    now = [1000.0]
    log = StorageErrorLog(clock=lambda: now[0], interval=60)
    error = sqlite3.OperationalError("database or disk is full")
    for seconds in [*range(0, 70, 10), 90, 125]:
        now[0] = 1000.0 + seconds
        log.record("disk full", error)
    assert [r.getMessage() for r in caplog.records] == [
        "comment storage: disk full (database or disk is full); "
        "readers get 503 until it clears",
        "comment storage: disk full 6 more times in the last 60 s",
        "comment storage: disk full 2 more times in the last 65 s",
    ]


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("attempt to write a readonly database", "read-only database"),
        ("database or disk is full", "disk full"),
        ("disk I/O error", "disk I/O error"),
        ("unable to open database file", "database file cannot be opened"),
        ("no such table: comments", None),
    ],
)
def test_conditions_are_told_apart_by_sqlites_message(text, condition):
    assert condition_of(sqlite3.OperationalError(text)) == condition
    assert condition_of(sqlite3.IntegrityError(text)) is None
