"""Typing Isso's comments.tid: every row and record kept, the index used, once.

Real SQLite files made by Isso's own database layer, as an existing site has
them (untyped ``tid``, the project's tables and triggers made by an earlier
``ensure_schema``), then typed by ``comments.store.schema.ensure_schema``.
"""

import logging
import sqlite3
import threading
from contextlib import closing

import pytest
from isso import config as isso_config
from isso.db import SQLite3
from isso.db.comments import Comments

from comments.server.app import ConnectionPerThread, count_published
from comments.store.schema import (
    SCHEMA,
    VERSION_TABLE,
    ensure_schema,
    thread_column_type,
    upgrade_comments_table,
)

ARTICLE = "/2026/warum-wir-antworten/"
OTHER = "/2026/anderer-artikel/"
LONELY = "/2026/nur-ein-kommentar/"
# Made by hand, as a site owner might: the rebuild must keep them working.
CUSTOM_OBJECTS = """
CREATE VIEW published_per_thread AS
    SELECT t.uri, COUNT(*) AS n FROM comments AS c JOIN threads AS t ON t.id = c.tid
    WHERE c.mode = 1 GROUP BY t.uri;
CREATE TABLE moderation_requests (comment_id INTEGER);
CREATE TRIGGER approve_on_request AFTER INSERT ON moderation_requests
BEGIN
    UPDATE comments SET mode = 1 WHERE id = new.comment_id;
END;
"""


def comment(text, mode=1, parent=None, email="leserin@example.com"):
    return {
        "text": text,
        "author": "Leserin",
        "email": email,
        "website": None,
        "parent": parent,
        "mode": mode,
        "remote_addr": "192.0.2.0",
        "created": None,
        "notification": 0,
    }


def isso_db(path):
    """Isso's own database layer on ``path`` (creates Isso's tables if missing)."""
    return SQLite3(str(path), isso_config.load(isso_config.default_file()))


def connect(path):
    return closing(sqlite3.connect(path, isolation_level=None))


def untyped_database(path, custom=False):
    """A database as the server left it before tid was typed, with history."""
    db = isso_db(path)
    with connect(path) as connection:
        connection.executescript(SCHEMA)  # what ensure_schema did until now
        if custom:
            connection.executescript(CUSTOM_OBJECTS)
    assert column_type(path) == ""
    for uri in (ARTICLE, OTHER, LONELY):
        db.threads.new(uri, "Artikel")
    ids = {}
    ids["question"] = db.comments.add(ARTICLE, comment("Erste Frage"))["id"]
    ids["answer"] = db.comments.add(
        ARTICLE, comment("Antwort", parent=ids["question"], email=None)
    )["id"]
    ids["pending"] = db.comments.add(ARTICLE, comment("Wartet", mode=2))["id"]
    ids["blanked"] = db.comments.add(OTHER, comment("Zurückgezogen"))["id"]
    db.comments.add(OTHER, comment("Antwort darauf", parent=ids["blanked"]))
    ids["spam"] = db.comments.add(OTHER, comment("Spam"))["id"]
    ids["lonely"] = db.comments.add(LONELY, comment("Allein"))["id"]
    db.comments.vote(True, ids["question"], "198.51.100.0")
    db.comments.update(ids["answer"], {"text": "Antwort, bearbeitet", "modified": 9.5})
    db.comments.delete(ids["blanked"])  # has a reply: blanked, kept as mode 4
    with connect(path) as connection:
        connection.execute(
            "INSERT INTO blog_staff_comments VALUES (?, "
            "(SELECT created FROM comments WHERE id = ?), 'anna', 'Anna Schmidt', "
            "'session', 1.5)",
            (ids["answer"], ids["answer"]),
        )
        connection.execute(
            "INSERT INTO blog_pending_removals VALUES (?, 'spam', 'Werbung', 'jonas')",
            (ids["spam"],),
        )
        connection.execute("DELETE FROM comments WHERE id = ?", (ids["spam"],))
        connection.execute(
            "DELETE FROM blog_pending_removals WHERE comment_id = ?", (ids["spam"],)
        )
    assert len(removal_log(path)) == 1
    return ids


