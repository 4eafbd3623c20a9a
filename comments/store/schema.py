"""The project's own tables in the comment database, beside Isso's, and their versions.

Kept in the same SQLite file so that one backup holds everything. Each
``blog_*`` table has a module of its own in ``comments/store/`` holding its
definition and its SQL: ``staff_comments``, ``removals`` (the append-only
removal log and its trigger), ``sessions``, ``outbox``, ``reminders``,
``handovers``, ``subscriptions`` (readers' reply notifications),
``webmentions``, ``no_answer``.

As Isso's ``db/`` does, the database carries its schema version and
``migrate`` runs the ``MIGRATIONS`` after it in order, up to ``MAX_VERSION``.
Isso keeps its own version in ``PRAGMA user_version``, so ours is the one row
of ``blog_schema``. Every migration can run on a database that already has
what it makes (each checks, or says ``IF NOT EXISTS``), so a database from
before the version number (version 0) is recognised and upgraded as it is. A
migration that cannot be done yet (another process holds the lock too long)
leaves the version below it, and the next start tries again.

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

from comments.store import (
    handovers,
    no_answer,
    outbox,
    reminders,
    removals,
    sessions,
    staff_comments,
    subscriptions,
    webmentions,
)
from comments.store.removals import (  # noqa: F401 (where callers look them up)
    REMOVAL_REASONS,
    SYSTEM_REASONS,
    UNRECORDED,
    UNSPECIFIED,
    WITHDRAWN,
)

logger = logging.getLogger(__name__)

DESK_INDEXES = """
-- The desk's open queue (comments.store.open_queue) looks up, for each reader
-- comment, the later replies of its thread: from the index alone.
CREATE INDEX IF NOT EXISTS blog_comments_by_parent_id
ON comments (parent, id, mode, created);
"""

COMMENT_INDEXES = """
-- Isso itself has no index on its comments table: every thread listing, count
-- and reply lookup would scan all comments of the site.
CREATE INDEX IF NOT EXISTS blog_comments_by_thread ON comments (tid, mode);
CREATE INDEX IF NOT EXISTS blog_comments_by_parent ON comments (parent);
"""

# In this order, as the tables were always made.
SCHEMA = "".join(
    (
        staff_comments.SCHEMA,
        removals.SCHEMA,
        sessions.SCHEMA,
        outbox.SCHEMA,
        reminders.SCHEMA,
        handovers.SCHEMA,
        subscriptions.SCHEMA,
        no_answer.SCHEMA,
        COMMENT_INDEXES,
        DESK_INDEXES,
        removals.TRIGGERS,
    )
)


# The rebuilt table: Isso's own definition with the thread column typed and
# ids never handed out twice.
UNTYPED_TID = "tid REFERENCES threads(id),"
TYPED_TID = "tid INTEGER REFERENCES threads(id),"
REUSED_ID = "id INTEGER PRIMARY KEY,"
NEVER_REUSED_ID = "id INTEGER PRIMARY KEY AUTOINCREMENT,"
REBUILT = "blog_comments_typed"
MIGRATION_TIMEOUT = 120  # seconds to wait for another process's write lock


def ensure_schema(db_path):
    """Bring the database to ``MAX_VERSION``, switch it to the WAL, keep it private."""
    with closing(
        sqlite3.connect(db_path, timeout=MIGRATION_TIMEOUT, isolation_level=None)
    ) as connection:
        migrate(connection)
        use_write_ahead_log(connection)
    keep_private(db_path)


def create_tables(connection):
    """Migration 2: create the project's tables, indexes and triggers."""
    connection.executescript(SCHEMA)
    return True


def type_comments_table(connection):
    """Migration 1: Isso's ``comments`` rebuilt with ``tid INTEGER`` and ids
    never reused; True once it is (False: not yet, or no such table)."""
    upgrade_comments_table(connection)
    return ids_never_reused(connection) is True and not needs_upgrade(connection)


def add_subscriptions(connection):
    """Migration 3: the subscription store, and the outbox's recipient column."""
    outbox.add_recipient_column(connection)
    connection.executescript(subscriptions.SCHEMA)
    return True


def create_desk_tables(connection):
    """Migration 5: the "no answer needed" decisions and the desk's index
    (a new database has them from migration 2, which makes ``SCHEMA``)."""
    connection.executescript(no_answer.SCHEMA + DESK_INDEXES)
    return True


# (version, what it does): in the order they run. A new one goes last, with the
# next number; none is ever changed once released.
MIGRATIONS = (
    (1, type_comments_table),
    (2, create_tables),
    (3, add_subscriptions),
    (4, webmentions.create_tables),
    (5, create_desk_tables),
)
MAX_VERSION = MIGRATIONS[-1][0]
VERSION_TABLE = "blog_schema"


def schema_version(connection):
    """Return the database's schema version (0: from before versions)."""
    try:
        row = connection.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    except sqlite3.OperationalError:  # no version table: version 0
        return 0
    return row[0] if row else 0


def set_schema_version(connection, version):
    """Record ``version`` as the database's schema version."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)"
        )
        connection.execute(f"DELETE FROM {VERSION_TABLE}")
        connection.execute(f"INSERT INTO {VERSION_TABLE} VALUES (?)", (version,))
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def migrate(connection, to=MAX_VERSION):
    """Run the migrations after the database's version, in order, up to ``to``;
    return the version reached.

    ``connection`` must be in autocommit mode (``isolation_level=None``). Each
    migration returns whether it is done; one that is not keeps the version
    below it (the later ones still run: each stands on its own).
    """
    version = schema_version(connection)
    reached = version
    for number, step in MIGRATIONS:
        if not version < number <= to:
            continue
        if step(connection) and reached == number - 1:
            reached = number
    if reached != version:
        set_schema_version(connection, reached)
        logger.debug("comment database schema version %d → %d", version, reached)
    return reached


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
