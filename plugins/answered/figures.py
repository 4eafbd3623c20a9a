"""The figures of the transparency page, computed from a build's comment digest.

Who is a reader comment and who is answered is defined once, in
``comments.answers``; ``comments.build.digest`` tallies them per article, month and
staff member (one entry per reader comment: its response time, or OPEN). Here:
counts, and

- *Median*: the middle value, or the mean of the two middle values (rounded
  down); *90th percentile* by nearest rank. Both None when nothing is answered.
- All times are whole seconds, rounded down.
- *Who answered*: each answered reader comment counts once, as one answer of
  the staff member who wrote its first answer (``answered_by``: the display
  name on that staff comment), with its response time. So the answers of all
  staff add up to the answered reader comments, and a staff comment that
  answers three reader comments at once counts three times.
"""

import math
from collections import Counter
from dataclasses import dataclass
from itertools import chain

from comments.answers import (  # noqa: F401 (the definitions, re-exported)
    ReaderComment,
    classify,
    is_reader_comment,
    open_comments,
    thread_key,
)
from comments.build.digest import answered_times
from comments.store.schema import WITHDRAWN as WITHDRAWN_REASON


@dataclass(frozen=True)
class Summary:
    """Counts and response times over a set of reader comments.

    ``reader_comments`` = ``answered`` + ``open`` + ``no_answer_needed``: a
    comment staff decided needs no answer is a reader comment, but neither
    answered nor open, and it has no response time.
    """

    reader_comments: int
    answered: int
    open: int
    answered_within_target: int
    median_response_seconds: int | None
    p90_response_seconds: int | None
    no_answer_needed: int = 0


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


def summarize(entries, target_seconds, no_answer_needed=0):
    """Count and time a tally of reader comments, and ``no_answer_needed``
    more that need none (counted, never timed)."""
    response_times = answered_times(entries)
    return Summary(
        reader_comments=len(entries) + no_answer_needed,
        no_answer_needed=no_answer_needed,
        answered=len(response_times),
        open=len(entries) - len(response_times),
        answered_within_target=sum(1 for s in response_times if s <= target_seconds),
        median_response_seconds=median(response_times),
        p90_response_seconds=percentile_nearest_rank(response_times, 90),
    )


def state_counts(digest):
    """Return (awaiting moderation, withdrawn by authors, removed by reason)."""
    withdrawn_logged = sum(1 for r in digest.removals if r.reason == WITHDRAWN_REASON)
    removed = Counter(r.reason for r in digest.removals if r.reason != WITHDRAWN_REASON)
    return (
        digest.pending,
        digest.withdrawn + withdrawn_logged,
        dict(sorted(removed.items())),
    )


@dataclass(frozen=True)
class Month:
    """Response figures of the reader comments written in one month."""

    year: int
    month: int
    reader_comments: int
    answered: int
    open: int
    median_response_seconds: int | None
    due: int = 0  # comments of the month whose target has passed
    due_answered_within_target: int = 0

    @property
    def within_target_percent(self):
        """Whole percent of the month's due comments answered within target."""
        if not self.due:
            return None
        return self.due_answered_within_target * 100 // self.due


def months_back(as_of, count):
    """Return the ``count`` (year, month) pairs up to ``as_of``'s, oldest first."""
    year, month = as_of.year, as_of.month
    pairs = []
    for _ in range(count):
        pairs.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return pairs[::-1]


def by_month(tallies, as_of, count=12, due=None):
    """Return one Month per calendar month (UTC) of the last ``count`` months,
    from the tallies by (year, month) of the reader comments' creation.

    A comment dated after ``as_of``'s month (a clock set ahead) counts in that
    month, so the months cover every reader comment of their span. ``due``:
    (year, month) → (due, due answered within target), ``waiting.due_by_month``.
    """
    due = due or {}
    latest = (as_of.year, as_of.month)
    ahead = [entries for key, entries in tallies.items() if key > latest]
    months = []
    for year, month in months_back(as_of, count):
        entries = tallies.get((year, month), ())
        if (year, month) == latest and ahead:
            entries = [*entries, *chain.from_iterable(ahead)]
        times = answered_times(entries)
        months.append(
            Month(
                year,
                month,
                len(entries),
                len(times),
                len(entries) - len(times),
                median(times),
                *due.get((year, month), (0, 0)),
            )
        )
    return months


@dataclass(frozen=True)
class StaffAnswers:
    """How many reader comments one staff member answered first, and how fast."""

    name: str
    answers: int
    median_response_seconds: int
    answered_within_target: int | None = None  # counted in the target's calendar


def by_staff(times_by_name, within_by_name=None):
    """Return one StaffAnswers per staff name, most answers first, then by name
    (``within_by_name``: name → answers within target, when counted)."""
    within_by_name = within_by_name or {}
    rows = [
        StaffAnswers(name, len(seconds), median(seconds), within_by_name.get(name))
        for name, seconds in times_by_name.items()
    ]
    rows.sort(key=lambda row: (-row.answers, row.name.casefold(), row.name))
    return rows
