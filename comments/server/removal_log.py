"""Record deletions through Isso's own routes in the removal log, with who asked.

``RemovalRecorder`` watches Isso's delete routes so that an author withdrawing
a comment and a moderator deleting one on Isso's admin page are recorded with
what is known about them (``comments.store.removals`` announces and withdraws).
"""

import re

from werkzeug.http import parse_cookie

from comments.store.connections import connect
from comments.store.removals import (
    UNSPECIFIED,
    WITHDRAWN,
    announce,
    record_blanked,
    withdraw_announcement,
)

AUTHOR_DELETE = re.compile(r"^/id/(\d+)/?$")
MODERATOR_DELETE = re.compile(r"^/id/(\d+)/delete/([^/]+)/?$")


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
        with connect(self.db_path) as connection:
            announce(connection, comment_id, reason, "", removed_by, replace=False)
        try:
            # Isso answers from inside this call; its body is ready afterwards.
            return list(self.app(environ, start_response))
        finally:
            with connect(self.db_path) as connection:
                if removed_by == "isso-admin":
                    record_blanked(
                        connection, comment_id, reason, removed_by=removed_by
                    )
                withdraw_announcement(connection, comment_id, reason, "", removed_by)

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
        from itsdangerous import BadData  # the server's (see comments.staff.accounts)

        if not value:
            return None
        try:
            return self.server.unsign(value, max_age=max_age)
        except (BadData, ValueError, TypeError):
            return None
