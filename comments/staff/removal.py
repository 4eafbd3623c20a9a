"""Removing a comment as staff, always with a record (``invoke comments.remove``).

``remove_comment`` announces the reason, then deletes through Isso's own
database layer (a comment with replies is blanked and kept, as Isso does).
Deletions through Isso's own routes are recorded by
``comments.server.removal_log``; anything else that deletes a row is caught by
the trigger in ``comments.store.schema``.
"""

import logging

from comments.core import SetupError
from comments.store.connections import connect
from comments.store.removals import (
    REMOVAL_REASONS,
    announce,
    blanked_reason,
    record_blanked,
    withdraw_announcement,
)

logger = logging.getLogger(__name__)


class RemovalError(SetupError):
    """A removal cannot be done; the message says why."""


def remove_comment(server, comment_id, reason, note="", removed_by=""):
    """Remove one comment through Isso and record why. Returns the thread path."""
    if reason not in REMOVAL_REASONS:
        raise RemovalError(
            f"Grund {reason!r} ist keiner von {', '.join(REMOVAL_REASONS)}"
        )
    db_path = server.conf.get("general", "dbpath")
    with connect(db_path) as connection:
        row = connection.execute(
            "SELECT c.mode, t.uri FROM comments AS c "
            "JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
            (comment_id,),
        ).fetchone()
        if row is None:
            raise RemovalError(
                f"Kommentar {comment_id} gibt es nicht (schon entfernt? Das "
                "Entfernungsprotokoll nennt ihn)"
            )
        if row[0] == 4:
            raise RemovalError(
                f"Kommentar {comment_id} ist schon entfernt (Grund: "
                f"{blanked_reason(connection, comment_id)}); seine Antworten "
                "behalten einen leeren Platzhalter im Thread"
            )
        announce(connection, comment_id, reason, note, removed_by)
    try:
        with server.lock:
            server.db.comments.delete(comment_id)
    finally:
        with connect(db_path) as connection:
            record_blanked(connection, comment_id, reason, note, removed_by)
            withdraw_announcement(connection, comment_id, reason, note, removed_by)
    logger.info("comment %s removed (%s)", comment_id, reason)
    return row[1]
