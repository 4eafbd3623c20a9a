"""Schema versions: a database knows its version, migrations run in order, once."""

import sqlite3
from contextlib import closing

from isso import config as isso_config
from isso.db import SQLite3

from comments.store import schema
from comments.store.schema import MAX_VERSION, ensure_schema, migrate, schema_version


def isso_database(path):
    """A new database as Isso makes it, before the project's tables."""
    SQLite3(str(path), isso_config.load(isso_config.default_file()))
    return path


def connect(path):
    return closing(sqlite3.connect(path, isolation_level=None))


def version_of(path):
    with connect(path) as connection:
        return schema_version(connection)


def tables(path):
    with connect(path) as connection:
        return {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }


def test_a_new_database_is_brought_to_the_last_version(tmp_path):
    path = isso_database(tmp_path / "comments.db")
    assert version_of(path) == 0
    ensure_schema(path)
    assert version_of(path) == MAX_VERSION
    assert {"blog_removals", "blog_owner_handovers", "blog_schema"} <= tables(path)


def test_a_database_from_before_versions_is_recognised_and_upgraded(tmp_path):
    path = isso_database(tmp_path / "comments.db")
    with connect(path) as connection:
        connection.executescript(schema.SCHEMA)  # as ensure_schema left it before
    assert version_of(path) == 0 and "blog_schema" not in tables(path)
    ensure_schema(path)
    assert version_of(path) == MAX_VERSION
    with connect(path) as connection:
        assert schema.thread_column_type(connection) == "INTEGER"


def test_migrations_run_in_order_up_to_the_version_asked(tmp_path, monkeypatch):
    ran = []

    def recorded(number, step):
        def run(connection):
            ran.append(number)
            return step(connection)

        return number, run

    monkeypatch.setattr(
        schema, "MIGRATIONS", tuple(recorded(*item) for item in schema.MIGRATIONS)
    )
    path = isso_database(tmp_path / "comments.db")
    with connect(path) as connection:
        assert migrate(connection, to=1) == 1
        assert "blog_removals" not in tables(path)
        assert migrate(connection) == MAX_VERSION
        assert migrate(connection) == MAX_VERSION  # nothing left to do
    assert ran == list(range(1, MAX_VERSION + 1))
    assert "blog_removals" in tables(path)


def test_a_migration_not_done_yet_keeps_the_version_below_it(tmp_path, monkeypatch):
    not_yet = (1, lambda connection: False)  # say, locked by another process
    monkeypatch.setattr(schema, "MIGRATIONS", (not_yet, *schema.MIGRATIONS[1:]))
    path = isso_database(tmp_path / "comments.db")
    ensure_schema(path)
    assert version_of(path) == 0  # tried again at the next start
    assert "blog_removals" in tables(path)  # the later ones still ran
    monkeypatch.undo()
    ensure_schema(path)
    assert version_of(path) == MAX_VERSION


OUTBOX_BEFORE_VERSION_3 = """
CREATE TABLE blog_mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    queued_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at REAL,
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, comment_id, comment_created)
);
"""


def test_version_3_adds_the_subscription_store_and_keeps_the_outbox(tmp_path):
    path = isso_database(tmp_path / "comments.db")
    with connect(path) as connection:
        connection.executescript(OUTBOX_BEFORE_VERSION_3)
        connection.execute(
            "INSERT INTO blog_mail_outbox (kind, comment_id, comment_created, "
            "queued_at, state, attempts) VALUES ('new-comment', 7, 1.5, 2.5, 'sent', 1)"
        )
        migrate(connection, to=2)
        assert schema_version(connection) == 2
    ensure_schema(path)
    assert version_of(path) == MAX_VERSION
    assert {"blog_subscribers", "blog_subscriptions", "blog_optin_limits"} <= tables(
        path
    )
    with connect(path) as connection:
        assert connection.execute(
            "SELECT id, kind, comment_id, state, attempts, recipient "
            "FROM blog_mail_outbox"
        ).fetchall() == [(1, "new-comment", 7, "sent", 1, 0)]
        # One comment may now be mailed to several readers.
        for recipient in (1, 2):
            connection.execute(
                "INSERT INTO blog_mail_outbox (kind, comment_id, comment_created, "
                "queued_at, recipient) VALUES ('reader-reply', 8, 1.5, 2.5, ?)",
                (recipient,),
            )
        assert connection.execute(
            "SELECT MAX(id) FROM blog_mail_outbox"
        ).fetchone() == (3,)
