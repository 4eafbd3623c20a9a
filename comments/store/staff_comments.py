"""``blog_staff_comments``: the comments the server knows staff wrote.

A row is added only for a verified staff session or ``invoke comments.reply``;
nothing a reader sends can add one. The build reader joins it in
(``comments.build.reader``).
"""

from comments.store.connections import connect

SCHEMA = """
-- Isso's comment ids are not AUTOINCREMENT: SQLite reuses the highest id
-- after it is deleted (until ensure_schema's rebuild, and in old backups).
-- A comment is therefore identified by (id, created).
CREATE TABLE IF NOT EXISTS blog_staff_comments (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    staff_account TEXT NOT NULL,
    display_name TEXT NOT NULL,
    via TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created)
);
"""


def add_staff_comment(db_path, comment_id, created, account, name, via, now):
    """Record that comment ``comment_id`` (created at ``created``) is staff's."""
    with connect(db_path) as connection:
        connection.execute(
            "INSERT OR REPLACE INTO blog_staff_comments VALUES (?, ?, ?, ?, ?, ?)",
            (comment_id, created, account, name, via, now),
        )


def staff_names_in_thread(db_path, uri):
    """Return {comment id: display name} of the staff comments in a thread."""
    with connect(db_path, read_only=True) as connection:
        rows = connection.execute(
            "SELECT c.id, s.display_name FROM blog_staff_comments AS s "
            "JOIN comments AS c "
            "ON c.id = s.comment_id AND c.created = s.comment_created "
            "JOIN threads AS t ON t.id = c.tid WHERE t.uri = ?",
            (uri,),
        ).fetchall()
    return dict(rows)
