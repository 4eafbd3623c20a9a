"""Read every comment of the site: from the SQLite database, or the server's export.

The one place that knows Isso's tables. Both sources return the same
``CommentData``; neither ever selects an email or IP address, and addresses or
phone numbers a reader typed come masked (``comments.build.masking``).
"""

import dataclasses
import datetime
import hashlib
import html
import ipaddress
import json
import logging
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from comments.answers import StaffAnswerIndex
from comments.build import data
from comments.build.digest import Digester
from comments.build.masking import mask_personal_data
from comments.core import SetupError
from comments.store import webmentions
from comments.store.schema import WITHDRAWN as WITHDRAWN_REASON

logger = logging.getLogger(__name__)

UTC = datetime.UTC

# Isso's `comments.mode`: 1 published, 2 awaiting moderation, 4 deleted by its
# author (or an admin) but kept, text and author blanked, because it has replies.
ISSO_MODES = {1: data.PUBLISHED, 2: data.PENDING, 4: data.WITHDRAWN}

ISSO_TABLES = {"threads", "comments", "preferences"}

# Isso stores `created` and `modified` as Unix seconds. Outside these bounds a
# value is no time a comment of this blog was written (a clock at zero, a
# value in ms, text typed into a shell) and datetime cannot follow it far:
# refused with the comment named, never a traceback.
EARLIEST, LATEST = 946_684_800, 32_503_680_000  # 2000-01-01, 3000-01-01 UTC

# Columns are named one by one: `email` and `remote_addr` are never read.
# Threads are joined in Python and comments sorted there: SQLite's join and
# ORDER BY cost twice the plain scan (0.29 s vs 0.13 s for 100,000 rows). The
# staff record is joined by SQLite (its primary key: +0.03 s per 100,000
# rows): a dict of 40,000 staff records in Python took 7 MB.
THREADS_QUERY = "SELECT id, uri, title FROM threads"
COMMENT_COLUMNS = """
c.id, c.tid, c.parent, c.created, c.modified, c.mode, c.author, c.website,
c.text, c.likes
"""
STAFF_JOIN = """
LEFT JOIN blog_staff_comments s
ON s.comment_id = c.id AND s.comment_created = c.created
"""
STAFF_ANSWERS_QUERY = """
SELECT c.id, c.tid, c.parent, c.created, s.display_name
FROM comments c JOIN blog_staff_comments s
ON s.comment_id = c.id AND s.comment_created = c.created
WHERE c.mode = 1
"""
# Reader comments staff decided need no answer (comments.store.no_answer).
NO_ANSWER_QUERY = "SELECT comment_id, comment_created FROM blog_no_answer_needed"
REMOVALS_QUERY = """
SELECT comment_id, thread_uri, removed_at, reason, note
FROM blog_removals ORDER BY id
"""


class SourceUnavailable(Exception):
    """The comment source cannot be reached now; a snapshot may stand in."""


class CommentDataError(SetupError):
    """The comment source answered, but with something unusable."""


class UnusableTime(ValueError):
    """A comment row's time is no time (``utc_time``); names the comment."""


def utc_time(seconds, comment_id, thread_uri, column="created"):
    """Return Unix ``seconds`` as an aware UTC datetime; raise UnusableTime
    naming the comment unless it lies between 2000 and 3000."""
    try:
        if EARLIEST <= seconds < LATEST:  # False for NaN, TypeError for text
            return datetime.datetime.fromtimestamp(seconds, UTC)
    except TypeError:
        pass
    shown = repr(seconds)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise UnusableTime(
        f"comment {comment_id} on {thread_uri} has {column} = {shown}, no time "
        "between 2000 and 3000"
    )


class IssoRenderer:
    """Isso's own Markdown renderer and sanitiser, made when first used.

    Importing any part of Isso loads its whole server (``comments.config``),
    and a build renders only the comments a parade page shows: most render
    none. The config is loaded again then, with Isso's parser
    (``comments.config.load_config``).
    """

    def __init__(self, config_file):
        self.config_file = config_file
        self.markup = None

    def render(self, text):
        """Return ``text`` rendered and sanitised as Isso shows it."""
        if self.markup is None:
            from isso.html import Markup

            from comments.config import load_config

            conf, _ = load_config(self.config_file, create_secrets=False)
            self.markup = Markup(conf)
        return self.markup.render(text)


