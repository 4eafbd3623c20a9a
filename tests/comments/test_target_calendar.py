"""The answer target's calendar: counted seconds, deadlines and the options."""

import datetime
import time

import pytest

from comments.target_calendar import (
    EVERY_HOUR,
    PROMISED,
    CalendarSpec,
    TargetCalendar,
    spec_of_options,
)

BERLIN = datetime.timezone(datetime.timedelta(hours=1))  # winter time
HOUR = 3600


def berlin(day, hour=0, minute=0, month=12, year=2026):
    """An instant in Berlin's winter time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_every_hour_counts_clock_seconds():
    calendar = TargetCalendar(EVERY_HOUR)
    assert calendar.counted_seconds(berlin(5, 12), berlin(7, 12)) == 48 * HOUR
    assert calendar.counted_seconds(berlin(7), berlin(5)) == 0


def test_a_saturday_comment_starts_counting_on_monday():
    calendar = TargetCalendar(PROMISED)
    # Saturday 5 December 2026, 12:00 → Monday 7 December, 12:00
    assert calendar.counted_seconds(berlin(5, 12), berlin(7, 12)) == 12 * HOUR
    assert calendar.deadline(berlin(5, 12), 24 * HOUR) == berlin(8, 0)


def test_a_friday_evening_comment_is_due_on_monday_evening():
    calendar = TargetCalendar(PROMISED)
    assert calendar.deadline(berlin(4, 18), 24 * HOUR) == berlin(7, 18)


def test_public_holidays_of_the_state_do_not_count():
    # Christmas (25th, 26th) and, in NRW, All Saints' Day (1 November, a Sunday
    # in 2026; so 2027's Monday 1 November) are free.
    calendar = TargetCalendar(CalendarSpec(holidays="DE"))
    assert calendar.counted_seconds(berlin(24), berlin(28)) == 24 * HOUR
    nrw = TargetCalendar(CalendarSpec(holidays="DE-NW"))
    berlin_day = TargetCalendar(CalendarSpec(holidays="DE-BE"))
    start, end = berlin(1, month=11, year=2027), berlin(2, month=11, year=2027)
    assert nrw.counted_seconds(start, end) == 0
    assert berlin_day.counted_seconds(start, end) == 24 * HOUR


def test_working_hours_count_only_inside_the_window():
    calendar = TargetCalendar(CalendarSpec(hours_of_day=(8 * 60, 18 * 60)))
    # Thursday 17:00 → Friday 09:00: one hour each day
    assert calendar.counted_seconds(berlin(3, 17), berlin(4, 9)) == 2 * HOUR
    # 24 counted hours from Thursday 17:00: Thu 1 + Fri 10 + Mon 10 + Tue 3
    assert calendar.deadline(berlin(3, 17), 24 * HOUR) == berlin(8, 11)


def test_summer_time_days_have_their_real_length():
    calendar = TargetCalendar(CalendarSpec(days=tuple(range(7)), holidays=""))
    start = datetime.datetime(2026, 3, 28, 12, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 3, 30, 12, tzinfo=datetime.UTC)
    assert calendar.counted_seconds(start, end) == 48 * HOUR


def test_instants_years_apart_grow_the_table():
    calendar = TargetCalendar(PROMISED)
    assert calendar.counted_seconds(berlin(7), berlin(8)) == 24 * HOUR
    early, late = berlin(2, month=2, year=2015), berlin(3, month=2, year=2015)
    assert calendar.counted_seconds(early, late) == 24 * HOUR
    assert calendar.counted_seconds(berlin(7), berlin(8)) == 24 * HOUR


def test_counting_is_fast_enough_for_every_comment_twice():
    calendar = TargetCalendar(PROMISED)
    base = berlin(1, month=1).timestamp()
    instants = [base + i * 997 for i in range(100_000)]
    started = time.process_time()  # CPU time: the machine may be busy
    for instant in instants:
        calendar.counted_seconds(instant, instant + 30 * HOUR)
    assert time.process_time() - started < 1.0


def test_options_make_a_spec():
    spec = spec_of_options("Mo-Fr", "08:00-18:00", "DE-NW", "Europe/Berlin")
    assert spec == CalendarSpec((0, 1, 2, 3, 4), (480, 1080), "DE-NW", "Europe/Berlin")
    assert spec_of_options("Mo Di Mi Do Fr", "", "DE", "Europe/Berlin") == PROMISED


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("Mo Fri", "", "DE", "UTC"), "[blog] answer-target-days = 'Mo Fri': 'Fri' is"),
        (("", "", "DE", "UTC"), "[blog] answer-target-days = '': no day counts"),
        (("Mo", "8-18", "DE", "UTC"), "[blog] answer-target-hours-of-day = '8-18'"),
        (("Mo", "18:00-08:00", "DE", "UTC"), "must end after it starts"),
        (("Mo", "", "XX", "UTC"), "[blog] answer-target-holidays = 'XX': 'XX' is no"),
        (("Mo", "", "DE", "Mars/Base"), "[blog] answer-target-timezone = 'Mars/Base'"),
    ],
)
def test_wrong_options_say_which_and_the_fix(options, message):
    with pytest.raises(ValueError) as raised:
        spec_of_options(*options)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_server_config_refuses_a_wrong_calendar_in_one_line(tmp_path):
    from comments import config

    path = tmp_path / "isso.cfg"
    path.write_text("[blog]\nanswer-target-days = Mo Fri\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as raised:
        config.read_config(path, environ={})
    message = str(raised.value)
    assert message.startswith(f"{path}: [blog] answer-target-days = 'Mo Fri'")
    assert "\n" not in message


def test_the_shipped_config_promises_working_days():
    from comments import config
    from comments.target_calendar import spec_of_conf

    conf = config.read_config(config.DEFAULT_CONFIG_FILE, environ={})
    assert spec_of_conf(conf) == PROMISED