def column_type(path):
    with connect(path) as connection:
        return thread_column_type(connection)


# Tables of a later migration than the databases built here (they are new,
# empty, and checked by tests/comments/test_webmention_store.py).
LATER_TABLES = "blog_webmention"


def contents(path):
    """Every row of every table, each value with its SQLite storage type."""
    with connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: [
                tuple((type(value).__name__, value) for value in row)
                for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
                # the rebuild adds the comments' own (id_sequence checks it)
                if not (table == "sqlite_sequence" and row[0] == "comments")
            ]
            for table in tables
            if table != VERSION_TABLE  # the version (test_schema_versions)
            and not table.startswith(LATER_TABLES)
        }


def id_sequence(path):
    """The highest comment id SQLite has handed out (None: ids are reused)."""
    with connect(path) as connection:
        row = connection.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'comments'"
        ).fetchone()
    return None if row is None else row[0]


def schema_objects(path):
    """Every index, trigger, view and table definition but Isso's comments
    (and the version table, which test_schema_versions checks)."""
    with connect(path) as connection:
        return sorted(
            connection.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT IN ('comments', ?) AND tbl_name NOT LIKE ?",
                (VERSION_TABLE, f"{LATER_TABLES}%"),
            )
        )


def removal_log(path):
    with connect(path) as connection:
        return connection.execute(
            "SELECT comment_id, comment_created, thread_uri, reason, note, removed_by "
            "FROM blog_removals ORDER BY id"
        ).fetchall()


def isso_queries(path):
    """Isso's own SQL for a thread read and the counts, with its arguments."""
    db = isso_db(path)
    seen = []
    execute = db.execute

    def recording(sql, args=()):
        seen.append((" ".join(sql) if isinstance(sql, list | tuple) else sql, args))
        return execute(sql, args)

    db.execute = recording
    db.comments.reply_count(ARTICLE)
    list(db.comments.fetch(ARTICLE, parent=None))
    return [(sql, args) for sql, args in seen if "comments" in sql]


def plans(path, queries):
    with connect(path) as connection:
        return [
            " | ".join(
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", args)
            )
            for sql, args in queries
        ]


def test_untyped_database_keeps_every_row_and_record(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path, custom=True)
    rows, objects, log = contents(path), schema_objects(path), removal_log(path)

    ensure_schema(path)

    assert column_type(path) == "INTEGER"
    assert contents(path) == rows  # byte for byte, storage types included
    assert removal_log(path) == log  # dropping the old table recorded nothing
    assert schema_objects(path) == objects  # every index, trigger and view
    with connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        view = connection.execute("SELECT * FROM published_per_thread ORDER BY uri")
        assert view.fetchall() == sorted([(ARTICLE, 2), (OTHER, 1), (LONELY, 1)])


def sequence_names(path):
    with connect(path) as connection:
        return sorted(
            row[0] for row in connection.execute("SELECT name FROM sqlite_sequence")
        )


def test_no_comment_id_is_handed_out_twice(tmp_path):
    path = tmp_path / "comments.db"
    ids = untyped_database(path)
    db = isso_db(path)
    newest = db.comments.add(LONELY, comment("Neuester, gleich gelöscht"))["id"]
    db.comments.delete(newest)  # no reply: the row goes, the removal log keeps it
    # Before the upgrade SQLite gives the deleted newest id out again:
    assert id_sequence(path) is None
    assert max(removal_log_ids(path)) == newest > max(all_ids(path))

    ensure_schema(path)

    assert id_sequence(path) == newest  # spent ids count, not only present ones
    assert "blog_comments_typed" not in sequence_names(path)
    reader = isso_db(path).comments.add(LONELY, comment("Echte Frage"))["id"]
    assert reader == newest + 1
    isso_db(path).comments.delete(reader)
    again = isso_db(path).comments.add(LONELY, comment("Noch eine"))["id"]
    assert again == reader + 1  # the deleted newest one stays spent
    assert ids["question"] in all_ids(path)


