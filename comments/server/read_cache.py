"""Cache Isso's thread listings (``GET /?uri=…``) until the thread changes.

Isso renders every comment's Markdown and hashes every author on each read,
about a millisecond or two per comment, so a popular thread costs tens of
milliseconds per reader. The listing does not depend on who asks, so it can be
kept — as long as the thread has not changed. Before serving a kept listing one
indexed query asks the database for the thread's fingerprint (count, newest
creation and edit, votes, states, and a checksum of every shown field); any
post, edit, vote, approval or deletion changes it — also a moderator's edit on
Isso's admin page, which leaves ``modified`` as it was. That works across
gunicorn workers, which share only the database.

The fingerprint is asked on one read-only connection per thread, kept open:
a new connection would first read and parse the whole schema, which costs
more than the two queries.
"""

import sqlite3
import threading
import zlib
from collections import OrderedDict
from functools import partial
from urllib.parse import parse_qs

from comments.store.connections import ThreadConnection

THREAD_QUERY = "SELECT id FROM threads WHERE uri = ?"
# Two steps, not a join: in a database whose `tid` column has no type yet (see
# comments.store.schema), comparing it with the joined integer column applies an
# affinity that keeps SQLite from using the index on it.
FINGERPRINT_QUERY = """
SELECT COUNT(*), MAX(id), MAX(created), MAX(IFNULL(modified, 0)),
       SUM(likes), SUM(dislikes), SUM(mode),
       SUM(content_checksum(id, text, author, email, website))
FROM comments WHERE tid = ?
"""


def content_checksum(*fields):
    """CRC-32 of a comment's shown fields (the email feeds the avatar hash)."""
    return zlib.crc32(repr(fields).encode("utf-8", "surrogatepass"))


def open_reader(db_path):
    """A read-only connection that knows ``content_checksum``."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.create_function(
        "content_checksum", 5, content_checksum, deterministic=True
    )
    return connection


class ThreadReadCache:
    """WSGI middleware: serve unchanged thread listings from memory."""

    def __init__(self, app, db_path, max_entries=512):
        self.app = app
        self.db_path = db_path
        self.max_entries = max_entries
        self.entries = OrderedDict()
        self.lock = threading.Lock()
        self.connection = ThreadConnection(partial(open_reader, db_path))

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/":
            return self.app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        uri = parse_qs(query).get("uri", [""])[0]
        if not uri:
            return self.app(environ, start_response)
        fingerprint = self.fingerprint(uri)
        if fingerprint is None:
            return self.app(environ, start_response)
        with self.lock:
            kept = self.entries.get(query)
            if kept is not None and kept[0] == fingerprint:
                self.entries.move_to_end(query)
                start_response(kept[1], list(kept[2]))
                return [kept[3]]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, capture))
        if captured.get("status", "").startswith("200") and not any(
            name.lower() == "set-cookie" for name, _ in captured["headers"]
        ):
            with self.lock:
                self.entries[query] = (
                    fingerprint,
                    captured["status"],
                    tuple(captured["headers"]),
                    body,
                )
                self.entries.move_to_end(query)
                while len(self.entries) > self.max_entries:
                    self.entries.popitem(last=False)
        return [body]

    def fingerprint(self, uri):
        """Return a value that changes whenever the thread's listing would."""
        try:
            connection = self.connection.get()
            thread = connection.execute(THREAD_QUERY, (uri,)).fetchone()
            if thread is None:
                return ("no thread",)
            return connection.execute(FINGERPRINT_QUERY, (thread[0],)).fetchone()
        except sqlite3.Error:
            self.connection.forget()
            return None  # never serve a kept copy when unsure