def make_renderer(conf):
    """Return Isso's own renderer for the config ``conf`` was loaded from."""
    return IssoRenderer(conf.get("blog", "config-file"))


def database_fingerprint(session_key):
    """Return a short, non-secret identity of one comment database."""
    return hashlib.sha256(f"blog-database:{session_key}".encode()).hexdigest()[:16]


class Reading:
    """One read-only transaction on the comment database: the small tables read
    whole, the comments left to stream (``comments``, ``keys``)."""

    def __init__(self, connection, tables, for_staff):
        self.connection, self.tables, self.for_staff = connection, tables, for_staff
        self.threads = {
            thread_id: (uri, unescape(title))
            for thread_id, uri, title in connection.execute(THREADS_QUERY)
        }
        self.has_staff = "blog_staff_comments" in tables
        removal_rows = (
            connection.execute(REMOVALS_QUERY).fetchall()
            if "blog_removals" in tables
            else []
        )
        key_row = connection.execute(
            "SELECT value FROM preferences WHERE key = 'session-key'"
        ).fetchone()
        self.database_id = database_fingerprint(key_row[0] if key_row else "")
        self.removals = tuple(removal_from_row(row) for row in removal_rows)
        self.mentions = tuple(
            data.Mention(*row) for row in webmentions.approved_participants(connection)
        )
        self.no_answer_needed = frozenset(
            data.stored_comment_key(comment_id, created)
            for comment_id, created in (
                connection.execute(NO_ANSWER_QUERY)
                if "blog_no_answer_needed" in tables
                else ()
            )
        )
        self.removed_by_staff = {
            removal.comment_id
            for removal in self.removals
            if removal.reason != WITHDRAWN_REASON
        }  # a placeholder (mode 4) with such a record was blanked by staff

    def comments(self):
        """Yield the comments, row by row from the cursor (never all rows at once)."""
        threads = self.threads
        removed_by_staff, for_staff = self.removed_by_staff, self.for_staff
        query = (
            f"SELECT {COMMENT_COLUMNS}, s.display_name FROM comments c {STAFF_JOIN}"
            if self.has_staff
            else f"SELECT {COMMENT_COLUMNS}, NULL FROM comments c"
        )
        for row in self.connection.execute(query):
            if row[1] in threads:  # as Isso's joins: a comment needs its thread
                yield comment_from_row(
                    row, threads[row[1]], removed_by_staff, for_staff
                )

    def staff_answers(self):
        """Return the StaffAnswerIndex of the published staff comments, made from
        their identities and times only (no text)."""
        if not self.has_staff:
            return StaffAnswerIndex(())
        threads, names = self.threads, {}
        return StaffAnswerIndex(
            (
                threads[tid][0],
                parent or comment_id,
                utc_time(created, comment_id, threads[tid][0]),
                comment_id,
                names.setdefault(name, name),  # one string per staff name
            )
            for comment_id, tid, parent, created, name in self.connection.execute(
                STAFF_ANSWERS_QUERY
            )
            if tid in threads
        )


def read_transaction(db_path, use, for_staff=False):
    """Open ``db_path`` read-only, begin one transaction, return ``use(Reading)``."""
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
            with data.many_objects():
                return use(Reading(connection, tables, for_staff))
    except (sqlite3.DatabaseError, UnusableTime) as error:
        raise unreadable_database(db_path, error) from None
    finally:
        connection.close()


def unreadable_database(db_path, error):
    """The CommentDataError for a database SQLite cannot read, with the fix."""
    return CommentDataError(
        f"{db_path}: unreadable comment database ({error}); restore it with "
        "`invoke comments.restore` from a backup"
    )


def read_database(db_path, read_at, renderer=None, for_staff=False):
    """Read the whole site's comments from SQLite, read-only, in one transaction.

    ``for_staff=True`` (the answer desk, never a page) keeps the text and name of
    comments awaiting moderation; emails and addresses are never read at all.
    """

    def everything(reading):
        comments = list(reading.comments())
        comments.sort(key=data.oldest_first)
        return data.CommentData(
            read_at=read_at,
            source="database",
            comments=tuple(comments),
            removals=reading.removals,
            database_id=reading.database_id,
            no_answer_needed=reading.no_answer_needed,
            renderer=renderer,
            mentions=reading.mentions,
        )

    return read_transaction(db_path, everything, for_staff)


