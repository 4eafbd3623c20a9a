"""``blog_reminders``: which comment was in a reminder digest at which stage.

So that no comment is reminded about twice per stage (escalated, due soon,
overdue: ``comments.staff.desk``).
"""

from comments.store.connections import connect

SCHEMA = """
-- stage: escalated, due_soon or overdue (comments.staff.desk). comment_created is
-- the creation time as the reader returns it (microseconds).
CREATE TABLE IF NOT EXISTS blog_reminders (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    stage TEXT NOT NULL,
    reminded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created, stage)
);
"""
TIMEOUT = 10  # seconds: the server may be writing


def reminded(db_path):
    """Return every (comment id, creation timestamp, stage) reminded about."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        return connection.execute(
            "SELECT comment_id, comment_created, stage FROM blog_reminders"
        ).fetchall()


def reminded_for(db_path, ids):
    """Return the (comment id, creation timestamp, stage) rows of ``ids`` only."""
    ids, found = list(ids), []
    with connect(db_path, timeout=TIMEOUT) as connection:
        for start in range(0, len(ids), 500):  # SQLite's limit on parameters
            chunk = ids[start : start + 500]
            found += connection.execute(
                "SELECT comment_id, comment_created, stage FROM blog_reminders "
                f"WHERE comment_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
    return found


def add_reminded(db_path, rows):
    """Record (comment id, creation timestamp, stage, reminded at) rows."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.executemany(
            "INSERT OR IGNORE INTO blog_reminders VALUES (?, ?, ?, ?)", rows
        )
