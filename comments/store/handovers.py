"""``blog_owner_handovers``: comments handed over to another owner, as history.

To whom, from whom, when and by whom (``invoke comments.assign``, the desk);
rows are added, never changed. A comment's default owner comes from the build
(``comments.staff.owners``); only hand-overs are kept here.
"""

import sqlite3

from comments.store.connections import connect

SCHEMA = """
-- owner and previous_owner are staff account names; handed_by is the account
-- (or, from the command line, the name given with --by); via: desk or cli.
CREATE TABLE IF NOT EXISTS blog_owner_handovers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    owner TEXT NOT NULL,
    previous_owner TEXT NOT NULL,
    handed_at REAL NOT NULL,
    handed_by TEXT NOT NULL,
    via TEXT NOT NULL
);

CREATE TRIGGER IF NOT EXISTS blog_owner_handovers_no_update
BEFORE UPDATE ON blog_owner_handovers
BEGIN
    SELECT RAISE(ABORT, 'hand-overs are history: add one, change none');
END;
"""
TIMEOUT = 10  # seconds: the server may be writing

HANDOVERS_QUERY = """
SELECT comment_id, comment_created, owner, previous_owner, handed_at, handed_by, via
FROM blog_owner_handovers ORDER BY handed_at, id
"""


def handover_rows(db_path):
    """Return every hand-over, oldest first, as (comment id, created, owner,
    previous owner, handed at, handed by, via); none when there is no table
    or no database."""
    try:
        with connect(db_path, read_only=True) as connection:
            return connection.execute(HANDOVERS_QUERY).fetchall()
    except sqlite3.OperationalError:  # no database yet, or one before hand-overs
        return []


def add_handover(db_path, comment_id, created, owner, previous_owner, at, by, via):
    """Add one hand-over to the history."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        connection.execute(
            "INSERT INTO blog_owner_handovers (comment_id, comment_created, owner, "
            "previous_owner, handed_at, handed_by, via) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (comment_id, created, owner, previous_owner, at, by, via),
        )