def digest_database(db_path, read_at, renderer=None):
    """Read what a build shows of the comments (``comments.build.digest``), streaming:
    the staff comments first, then every comment through the Digester."""

    def gathered(reading):
        if not reading.has_staff:
            logger.warning(
                "comment_data: %s has no staff records (blog_staff_comments): no "
                "answer counts as staff's until the comment server of this project "
                "has opened it; is [general] dbpath the right database?",
                db_path,
            )
        digester = Digester(reading.staff_answers(), reading.no_answer_needed)
        add = digester.add
        for comment in reading.comments():
            add(comment)
        digest = digester.digest(
            read_at, "database", reading.database_id, reading.removals, renderer
        )
        return dataclasses.replace(digest, mentions=reading.mentions)

    return read_transaction(db_path, gathered)


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


def comment_from_row(row, thread, removed_by_staff, for_staff=False):
    """Turn a row of ``Reading.comments``' query (the comment's columns, then
    its staff name or None) and its thread's (uri, title) into a Comment (Isso
    stores names escaped)."""
    (
        comment_id,
        _,
        parent,
        created,
        modified,
        mode,
        author,
        website,
        text,
        likes,
        staff_name,
    ) = row
    uri, title = thread
    state = ISSO_MODES.get(mode, data.PENDING)
    if state == data.WITHDRAWN and comment_id in removed_by_staff:
        state = data.REMOVED
    visible = state == data.PUBLISHED or (for_staff and state == data.PENDING)
    author, website, text = (
        reader_fields(author, website, text, staff_name) if visible else ("", "", "")
    )
    # Positional, in Comment's field order: a site has 100,000s of these.
    return data.Comment(
        comment_id,
        uri,
        title,
        parent,
        utc_time(created, comment_id, uri),
        utc_time(modified, comment_id, uri, "modified") if modified else None,
        state,
        author,
        website,
        text,
        likes or 0,
        staff_name,
    )


def reader_fields(author, website, text, staff_name):
    """Return a visible comment's name, website and text as the site may show
    them: unescaped, and a reader's with addresses and phone numbers masked
    (``comments.build.masking``). Staff text is our own: the leak check sees it whole.
    """
    author, website, text = unescape(author), unescape(website), text or ""
    if staff_name is not None:
        return author, website, text
    if mask_personal_data(website) != website:
        website = ""  # a link to a placeholder would lead nowhere
    return mask_personal_data(author), website, mask_personal_data(text)


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: the export request carries the token, and urllib
    would send it on to whatever host a redirect names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib raises the 3xx as an HTTPError


def is_loopback(host):
    """True for this machine's own names: localhost, 127.x.x.x, ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_export_url(url):
    """Raise CommentDataError unless ``url`` is https://, or http:// on loopback.

    The request carries the export token: over plain HTTP anyone on the way
    could read it, and every comment with it.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise CommentDataError(
        f"COMMENTS_EXPORT_URL={url!r} must start with https:// (http:// only for "
        "localhost): the request carries the export token"
    )


def export_problem(error):
    """The one-line reason a comment server's 500 gives for its export, or ""."""
    if error.code != 500:
        return ""
    try:
        problem = json.loads(error.read(4096)).get("error", "")
    except (ValueError, AttributeError, OSError):
        return ""
    return " ".join(str(problem).split())[:500]


def read_export(url, token, read_at, renderer=None, timeout=20):
    """Fetch every comment from the comment server's export endpoint.

    Only over HTTPS (``check_export_url``), and never past a redirect.
    """
    check_export_url(url)
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    opener = urllib.request.build_opener(RefuseRedirects)
    try:
        with opener.open(request, timeout=timeout) as reply:
            body = reply.read()
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            target = urlsplit(error.headers.get("Location") or "").netloc or "?"
            raise CommentDataError(
                f"{url}: the export redirects ({error.code}, to {target}); set "
                "COMMENTS_EXPORT_URL to the export's own address (the token is "
                "never sent on)"
            ) from None
        if error.code in (401, 403):
            raise CommentDataError(
                f"{url}: export refused ({error.code}); set BLOG_EXPORT_TOKEN to the "
                "comment server's export token"
            ) from None
        problem = export_problem(error)
        if problem:  # the server answered: its data is unusable, not unreachable
            raise CommentDataError(
                f"{url}: the comment server says: {problem}"
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
