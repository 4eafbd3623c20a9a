"""Tell readers in German why the server refused their comment, and until when.

Isso refuses a new comment or an edit with werkzeug's HTML error page and an
English reason ("…: ratelimit exceeded (6, 7)", "edit time frame is still
open", "text is too short …"); its client shows nothing. ``Refusals`` turns
every 4xx answer to ``POST /new`` and ``PUT /id/<n>`` into JSON the widget
(theme/static/js/comment-refusals.js) shows by the form::

    {"reason": "ratelimit", "message": "<German>", "retry_after": 42}

with the same status and a ``Retry-After`` header where the wait is known: the
rate limit counts the last 60 seconds, and a reply to one's own comment waits
until that comment's edit window (``[general] max-age``) has passed. An answer
that already is such JSON (say, a closed thread) passes unchanged.
"""

import html
import io
import json
import math
import re
import sqlite3
import time

from comments.config import database_path
from comments.server.middleware import ID_SEGMENT
from comments.store.connections import connect

RATE_WINDOW = 60  # seconds the guard looks back (isso.db.spam.Guard._limit)
LARGEST_BODY = 256 * 1024  # isso.wsgi.Request.max_content_length

# Isso's English reason (or status) -> our code. First match wins.
REASONS = (
    (re.compile(r"ratelimit exceeded \(([\d, ]+)\)"), "ratelimit"),
    (re.compile(r"direct responses to"), "direct-reply"),
    (re.compile(r"edit time frame is still open"), "reply-to-self"),
    (re.compile(r"email address required"), "email-required"),
    (re.compile(r"author address required"), "author-required"),
    (re.compile(r"text is too short"), "too-short"),
    (re.compile(r"text is too long"), "too-long"),
    (re.compile(r"Website not Django-conform|arbitrary length limit"), "website"),
)

MESSAGES = {
    "ratelimit": "Sie haben gerade schon kommentiert.",
    "direct-reply": (
        "Sie haben zu diesem Beitrag schon mehrere Kommentare geschrieben. "
        "Antworten Sie gern direkt auf einen davon."
    ),
    "reply-to-self": (
        "Ihren eigenen Kommentar können Sie noch bearbeiten – "
        "ergänzen Sie ihn dort, statt darauf zu antworten."
    ),
    "email-required": "Bitte geben Sie Ihre E-Mail-Adresse an.",
    "author-required": "Bitte geben Sie Ihren Namen an.",
    "too-short": "Ihr Kommentar ist zu kurz: bitte mindestens 3 Zeichen.",
    "too-long": "Ihr Kommentar ist zu lang: höchstens 65.535 Zeichen.",
    "website": "Die Adresse Ihrer Website ist ungültig.",
    "edit-expired": "Dieser Kommentar lässt sich nicht mehr bearbeiten.",
    # comments.server.reserved_names
    "hidden-characters": (
        "Der Name enthält unsichtbare Steuerzeichen. Bitte ohne sie eingeben."
    ),
    "reserved-name": (
        "Dieser Name ist der Redaktion vorbehalten. Bitte einen anderen Namen wählen."
    ),
    "staff-pseudonym": "Diese E-Mail-Adresse ist ungültig.",
    # comments.server.write_guard
    "origin": (
        "Kommentare zu diesem Blog können nur auf seinen eigenen Seiten "
        "geschrieben werden."
    ),
    "content-type": "Die Anfrage hat nicht das Format des Kommentarformulars.",
    "closed": "Die Kommentare zu diesem Beitrag sind geschlossen.",
    "preview-limit": "Zu viele Vorschauen in kurzer Zeit.",
    "invalid": "Ihr Kommentar konnte so nicht angenommen werden.",
    "refused": "Ihr Kommentar wurde nicht angenommen.",
}


def is_comment_write(environ):
    """True for a new comment (``POST /new``) or an edit (``PUT /id/<n>``)."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    if method == "POST":
        return path.rstrip("/") == "/new"
    return method == "PUT" and ID_SEGMENT.fullmatch(path.rstrip("/")) is not None


def isso_reason(body):
    """Isso's reason from its error page or its ``{"message": …}`` JSON."""
    text = body.decode("utf-8", "replace")
    try:
        message = json.loads(text).get("message", "")
    except (ValueError, AttributeError):
        found = re.search(r"<p>(.*)</p>", text, re.DOTALL)
        return html.unescape(found.group(1)) if found else ""
    return str(message).partition(": ")[2] or str(message)


