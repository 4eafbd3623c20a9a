"""``blog_removals``: the append-only removal log, and the reasons announced for it.

A trigger records every row deleted from Isso's ``comments`` table — through
Isso's admin page, the API, the moderation purge or a plain ``sqlite3`` shell —
so nothing disappears without a record. Whoever deletes with a reason
(``invoke comments.remove``, Isso's delete routes) announces it first in
``blog_pending_removals``; the trigger takes it from there, and its
``INSERT OR IGNORE`` leaves a record already made alone.
"""

import time

# Reasons a person gives with `invoke comments.remove`.
REMOVAL_REASONS = ("spam", "illegal", "personal-data", "author-request", "other")
# Reasons the system records by itself.
UNSPECIFIED = "unspecified"  # deleted through Isso's admin, a moderation link, purge
WITHDRAWN = "withdrawn"  # deleted by its author (or a withdrawn placeholder's end)
UNRECORDED = "unrecorded"  # vanished with no record at all; found by comparing reads
SYSTEM_REASONS = (UNSPECIFIED, WITHDRAWN, UNRECORDED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS blog_removals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id INTEGER NOT NULL,
    comment_created REAL,
    thread_uri TEXT,
    removed_at REAL NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    removed_by TEXT NOT NULL DEFAULT '',
    UNIQUE (comment_id, comment_created)
);

-- Reasons announced for deletions under way (see comments.staff.removal): the
-- trigger below uses them instead of guessing.
CREATE TABLE IF NOT EXISTS blog_pending_removals (
    comment_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    removed_by TEXT NOT NULL DEFAULT ''
);
"""

TRIGGERS = f"""
-- BEFORE, so that the thread still exists (Isso's own trigger drops empty
-- threads after the last comment goes).
CREATE TRIGGER IF NOT EXISTS blog_record_removal
BEFORE DELETE ON comments
BEGIN
    INSERT OR IGNORE INTO blog_removals
        (comment_id, comment_created, thread_uri, removed_at, reason, note, removed_by)
    VALUES (
        old.id,
        old.created,
        (SELECT uri FROM threads WHERE id = old.tid),
        (julianday('now') - 2440587.5) * 86400.0,
        COALESCE(
            (SELECT reason FROM blog_pending_removals WHERE comment_id = old.id),
            CASE WHEN old.mode = 4 THEN '{WITHDRAWN}' ELSE '{UNSPECIFIED}' END
        ),
        COALESCE(
            (SELECT note FROM blog_pending_removals WHERE comment_id = old.id), ''
        ),
        COALESCE(
            (SELECT removed_by FROM blog_pending_removals WHERE comment_id = old.id),
            ''
        )
    );
END;

CREATE TRIGGER IF NOT EXISTS blog_removals_no_update
BEFORE UPDATE ON blog_removals
BEGIN
    SELECT RAISE(ABORT, 'the removal log is append-only');
END;

CREATE TRIGGER IF NOT EXISTS blog_removals_no_delete
BEFORE DELETE ON blog_removals
BEGIN
    SELECT RAISE(ABORT, 'the removal log is append-only');
END;
"""


def announce(connection, comment_id, reason, note="", removed_by="", replace=True):
    """Tell the removal trigger why ``comment_id`` is about to be deleted.

    ``replace=False`` leaves a reason already announced (a staff removal under
    way) as it is.
    """
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    connection.execute(
        f"{verb} INTO blog_pending_removals VALUES (?, ?, ?, ?)",
        (comment_id, reason, note, removed_by),
    )


def withdraw_announcement(connection, comment_id, reason, note="", removed_by=""):
    """Forget this announcement once the deletion is over (or was refused).

    Only the announcement with these values goes: one request never clears
    the reason another one gave.
    """
    connection.execute(
        "DELETE FROM blog_pending_removals WHERE comment_id = ? AND reason = ? "
        "AND note = ? AND removed_by = ?",
        (comment_id, reason, note, removed_by),
    )


def blanked_reason(connection, comment_id):
    """Why a blanked comment (mode 4) was removed, as the removal log says
    ("withdrawn" when the log has no line for it: Isso blanks a comment its
    author deletes)."""
    row = connection.execute(
        "SELECT r.reason FROM blog_removals AS r JOIN comments AS c "
        "ON c.id = r.comment_id AND c.created = r.comment_created "
        "WHERE c.id = ? ORDER BY r.id DESC LIMIT 1",
        (comment_id,),
    ).fetchone()
    return row[0] if row else WITHDRAWN


def record_blanked(connection, comment_id, reason, note="", removed_by=""):
    """Record a comment Isso blanked and kept (mode 4) because it has replies."""
    row = connection.execute(
        "SELECT c.created, c.mode, t.uri FROM comments AS c "
        "JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
        (comment_id,),
    ).fetchone()
    if row is None or row[1] != 4:
        return
    connection.execute(
        "INSERT OR IGNORE INTO blog_removals (comment_id, comment_created, "
        "thread_uri, removed_at, reason, note, removed_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (comment_id, row[0], row[2], time.time(), reason, note, removed_by),
    )