def test_a_database_typed_before_gets_ids_never_reused_once(tmp_path):
    path = tmp_path / "comments.db"
    isso_db(path)  # Isso's tables, at Isso's schema version
    with connect(path) as connection:  # comments as the previous version left it
        connection.execute("DROP TABLE comments")
        connection.execute(
            Comments.create_table_query("comments").replace(
                "tid REFERENCES threads(id),", "tid INTEGER REFERENCES threads(id),"
            )
        )
    db = isso_db(path)
    db.threads.new(ARTICLE, "Artikel")
    for text in ("Eins", "Zwei", "Drei"):
        db.comments.add(ARTICLE, comment(text))
    with connect(path) as connection:
        connection.executescript(SCHEMA)
    assert column_type(path) == "INTEGER"
    rows = contents(path)

    ensure_schema(path)

    assert contents(path) == rows
    assert id_sequence(path) == 3
    with connect(path) as connection:
        version = connection.execute("PRAGMA schema_version").fetchone()
    ensure_schema(path)  # once only
    with connect(path) as connection:
        assert connection.execute("PRAGMA schema_version").fetchone() == version


def all_ids(path):
    with connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM comments")}


def removal_log_ids(path):
    with connect(path) as connection:
        return {
            row[0] for row in connection.execute("SELECT comment_id FROM blog_removals")
        }


def test_thread_reads_search_the_index_instead_of_scanning(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path)
    queries = isso_queries(path)
    assert len(queries) == 2
    by_thread = "SEARCH comments USING INDEX blog_comments_by_thread (tid=?)"
    # Untyped, SQLite scans all comments, or all comments without a parent.
    for plan in plans(path, queries):
        assert by_thread not in plan
        assert "SCAN comments" in plan or "blog_comments_by_parent" in plan

    ensure_schema(path)

    for plan in plans(path, queries):
        assert by_thread in plan and "SCAN comments" not in plan


def test_triggers_work_on_the_rebuilt_table(tmp_path):
    path = tmp_path / "comments.db"
    ids = untyped_database(path, custom=True)
    ensure_schema(path)
    log = removal_log(path)
    with connect(path) as connection:
        connection.execute(
            "INSERT INTO moderation_requests VALUES (?)", (ids["pending"],)
        )
        assert connection.execute(
            "SELECT mode FROM comments WHERE id = ?", (ids["pending"],)
        ).fetchone() == (1,)
        created = connection.execute(
            "SELECT created FROM comments WHERE id = ?", (ids["lonely"],)
        ).fetchone()[0]
        connection.execute("DELETE FROM comments WHERE id = ?", (ids["lonely"],))
        # Isso's own trigger: the thread went with its last comment.
        assert connection.execute("SELECT uri FROM threads ORDER BY id").fetchall() == [
            (ARTICLE,),
            (OTHER,),
        ]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("UPDATE blog_removals SET reason = 'other'")
    assert removal_log(path) == [
        *log,
        (ids["lonely"], created, LONELY, "unspecified", "", ""),
    ]
    # And through Isso's own delete: a comment with a reply is blanked.
    isso_db(path).comments.delete(ids["question"])
    assert removal_log(path)[-1][0] == ids["lonely"]  # blanking deletes no row
    assert contents(path)["comments"][0][5] == ("int", 4)


def test_second_start_changes_nothing(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path)
    ensure_schema(path)
    with connect(path) as connection:
        version = connection.execute("PRAGMA schema_version").fetchone()
    rows = contents(path)

    ensure_schema(path)

    with connect(path) as connection:
        assert connection.execute("PRAGMA schema_version").fetchone() == version
        assert upgrade_comments_table(connection) is False
    assert contents(path) == rows


