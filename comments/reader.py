"""Read every comment of the site: from the SQLite database, or the server's export.

The one place that knows Isso's tables. Both sources return the same
``CommentData``; neither ever selects an email or IP address.
"""

import datetime
import hashlib
import html
import json
import logging
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

from isso.html import Markup

from comments import data
from comments.errors import SetupError
from comments.schema import WITHDRAWN as WITHDRAWN_REASON

logger = logging.getLogger(__name__)

UTC = datetime.UTC

# Isso's `comments.mode`: 1 published, 2 awaiting moderation, 4 deleted by its
# author (or an admin) but kept, text and author blanked, because it has replies.
ISSO_MODES = {1: data.PUBLISHED, 2: data.PENDING, 4: data.WITHDRAWN}

ISSO_TABLES = {"threads", "comments", "preferences"}

# Columns are named one by one: `email` and `remote_addr` are never read.
# Threads are joined in Python and comments sorted there: SQLite's join and
# ORDER BY cost twice the plain scan (0.29 s vs 0.13 s for 100,000 rows).
THREADS_QUERY = "SELECT id, uri, title FROM threads"
COMMENTS_QUERY = """
SELECT id, tid, parent, created, modified, mode, author, website, text, likes
FROM comments
"""
STAFF_QUERY = """
SELECT comment_id, comment_created, display_name FROM blog_staff_comments
"""
REMOVALS_QUERY = """
SELECT comment_id, thread_uri, removed_at, reason, note
FROM blog_removals ORDER BY id
"""


class SourceUnavailable(Exception):
    """The comment source cannot be reached now; a snapshot may stand in."""


class CommentDataError(SetupError):
    """The comment source answered, but with something unusable."""


def make_renderer(conf):
    """Return Isso's own Markdown renderer and sanitiser for ``conf``."""
    return Markup(conf)


def database_fingerprint(session_key):
    """Return a short, non-secret identity of one comment database."""
    return hashlib.sha256(f"blog-database:{session_key}".encode()).hexdigest()[:16]


def read_database(db_path, read_at, renderer=None, for_staff=False):
    """Read the whole site's comments from SQLite, read-only, in one transaction.

    ``for_staff=True`` (the answer desk, never a page) keeps the text and name of
    comments awaiting moderation; emails and addresses are never read at all.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise SourceUnavailable(f"{db_path} does not exist (yet)")
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise SourceUnavailable(f"{db_path}: {error}") from None
    try:
        with connection:
            connection.execute("BEGIN")  # one consistent view of every table
            tables = {
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            missing = ISSO_TABLES - tables
            if missing:
                raise CommentDataError(
                    f"{db_path}: not an Isso comment database (no "
                    f"{', '.join(sorted(missing))} table); check [general] dbpath "
                    "in the comment server config"
                )
            threads = {
                thread_id: (uri, unescape(title))
                for thread_id, uri, title in connection.execute(THREADS_QUERY)
            }
            staff = (
                {
                    (comment_id, created): name
                    for comment_id, created, name in connection.execute(STAFF_QUERY)
                }
                if "blog_staff_comments" in tables
                else {}
            )
            removal_rows = (
                connection.execute(REMOVALS_QUERY).fetchall()
                if "blog_removals" in tables
                else []
            )
            key_row = connection.execute(
                "SELECT value FROM preferences WHERE key = 'session-key'"
            ).fetchone()
            removals = tuple(removal_from_row(row) for row in removal_rows)
            removed_by_staff = {
                removal.comment_id
                for removal in removals
                if removal.reason != WITHDRAWN_REASON
            }  # a placeholder (mode 4) with such a record was blanked by staff
            with data.many_objects():
                # Row by row from the cursor, not fetchall(): the rows never
                # exist all at once beside the comments made from them.
                comments = [
                    comment_from_row(
                        row, threads[row[1]], staff, removed_by_staff, for_staff
                    )
                    for row in connection.execute(COMMENTS_QUERY)
                    if row[1] in threads  # as Isso's joins: a comment needs its thread
                ]
                comments.sort(key=oldest_first)
    except sqlite3.DatabaseError as error:
        raise CommentDataError(
            f"{db_path}: unreadable comment database ({error}); restore it with "
            "`invoke comments.restore` from a backup"
        ) from None
    finally:
        connection.close()
    return data.CommentData(
        read_at=read_at,
        source="database",
        comments=tuple(comments),
        removals=removals,
        database_id=database_fingerprint(key_row[0] if key_row else ""),
        renderer=renderer,
    )


def removal_from_row(row):
    """Turn a ``blog_removals`` row into a Removal."""
    comment_id, thread_uri, removed_at, reason, note = row
    return data.Removal(
        comment_id, thread_uri, data.utc_from_timestamp(removed_at), reason, note
    )


def unescape(text):
    """Undo Isso's HTML escaping of names (fast when there is nothing to undo)."""
    if not text:
        return ""
    return html.unescape(text) if "&" in text else text


def oldest_first(comment):
    """Sort key: creation time, then id (two comments can share a moment)."""
    return comment.created, comment.id


def comment_from_row(row, thread, staff, removed_by_staff, for_staff=False):
    """Turn a row of COMMENTS_QUERY and its thread's (uri, title) into a Comment
    (Isso stores names escaped)."""
    comment_id, _, parent, created, modified, mode, author, website, text, likes = row
    uri, title = thread
    state = ISSO_MODES.get(mode, data.PENDING)
    if state == data.WITHDRAWN and comment_id in removed_by_staff:
        state = data.REMOVED
    visible = state == data.PUBLISHED or (for_staff and state == data.PENDING)
    # Positional, in Comment's field order: a site has 100,000s of these.
    return data.Comment(
        comment_id,
        uri,
        title,
        parent,
        datetime.datetime.fromtimestamp(created, UTC),
        datetime.datetime.fromtimestamp(modified, UTC) if modified else None,
        state,
        unescape(author) if visible else "",
        unescape(website) if visible else "",
        (text or "") if visible else "",
        likes or 0,
        staff.get((comment_id, created)),
    )


def read_export(url, token, read_at, renderer=None, timeout=20):
    """Fetch every comment from the comment server's export endpoint."""
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read()
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise CommentDataError(
                f"{url}: export refused ({error.code}); set BLOG_EXPORT_TOKEN to the "
                "comment server's export token"
            ) from None
        raise SourceUnavailable(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SourceUnavailable(f"{url}: {reason}") from None
    try:
        exported = data.from_json(json.loads(body), renderer=renderer)
    except ValueError as error:
        raise CommentDataError(f"{url}: not a comment export ({error})") from None
    return exported.replace(read_at=read_at, source="http")
