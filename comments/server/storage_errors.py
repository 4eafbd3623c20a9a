"""Answer readers with a short German 503 when the database cannot be written.

A read-only or full disk made every request end in werkzeug's HTML 500 and a
full traceback in the log, thousands a minute. ``StorageErrors`` answers JSON
the widget shows instead::

    {"reason": "storage", "message": "<German>", "retry_after": 60}

with status 503 and ``Retry-After``, and ``StorageErrorLog`` writes one
warning the first time a condition (read-only, disk full, I/O error, file
missing) shows and then at most one line a minute with how often it recurred.

Isso catches every exception in its views, logs the traceback and answers 500,
so the database handle of the Isso instance is watched too: during a request
a storage error there becomes a werkzeug 503 (Isso passes those on without a
traceback) and is noted for this middleware, which answers for it.
"""

import contextvars
import logging
import sqlite3
import threading
import time

from werkzeug.exceptions import ServiceUnavailable

from comments.server.refusals import refusal_body, refusal_headers

logger = logging.getLogger(__name__)

RETRY_AFTER = 60  # seconds; the disk rarely frees itself sooner
MESSAGE = (
    "Ihr Kommentar konnte gerade nicht gespeichert werden – bitte später noch einmal."
)
# SQLite's message (sqlite3.OperationalError) -> the condition it reports.
CONDITIONS = (
    ("attempt to write a readonly database", "read-only database"),
    ("database or disk is full", "disk full"),
    ("disk I/O error", "disk I/O error"),
    ("unable to open database file", "database file cannot be opened"),
)

# The storage conditions met during the current request; None outside one.
request_conditions = contextvars.ContextVar("request_conditions", default=None)


def condition_of(error):
    """The storage condition ``error`` reports, or None for any other error."""
    if not isinstance(error, sqlite3.OperationalError):
        return None
    text = str(error)
    for marker, condition in CONDITIONS:
        if marker in text:
            return condition
    return None


class StorageErrorLog:
    """Log a storage condition once, then a count at most every ``interval`` s."""

    def __init__(self, clock=time.monotonic, interval=60):
        self.clock = clock
        self.interval = interval
        self.lock = threading.Lock()
        self.since = {}  # condition -> (time of its last line, occurrences since)

    def record(self, condition, error):
        """Count one occurrence of ``condition``; log when a line is due."""
        with self.lock:
            now = self.clock()
            if condition not in self.since:
                self.since[condition] = (now, 0)
                logger.warning(
                    "comment storage: %s (%s); readers get 503 until it clears",
                    condition,
                    error,
                )
                return
            last_line, count = self.since[condition]
            count += 1
            if now - last_line < self.interval:
                self.since[condition] = (last_line, count)
                return
            self.since[condition] = (now, 0)
        logger.warning(
            "comment storage: %s %s more times in the last %s s",
            condition,
            count,
            round(now - last_line),
        )


class StorageUnavailable(ServiceUnavailable):
    """A storage error inside Isso, raised so Isso logs no traceback for it."""


def watch_database(db):
    """Turn storage errors of Isso's ``db.execute`` during a request into 503s."""
    execute = db.execute

    def watched(sql, args=()):
        try:
            return execute(sql, args)
        except sqlite3.OperationalError as error:
            conditions = request_conditions.get()
            condition = condition_of(error)
            if conditions is None or condition is None:
                raise
            conditions.append((condition, error))
            raise StorageUnavailable() from error

    db.execute = watched


class StorageErrors:
    """WSGI middleware: a storage error anywhere inside becomes a German 503."""

    def __init__(self, app, server, log=None):
        self.app = app
        self.log = StorageErrorLog() if log is None else log
        watch_database(server.db)

    def __call__(self, environ, start_response):
        conditions = []
        token = request_conditions.set(conditions)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None  # no app inside writes through this

        try:
            answer = self.app(environ, capture)
        except sqlite3.OperationalError as error:
            if condition_of(error) is None:
                raise
            conditions.append((condition_of(error), error))
            answer = []
        finally:
            request_conditions.reset(token)
        if not conditions:
            if "status" not in captured:  # an app that answers on iteration
                answer = list(answer)
            start_response(captured["status"], captured["headers"])
            return answer
        getattr(answer, "close", lambda: None)()
        for condition, error in conditions[:1]:
            self.log.record(condition, error)
        body = refusal_body("storage", RETRY_AFTER, MESSAGE)
        start_response(
            "503 Service Unavailable", refusal_headers(body, (), RETRY_AFTER)
        )
        return [body]