def classify(status_code, method, reason):
    """Return our code (a key of MESSAGES) for one of Isso's refusals."""
    for pattern, code in REASONS:
        if pattern.search(reason):
            return code
    if status_code == 413:
        return "too-long"
    if method == "PUT" and status_code == 403:
        return "edit-expired"  # the edit cookie expired or does not match
    return "invalid" if status_code == 400 else "refused"


def wait_phrase(seconds):
    """German "in 45 Sekunden" / "in 12 Minuten" for a wait of ``seconds``."""
    if seconds < 90:
        return "in 1 Sekunde" if seconds == 1 else f"in {seconds} Sekunden"
    return f"in {math.ceil(seconds / 60)} Minuten"


def refusal_body(reason, retry_after=None, message=None):
    """The JSON bytes of a refusal; our own message says when to retry, if known."""
    if message is None:
        message = MESSAGES[reason]
        if retry_after is not None:
            wait = wait_phrase(retry_after)
            message += f" Bitte versuchen Sie es {wait} noch einmal."
    answer = {"reason": reason, "message": message, "retry_after": retry_after}
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


def refusal_headers(body, headers=(), retry_after=None):
    """Headers for a JSON refusal, keeping ``headers`` other than the body's."""
    replaced = {"content-type", "content-length", "retry-after", "cache-control"}
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    kept += [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
    ]
    if retry_after is not None:
        kept.append(("Retry-After", str(retry_after)))
    return kept


class Refusals:
    """WSGI middleware: Isso's refusals of new comments and edits as German JSON."""

    def __init__(self, app, conf, clock=time.time):
        self.app = app
        self.db_path = database_path(conf)
        self.max_age = conf.getint("general", "max-age")
        self.clock = clock

    def __call__(self, environ, start_response):
        if not is_comment_write(environ):
            return self.app(environ, start_response)
        request_body = buffered_body(environ)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=list(headers))
            if not status.startswith("4"):
                return start_response(status, headers, exc_info)
            return lambda data: None  # Isso writes nothing through this

        answer = self.app(environ, capture)
        status = captured.get("status", "")
        if not status.startswith("4"):
            return answer
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        if is_refusal_json(body):
            start_response(status, captured["headers"])
            return [body]
        reason = isso_reason(body)
        code = classify(int(status[:3]), environ["REQUEST_METHOD"], reason)
        retry_after = self.retry_after(code, reason, request_body)
        body = refusal_body(code, retry_after)
        start_response(status, refusal_headers(body, captured["headers"], retry_after))
        return [body]

    def retry_after(self, code, reason, request_body):
        """Seconds until the guard lets this comment through, or None."""
        try:
            if code == "ratelimit":
                ids = [int(n) for n in REASONS[0][0].search(reason).group(1).split(",")]
                oldest = min(self.created(ids), default=None)
                return None if oldest is None else self.until(oldest + RATE_WINDOW)
            if code == "reply-to-self":
                parent = json.loads(request_body).get("parent")
                created = self.created([int(parent)])
                return self.until(created[0] + self.max_age) if created else None
        except (ValueError, TypeError, AttributeError, sqlite3.Error):
            return None  # the message alone, without a time
        return None

    def until(self, moment):
        """Whole seconds from now until ``moment``, at least 1."""
        return max(1, math.ceil(moment - self.clock()))

    def created(self, ids):
        """Creation times of the comments ``ids`` (read-only)."""
        marks = ", ".join("?" * len(ids))
        with connect(self.db_path, read_only=True) as connection:
            rows = connection.execute(
                f"SELECT created FROM comments WHERE id IN ({marks})", ids
            ).fetchall()
        return [row[0] for row in rows]


def is_refusal_json(body):
    """True when ``body`` already is a refusal in our shape."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and isinstance(answer.get("reason"), str)


def buffered_body(environ):
    """Read the request body, leaving a copy for the app; b"" when too large."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    if not 0 < length <= LARGEST_BODY:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body
