"""The project's own tables in the comment database, beside Isso's.

Kept in the same SQLite file so that one backup holds everything:

- ``blog_staff_comments``: comments the server knows were written by staff
  (logged in, or posted with ``invoke comments.reply``). Nothing a reader
  sends can add a row.
- ``blog_removals``: the append-only removal log. A trigger records every row
  deleted from Isso's ``comments`` table — through Isso's admin page, the API,
  the moderation purge or a plain ``sqlite3`` shell — so nothing disappears
  without a record. ``invoke comments.remove`` records the reason first; the
  trigger's ``INSERT OR IGNORE`` then leaves that record alone.
- ``blog_staff_sessions``: staff logins, so that logging out really ends one.
- ``blog_mail_outbox``: staff mails about new reader comments, queued inside
  the request and sent afterwards, so a slow or broken mail server never
  delays or breaks posting (see comments.staff.notify). Ids and states only: the
  mail is built from the comment when it is sent.
- ``blog_reminders``: which comment was in a reminder digest at which stage
  (escalated, due soon, overdue), so that no comment is reminded about twice
  per stage.
- ``blog_owner_handovers``: the history of comments handed over to another
  owner (``invoke comments.assign``, the desk): to whom, from whom, when, by
  whom; rows are added, never changed. A comment's default owner comes from
  the build (``comments.staff.owners``); only hand-overs are kept here.

Besides, ``ensure_schema`` rebuilds Isso's ``comments`` table once, for two
reasons. Isso declares ``id INTEGER PRIMARY KEY`` without AUTOINCREMENT, and
SQLite then hands the highest id out again once that comment is deleted: a
spam comment removed as the newest one, and the next reader's comment got its
id, so ``invoke comments.remove 3`` run a second time (or ``comments.reply 3``
from an older staff mail) hit the reader's comment. Rebuilt with
``AUTOINCREMENT`` no id is given twice; ids spent before the rebuild (in the
removal log, among staff comments) are entered in ``sqlite_sequence`` too.

And it gives Isso's ``comments.tid`` column a type. Isso
declares it ``tid REFERENCES threads(id)``, with no type and so no type
affinity; every thread listing, count and new comment compares it with the
integer ``threads.id`` in a join, and SQLite then cannot use the index on
``(tid, mode)`` below: each query scanned all comments of the site (about
12 ms at 100,000 comments, several times per thread read). Declared
``tid INTEGER REFERENCES threads(id)`` the same queries search the index
(0.1 ms). SQLite cannot change a column's type in place (nor add
AUTOINCREMENT), so the table is rebuilt once, by the procedure of
https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of Table
Schema Changes"): in one transaction, create
the typed table with Isso's column list, copy every row (ids kept), drop the
old table, rename the new one and re-create the indexes, triggers and views
read from ``sqlite_master`` before. Dropping a table fires no DELETE
triggers, so the removal log gains nothing (checked before committing).
Values keep their types (Isso stores integer thread ids; a database holding
anything else is left as it is, with a warning). Later starts find the table
upgraded and do nothing (a database typed by an earlier version, ids still
reused, is rebuilt once more); a new database gets Isso's table first (the
server creates ``comments.server.app.CommentServer`` before calling this) and is
upgraded at once.

And it switches the database to SQLite's write-ahead log (``journal_mode =
WAL``, kept in the file). With the default rollback journal every commit
locks readers out of the whole file, and a reader that meets the lock
sleeps in growing steps (SQLite's busy handler): with comments being posted
the thread reads of both gunicorn workers queued behind each other's
writes. In WAL mode readers never wait for a writer (writers still take
turns), commits stay fully synced (``synchronous`` is left at FULL), and
SQLite keeps ``comments.db-wal`` and ``comments.db-shm`` beside the file
while it is open (a read-only open may leave them behind; they are SQLite's,
not stray files). Read-only opens (the build, backups) work as before; the
backup API reads the log too, and a backup of a WAL database is itself marked
WAL. A network file system cannot hold a WAL database: keep it on local disk.
"""

import logging
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

logger = logging.getLogger(__name__)

