"""``blog_mail_outbox``: staff mails about new reader comments, queued.

Queued inside the request and sent afterwards (``comments.staff.notify``), so
a slow or broken mail server never delays or breaks posting. Ids and states
only: the mail is built from the comment when it is sent.
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
    UNIQUE (kind, comment_id, comment_created)
);
"""
TIMEOUT = 10  # seconds: the server and the reminder task share the table
CLAIM_SECONDS = 600  # a row "sending" this long was left by a crashed sender
KEEP_DONE_DAYS = 30  # sent and dropped rows are kept this long, then deleted


def queue(db_path, kind, comment_id, created):
    """Queue one mail about a comment (once per kind and comment)."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute(
            "INSERT OR IGNORE INTO blog_mail_outbox "
            "(kind, comment_id, comment_created, queued_at) VALUES (?, ?, ?, ?)",
            (kind, comment_id, created, time.time()),
        )


def claim_next(db_path, after_id):
    """Mark the next queued row after ``after_id`` as sending; return it or None."""
    now = time.time()
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute("BEGIN IMMEDIATE")  # one process claims a row
        row = connection.execute(
            "SELECT id, comment_id, comment_created FROM blog_mail_outbox "
            "WHERE id > ? AND (state = 'queued' "
            "OR (state = 'sending' AND last_attempt_at < ?)) ORDER BY id LIMIT 1",
            (after_id, now - CLAIM_SECONDS),
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
