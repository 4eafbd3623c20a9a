"""Figures that count the comments still waiting: due, within target, Kaplan–Meier."""

import datetime
import random

import pytest

from answered import figures, waiting
from comments.build.digest import OPEN
from comments.target_calendar import EVERY_HOUR, PROMISED, TargetCalendar

HOUR = 3600
T0 = int(datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC).timestamp())


def worked_example():
    """The issue's example: (created, first staff answer) in hours, as of 48 h."""
    comments = {
        "a": (0, 1),
        "b": (2, 30),
        "c": (4, 7),
        "d": (10, None),
        "e": (30, None),
        "f": (40, 46),
    }
    entries = [
        OPEN if answer is None else (answer - made) * HOUR
        for made, answer in comments.values()
    ]
    created = [T0 + made * HOUR for made, _ in comments.values()]
    return entries, created, T0 + 48 * HOUR


def test_the_worked_example():
    entries, created, as_of = worked_example()
    observations = waiting.observe(entries, created, as_of, TargetCalendar(EVERY_HOUR))
    result = waiting.waiting_figures(observations, 24 * HOUR)
    assert (result.due, result.due_answered_within_target) == (4, 2)
    assert result.within_target_percent == 50
    assert result.km_median_response_seconds == 21_600  # 6 h
    assert result.km_p90_response_seconds is None  # the share never falls below 25 %
    assert result.longest_observed_seconds == 38 * HOUR  # d, still waiting
    # every hour counts: the counted figures are the clock's
    assert result.counted_km_median_response_seconds == 21_600
    assert figures.summarize(entries, 24 * HOUR).median_response_seconds == 4.5 * HOUR


def test_kaplan_meier_without_waiting_comments_is_the_nearest_rank_quantile():
    times = [random.Random(seed).randrange(1, 10_000) for seed in range(101)]
    median, p90 = waiting.kaplan_meier(times, [True] * len(times))
    ordered = sorted(times)
    assert median == ordered[50] and p90 == ordered[90]


def test_at_one_second_answers_come_before_waiting_comments():
    # Two answered at 10 s, two waiting at 10 s, one answered at 20 s: at 10 s
    # all five are at risk, share 3/5; at 20 s one at risk, share 0.
    median, p90 = waiting.kaplan_meier([10, 10, 10, 10, 20], [1, 1, 0, 0, 1])
    assert (median, p90) == (20, 20)


def test_nothing_answered_reaches_no_level():
    assert waiting.kaplan_meier([5, 9], [False, False]) == [None, None]
    assert waiting.kaplan_meier([], []) == [None, None]


def test_a_weekend_comment_is_not_due_on_monday_morning():
    saturday = int(datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC).timestamp())
    monday = saturday + 44 * HOUR  # Monday 08:00 UTC
    observations = waiting.observe([OPEN], [saturday], monday, TargetCalendar(PROMISED))
    assert waiting.waiting_figures(observations, 24 * HOUR).due == 0
    clock = waiting.observe([OPEN], [saturday], monday, TargetCalendar(EVERY_HOUR))
    assert waiting.waiting_figures(clock, 24 * HOUR).due == 1
    assert list(observations.clock) == [44 * HOUR]
    assert list(observations.counted) == [9 * HOUR]


@pytest.mark.parametrize("calendar", [EVERY_HOUR, PROMISED])
def test_figures_for_100000_comments_take_under_a_second(calendar):
    import time

    rng = random.Random(23)
    created = [T0 + rng.randrange(365 * 24 * HOUR) for _ in range(100_000)]
    entries = [
        OPEN if rng.random() < 1 / 3 else rng.randrange(90 * HOUR) for _ in created
    ]
    started = time.process_time()  # CPU time: the machine may be busy
    observations = waiting.observe(
        entries, created, T0 + 366 * 24 * HOUR, TargetCalendar(calendar)
    )
    waiting.waiting_figures(observations, 24 * HOUR)
    assert time.process_time() - started < 1.0


def test_months_count_their_due_comments_and_those_answered_within_target():
    entries, created, as_of = worked_example()
    observations = waiting.observe(entries, created, as_of, TargetCalendar(EVERY_HOUR))
    due = waiting.due_by_month(observations, 24 * HOUR)
    assert due == {(2026, 10): [4, 2]}
    as_of_day = datetime.datetime.fromtimestamp(as_of, datetime.UTC)
    months = figures.by_month({(2026, 10): entries}, as_of_day, 2, due)
    assert [(m.month, m.due, m.within_target_percent) for m in months] == [
        (9, 0, None),
        (10, 4, 50),
    ]


def test_staff_answers_within_target_are_counted_in_the_calendar():
    saturday = int(datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC).timestamp())
    # answered Monday 12:00 UTC (48 h on the clock, 12 counted) and after 30 h
    entries, created = [48 * HOUR, 30 * HOUR], [saturday, saturday + 72 * HOUR]
    assert (
        waiting.answered_within_target(
            entries, created, 24 * HOUR, TargetCalendar(PROMISED)
        )
        == 1
    )
    assert (
        waiting.answered_within_target(
            entries, created, 24 * HOUR, TargetCalendar(EVERY_HOUR)
        )
        == 0
    )
    rows = figures.by_staff({"Anna": entries}, {"Anna": 1})
    assert rows == [figures.StaffAnswers("Anna", 2, 39 * HOUR, 1)]


def test_the_digest_keeps_each_reader_comments_creation_beside_its_tally():
    from comments.build import data
    from comments.build.digest import digest_of

    made = datetime.datetime.fromtimestamp(T0, datetime.UTC)

    def comment(id, hours, parent=None, staff=None):
        return data.Comment(
            id, "/a/", "A", parent, made + datetime.timedelta(hours=hours), None,
            data.PUBLISHED, "Leser", "", "Text", 0, staff,
        )  # fmt: skip

    site = digest_of(
        data.CommentData(
            made, "test", (comment(1, 0), comment(2, 1, 1, "Anna"), comment(3, 2, 1))
        )
    )
    assert list(site.by_thread["/a/"]) == [HOUR, OPEN]
    assert list(site.created_by_thread["/a/"]) == [T0, T0 + 2 * HOUR]
    assert list(site.created_by_month[2026, 10]) == [T0, T0 + 2 * HOUR]
    assert list(site.created_by_staff["Anna"]) == [T0]
    assert list(site.created_total) == [T0, T0 + 2 * HOUR]
