"""Refuse writes the blog did not ask for, before Isso sees them.

Isso takes a new comment, an edit, a deletion or a vote from any page on the
web: its only CSRF check refuses a form's Content-Type, and a request with
none passes. So another site could post and vote in its visitors' names.
``WriteGuard`` answers, for Isso's write routes:

- 403 ``origin``: the ``Origin`` (or, without one, the ``Referer``) is neither
  the blog (``[general] host``) nor this server; a request with neither header
  comes from no browser page and passes;
- 415 ``content-type``: the body is not ``application/json`` (moderation
  links, which Isso answers with an empty POST, are exempt);
- 403 ``closed``: a reader's new comment or vote on a thread whose article
  says ``Comments: closed`` (the build lists those in the thread-owners
  file); verified staff may still answer there;
- 413 / 429 for ``POST /preview``: more text than a comment may have, or more
  previews a minute than a person writes.

Every refusal is JSON ``{"reason", "message", "retry_after"}`` made by
``comments.server.refusals``, the message in German for the comment form to show.
"""

import math
import sqlite3
import threading
import time
from collections import defaultdict, deque
from urllib.parse import parse_qs

from isso.utils import anonymize

from comments.server.middleware import ID_SEGMENT, LONGEST_TEXT
from comments.server.origins import sending_origin
from comments.server.refusals import refusal_body, refusal_headers
from comments.server.staff_web import current_staff
from comments.staff.owners import read_thread_owners
from comments.store.connections import connect

PREVIEW_BODY = 6 * LONGEST_TEXT + 1024  # JSON may escape a character in six bytes
PREVIEWS_PER_MINUTE = 20


def classify(method, path):
    """Name the Isso write route of a request, or None for anything else."""
    path = path.rstrip("/") or "/"
    if method == "POST" and path == "/new":
        return "new"
    if method == "POST" and path == "/preview":
        return "preview"
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "id" or not parts[2].isdigit():
        return None
    if len(parts) == 3 and method in ("PUT", "DELETE"):
        return "edit"
    if len(parts) == 4 and method == "POST" and parts[3] in ("like", "dislike"):
        return "vote"
    if len(parts) == 5 and method == "POST":
        return "moderation"  # /id/N/activate|edit|delete/<key>
    return None


def is_json(environ):
    """True when the request body is declared as JSON."""
    content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip()
    return content_type.lower() == "application/json"


class ClosedThreads:
    """The thread paths the last build marked closed, re-read when the file changes."""

    def __init__(self, owners_path):
        self.owners_path = owners_path
        self.stamp = None
        self.closed = frozenset()
        self.lock = threading.Lock()

    def __contains__(self, uri):
        try:
            stamp = self.owners_path.stat().st_mtime_ns
        except OSError:
            stamp = None
        with self.lock:
            if stamp != self.stamp:
                self.closed = read_thread_owners(self.owners_path).closed
                self.stamp = stamp
            return uri in self.closed


class Throttle:
    """At most ``limit`` events per key in a sliding window of ``seconds``."""

    def __init__(self, limit, seconds=60, clock=time.monotonic):
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.events = defaultdict(deque)
        self.lock = threading.Lock()

    def wait_for(self, key):
        """Count one event for ``key``; return 0, or the seconds to wait."""
        now = self.clock()
        with self.lock:
            if len(self.events) > 10_000:
                self.forget_before(now - self.seconds)
            window = self.events[key]
            while window and now - window[0] >= self.seconds:
                window.popleft()
            if len(window) >= self.limit:
                return max(1, math.ceil(window[0] + self.seconds - now))
            window.append(now)
            return 0

    def forget_before(self, moment):
        """Drop the keys whose last event is older than ``moment``."""
        for key in [key for key, window in self.events.items() if window[-1] < moment]:
            del self.events[key]


class WriteGuard:
    """WSGI middleware: refuse foreign, malformed, closed-thread and flooding writes."""

    def __init__(self, app, db_path, origins, closed_threads):
        self.app = app
        self.db_path = db_path
        self.origins = origins  # comments.server.origins.Origins
        self.closed_threads = closed_threads
        self.previews = Throttle(PREVIEWS_PER_MINUTE)

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        route = classify(method, path)
        if route is None:
            return self.app(environ, start_response)
        origin = sending_origin(environ)
        if origin is not None and origin not in self.origins.site(environ):
            return refuse(start_response, "403 Forbidden", "origin")
        if route != "moderation" and not is_json(environ):
            return refuse(start_response, "415 Unsupported Media Type", "content-type")
        if (
            route in ("new", "vote")
            and current_staff.get() is None
            and self.thread_of(environ, route, path) in self.closed_threads
        ):
            return refuse(start_response, "403 Forbidden", "closed")
        if route == "preview":
            refused = self.preview_refusal(environ, start_response)
            if refused is not None:
                return refused
        return self.app(environ, start_response)

    def thread_of(self, environ, route, path):
        """The thread path a new comment or a vote goes to ("" when unknown)."""
        if route == "new":
            return parse_qs(environ.get("QUERY_STRING", "")).get("uri", [""])[0]
        comment_id = int(ID_SEGMENT.search(path).group(1))
        try:
            with connect(self.db_path, read_only=True) as db:
                row = db.execute(
                    "SELECT t.uri FROM comments AS c JOIN threads AS t "
                    "ON t.id = c.tid WHERE c.id = ?",
                    (comment_id,),
                ).fetchone()
        except (sqlite3.Error, OverflowError):
            return ""  # Isso answers for a comment it cannot find
        return row[0] if row else ""

    def preview_refusal(self, environ, start_response):
        """Refuse a preview too long or too frequent for a person; else None."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > PREVIEW_BODY:
            return refuse(start_response, "413 Content Too Large", "too-long")
        client = anonymize(str(environ.get("REMOTE_ADDR", "")))
        wait = self.previews.wait_for(client)
        if wait:
            return refuse(
                start_response, "429 Too Many Requests", "preview-limit", wait
            )
        return None


def refuse(start_response, status, reason, retry_after=None):
    """Answer a refused write with its reason and a German message, as JSON."""
    body = refusal_body(reason, retry_after)
    start_response(status, refusal_headers(body, retry_after=retry_after))
    return [body]
