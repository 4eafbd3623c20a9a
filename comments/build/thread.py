"""One article's published thread as the static page shows it, before Isso's client.

Pure functions over ``data.Comment`` tuples (a thread of the build's ``Digest``):
top-level comments oldest first, each with its replies (Isso's threads are one
level deep), as the client lists them with ``sorting = oldest``. Comments
awaiting moderation are never here (the Digest keeps none); a placeholder
(Isso's mode 4) is shown only while it has a reply to hold in place, as a
withdrawn note or, when staff removed it, a marker with the logged reason. A
placeholder has no text, name or website: the reader blanked them already.

A thread longer than ``limit`` top-level comments shows the newest ``limit``
of them; ``hidden`` says how many older comments (replies included) only the
client shows.
"""

import hashlib
from typing import NamedTuple

from comments.build import data

DEFAULT_LIMIT = 200  # top-level comments in the static HTML; the client shows all


class ShownComment(NamedTuple):
    """One comment of the static thread, with its replies (``replies``)."""

    id: int
    created: object  # aware UTC datetime
    created_iso: str  # "2026-10-01T09:00:00Z", for <time datetime>
    created_date: str  # "01.10.2026", as the site writes dates
    state: str  # data.PUBLISHED, data.WITHDRAWN or data.REMOVED
    author: str  # "" for a placeholder
    website: str  # an http(s) address, or "" (never another scheme)
    text: str  # Markdown as written ("" for a placeholder)
    staff_name: str | None
    removal_reason: str | None  # the logged reason of a comment staff removed
    replies: tuple = ()
    html: str = ""  # the text as Isso renders it (``build_thread``'s ``render``)


class Thread(NamedTuple):
    """What the static page shows of one thread."""

    comments: tuple  # ShownComment, top level, oldest first
    count: int  # published comments (replies included) of the whole thread
    hidden: int  # published comments of the older top-level ones not shown


EMPTY = Thread((), 0, 0)


def is_shown(comment):
    """True for a comment the static thread may show (never one pending)."""
    return comment.state in (data.PUBLISHED, data.WITHDRAWN, data.REMOVED)


def is_web_address(website):
    """True for an http(s) address: a name links to nothing else."""
    return website[:8].lower().startswith(("https://", "http://"))


def shown(comment, reasons, render, replies=()):
    """Return the ShownComment of a ``data.Comment``."""
    placeholder = comment.state != data.PUBLISHED
    created = comment.created
    return ShownComment(
        comment.id,
        created,
        f"{created:%Y-%m-%dT%H:%M:%S}Z",
        f"{created.day:02d}.{created.month:02d}.{created.year}",
        comment.state,
        "" if placeholder else comment.author,
        comment.website if not placeholder and is_web_address(comment.website) else "",
        "" if placeholder else comment.text,
        None if placeholder else comment.staff_name,
        reasons.get(comment.id) if comment.state == data.REMOVED else None,
        tuple(shown(reply, reasons, render) for reply in replies),
        "" if placeholder or not comment.text else render(comment.text),
    )


def removal_reasons(removals):
    """Return the logged reason of each removed comment, by comment id."""
    return {removal.comment_id: removal.reason for removal in removals}


def build_thread(comments, reasons=None, limit=DEFAULT_LIMIT, render=str):
    """Return the Thread of one thread's comments (any order, any state);
    ``reasons``: ``removal_reasons`` of the removal log; ``render``: Isso's
    renderer for the texts shown."""
    reasons = reasons or {}
    comments = sorted(filter(is_shown, comments), key=data.oldest_first)
    if not comments:
        return EMPTY
    top_ids = {comment.id for comment in comments if comment.parent is None}
    replies = {}
    for comment in comments:
        if comment.parent in top_ids and comment.state == data.PUBLISHED:
            replies.setdefault(comment.parent, []).append(comment)
    tops = [
        comment
        for comment in comments
        if comment.parent is None
        and (comment.state == data.PUBLISHED or replies.get(comment.id))
    ]
    published = {
        comment.id: (comment.state == data.PUBLISHED) + len(replies.get(comment.id, ()))
        for comment in tops
    }
    older, newest = tops[: max(len(tops) - limit, 0)], tops[-limit:] if limit else []
    return Thread(
        tuple(shown(top, reasons, render, replies.get(top.id, ())) for top in newest),
        sum(published.values()),
        sum(published[top.id] for top in older),
    )


def fingerprint(comments, reasons=None, limit=DEFAULT_LIMIT):
    """Return a short digest of everything ``build_thread`` reads of one
    thread's comments (any order, any state): a refresh re-renders a page only
    when it changed. Made from the comments as read, not from the Thread, so
    finding the changed threads of a site renders no text."""
    reasons = reasons or {}
    removed = data.REMOVED
    shown_fields = [
        (
            comment.id,
            comment.parent,
            comment.created,
            comment.state,
            comment.author,
            comment.website,
            comment.text,
            comment.staff_name,
            reasons.get(comment.id) if comment.state == removed else None,
        )
        for comment in sorted(filter(is_shown, comments), key=by_id)
    ]
    return hashlib.sha256(repr((limit, shown_fields)).encode()).hexdigest()[:16]


def by_id(comment):
    """Sort key: the comment's id (unique in a database)."""
    return comment.id
