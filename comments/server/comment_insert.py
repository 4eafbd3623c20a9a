"""Add a comment and return that very comment, even while other processes write.

Isso 0.14's ``Comments.add`` inserts the row and then reads back the thread's
row with the highest id. Only Isso's in-process lock keeps others from
inserting in between, so with two writers (``invoke comments.reply`` beside
the server, or two gunicorn workers) the answer could name another reader's
comment: its id, its text and the edit cookie for it. ``add_comment`` takes
the id the INSERT itself produced (the cursor's ``lastrowid``, on the same
connection) and reads that row.
"""

import time

from isso.db.comments import Comments
from isso.utils import Bloomfilter

INSERT = """
INSERT INTO comments (
    tid, parent, created, modified, mode, remote_addr,
    text, author, email, website, voters, notification)
SELECT threads.id, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?
FROM threads WHERE threads.uri = ?
"""
SELECT_ONE = f"SELECT {', '.join(Comments.fields)} FROM comments WHERE id = ?"


class ThreadVanished(LookupError):
    """The thread was removed between its creation and the insert."""


def add_comment(comments, uri, comment):
    """Isso's ``Comments.add`` (same parent rules, same row), by the INSERT's id."""
    if comment.get("parent") is not None:
        comment["parent"] = top_level_parent(comments, uri, comment["parent"])
    cursor = comments.db.execute(
        INSERT,
        (
            comment.get("parent"),
            comment.get("created") or time.time(),
            comment["mode"],
            comment["remote_addr"],
            comment["text"],
            comment.get("author"),
            comment.get("email"),
            comment.get("website"),
            memoryview(Bloomfilter(iterable=[comment["remote_addr"]]).array),
            comment.get("notification"),
            uri,
        ),
    )
    if cursor.rowcount != 1:
        # lastrowid would be this connection's previous insert: never use it.
        raise ThreadVanished(f"thread {uri} vanished before the comment was stored")
    row = comments.db.execute(SELECT_ONE, (cursor.lastrowid,)).fetchone()
    return dict(zip(Comments.fields, row, strict=True))


def top_level_parent(comments, uri, parent, depth=0):
    """The comment to attach a reply to ``parent`` in thread ``uri``, as Isso does.

    Threads are one level deep: a reply to a reply goes to that reply's
    top-level comment. A parent that does not exist or belongs to another
    thread makes a top-level comment (None).
    """
    if parent in ("0", 0, None) or depth > 100:
        return None
    row = comments.db.execute(
        "SELECT c.parent FROM comments AS c JOIN threads AS t ON t.id = c.tid "
        "WHERE c.id = ? AND t.uri = ?",
        (parent, uri),
    ).fetchone()
    if row is None:
        return None
    return top_level_parent(comments, uri, row[0], depth + 1) or parent
