"""Staff's review of received Webmentions: pending participants, approve, reject.

A mention of a parade call we host is a pending participant until staff
approve or reject it (``invoke parades.approve``/``parades.reject``, listed by
``invoke parades.pending`` and on the answer desk); other mentions of our
posts wait beside them for staff to see. Every decision is recorded with who,
when and (for a rejection) why, as comment removals are
(``comments.store.webmentions``).
"""

import time
from dataclasses import dataclass

from comments.core import SetupError
from comments.store import webmentions
from comments.store.webmentions import APPROVED, PENDING, REJECT_REASONS, REJECTED


class ReviewError(SetupError):
    """A review cannot be done; the message says why."""


@dataclass(frozen=True)
class Mention:
    """One received mention as staff see it (no address of its sender)."""

    id: int
    source: str
    target: str
    target_path: str
    parade: str  # "" unless its target is a parade call we host
    received_at: float
    checked_at: float | None
    joined_at: float | None
    status: str
    problem: str
    title: str
    author: str
    published: str
    summary: str
    review: str

    @property
    def is_participant(self):
        """True for a mention of one of our parade calls."""
        return bool(self.parade)

    def line(self):
        """Return the mention as one line for the command line."""
        what = (
            f"Parade {self.parade}"
            if self.parade
            else f"Erwähnung von {self.target_path}"
        )
        title = self.title or "(ohne Titel)"
        by = f" von {self.author}" if self.author else ""
        problem = f": {self.problem}" if self.problem else ""
        return (
            f"{self.id:>4}  {what}  “{title}”{by}  {self.source}  "
            f"[{self.status}{problem}]"
        )


def mentions(db_path, review=None):
    """Return the mentions, oldest first; only those with ``review`` when given."""
    where, arguments = ("WHERE review = ?", (review,)) if review else ("", ())
    return [
        Mention(*row) for row in webmentions.read_mentions(db_path, where, arguments)
    ]


def pending(db_path):
    """Return ``(participants, other mentions)`` awaiting review."""
    waiting = mentions(db_path, PENDING)
    return (
        [mention for mention in waiting if mention.is_participant],
        [mention for mention in waiting if not mention.is_participant],
    )


def stopped_linking(db_path):
    """Return approved mentions whose source no longer links (or is gone): the
    build leaves them off the parade page until a new check finds the link."""
    return [
        mention
        for mention in mentions(db_path, APPROVED)
        if mention.status in (webmentions.UNLINKED, webmentions.GONE)
    ]


def decide(db_path, mention_id, decision, reason="", by="", now=None):
    """Record ``decision`` on mention ``mention_id``; return the Mention."""
    if decision == REJECTED and reason not in REJECT_REASONS:
        raise ReviewError(
            f"--reason {reason!r} ist keiner von {', '.join(REJECT_REASONS)}"
        )
    row = webmentions.review(
        db_path, mention_id, decision, reason, by, time.time() if now is None else now
    )
    if row is None:
        raise ReviewError(
            f"Erwähnung {mention_id} gibt es nicht; `invoke parades.pending` listet "
            "die vorhandenen"
        )
    return Mention(*row)


def approve(db_path, mention_id, by="", now=None):
    """Approve a mention: a participant joins its parade's page with the next build."""
    return decide(db_path, mention_id, APPROVED, by=by, now=now)


def reject(db_path, mention_id, reason, by="", now=None):
    """Reject a mention for ``reason`` (spam, off-topic, late, other)."""
    return decide(db_path, mention_id, REJECTED, reason, by, now)
