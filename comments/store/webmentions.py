"""``blog_webmentions`` and ``blog_webmention_reviews``: mentions received, and
staff's decisions on them.

One row per (source, target): a mention sent again updates its row (received
again, checked again), never adds one. ``status`` is what the last check of
the source found; ``review`` is staff's decision, which a new check leaves as
it is. Every decision is also a row of the append-only review log (who, when,
why), as comment removals are in ``blog_removals``.
"""

import sqlite3

from comments.store.connections import connect

QUEUED = "queued"  # received, not checked yet
VERIFIED = "verified"  # the source links to the target
UNLINKED = "unlinked"  # the source no longer (or never) links to the target
GONE = "gone"  # the source answers 404 or 410
FAILED = "failed"  # the source could not be fetched (refused, timeout, too big)
IGNORED = "ignored"  # the source is not an HTML page
STATUSES = (QUEUED, VERIFIED, UNLINKED, GONE, FAILED, IGNORED)

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
REJECT_REASONS = ("spam", "off-topic", "late", "other")
TIMEOUT = 10  # seconds: the server may be writing

SCHEMA = """
-- target_path: the target's path on our site (the thread id of its page);
-- parade: the slug of the parade whose call it is, as the last build told
-- the server (parade-calls.json), else ''. joined_at: the first time the
-- source was found linking (a participant's date when it names none).
CREATE TABLE IF NOT EXISTS blog_webmentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    target_path TEXT NOT NULL,
    parade TEXT NOT NULL DEFAULT '',
    received_at REAL NOT NULL,
    checked_at REAL,
    joined_at REAL,
    status TEXT NOT NULL DEFAULT 'queued',
    problem TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    review TEXT NOT NULL DEFAULT 'pending',
    UNIQUE (source, target)
);

CREATE TABLE IF NOT EXISTS blog_webmention_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mention_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reviewed_at REAL NOT NULL,
    reviewed_by TEXT NOT NULL DEFAULT ''
);

CREATE TRIGGER IF NOT EXISTS blog_webmention_reviews_no_update
BEFORE UPDATE ON blog_webmention_reviews
BEGIN
    SELECT RAISE(ABORT, 'the review log is append-only');
END;

CREATE TRIGGER IF NOT EXISTS blog_webmention_reviews_no_delete
BEFORE DELETE ON blog_webmention_reviews
BEGIN
    SELECT RAISE(ABORT, 'the review log is append-only');
END;
"""

COLUMNS = (
    "id, source, target, target_path, parade, received_at, checked_at, joined_at, "
    "status, problem, title, author, published, summary, review"
)


def create_tables(connection):
    """Migration 3: create the Webmention tables."""
    connection.executescript(SCHEMA)
    return True


def record_received(db_path, source, target, target_path, now):
    """Record a mention as received and waiting for its check; return its id."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        return connection.execute(
            "INSERT INTO blog_webmentions (source, target, target_path, received_at, "
            "status) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, target) DO UPDATE "
            "SET received_at = excluded.received_at, status = excluded.status "
            "RETURNING id",
            (source, target, target_path, now, QUEUED),
        ).fetchone()[0]


def queued(db_path):
    """Return ``(id, source, target)`` of every mention waiting for its check."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        return connection.execute(
            "SELECT id, source, target FROM blog_webmentions WHERE status = ? "
            "ORDER BY received_at, id",
            (QUEUED,),
        ).fetchall()


def record_checked(db_path, mention_id, status, now, entry=None, problem="", parade=""):
    """Record what checking the source found (an Entry when it links)."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        if entry is None:
            connection.execute(
                "UPDATE blog_webmentions SET status = ?, problem = ?, checked_at = ? "
                "WHERE id = ?",
                (status, problem, now, mention_id),
            )
            return
        connection.execute(
            "UPDATE blog_webmentions SET status = ?, problem = '', checked_at = ?, "
            "joined_at = COALESCE(joined_at, ?), parade = ?, title = ?, author = ?, "
            "published = ?, summary = ? WHERE id = ?",
            (
                status,
                now,
                now,
                parade,
                entry.title,
                entry.author,
                entry.published,
                entry.summary,
                mention_id,
            ),
        )


def mention_rows(connection, where="", arguments=()):
    """Return the mentions (``COLUMNS``) matching ``where``, oldest first."""
    return connection.execute(
        f"SELECT {COLUMNS} FROM blog_webmentions {where} ORDER BY received_at, id",
        arguments,
    ).fetchall()


def read_mentions(db_path, where="", arguments=()):
    """Read the mentions matching ``where`` read-only ([] without the table)."""
    try:
        with connect(db_path, read_only=True) as connection:
            return mention_rows(connection, where, arguments)
    except sqlite3.OperationalError:  # no database yet, or one before Webmention
        return []


def review(db_path, mention_id, decision, reason, reviewed_by, now):
    """Record staff's decision on a mention; return its row, or None when there
    is no such mention."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        row = connection.execute(
            "SELECT source FROM blog_webmentions WHERE id = ?", (mention_id,)
        ).fetchone()
        if row is None:
            return None
        connection.execute(
            "UPDATE blog_webmentions SET review = ? WHERE id = ?",
            (decision, mention_id),
        )
        connection.execute(
            "INSERT INTO blog_webmention_reviews (mention_id, source, decision, "
            "reason, reviewed_at, reviewed_by) VALUES (?, ?, ?, ?, ?, ?)",
            (mention_id, row[0], decision, reason, now, reviewed_by),
        )
        return mention_rows(connection, "WHERE id = ?", (mention_id,))[0]


# What a build lists: approved, and linking as of the last check (a mention
# sent again counts while its new check waits).
APPROVED_QUERY = """
SELECT source, target_path, title, author, published, joined_at, summary
FROM blog_webmentions
WHERE review = 'approved'
AND (status = 'verified' OR (status = 'queued' AND joined_at IS NOT NULL))
ORDER BY joined_at, id
"""


def approved_participants(connection):
    """Return ``(source, target path, title, author, published, joined at,
    summary)`` of every approved mention whose source links (none without the
    table)."""
    try:
        return connection.execute(APPROVED_QUERY).fetchall()
    except sqlite3.OperationalError:  # a database from before Webmention
        return []


def review_log(db_path):
    """Return every decision, oldest first: (mention id, source, decision,
    reason, reviewed at, reviewed by)."""
    try:
        with connect(db_path, read_only=True) as connection:
            return connection.execute(
                "SELECT mention_id, source, decision, reason, reviewed_at, "
                "reviewed_by FROM blog_webmention_reviews ORDER BY id"
            ).fetchall()
    except sqlite3.OperationalError:
        return []
