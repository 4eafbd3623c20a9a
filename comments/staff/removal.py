"""Removing a comment as staff, always with a record (``invoke comments.remove``).

``remove_comment`` announces the reason, then deletes through Isso's own
database layer (a comment with replies is blanked and kept, as Isso does).
Deletions through Isso's own routes are recorded by
``comments.server.removal_log``; anything else that deletes a row is caught by
the trigger in ``comments.store.schema``.
"""

import logging
import sqlite3
import time

from comments.core import SetupError
from comments.store.schema import REMOVAL_REASONS, WITHDRAWN

logger = logging.getLogger(__name__)


class RemovalError(SetupError):
    """A removal cannot be done; the message says why."""


def announce(connection, comment_id, reason, note="", removed_by="", replace=True):
    """Tell the removal trigger why ``comment_id`` is about to be deleted.

    ``replace=False`` leaves a reason already announced (a staff removal under
    way) as it is.
    """
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    connection.execute(
        f"{verb} INTO blog_pending_removals VALUES (?, ?, ?, ?)",
        (comment_id, reason, note, removed_by),
    )


def withdraw_announcement(connection, comment_id, reason, note="", removed_by=""):
    """Forget this announcement once the deletion is over (or was refused).

    Only the announcement with these values goes: one request never clears
    the reason another one gave.
    """
    connection.execute(
        "DELETE FROM blog_pending_removals WHERE comment_id = ? AND reason = ? "
        "AND note = ? AND removed_by = ?",
        (comment_id, reason, note, removed_by),
    )


def blanked_reason(connection, comment_id):
    """Why a blanked comment (mode 4) was removed, as the removal log says
    ("withdrawn" when the log has no line for it: Isso blanks a comment its
    author deletes)."""
    row = connection.execute(
        "SELECT r.reason FROM blog_removals AS r JOIN comments AS c "
        "ON c.id = r.comment_id AND c.created = r.comment_created "
        "WHERE c.id = ? ORDER BY r.id DESC LIMIT 1",
        (comment_id,),
    ).fetchone()
    return row[0] if row else WITHDRAWN


def record_blanked(connection, comment_id, reason, note="", removed_by=""):
    """Record a comment Isso blanked and kept (mode 4) because it has replies."""
    row = connection.execute(
        "SELECT c.created, c.mode, t.uri FROM comments AS c "
        "JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
        (comment_id,),
    ).fetchone()
    if row is None or row[1] != 4:
        return
    connection.execute(
        "INSERT OR IGNORE INTO blog_removals (comment_id, comment_created, "
        "thread_uri, removed_at, reason, note, removed_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (comment_id, row[0], row[2], time.time(), reason, note, removed_by),
    )


def remove_comment(server, comment_id, reason, note="", removed_by=""):
    """Remove one comment through Isso and record why. Returns the thread path."""
    if reason not in REMOVAL_REASONS:
        raise RemovalError(
            f"--reason {reason!r} is not one of {', '.join(REMOVAL_REASONS)}"
        )
    db_path = server.conf.get("general", "dbpath")
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT c.mode, t.uri FROM comments AS c "
            "JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
            (comment_id,),
        ).fetchone()
        if row is None:
            raise RemovalError(
                f"comment {comment_id} does not exist (removed already? "
                "the removal log lists it)"
            )
        if row[0] == 4:
            raise RemovalError(
                f"comment {comment_id} is removed already (reason: "
                f"{blanked_reason(connection, comment_id)}); its replies keep an "
                "empty placeholder in the thread"
            )
        announce(connection, comment_id, reason, note, removed_by)
    connection.close()
    try:
        with server.lock:
            server.db.comments.delete(comment_id)
    finally:
        with sqlite3.connect(db_path) as connection:
            record_blanked(connection, comment_id, reason, note, removed_by)
            withdraw_announcement(connection, comment_id, reason, note, removed_by)
        connection.close()
    logger.info("comment %s removed (%s)", comment_id, reason)
    return row[1]
