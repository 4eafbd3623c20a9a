"""Removing comments, always with a record: the tool, and Isso's own routes.

``remove_comment`` is what ``invoke comments.remove`` runs: it announces the
reason, then deletes through Isso's own database layer (a comment with replies
is blanked and kept, as Isso does). ``RemovalRecorder`` watches Isso's delete
routes so that an author withdrawing a comment and a moderator deleting one on
Isso's admin page are recorded with what is known about them. Anything else
that deletes a row is caught by the trigger in ``comments.schema``.
"""

import logging
import re
import sqlite3
import time

from werkzeug.http import parse_cookie

from comments.errors import SetupError
from comments.schema import REMOVAL_REASONS, UNSPECIFIED, WITHDRAWN

logger = logging.getLogger(__name__)

AUTHOR_DELETE = re.compile(r"^/id/(\d+)/?$")
MODERATOR_DELETE = re.compile(r"^/id/(\d+)/delete/([^/]+)/?$")


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


class RemovalRecorder:
    """WSGI middleware: give deletions through Isso's own routes a reason.

    Only a deletion Isso will allow is announced: an author's ``DELETE`` with
    the comment's edit cookie, a moderator's link with a key signed for that
    comment. Anyone else's request reaches Isso (which refuses it) without
    touching the removal log.
    """

    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.db_path = server.conf.get("general", "dbpath")
        self.edit_seconds = server.conf.getint("general", "max-age")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        comment_id = None
        if method == "DELETE" and (match := AUTHOR_DELETE.match(path)):
            reason, removed_by = WITHDRAWN, "author"
            comment_id = self.author_may_delete(environ, int(match.group(1)))
        elif method == "POST" and (match := MODERATOR_DELETE.match(path)):
            reason, removed_by = UNSPECIFIED, "isso-admin"
            comment_id = self.moderator_deletes(match.group(2))
        if comment_id is None:
            return self.app(environ, start_response)
        with sqlite3.connect(self.db_path) as connection:
            announce(connection, comment_id, reason, "", removed_by, replace=False)
        connection.close()
        try:
            # Isso answers from inside this call; its body is ready afterwards.
            return list(self.app(environ, start_response))
        finally:
            with sqlite3.connect(self.db_path) as connection:
                if removed_by == "isso-admin":
                    record_blanked(
                        connection, comment_id, reason, removed_by=removed_by
                    )
                withdraw_announcement(connection, comment_id, reason, "", removed_by)
            connection.close()

    def author_may_delete(self, environ, comment_id):
        """``comment_id`` when the request carries its author's edit cookie."""
        signed = parse_cookie(environ).get(str(comment_id), "")
        payload = self.unsigned(signed, self.edit_seconds)
        if isinstance(payload, list) and payload[:1] == [comment_id]:
            return comment_id
        return None

    def moderator_deletes(self, key):
        """The comment a moderation key is signed for (Isso deletes that one)."""
        payload = self.unsigned(key, 2**32)
        return payload if type(payload) is int else None

    def unsigned(self, value, max_age):
        """The payload of a value Isso signed, or None."""
        from itsdangerous import BadData  # the server's (see comments.staff)

        if not value:
            return None
        try:
            return self.server.unsign(value, max_age=max_age)
        except (BadData, ValueError, TypeError):
            return None
