"""The comment a reply from the plain form answers, as the reply page shows it.

The static thread's "Antworten" link (theme/templates/includes/comment_thread.html)
opens the comment server's form page with the thread and the comment's id
(``GET /form/new?uri=…&parent=…``, ``comments.server.form_post``). The page
shows the comment it answers: read from Isso's database (read-only), only
when it is published and belongs to that thread, so a pending or removed
comment, or one from another thread, is never shown through this door.
"""

import html
from datetime import UTC, datetime
from typing import NamedTuple

from comments.store.connections import connect

PUBLISHED = 1  # Isso's mode: 1 published, 2 awaiting moderation, 4 deleted

QUERY = (
    "SELECT c.id, c.created, c.mode, c.author, c.text, t.uri, t.title "
    "FROM comments AS c JOIN threads AS t ON t.id = c.tid WHERE c.id = ?"
)


class ParentComment(NamedTuple):
    """A published comment as the reply page shows it (text: Markdown)."""

    id: int
    author: str
    created_iso: str  # "2026-10-01T09:00:00Z", for <time datetime>
    created_date: str  # "01.10.2026", as the site writes dates
    text: str
    thread_title: str


def unescape(text):
    """Isso stores names and titles HTML-escaped; the page escapes them once."""
    return html.unescape(text) if text and "&" in text else text or ""


def parent_comment(row):
    """Return the ParentComment of a QUERY row."""
    comment_id, created, _, author, text, _, title = row
    moment = datetime.fromtimestamp(created, UTC)
    return ParentComment(
        comment_id,
        unescape(author),
        f"{moment:%Y-%m-%dT%H:%M:%S}Z",
        f"{moment.day:02d}.{moment.month:02d}.{moment.year}",
        text or "",
        unescape(title),
    )


def published_parent(db_path, comment_id, uri):
    """Return comment ``comment_id`` of thread ``uri`` if it is published, else None."""
    with connect(db_path, read_only=True) as db:
        row = db.execute(QUERY, (comment_id,)).fetchone()
    if row is None or row[2] != PUBLISHED or row[5] != uri:
        return None
    return parent_comment(row)
