"""The figures of the transparency page, computed from plain comment data.

Definitions (printed on the page, implemented exactly here):

- A *reader comment* is a published comment not marked as verified staff, or a
  comment awaiting moderation (which counts as open). Withdrawn and removed
  comments and staff comments owe no answer and are not reader comments.
- A *thread* is a top-level comment with its replies (Isso nests one level).
- A reader comment is *answered* when a published verified staff comment in the
  same thread was created after it; its *response time* is the first such staff
  comment's creation time minus its own.
- *Open* = not answered; its *age* = "as of" minus its creation time.
- *Median*: the middle value, or the mean of the two middle values;
  *90th percentile* by nearest rank. Both None when nothing is answered.
- All times are whole seconds, rounded down.
"""

import bisect
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from comments import data
from comments.schema import WITHDRAWN as WITHDRAWN_REASON


@dataclass(frozen=True)
class ReaderComment:
    """A comment that is owed an answer, and whether it got one."""

    comment: data.Comment
    answered_at: object  # datetime of the first later staff comment, or None
    response_seconds: int | None  # whole seconds until then, rounded down

    @property
    def answered(self):
        """True when a later staff comment exists in the thread."""
        return self.answered_at is not None

    def age_seconds(self, as_of):
        """Whole seconds this comment has waited as of ``as_of``."""
        return max(0, int((as_of - self.comment.created).total_seconds()))


@dataclass(frozen=True)
class Summary:
    """Counts and response times over a set of reader comments."""

    reader_comments: int
    answered: int
    open: int
    answered_within_target: int
    median_response_seconds: int | None
    p90_response_seconds: int | None


def thread_key(comment):
    """Return (thread path, top-level id): the thread a comment belongs to."""
    return comment.thread_uri, comment.parent or comment.id


def is_reader_comment(comment):
    """True for comments that are owed an answer."""
    if comment.is_staff:
        return False
    return comment.state in (data.PUBLISHED, data.PENDING)


def classify(comments):
    """Return the reader comments, each with the time of its first staff answer."""
    staff_times = defaultdict(list)
    for comment in comments:
        if comment.is_staff and comment.state == data.PUBLISHED:
            staff_times[thread_key(comment)].append(comment.created)
    for times in staff_times.values():
        times.sort()
    classified = []
    for comment in comments:
        if not is_reader_comment(comment):
            continue
        times = staff_times.get(thread_key(comment), ())
        later = bisect.bisect_right(times, comment.created)
        if later < len(times):
            answer = times[later]
            seconds = int((answer - comment.created).total_seconds())
            classified.append(ReaderComment(comment, answer, seconds))
        else:
            classified.append(ReaderComment(comment, None, None))
    classified.sort(key=lambda reader: (reader.comment.created, reader.comment.id))
    return classified


def median(values):
    """Return the median of whole seconds (mean of the middle two, rounded down)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) // 2


def percentile_nearest_rank(values, percent):
    """Return the nearest-rank percentile: the value at rank ceil(p/100 · n)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(readers, target_seconds):
    """Count and time a set of classified reader comments."""
    response_times = [r.response_seconds for r in readers if r.answered]
    return Summary(
        reader_comments=len(readers),
        answered=len(response_times),
        open=len(readers) - len(response_times),
        answered_within_target=sum(1 for s in response_times if s <= target_seconds),
        median_response_seconds=median(response_times),
        p90_response_seconds=percentile_nearest_rank(response_times, 90),
    )


def open_comments(readers):
    """Return the open reader comments, oldest first."""
    return [reader for reader in readers if not reader.answered]


def per_thread_uri(readers):
    """Group classified reader comments by article (thread path), keeping order."""
    grouped = defaultdict(list)
    for reader in readers:
        grouped[reader.comment.thread_uri].append(reader)
    return grouped


def state_counts(comments, removals):
    """Return (awaiting moderation, withdrawn by authors, removed by reason)."""
    pending = sum(1 for c in comments if c.state == data.PENDING)
    withdrawn_rows = sum(1 for c in comments if c.state == data.WITHDRAWN)
    withdrawn_logged = sum(1 for r in removals if r.reason == WITHDRAWN_REASON)
    removed = Counter(r.reason for r in removals if r.reason != WITHDRAWN_REASON)
    return pending, withdrawn_rows + withdrawn_logged, dict(sorted(removed.items()))


@dataclass(frozen=True)
class Month:
    """Response figures of the reader comments written in one month."""

    year: int
    month: int
    reader_comments: int
    answered: int
    open: int
    median_response_seconds: int | None


def months_back(as_of, count):
    """Return the ``count`` (year, month) pairs up to ``as_of``'s, oldest first."""
    year, month = as_of.year, as_of.month
    pairs = []
    for _ in range(count):
        pairs.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return pairs[::-1]


def by_month(readers, as_of, count=12):
    """Return one Month per calendar month (UTC) of the last ``count`` months."""
    grouped = defaultdict(list)
    for reader in readers:
        created = reader.comment.created
        grouped[(created.year, created.month)].append(reader)
    months = []
    for year, month in months_back(as_of, count):
        readers_of_month = grouped.get((year, month), [])
        times = [r.response_seconds for r in readers_of_month if r.answered]
        months.append(
            Month(
                year,
                month,
                len(readers_of_month),
                len(times),
                len(readers_of_month) - len(times),
                median(times),
            )
        )
    return months
