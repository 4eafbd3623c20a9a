"""``blog_subscribers``, ``blog_subscriptions``, ``blog_optin_limits``: readers
who asked for a mail when someone answers them.

The subscription store, and the only place a reader's address is kept by the
project (Isso keeps its own copy in ``comments``). ``blog_subscribers`` holds
one row per address: waiting for the confirmation button, or confirmed. An
address is looked up by its keyed hash; the confirmation link's token is
stored as its SHA-256 only. ``blog_subscriptions`` lists the conversations an
address watches: the reader's comment and its top-level comment (Isso threads
are one level deep, so the replies under that top-level comment are the
reader's conversation). ``blog_optin_limits`` remembers, as keyed hashes, which
addresses and clients were sent a confirmation in the last 24 hours, so the
limit holds even after an address was deleted.

The rules (who gets what, when) live in ``comments.staff.subscriptions``.
"""

import sqlite3

from comments.store.connections import connect

SCHEMA = """
-- confirmed_at NULL: waiting for the confirmation button (deleted after 48 h).
-- last_activity: the last opt-in or confirmation; the retention counts from it.
CREATE TABLE IF NOT EXISTS blog_subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    address_hash TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    confirmed_at REAL,
    confirm_token_hash TEXT UNIQUE,
    confirm_expires REAL,
    last_activity REAL NOT NULL
);
-- top_id: the conversation watched (the top-level comment); replies in it after
-- comment_id are mailed. team_only: only verified staff answers.
CREATE TABLE IF NOT EXISTS blog_subscriptions (
    subscriber_id INTEGER NOT NULL,
    thread_uri TEXT NOT NULL,
    comment_id INTEGER NOT NULL,
    top_id INTEGER NOT NULL,
    team_only INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    PRIMARY KEY (subscriber_id, comment_id)
);
CREATE INDEX IF NOT EXISTS blog_subscriptions_by_top ON blog_subscriptions (top_id);
-- key_hash: a keyed hash of "address:…" or "client:…"; rows live 24 hours.
CREATE TABLE IF NOT EXISTS blog_optin_limits (
    key_hash TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS blog_optin_limits_by_key ON blog_optin_limits (key_hash);
"""
TIMEOUT = 10  # seconds: the server and the commands share the tables
LIMIT_SECONDS = 24 * 3600


def secret_key(connection):
    """Return Isso's signing secret (``preferences`` ``session-key``), or ""."""
    try:
        row = connection.execute(
            "SELECT value FROM preferences WHERE key = 'session-key'"
        ).fetchone()
    except sqlite3.OperationalError:  # no Isso tables (a bare test database)
        return ""
    return row[0] if row else ""


def read_secret_key(db_path):
    """Return the database's signing secret (see ``secret_key``)."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return secret_key(connection)


def comment_row(db_path, comment_id):
    """Return (id, created, parent, mode, thread uri, thread title) or None."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return connection.execute(
            "SELECT c.id, c.created, c.parent, c.mode, t.uri, t.title "
            "FROM comments AS c JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
            (comment_id,),
        ).fetchone()


def prune(connection, now, pending_seconds, retention_seconds=None):
    """Delete waiting addresses older than ``pending_seconds``, confirmed ones
    idle longer than ``retention_seconds`` (when given), their subscriptions,
    and limits older than a day."""
    connection.execute(
        "DELETE FROM blog_subscribers WHERE confirmed_at IS NULL AND created < ?",
        (now - pending_seconds,),
    )
    if retention_seconds is not None:
        connection.execute(
            "DELETE FROM blog_subscribers WHERE confirmed_at IS NOT NULL "
            "AND last_activity < ?",
            (now - retention_seconds,),
        )
    connection.execute(
        "DELETE FROM blog_subscriptions WHERE subscriber_id NOT IN "
        "(SELECT id FROM blog_subscribers)"
    )
    connection.execute(
        "DELETE FROM blog_optin_limits WHERE at < ?", (now - LIMIT_SECONDS,)
    )


def limited(connection, key_hash, now, allowed):
    """Whether ``key_hash`` has used its ``allowed`` confirmations of 24 hours."""
    (count,) = connection.execute(
        "SELECT COUNT(*) FROM blog_optin_limits WHERE key_hash = ? AND at >= ?",
        (key_hash, now - LIMIT_SECONDS),
    ).fetchone()
    return count >= allowed


def count_confirmation(connection, key_hashes, now):
    """Remember one confirmation for each of ``key_hashes``."""
    connection.executemany(
        "INSERT INTO blog_optin_limits (key_hash, at) VALUES (?, ?)",
        [(key_hash, now) for key_hash in key_hashes],
    )


def subscriber_by_hash(connection, address_hash):
    """Return (id, confirmed_at) of the address with this hash, or None."""
    return connection.execute(
        "SELECT id, confirmed_at FROM blog_subscribers WHERE address_hash = ?",
        (address_hash,),
    ).fetchone()


def add_subscriber(connection, address, address_hash, now):
    """Add a waiting address; return its id."""
    return connection.execute(
        "INSERT INTO blog_subscribers (address, address_hash, created, last_activity) "
        "VALUES (?, ?, ?, ?)",
        (address, address_hash, now, now),
    ).lastrowid


