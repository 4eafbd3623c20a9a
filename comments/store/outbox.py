"""``blog_mail_outbox``: mails about comments, queued.

Queued inside the request and sent afterwards, so a slow or broken mail server
never delays or breaks posting: staff mails about new reader comments
(``comments.staff.notify``) and readers' confirmation and reply mails
(``comments.staff.reader_mails``, ``recipient`` naming the subscriber). Ids and
states only: the mail is built from the comment when it is sent.
"""

import time

from comments.store.connections import connect

SCHEMA = """
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
    recipient INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, comment_id, comment_created, recipient)
);
"""
COLUMNS = (
    "id, kind, comment_id, comment_created, queued_at, state, attempts, "
    "last_attempt_at, last_error"
)
TIMEOUT = 10  # seconds: the server and the reminder task share the table
CLAIM_SECONDS = 600  # a row "sending" this long was left by a crashed sender
KEEP_DONE_DAYS = 30  # sent and dropped rows are kept this long, then deleted


def queue(db_path, kind, comment_id, created, recipient=0):
    """Queue one mail about a comment (once per kind, comment and recipient)."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        queue_in(connection, kind, comment_id, created, recipient)


def queue_in(connection, kind, comment_id, created, recipient=0):
    """``queue`` inside the caller's transaction; return True if it is new."""
    return (
        connection.execute(
            "INSERT OR IGNORE INTO blog_mail_outbox "
            "(kind, comment_id, comment_created, queued_at, recipient) "
            "VALUES (?, ?, ?, ?, ?)",
            (kind, comment_id, created, time.time(), recipient),
        ).rowcount
        > 0
    )


def claim_next(db_path, after_id, kinds):
    """Mark the next queued row of ``kinds`` after ``after_id`` as sending;
    return (id, comment id, created, kind, recipient) or None."""
    now = time.time()
    marks = ", ".join("?" * len(kinds))
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute("BEGIN IMMEDIATE")  # one process claims a row
        row = connection.execute(
            "SELECT id, comment_id, comment_created, kind, recipient "
            f"FROM blog_mail_outbox WHERE id > ? AND kind IN ({marks}) "
            "AND (state = 'queued' "
            "OR (state = 'sending' AND last_attempt_at < ?)) ORDER BY id LIMIT 1",
            (after_id, *kinds, now - CLAIM_SECONDS),
        ).fetchone()
        if row is not None:
            connection.execute(
                "UPDATE blog_mail_outbox SET state = 'sending', "
                "attempts = attempts + 1, last_attempt_at = ? WHERE id = ?",
                (now, row[0]),
            )
    return row


def settle(db_path, row_id, state, error=""):
    """Record how one row ended: sent, dropped, or queued again."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute(
            "UPDATE blog_mail_outbox SET state = ?, last_error = ? WHERE id = ?",
            (state, error, row_id),
        )
        connection.execute(
            "DELETE FROM blog_mail_outbox WHERE state IN ('sent', 'dropped') "
            "AND last_attempt_at < ?",
            (time.time() - KEEP_DONE_DAYS * 86400,),
        )


def has_recipient_column(connection):
    """Whether the table has the ``recipient`` column (schema version 3)."""
    return any(
        row[1] == "recipient"
        for row in connection.execute("PRAGMA table_info(blog_mail_outbox)")
    )


def add_recipient_column(connection):
    """Rebuild the table with ``recipient`` in its unique key (autocommit
    ``connection``); rows keep their ids and states."""
    if has_recipient_column(connection):
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("ALTER TABLE blog_mail_outbox RENAME TO blog_mail_outbox_v2")
        connection.execute(SCHEMA)  # one statement (executescript would commit)
        connection.execute(
            f"INSERT INTO blog_mail_outbox ({COLUMNS}) "
            f"SELECT {COLUMNS} FROM blog_mail_outbox_v2"
        )
        connection.execute("DROP TABLE blog_mail_outbox_v2")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
