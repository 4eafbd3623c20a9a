"""``blog_staff_sessions``: staff logins, so that logging out really ends one.

Only a token's SHA-256 is stored (``comments.staff.accounts.token_hash``);
Isso's admin login has rows of its own under the account ``redaktion``.
"""

from comments.store.connections import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS blog_staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_account TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
"""


def add_session(db_path, token_hash, account, now, expires):
    """Store a new session, dropping the expired ones."""
    with connect(db_path) as connection:
        connection.execute("DELETE FROM blog_staff_sessions WHERE expires < ?", (now,))
        connection.execute(
            "INSERT INTO blog_staff_sessions VALUES (?, ?, ?, ?)",
            (token_hash, account, now, expires),
        )


def remove_session(db_path, token_hash):
    """End one session."""
    with connect(db_path) as connection:
        connection.execute(
            "DELETE FROM blog_staff_sessions WHERE token_hash = ?", (token_hash,)
        )


def live_account(db_path, token_hash, now):
    """Return the account of a session still alive at ``now``, else None."""
    with connect(db_path) as connection:
        row = connection.execute(
            "SELECT staff_account FROM blog_staff_sessions "
            "WHERE token_hash = ? AND expires > ?",
            (token_hash, now),
        ).fetchone()
    return row[0] if row else None


def remove_account_sessions(db_path, account):
    """End every session of ``account``; return how many (0 without the table)."""
    with connect(db_path) as connection:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'blog_staff_sessions'"
        ).fetchone()
        if not has_table:
            return 0
        return connection.execute(
            "DELETE FROM blog_staff_sessions WHERE staff_account = ?", (account,)
        ).rowcount