def touch(connection, subscriber_id, now):
    """Record activity of an address (a new opt-in, a confirmation)."""
    connection.execute(
        "UPDATE blog_subscribers SET last_activity = ? WHERE id = ?",
        (now, subscriber_id),
    )


def add_subscription(
    connection, subscriber_id, uri, comment_id, top_id, team_only, now
):
    """Watch the conversation of ``comment_id`` for ``subscriber_id``."""
    connection.execute(
        "INSERT OR REPLACE INTO blog_subscriptions "
        "(subscriber_id, thread_uri, comment_id, top_id, team_only, created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (subscriber_id, uri, comment_id, top_id, int(bool(team_only)), now),
    )


def subscriber(db_path, subscriber_id):
    """Return (id, address, address_hash, confirmed_at) or None."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return connection.execute(
            "SELECT id, address, address_hash, confirmed_at FROM blog_subscribers "
            "WHERE id = ?",
            (subscriber_id,),
        ).fetchone()


def set_confirm_token(db_path, subscriber_id, token_hash, expires):
    """Store the hash of a new confirmation token (replacing an unsent one)."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute(
            "UPDATE blog_subscribers SET confirm_token_hash = ?, confirm_expires = ? "
            "WHERE id = ? AND confirmed_at IS NULL",
            (token_hash, expires, subscriber_id),
        )


def by_confirm_token(db_path, token_hash):
    """Return (id, confirmed_at, confirm_expires) for a confirmation token, or None."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return connection.execute(
            "SELECT id, confirmed_at, confirm_expires FROM blog_subscribers "
            "WHERE confirm_token_hash = ?",
            (token_hash,),
        ).fetchone()


def confirm(db_path, token_hash, now):
    """Confirm the waiting address of a live token; return its id or None."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        row = connection.execute(
            "SELECT id FROM blog_subscribers WHERE confirm_token_hash = ? "
            "AND confirmed_at IS NULL AND confirm_expires > ?",
            (token_hash, now),
        ).fetchone()
        if row is None:
            return None
        connection.execute(
            "UPDATE blog_subscribers SET confirmed_at = ?, last_activity = ? "
            "WHERE id = ?",
            (now, now, row[0]),
        )
    return row[0]


def delete_subscriber(db_path, subscriber_id):
    """Delete an address and everything it watches; return True if it existed."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute(
            "DELETE FROM blog_subscriptions WHERE subscriber_id = ?", (subscriber_id,)
        )
        return (
            connection.execute(
                "DELETE FROM blog_subscribers WHERE id = ?", (subscriber_id,)
            ).rowcount
            > 0
        )


def delete_thread(db_path, subscriber_id, uri):
    """Stop the mails about one thread; return how many subscriptions ended."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        return connection.execute(
            "DELETE FROM blog_subscriptions WHERE subscriber_id = ? AND thread_uri = ?",
            (subscriber_id, uri),
        ).rowcount


# Published replies in watched conversations, after the reader's comment, of
# confirmed addresses; `staff` is 1 for a verified staff answer.
REPLIES_QUERY = """
SELECT r.id, r.created, r.email, s.subscriber_id, b.address_hash, s.team_only,
       st.comment_id IS NOT NULL AS staff
FROM blog_subscriptions AS s
JOIN blog_subscribers AS b ON b.id = s.subscriber_id AND b.confirmed_at IS NOT NULL
JOIN comments AS r ON r.parent = s.top_id AND r.id > s.comment_id AND r.mode = 1
LEFT JOIN blog_staff_comments AS st
    ON st.comment_id = r.id AND st.comment_created = r.created
WHERE r.created >= ?
"""


def replies_to_watched(db_path, since):
    """Return the rows of ``REPLIES_QUERY`` for replies created after ``since``."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return connection.execute(REPLIES_QUERY, (since,)).fetchall()


def still_watching(db_path, subscriber_id, reply_id):
    """Whether the address still watches the conversation of reply ``reply_id``."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        return (
            connection.execute(
                "SELECT 1 FROM blog_subscriptions AS s JOIN comments AS r "
                "ON r.parent = s.top_id AND r.id > s.comment_id "
                "WHERE s.subscriber_id = ? AND r.id = ? LIMIT 1",
                (subscriber_id, reply_id),
            ).fetchone()
            is not None
        )


def watched_comment_ids(db_path):
    """Return {comment id: "confirmed" | "waiting"} of the comments whose
    conversation an address watches (for the desk)."""
    with connect(db_path, read_only=True, timeout=TIMEOUT) as connection:
        try:
            rows = connection.execute(
                "SELECT s.comment_id, MAX(b.confirmed_at IS NOT NULL) "
                "FROM blog_subscriptions AS s JOIN blog_subscribers AS b "
                "ON b.id = s.subscriber_id GROUP BY s.comment_id"
            ).fetchall()
        except sqlite3.OperationalError:  # a database from before the tables
            return {}
    return {row[0]: "confirmed" if row[1] else "waiting" for row in rows}