# Reasons a person gives with `invoke comments.remove`.
REMOVAL_REASONS = ("spam", "illegal", "personal-data", "author-request", "other")
# Reasons the system records by itself.
UNSPECIFIED = "unspecified"  # deleted through Isso's admin, a moderation link, purge
WITHDRAWN = "withdrawn"  # deleted by its author (or a withdrawn placeholder's end)
UNRECORDED = "unrecorded"  # vanished with no record at all; found by comparing reads
SYSTEM_REASONS = (UNSPECIFIED, WITHDRAWN, UNRECORDED)

SCHEMA = f"""
-- Isso's comment ids are not AUTOINCREMENT: SQLite reuses the highest id
-- after it is deleted (until ensure_schema's rebuild, and in old backups).
-- A comment is therefore identified by (id, created).
CREATE TABLE IF NOT EXISTS blog_staff_comments (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    staff_account TEXT NOT NULL,
    display_name TEXT NOT NULL,
    via TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created)
);

CREATE TABLE IF NOT EXISTS blog_removals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id INTEGER NOT NULL,
    comment_created REAL,
    thread_uri TEXT,
    removed_at REAL NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    removed_by TEXT NOT NULL DEFAULT '',
    UNIQUE (comment_id, comment_created)
);

-- Reasons announced for deletions under way (see comments.staff.removal): the
-- trigger below uses them instead of guessing.
CREATE TABLE IF NOT EXISTS blog_pending_removals (
    comment_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    removed_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS blog_staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_account TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);

-- state: queued → sending (claimed by one process) → sent, or dropped when the
-- comment is answered or gone before it could be sent. Failed sends go back
-- to queued with the error's class (no addresses) and are retried.
CREATE TABLE IF NOT EXISTS blog_mail_outbox (
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

-- stage: escalated, due_soon or overdue (comments.staff.desk). comment_created is
-- the creation time as the reader returns it (microseconds).
CREATE TABLE IF NOT EXISTS blog_reminders (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    stage TEXT NOT NULL,
    reminded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created, stage)
);

-- owner and previous_owner are staff account names; handed_by is the account
-- (or, from the command line, the name given with --by); via: desk or cli.
CREATE TABLE IF NOT EXISTS blog_owner_handovers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    owner TEXT NOT NULL,
    previous_owner TEXT NOT NULL,
    handed_at REAL NOT NULL,
    handed_by TEXT NOT NULL,
    via TEXT NOT NULL
);

CREATE TRIGGER IF NOT EXISTS blog_owner_handovers_no_update
BEFORE UPDATE ON blog_owner_handovers
BEGIN
    SELECT RAISE(ABORT, 'hand-overs are history: add one, change none');
END;

-- Isso itself has no index on its comments table: every thread listing, count
-- and reply lookup would scan all comments of the site.
CREATE INDEX IF NOT EXISTS blog_comments_by_thread ON comments (tid, mode);
CREATE INDEX IF NOT EXISTS blog_comments_by_parent ON comments (parent);

-- BEFORE, so that the thread still exists (Isso's own trigger drops empty
-- threads after the last comment goes).
CREATE TRIGGER IF NOT EXISTS blog_record_removal
BEFORE DELETE ON comments
BEGIN
    INSERT OR IGNORE INTO blog_removals
        (comment_id, comment_created, thread_uri, removed_at, reason, note, removed_by)
    VALUES (
        old.id,
        old.created,
        (SELECT uri FROM threads WHERE id = old.tid),
        (julianday('now') - 2440587.5) * 86400.0,
        COALESCE(
            (SELECT reason FROM blog_pending_removals WHERE comment_id = old.id),
            CASE WHEN old.mode = 4 THEN '{WITHDRAWN}' ELSE '{UNSPECIFIED}' END
        ),
        COALESCE(
            (SELECT note FROM blog_pending_removals WHERE comment_id = old.id), ''
        ),
        COALESCE(
            (SELECT removed_by FROM blog_pending_removals WHERE comment_id = old.id),
            ''
        )
    );
END;

CREATE TRIGGER IF NOT EXISTS blog_removals_no_update
BEFORE UPDATE ON blog_removals
BEGIN
    SELECT RAISE(ABORT, 'the removal log is append-only');
END;

CREATE TRIGGER IF NOT EXISTS blog_removals_no_delete
BEFORE DELETE ON blog_removals
BEGIN
    SELECT RAISE(ABORT, 'the removal log is append-only');
END;
"""


