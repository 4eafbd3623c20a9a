"""The project's own tables in the comment database, beside Isso's.

Kept in the same SQLite file so that one backup holds everything:

- ``blog_staff_comments``: comments the server knows were written by staff
  (logged in, or posted with ``invoke comments.reply``). Nothing a reader
  sends can add a row.
- ``blog_removals``: the append-only removal log. A trigger records every row
  deleted from Isso's ``comments`` table — through Isso's admin page, the API,
  the moderation purge or a plain ``sqlite3`` shell — so nothing disappears
  without a record. ``invoke comments.remove`` records the reason first; the
  trigger's ``INSERT OR IGNORE`` then leaves that record alone.
- ``blog_staff_sessions``: staff logins, so that logging out really ends one.
- ``blog_mail_outbox``: staff mails about new reader comments, queued inside
  the request and sent afterwards, so a slow or broken mail server never
  delays or breaks posting (see comments.notify). Ids and states only: the
  mail is built from the comment when it is sent.
- ``blog_reminders``: which comment was in a reminder digest at which stage
  (escalated, due soon, overdue), so that no comment is reminded about twice
  per stage.
- ``blog_owner_handovers``: the history of comments handed over to another
  owner (``invoke comments.assign``, the desk): to whom, from whom, when, by
  whom; rows are added, never changed. A comment's default owner comes from
  the build (``comments.owners``); only hand-overs are kept here.
"""

import sqlite3

# Reasons a person gives with `invoke comments.remove`.
REMOVAL_REASONS = ("spam", "illegal", "personal-data", "author-request", "other")
# Reasons the system records by itself.
UNSPECIFIED = "unspecified"  # deleted through Isso's admin, a moderation link, purge
WITHDRAWN = "withdrawn"  # deleted by its author (or a withdrawn placeholder's end)
UNRECORDED = "unrecorded"  # vanished with no record at all; found by comparing reads
SYSTEM_REASONS = (UNSPECIFIED, WITHDRAWN, UNRECORDED)

SCHEMA = f"""
-- Isso's comment ids are not AUTOINCREMENT: SQLite reuses the highest id
-- after it is deleted. A comment is therefore identified by (id, created).
CREATE TABLE IF NOT EXISTS blog_staff_comments (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    staff_account TEXT NOT NULL,
    display_name TEXT NOT NULL,
    via TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created)
);

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

-- Reasons announced for deletions under way (see comments.removal): the
-- trigger below uses them instead of guessing.
CREATE TABLE IF NOT EXISTS blog_pending_removals (
    comment_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    removed_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS blog_staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_account TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);

-- state: queued → sending (claimed by one process) → sent, or dropped when the
-- comment is answered or gone before it could be sent. Failed sends go back
-- to queued with the error's class (no addresses) and are retried.
CREATE TABLE IF NOT EXISTS blog_mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    queued_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at REAL,
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, comment_id, comment_created)
);

-- stage: escalated, due_soon or overdue (comments.desk). comment_created is
-- the creation time as the reader returns it (microseconds).
CREATE TABLE IF NOT EXISTS blog_reminders (
    comment_id INTEGER NOT NULL,
    comment_created REAL NOT NULL,
    stage TEXT NOT NULL,
    reminded_at REAL NOT NULL,
    PRIMARY KEY (comment_id, comment_created, stage)
);

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

-- Isso itself has no index on its comments table: every thread listing, count
-- and reply lookup would scan all comments of the site.
CREATE INDEX IF NOT EXISTS blog_comments_by_thread ON comments (tid, mode);
CREATE INDEX IF NOT EXISTS blog_comments_by_parent ON comments (parent);

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


def ensure_schema(db_path):
    """Create the project's tables and triggers if they are missing."""
    with sqlite3.connect(db_path) as connection:
        connection.executescript(SCHEMA)
    connection.close()
