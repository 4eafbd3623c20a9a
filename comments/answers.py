"""Who is owed an answer, and whether they got one: the one definition.

Shared by the transparency page (plugins/answered) and the answer desk
(``invoke comments.open``, the staff desk), so both always agree:

- A *reader comment* is a published comment not marked as verified staff, or a
  comment awaiting moderation (which counts as open). Withdrawn and removed
  comments and staff comments owe no answer and are not reader comments.
- A *thread* is a top-level comment with its replies (Isso nests one level).
- A reader comment is *answered* when a published verified staff comment in the
  same thread was created after it; its *response time* is the first such staff
  comment's creation time minus its own, in whole seconds rounded down.
- It was *answered by* the display name on that first staff comment (of two
  created at the same moment, the one with the lower id).
- *Open* = not answered; its *age* = "as of" minus its creation time.
"""

import bisect
from collections import defaultdict
from typing import NamedTuple

from comments import data


class ReaderComment(NamedTuple):
    """A comment that is owed an answer, and whether it got one (a NamedTuple:
    quick to make by the 100,000)."""

    comment: data.Comment
    answered_at: object  # datetime of the first later staff comment, or None
    response_seconds: int | None  # whole seconds until then, rounded down
    answered_by: str | None = None  # display name on that staff comment

    @property
    def answered(self):
        """True when a later staff comment exists in the thread."""
        return self.answered_at is not None

    def age_seconds(self, as_of):
        """Whole seconds this comment has waited as of ``as_of``."""
        return max(0, int((as_of - self.comment.created).total_seconds()))


def thread_key(comment):
    """Return (thread path, top-level id): the thread a comment belongs to."""
    return comment.thread_uri, comment.parent or comment.id


def is_reader_comment(comment):
    """True for comments that are owed an answer."""
    if comment.is_staff:
        return False
    return comment.state in (data.PUBLISHED, data.PENDING)


def classify(comments):
    """Return the reader comments, each with its first staff answer's time and name.

    The hot loop of every build: the rules of ``thread_key`` and
    ``is_reader_comment`` are written out inline (same rules, no call per
    comment).
    """
    published, pending = data.PUBLISHED, data.PENDING
    with data.many_objects():
        staff_answers = defaultdict(list)
        for comment in comments:
            if comment.staff_name is not None and comment.state == published:
                staff_answers[comment.thread_uri, comment.parent or comment.id].append(
                    (comment.created, comment.id, comment.staff_name)
                )
        for answers in staff_answers.values():
            answers.sort()
        classified = []
        append = classified.append
        no_answers = ()
        for comment in comments:
            if comment.staff_name is not None or (
                comment.state != published and comment.state != pending
            ):
                continue
            created = comment.created
            answers = staff_answers.get(
                (comment.thread_uri, comment.parent or comment.id), no_answers
            )
            if answers:
                later = bisect.bisect_right(answers, created, key=first)
                if later < len(answers):
                    answer, _, name = answers[later]
                    seconds = int((answer - created).total_seconds())
                    append(ReaderComment(comment, answer, seconds, name))
                    continue
            append(ReaderComment(comment, None, None))
        classified.sort(key=reader_order)
    return classified


def first(answer):
    """The creation time of a (created, id, name) staff answer."""
    return answer[0]


def reader_order(reader):
    """Sort key of classified reader comments: oldest first, then by id."""
    return reader.comment.created, reader.comment.id


def open_comments(readers):
    """Return the open reader comments, oldest first."""
    return [reader for reader in readers if not reader.answered]
