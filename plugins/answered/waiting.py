"""Figures that count the comments still waiting (no survivorship).

Over answered comments only, a share within target and a median response time
look best exactly when the backlog grows. These figures count every reader
comment, answered or not:

- *Due*: a reader comment whose target has passed as of the build: at least
  the target's hours, counted in the target's calendar
  (``comments.target_calendar``), lie between its creation and "as of".
- *Within target*: the due comments answered within the target's counted
  hours.
- *Response time with waiting comments counted*: the Kaplan–Meier estimate of
  the time to the first staff answer, each open comment counted as still
  waiting at its age (right-censored). The median is the smallest response
  time at which the estimated share still waiting is ≤ 50 %, the 90th
  percentile the same at ≤ 10 %; None when the estimate never gets there.
  At one second, answers come before the comments still waiting then.

Times are whole seconds, on the clock and counted in the target's calendar.
"""

import datetime
from array import array
from collections import Counter
from dataclasses import dataclass

from comments.build.digest import OPEN

# Floating products of the estimate land a hair above a share they reach
# exactly (2/3 · 3/4); shares closer than this to a level count as reaching it.
SHARE_TOLERANCE = 1e-9
LEVELS = (0.5, 0.1)  # still waiting: the median, the 90th percentile


@dataclass(frozen=True)
class Observations:
    """Per reader comment: its creation (epoch seconds), answered or not, its
    response time (or its age when open) on the clock and counted, and its
    counted age as of the build (``packed``: arrays, in one order)."""

    created: array
    answered: bytes  # 1 answered, 0 open
    clock: array
    counted: array
    counted_age: array


FIELDS = ("created", "answered", "clock", "counted", "counted_age")


def packed(created, answered, clock, counted, counted_age):
    """Return Observations kept in arrays: 33 bytes a comment, not ~180 as
    lists of int objects (25 MiB at 100,000 comments while a build computes)."""
    return Observations(
        array("q", created),
        bytes(answered),
        array("q", clock),
        array("q", counted),
        array("q", counted_age),
    )


def concatenated(many):
    """Return one Observations holding all of ``many``'s, in order."""
    many = list(many)
    parts = [(array("q") if name != "answered" else bytearray()) for name in FIELDS]
    for part in many:
        for whole, name in zip(parts, FIELDS, strict=True):
            whole.extend(getattr(part, name))
    return Observations(*parts)


@dataclass(frozen=True)
class Waiting:
    """The figures that count the comments still waiting."""

    due: int
    due_answered_within_target: int
    km_median_response_seconds: int | None
    km_p90_response_seconds: int | None
    longest_observed_seconds: int | None  # the longest response or wait
    counted_km_median_response_seconds: int | None
    counted_km_p90_response_seconds: int | None
    counted_longest_observed_seconds: int | None

    @property
    def within_target_percent(self):
        """Whole percent of due comments answered within target (None: none due)."""
        if not self.due:
            return None
        return self.due_answered_within_target * 100 // self.due


def observe(entries, created, as_of, calendar):
    """Return the Observations of a tally (``entries``: response seconds or
    OPEN) whose comments were created at ``created`` (epoch seconds), as of
    ``as_of`` (epoch seconds), on a ``TargetCalendar``."""
    as_of = int(as_of)
    answered = [seconds != OPEN for seconds in entries]
    clock = [
        seconds if seconds != OPEN else max(0, as_of - start)
        for seconds, start in zip(entries, created, strict=True)
    ]
    ages = [max(0, as_of - start) for start in created]
    if calendar.spec.counts_every_hour:
        return packed(created, answered, clock, clock, ages)
    latest = max(as_of, max(created, default=as_of) + max(clock, default=0))
    calendar.cover_span(min(as_of, *created), latest)  # one table for all below
    starts_at = calendar.positions(created)
    now = calendar.positions([as_of])[0]
    counted_age = [max(0, int(now - start)) for start in starts_at]
    answered_at = calendar.positions(
        [
            start + seconds
            for start, seconds in zip(created, entries, strict=True)
            if seconds != OPEN
        ]
    )
    ends = iter(answered_at)
    counted = [
        int(next(ends) - start) if done else age
        for start, done, age in zip(starts_at, answered, counted_age, strict=True)
    ]
    return packed(created, answered, clock, counted, counted_age)


def kaplan_meier(times, answered, levels=LEVELS):
    """Return, per level, the smallest time at which the Kaplan–Meier estimate
    of the share still waiting is ≤ that level, or None when it never is.

    ``times``: response times of answered comments, ages of open ones (which
    are censored there); at one time, answers count before censoring.
    """
    counts = Counter(
        2 * time + (not done) for time, done in zip(times, answered, strict=True)
    )
    at_risk = sum(counts.values())
    share = 1.0
    reached = [None] * len(levels)
    for key in sorted(counts):
        count = counts[key]
        if not key & 1:  # answers at this time (they sort before the waiting)
            share *= (at_risk - count) / at_risk
            for index, level in enumerate(levels):
                if reached[index] is None and share <= level + SHARE_TOLERANCE:
                    reached[index] = key >> 1
            if None not in reached:
                break
        at_risk -= count
    return reached


def waiting_figures(observations, target_seconds):
    """Return the Waiting figures of some Observations."""
    obs = observations
    due = within = 0
    for done, counted, age in zip(
        obs.answered, obs.counted, obs.counted_age, strict=True
    ):
        if age >= target_seconds:
            due += 1
            within += done and counted <= target_seconds
    median, p90 = kaplan_meier(obs.clock, obs.answered)
    counted_median, counted_p90 = kaplan_meier(obs.counted, obs.answered)
    return Waiting(
        due=due,
        due_answered_within_target=within,
        km_median_response_seconds=median,
        km_p90_response_seconds=p90,
        longest_observed_seconds=max(obs.clock, default=None),
        counted_km_median_response_seconds=counted_median,
        counted_km_p90_response_seconds=counted_p90,
        counted_longest_observed_seconds=max(obs.counted, default=None),
    )


def answered_within_target(entries, created, target_seconds, calendar):
    """Return how many of a tally's answered comments were answered within
    the target's counted hours (a staff member's answers, say)."""
    pairs = [
        (start, seconds)
        for seconds, start in zip(entries, created, strict=True)
        if seconds != OPEN
    ]
    positions = calendar.positions(
        [start for start, _ in pairs] + [start + seconds for start, seconds in pairs]
    )
    count = len(pairs)
    return sum(
        1
        for start, end in zip(positions[:count], positions[count:], strict=True)
        if end - start <= target_seconds
    )


def due_by_month(observations, target_seconds):
    """Return (year, month) of creation (UTC) → [due, due answered within
    target], for the months that have due comments."""
    months = {}
    utc = datetime.UTC
    for created, done, counted, age in zip(
        observations.created,
        observations.answered,
        observations.counted,
        observations.counted_age,
        strict=True,
    ):
        if age >= target_seconds:
            day = datetime.datetime.fromtimestamp(created, utc)
            tally = months.setdefault((day.year, day.month), [0, 0])
            tally[0] += 1
            tally[1] += done and counted <= target_seconds
    return months