def test_two_workers_starting_together_type_it_once(tmp_path, caplog):
    path = tmp_path / "comments.db"
    untyped_database(path)
    rows = contents(path)
    errors = []

    def start():
        try:
            ensure_schema(path)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    caplog.set_level(logging.INFO, logger="comments.store.schema")
    workers = [threading.Thread(target=start) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert column_type(path) == "INTEGER"
    assert contents(path) == rows
    assert (
        sum("rebuilt comments (tid INTEGER" in message for message in caplog.messages)
        == 1
    )


def test_foreign_key_enforcement_is_left_as_it_was(tmp_path):
    path = tmp_path / "comments.db"
    ids = untyped_database(path)
    with connect(path) as connection:
        # A comment whose thread is gone (Isso's trigger was not always there).
        connection.execute(
            "UPDATE comments SET tid = 99 WHERE id = ?", (ids["answer"],)
        )
    rows = contents(path)
    with connect(path) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        assert upgrade_comments_table(connection) is True
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert contents(path) == rows


def test_a_column_holding_other_than_integers_is_left_alone(tmp_path, caplog):
    path = tmp_path / "comments.db"
    ids = untyped_database(path)
    with connect(path) as connection:
        connection.execute(
            "UPDATE comments SET tid = '1' WHERE id = ?", (ids["answer"],)
        )
    rows = contents(path)

    ensure_schema(path)

    assert column_type(path) == ""
    assert contents(path) == rows
    assert "comments.tid holds non-integers" in caplog.text


def test_a_new_database_is_typed_and_in_wal_mode(comment_server):
    path = comment_server.database
    assert column_type(path) == "INTEGER"
    with connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    created = comment_server.client.post(ARTICLE, "Hallo")
    assert created.status == 201
    listing = comment_server.client.thread(ARTICLE).body
    assert [reply["id"] for reply in listing["replies"]] == [created.body["id"]]


def test_counts_agree_with_isso_for_any_list_of_threads(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path)
    asked = [ARTICLE, OTHER, ARTICLE, "/2026/ohne-kommentare/", LONELY, "", "ä"]
    for typed in (False, True):
        if typed:
            ensure_schema(path)
        db = isso_db(path)
        expected = Comments.count(db.comments, *asked)
        assert count_published(db, *asked) == expected == [2, 1, 2, 0, 1, 0, 0]
        assert count_published(db) == []
        many = [f"/{n}/" for n in range(1200)] + [ARTICLE]
        assert count_published(db, *many) == [0] * 1200 + [2]


def test_each_thread_keeps_one_connection_and_commits_every_statement(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path)
    execute = ConnectionPerThread(str(path))
    execute("UPDATE comments SET likes = 7 WHERE id = 1")
    mine = execute.connection.get()
    assert not mine.in_transaction
    with connect(path) as other:  # another process sees it at once
        assert other.execute("SELECT likes FROM comments WHERE id = 1").fetchone() == (
            7,
        )
    with pytest.raises(sqlite3.IntegrityError):
        execute(["UPDATE comments", "SET text = NULL WHERE id = ?"], (1,))
    assert not mine.in_transaction and execute.connection.get() is mine
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        execute("SELECT * FROM gibt_es_nicht")
    assert execute.connection.get() is not mine  # any other error: a new one
    mine = execute.connection.get()
    elsewhere = []
    worker = threading.Thread(target=lambda: elsewhere.append(execute.connection.get()))
    worker.start()
    worker.join()
    assert elsewhere[0] is not mine


def test_a_failed_commit_leaves_no_transaction_behind(tmp_path):
    path = tmp_path / "comments.db"
    untyped_database(path)
    with connect(path) as connection:
        connection.execute(
            "CREATE TABLE checked (tid INTEGER REFERENCES threads(id) "
            "DEFERRABLE INITIALLY DEFERRED)"
        )
    execute = ConnectionPerThread(str(path))
    execute.connection.get().execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        execute("INSERT INTO checked VALUES (99)")  # refused at the commit
    assert not execute.connection.get().in_transaction
    execute("INSERT INTO checked VALUES (1)")
    with connect(path) as other:
        assert other.execute("SELECT tid FROM checked").fetchall() == [(1,)]


def test_the_database_and_its_log_files_are_private(comment_server):
    import stat
    from pathlib import Path

    path = Path(comment_server.database)
    assert comment_server.client.post(ARTICLE, "Hallo").status == 201
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode)
        assert mode == 0o600, (suffix, oct(mode))