# The rebuilt table: Isso's own definition with the thread column typed and
# ids never handed out twice.
UNTYPED_TID = "tid REFERENCES threads(id),"
TYPED_TID = "tid INTEGER REFERENCES threads(id),"
REUSED_ID = "id INTEGER PRIMARY KEY,"
NEVER_REUSED_ID = "id INTEGER PRIMARY KEY AUTOINCREMENT,"
REBUILT = "blog_comments_typed"
MIGRATION_TIMEOUT = 120  # seconds to wait for another process's write lock


def ensure_schema(db_path):
    """Type Isso's ``comments.tid``, create the project's tables, use the WAL."""
    with closing(
        sqlite3.connect(db_path, timeout=MIGRATION_TIMEOUT, isolation_level=None)
    ) as connection:
        upgrade_comments_table(connection)
        connection.executescript(SCHEMA)
        use_write_ahead_log(connection)
    keep_private(db_path)


def keep_private(db_path):
    """Make the database and SQLite's files beside it readable by their owner
    only (as backups and snapshots are): they hold readers' email and IP
    addresses. SQLite creates them by the umask, usually readable by all."""
    for path in (Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-shm")):
        try:
            info = path.stat()
            if info.st_uid == os.geteuid() and info.st_mode & 0o077:
                path.chmod(0o600)
                logger.info("%s made private (0600): it holds personal data", path)
        except OSError:  # gone meanwhile, or not ours to change
            continue


def use_write_ahead_log(connection):
    """Switch the database to WAL mode unless it is; return True if it switched."""
    if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return False
    try:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlite3.OperationalError as error:  # locked longer than the timeout
        logger.warning("comment database left in its journal mode: %s", error)
        return False
    if mode.lower() != "wal":
        logger.warning("comment database stays in journal mode %s, not WAL", mode)
        return False
    logger.info("comment database switched to the write-ahead log (WAL)")
    return True


def thread_column_type(connection):
    """Return the declared type of ``comments.tid`` (None: no such table)."""
    for row in connection.execute("PRAGMA table_info(comments)"):
        if row[1] == "tid":
            return row[2]
    return None


def ids_never_reused(connection):
    """Whether ``comments`` hands out each id once (AUTOINCREMENT); None: no table."""
    row = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'comments'"
    ).fetchone()
    return None if row is None else "AUTOINCREMENT" in row[0].upper()


def needs_upgrade(connection):
    """Whether Isso's ``comments`` exists and is untyped or reuses ids."""
    never_reused = ids_never_reused(connection)
    return never_reused is not None and (
        not never_reused or thread_column_type(connection) == ""
    )


def upgrade_comments_table(connection):
    """Rebuild Isso's ``comments`` with ``tid INTEGER`` and ids never reused;
    return True if it did.

    ``connection`` must be in autocommit mode (``isolation_level=None``). Does
    nothing when the table is missing (Isso makes it) or upgraded already.
    """
    if not needs_upgrade(connection):
        return False
    foreign_keys = connection.execute("PRAGMA foreign_keys").fetchone()[0]
    if foreign_keys:
        connection.execute("PRAGMA foreign_keys = OFF")  # no effect inside BEGIN
    started = time.monotonic()
    try:
        try:
            connection.execute("BEGIN IMMEDIATE")  # one migrating process at a time
        except sqlite3.OperationalError as error:  # locked longer than the timeout
            logger.warning("comments.tid left untyped for now (%s)", error)
            return False
        try:
            rows = rebuild_comments(connection)
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT" if rows is not None else "ROLLBACK")
    finally:
        if foreign_keys:
            connection.execute("PRAGMA foreign_keys = ON")
    if rows is None:
        return False
    # A new, empty database is upgraded on its first start: no news worth a line.
    logger.log(
        logging.INFO if rows else logging.DEBUG,
        "rebuilt comments (tid INTEGER for the thread index, ids never reused): "
        "%d comments copied in %.1f s",
        rows,
        time.monotonic() - started,
    )
    return True


