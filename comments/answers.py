"""Who is owed an answer, and whether they got one: the one definition.

Shared by the transparency page (plugins/answered) and the answer desk
(``invoke comments.open``, the staff desk), so both always agree:

- A *reader comment* is a published comment not marked as verified staff, or a
  comment awaiting moderation (which counts as open). Withdrawn and removed
  comments and staff comments owe no answer and are not reader comments.
- A *thread* is a top-level comment with its replies (Isso nests one level).
- A reader comment is *answered* when a published verified staff comment comes
  after it in the same thread: a higher comment id, whatever the clocks say.
  Isso numbers comments in the order it stores them (``comments.store.schema`` makes
  sure no id is given twice), so a clock set back cannot leave a comment open
  for ever, nor one set ahead make an earlier staff comment its answer.
- Its *response time* is the first such staff comment's creation time minus
  its own, in whole seconds rounded down, and 0 when the clocks put the answer
  first; it was *answered by* the display name on that staff comment.
- *Open* = not answered; its *age* = "as of" minus its creation time (0 for a
  comment dated later than "as of").
- *No answer needed*: a reader comment without an answer for which staff
  recorded that it needs none (``comments.store.no_answer``, with a reason
  the comment policy allows). It is neither answered nor open: the build
  counts it on its own line (``comments.build.digest``), the desk's SQL queue
  leaves it out (``comments.store.open_queue``). ``classify`` here does not
  know the decisions; its callers that need them read them alongside.
"""

import bisect
from collections import defaultdict
from typing import NamedTuple

from comments.build import data


class ReaderComment(NamedTuple):
    """A comment that is owed an answer, and whether it got one (a NamedTuple:
    quick to make by the 100,000)."""

    comment: data.Comment
    answered_at: object  # datetime of the first later staff comment, or None
    response_seconds: int | None  # whole seconds until then (``response_seconds``)
    answered_by: str | None = None  # display name on that staff comment

    @property
    def answered(self):
        """True when a later staff comment exists in the thread."""
        return self.answered_at is not None

    def age_seconds(self, as_of):
        """Whole seconds this comment has waited as of ``as_of``."""
        return waited_seconds(self.comment, as_of)


def waited_seconds(comment, as_of):
    """Whole seconds ``comment`` has waited as of ``as_of``."""
    return max(0, int((as_of - comment.created).total_seconds()))


def response_seconds(created, answered_at):
    """Whole seconds from ``created`` to its answer; 0 if the clocks put it first."""
    return max(0, int((answered_at - created).total_seconds()))


def thread_key(comment):
    """Return (thread path, top-level id): the thread a comment belongs to."""
    return comment.thread_uri, comment.parent or comment.id


def is_reader_comment(comment):
    """True for comments that are owed an answer."""
    if comment.is_staff:
        return False
    return comment.state in (data.PUBLISHED, data.PENDING)


class StaffAnswerIndex:
    """The published verified staff comments of a site, by thread, in the order
    they were stored (by id): what tells whether a reader comment got its answer."""

    __slots__ = ("by_thread",)

    def __init__(self, answers):
        """``answers``: (thread path, top-level id, created, id, display name)
        of every published verified staff comment."""
        by_thread = defaultdict(list)
        for uri, top, created, comment_id, name in answers:
            by_thread[uri, top].append((comment_id, created, name))
        for entries in by_thread.values():
            entries.sort()
        self.by_thread = dict(by_thread)

    @classmethod
    def of_comments(cls, comments):
        """Return the StaffAnswerIndex among ``comments``."""
        published = data.PUBLISHED
        return cls(
            (c.thread_uri, c.parent or c.id, c.created, c.id, c.staff_name)
            for c in comments
            if c.staff_name is not None and c.state == published
        )

    def first_after(self, comment):
        """Return (time, staff name) of the first staff comment after ``comment``
        in its thread (the lowest higher id), or None."""
        answers = self.by_thread.get((comment.thread_uri, comment.parent or comment.id))
        if answers:
            later = bisect.bisect_right(answers, comment.id, key=first)
            if later < len(answers):
                _, answer, name = answers[later]
                return answer, name
        return None


def classify(comments):
    """Return the reader comments, each with its first staff answer's time and name.

    The rule of ``is_reader_comment`` is written out inline (same rule, no call
    per comment); builds use ``comments.build.digest`` instead, which keeps figures
    rather than one object per reader comment.
    """
    published, pending = data.PUBLISHED, data.PENDING
    with data.many_objects():
        staff_answers = StaffAnswerIndex.of_comments(comments)
        first_after = staff_answers.first_after
        classified = []
        append = classified.append
        for comment in comments:
            if comment.staff_name is not None or (
                comment.state != published and comment.state != pending
            ):
                continue
            answered = first_after(comment)
            if answered is None:
                append(ReaderComment(comment, None, None))
            else:
                answer, name = answered
                seconds = response_seconds(comment.created, answer)
                append(ReaderComment(comment, answer, seconds, name))
        classified.sort(key=reader_order)
    return classified


def first(answer):
    """The id of an (id, created, name) staff answer."""
    return answer[0]


def reader_order(reader):
    """Sort key of classified reader comments: oldest first, then by id."""
    return reader.comment.created, reader.comment.id


def open_comments(readers):
    """Return the open reader comments, oldest first."""
    return [reader for reader in readers if not reader.answered]
