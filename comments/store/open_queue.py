"""The open reader comments, straight from SQL: what the desk, mails and reminders read.

``comments.answers`` defines *open*; this is the same rule as one query, so a
request never loads every comment of the site:

- a reader comment: not removed or withdrawn (Isso mode 4), not recorded as
  staff's (``blog_staff_comments``), not decided "no answer needed"
  (``blog_no_answer_needed``);
- open: no published staff comment with a higher id replies in its thread
  (Isso nests one level: the replies of a top-level comment are the rows whose
  ``parent`` is its id; the index ``blog_comments_by_parent_id`` finds them).

``open_rows`` returns one small tuple per open comment, oldest first (id,
created, thread id, mode): ~0.15 s at 100,000 comments, a quarter waiting
(benchmarks/FINDINGS.md). ``details`` reads the few comments a page shows,
with their thread and the comment they answer; ``OpenRowsCache`` keeps the
rows while the database is unchanged. No email or IP address is selected.
"""

import os
import sqlite3
import threading

from comments.store.connections import connect

# What a read of the queue may meet: no database yet, or one from before the
# desk's tables (the server makes them at start).
DATABASE_ERRORS = (sqlite3.OperationalError, sqlite3.DatabaseError)

# 1 published, 2 awaiting moderation; 4 (removed or withdrawn) owes nothing.
OPEN_CONDITIONS = """
c.mode != 4
AND NOT EXISTS (
    SELECT 1 FROM blog_staff_comments AS s
    WHERE s.comment_id = c.id AND s.comment_created = c.created)
AND NOT EXISTS (
    SELECT 1 FROM blog_no_answer_needed AS n
    WHERE n.comment_id = c.id AND n.comment_created = c.created)
AND NOT EXISTS (
    SELECT 1 FROM comments AS a JOIN blog_staff_comments AS s
    ON s.comment_id = a.id AND s.comment_created = a.created
    WHERE a.parent = COALESCE(c.parent, c.id) AND a.id > c.id AND a.mode = 1)
"""
OPEN_QUERY = f"""
SELECT c.id, c.created, c.tid, c.mode FROM comments AS c
WHERE {OPEN_CONDITIONS} ORDER BY c.created, c.id
"""
# The reminders' variant: only comments old enough to have reached a reminder
# stage (created by ``:latest``: counted time never runs faster than the
# clock), without those reminded about as overdue, the last stage
# (``comments.staff.desk``): nothing can be due for them any more.
# blog_reminders keeps the creation time as the reader's datetime gave it back:
# equal to the stored one within a microsecond.
NOT_REMINDED_OVERDUE_QUERY = f"""
SELECT c.id, c.created, c.tid, c.mode FROM comments AS c
WHERE c.created <= :latest AND {OPEN_CONDITIONS}
AND NOT EXISTS (
    SELECT 1 FROM blog_reminders AS r
    WHERE r.comment_id = c.id AND r.stage = 'overdue'
    AND ABS(r.comment_created - c.created) < 0.000001)
ORDER BY c.created, c.id
"""
ONE_QUERY = f"""
SELECT c.id, c.created, t.uri, c.mode, {OPEN_CONDITIONS} AS open
FROM comments AS c JOIN threads AS t ON t.id = c.tid WHERE c.id = ?
"""

DETAILS_QUERY = """
SELECT c.id, c.created, c.mode, c.author, c.text, t.uri, t.title,
       p.id, p.mode, p.author, p.text, ps.display_name
FROM comments AS c JOIN threads AS t ON t.id = c.tid
LEFT JOIN comments AS p ON p.id = c.parent
LEFT JOIN blog_staff_comments AS ps
ON ps.comment_id = p.id AND ps.comment_created = p.created
WHERE c.id IN ({marks})
"""

THREADS_QUERY = "SELECT id, uri FROM threads"


def open_rows(connection, reminding_before=None):
    """Return (id, created, thread id, mode) of every open reader comment,
    oldest first; with ``reminding_before`` (epoch seconds) only those created
    by then and not reminded about as overdue."""
    if reminding_before is None:
        return connection.execute(OPEN_QUERY).fetchall()
    return connection.execute(
        NOT_REMINDED_OVERDUE_QUERY, {"latest": reminding_before}
    ).fetchall()


def one_comment(connection, comment_id):
    """Return (id, created, thread path, mode, open: 0 or 1) of one comment, or None."""
    return connection.execute(ONE_QUERY, (comment_id,)).fetchone()


def thread_uris(connection):
    """Return {thread id: path}."""
    return dict(connection.execute(THREADS_QUERY).fetchall())


def details(connection, ids):
    """Return {id: row of DETAILS_QUERY} for the comments ``ids``."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = connection.execute(DETAILS_QUERY.format(marks=marks), list(ids))
    return {row[0]: row for row in rows}


def read_open(db_path, use):
    """Open the database read-only in one transaction; return ``use(connection)``.

    Raises one of ``DATABASE_ERRORS`` when it cannot.
    """
    with connect(db_path, read_only=True) as connection:
        connection.execute("BEGIN")  # one consistent view for queue and details
        return use(connection)


class OpenRowsCache:
    """The open rows of the last read, reused while the database is unchanged.

    The server keeps one read-only connection per thread; SQLite's
    ``PRAGMA data_version`` changes whenever another connection (Isso, a
    desk action, a command) committed. A desk request on an unchanged
    database then skips the query (~0.16 s at 100,000 comments).
    """

    def __init__(self):
        self.local = threading.local()

    def rows(self, db_path, gather):
        """Return ``gather(connection)``, or its last result if nothing changed."""
        local = self.local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = sqlite3.connect(
                f"file:{db_path}?mode=ro", uri=True, check_same_thread=True
            )
            local.pid, local.version, local.found = os.getpid(), None, None
        connection = local.connection
        with connection:
            connection.execute("BEGIN")  # one consistent view for version and rows
            version = connection.execute("PRAGMA data_version").fetchone()[0]
            if version != local.version:
                local.found, local.version = gather(connection), version
        return local.found