def rebuild_comments(connection):
    """Inside a write transaction: rebuild ``comments`` typed and with ids
    never reused; return its row count.

    Returns None (to roll back) when another process upgraded it meanwhile,
    or when the table is not the one this code knows how to copy. Raises when
    the copy would differ from the original in anything but the column type.
    """
    if not needs_upgrade(connection):
        return None  # upgraded by another process while this one waited
    if connection.execute(
        "SELECT 1 FROM comments WHERE typeof(tid) NOT IN ('integer', 'null') LIMIT 1"
    ).fetchone():
        # INTEGER affinity would turn '7' or 7.0 into 7: not a faithful copy.
        logger.warning("comments.tid holds non-integers: left untyped (slow reads)")
        return None
    # Imported here: any part of Isso loads its whole server, and builds import
    # this module for its reasons only.
    from isso.db.comments import Comments

    columns = ", ".join(Comments.fields)
    create = Comments.create_table_query(REBUILT)
    old_columns = connection.execute("PRAGMA table_info(comments)").fetchall()
    if UNTYPED_TID not in create or REUSED_ID not in create:
        logger.warning(
            "Isso's comments table changed: left as it is (tid untyped: slow "
            "reads; ids may be reused)"
        )
        return None
    connection.execute(
        create.replace(UNTYPED_TID, TYPED_TID).replace(REUSED_ID, NEVER_REUSED_ID)
    )
    expected = [
        (*column[:2], "INTEGER" if column[1] == "tid" else column[2], *column[3:])
        for column in old_columns
    ]
    if connection.execute(f"PRAGMA table_info({REBUILT})").fetchall() != expected:
        logger.warning(
            "comments has other columns than Isso declares: tid left untyped "
            "(slow reads)"
        )
        return None
    before = schema_state(connection)
    connection.execute(
        f"INSERT INTO {REBUILT} ({columns}) SELECT {columns} FROM comments ORDER BY id"
    )
    if connection.execute(
        f"SELECT 1 FROM (SELECT {columns} FROM comments "
        f"EXCEPT SELECT {columns} FROM {REBUILT}) LIMIT 1"
    ).fetchone():
        raise sqlite3.DatabaseError(
            "typing comments.tid would change rows: rolled back"
        )
    # Indexes and triggers of comments go with it. Views, and triggers of
    # other tables, that name it would make the rename fail ("no such table"
    # while it is gone), so all of them are dropped and re-created as well.
    for kind, name, table, _ in before["dependents"]:
        if table != "comments":
            connection.execute(f'DROP {kind.upper()} "{name}"')
    connection.execute("DROP TABLE comments")  # fires no DELETE trigger
    connection.execute(f"ALTER TABLE {REBUILT} RENAME TO comments")
    for *_, sql in before["dependents"]:
        connection.execute(sql)
    # Ids removed before the upgrade (the removal log, staff records) are
    # spent too: the next comment gets a higher one.
    spent = highest_id_spent(connection)
    if (
        connection.execute(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'comments'",
            (spent,),
        ).rowcount
        == 0
    ):
        connection.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('comments', ?)", (spent,)
        )
    after = schema_state(connection)
    if after != before or thread_column_type(connection) != "INTEGER":
        changed = sorted(key for key in before if before[key] != after[key])
        raise sqlite3.DatabaseError(
            f"typing comments.tid would change {', '.join(changed) or 'tid'}: "
            "rolled back"
        )
    return after["comments"][0]


def highest_id_spent(connection):
    """The highest comment id this database has seen: in ``comments``, in the
    removal log, among staff comments (0 when none)."""
    highest = connection.execute("SELECT COALESCE(MAX(id), 0) FROM comments")
    ids = [highest.fetchone()[0]]
    for table in ("blog_removals", "blog_staff_comments"):
        try:
            row = connection.execute(f"SELECT MAX(comment_id) FROM {table}").fetchone()
        except sqlite3.OperationalError:  # not made yet
            continue
        ids.append(row[0] or 0)
    return max(ids)


def schema_state(connection):
    """Return what the rebuild must leave as it was, for comparison."""
    try:
        removals = connection.execute(
            "SELECT COUNT(*), MAX(id) FROM blog_removals"
        ).fetchone()
    except sqlite3.OperationalError:  # no removal log yet
        removals = None
    return {
        "comments": connection.execute(
            "SELECT COUNT(*), MAX(id), TOTAL(id), TOTAL(tid) FROM comments"
        ).fetchone(),
        "removal log": removals,
        "dependents": connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND (type IN ('view', 'trigger') "
            "OR (type = 'index' AND tbl_name = 'comments')) ORDER BY rowid"
        ).fetchall(),
        "foreign key problems": sorted(
            connection.execute("PRAGMA foreign_key_check(comments)").fetchall()
        ),
    }
