"""``blog_no_answer_needed``: reader comments staff decided need no answer.

A decision names the comment (id and creation time), its thread, a reason from
``NO_ANSWER_REASONS`` (what the comment policy allows, e.g. a reader's plain
"Danke!"), an optional public note, who decided and how (desk or cli). Rows
are added, never changed or deleted: a decision is history, like a removal.
Such a comment is neither answered nor open (``comments.answers``); the
transparency page counts it on a line of its own.
"""

from comments.store.connections import connect

# Reasons the comment policy allows (content/pages/kommentar-richtlinie.md).
NO_ANSWER_REASONS = ("thanks", "duplicate", "answered-by-readers")

SCHEMA = """
CREATE TABLE IF NOT EXISTS blog_no_answer_needed (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    thread_uri TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at REAL NOT NULL,
    via TEXT NOT NULL,
    PRIMARY KEY (comment_id, comment_created)
);

CREATE TRIGGER IF NOT EXISTS blog_no_answer_needed_no_update
BEFORE UPDATE ON blog_no_answer_needed
BEGIN
    SELECT RAISE(ABORT, 'decisions are history: add one, change none');
END;
"""
TIMEOUT = 10  # seconds: the server may be writing

DECISIONS_QUERY = """
SELECT comment_id, comment_created, thread_uri, reason FROM blog_no_answer_needed
"""


def add_decision(db_path, comment_id, created, uri, reason, note, by, at, via):
    """Record that comment ``comment_id`` needs no answer; False if recorded before."""
    with connect(db_path, timeout=TIMEOUT) as connection:
        cursor = connection.execute(
            "INSERT OR IGNORE INTO blog_no_answer_needed VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?)",
            (comment_id, created, uri, reason, note, by, at, via),
        )
        return cursor.rowcount == 1
