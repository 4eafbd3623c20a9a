"""The answer desk's queue, computed from plain comment data."""

import datetime

import pytest

from comments.build import data
from comments.staff import desk

NOW = datetime.datetime(2026, 6, 3, 12, 0, tzinfo=datetime.UTC)
SETTINGS = desk.DeskSettings(
    target_hours=24, remind_before_hours=4, site_url="https://blog.example"
)


def comment(comment_id, hours_ago, text="Eine Frage", parent=None, **fields):
    values = {
        "id": comment_id,
        "thread_uri": "/2026/kritik/",
        "thread_title": "Kritik am Kundenservice",
        "parent": parent,
        "created": NOW - datetime.timedelta(hours=hours_ago),
        "modified": None,
        "state": data.PUBLISHED,
        "author": "Leserin",
        "website": "",
        "text": text,
        "likes": 0,
        **fields,
    }
    return data.Comment(**values)


def queue_of(*comments, settings=SETTINGS):
    return desk.open_queue(data.CommentData(NOW, "database", comments), NOW, settings)


@pytest.mark.parametrize(
    ("age_hours", "status"),
    [
        (0, desk.ON_TIME),
        (20, desk.ON_TIME),  # exactly remind-before-hours ahead: not yet
        (20 + 1 / 3600, desk.DUE_SOON),
        (24, desk.DUE_SOON),  # exactly at the target: still within it
        (24 + 1 / 3600, desk.OVERDUE),
        (100, desk.OVERDUE),
    ],
)
def test_status_against_the_target(age_hours, status):
    assert desk.status_for(round(age_hours * 3600), SETTINGS) == status


def test_queue_holds_open_reader_comments_oldest_first():
    queue = queue_of(
        comment(1, 30, "Beantwortet"),
        comment(2, 29, "Antwort", parent=1, staff_name="Anna Schmidt"),
        comment(3, 2, "Neu"),
        comment(4, 21, "Bald fällig"),
        comment(5, 26, "Zurückgezogen", state=data.WITHDRAWN),
        comment(6, 25, "Überfällig"),
    )
    assert [(entry.id, entry.status) for entry in queue.entries] == [
        (6, desk.OVERDUE),
        (4, desk.DUE_SOON),
        (3, desk.ON_TIME),
    ]
    assert queue.summary == {
        "open": 3,
        "overdue": 1,
        "due_soon": 1,
        "on_time": 1,
        "awaiting_moderation": 0,
    }
    assert queue.any_overdue


def test_entry_has_link_title_author_first_line_and_due_time():
    [entry] = queue_of(comment(7, 3, "\n  Erste   Zeile  \nzweite Zeile")).entries
    assert entry.link == "https://blog.example/2026/kritik/#isso-7"
    assert entry.article_title == "Kritik am Kundenservice"
    assert entry.author == "Leserin"
    assert entry.first_line == "Erste Zeile"
    assert entry.age_seconds == 3 * 3600
    assert entry.due == NOW + datetime.timedelta(hours=21)


def test_pending_comment_links_to_the_article_and_is_marked():
    queue = queue_of(comment(8, 1, state=data.PENDING))
    [entry] = queue.entries
    assert entry.link == "https://blog.example/2026/kritik/"
    assert entry.awaiting_moderation
    assert queue.summary["awaiting_moderation"] == 1


@pytest.mark.parametrize(
    ("thread_uri", "link"),
    [
        ("/2026/grüße/", "https://blog.example/2026/gr%C3%BC%C3%9Fe/#isso-1"),
        (".evil.example/", "https://blog.example/.evil.example/#isso-1"),
        ("@evil.example/", "https://blog.example/@evil.example/#isso-1"),
        ("/a b#c", "https://blog.example/a%20b%23c#isso-1"),
    ],
)
def test_links_stay_on_the_site(thread_uri, link):
    [entry] = queue_of(comment(1, 1, thread_uri=thread_uri)).entries
    assert entry.link == link


def test_untitled_thread_shows_its_path():
    [entry] = queue_of(comment(9, 1, thread_title="")).entries
    assert entry.article_title == "/2026/kritik/"


def test_long_first_line_is_cut_at_a_word():
    line = desk.first_line("wort " * 40)
    assert line.endswith("wort…") and len(line) <= desk.FIRST_LINE_LIMIT + 1


def test_json_form():
    document = queue_of(comment(10, 25)).to_json()
    assert document == {
        "as_of": "2026-06-03T12:00:00Z",
        "answer_target_hours": 24,
        "remind_before_hours": 4,
        "owner": None,
        "summary": {
            "open": 1,
            "overdue": 1,
            "due_soon": 0,
            "on_time": 0,
            "awaiting_moderation": 0,
        },
        "comments": [
            {
                "id": 10,
                "thread": "/2026/kritik/",
                "article": "Kritik am Kundenservice",
                "author": "Leserin",
                "first_line": "Eine Frage",
                "created": "2026-06-02T11:00:00Z",
                "due": "2026-06-03T11:00:00Z",
                "age_seconds": 25 * 3600,
                "status": "overdue",
                "awaiting_moderation": False,
                "link": "https://blog.example/2026/kritik/#isso-10",
                "escalated": True,
                "owner": None,
                "reader_notified": None,
                "answers": None,  # the id of the comment it answers
            }
        ],
    }


def test_empty_queue():
    queue = queue_of()
    assert queue.entries == () and not queue.any_overdue
    assert queue.summary["open"] == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 min"),
        (59 * 60 + 59, "59 min"),
        (3600, "1 h 0 min"),
        (93780, "26 h 3 min"),
    ],
)
def test_durations(seconds, text):
    assert desk.format_duration(seconds) == text


def test_the_desk_counts_the_hours_the_promise_counts():
    from comments.target_calendar import PROMISED

    promised = desk.DeskSettings(24, 4, "https://blog.example", calendar=PROMISED)
    saturday = datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC)
    monday_morning = datetime.datetime(2026, 12, 7, 7, tzinfo=datetime.UTC)
    reader = comment(1, 0, created=saturday)
    comments = data.CommentData(monday_morning, "database", (reader,))
    [entry] = desk.open_queue(comments, monday_morning, promised).entries
    # 43 clock hours, 8 counted (Monday from midnight in Berlin)
    assert entry.age_seconds == 43 * 3600
    assert (entry.status, entry.stage) == (desk.ON_TIME, None)
    assert entry.due == datetime.datetime(2026, 12, 7, 23, tzinfo=datetime.UTC)
    [clock] = desk.open_queue(comments, monday_morning, SETTINGS).entries
    assert (clock.status, clock.stage) == (desk.OVERDUE, desk.OVERDUE)
    # Monday 21:00 in Berlin: due soon, and the reminder stage says so
    evening = datetime.datetime(2026, 12, 7, 20, 30, tzinfo=datetime.UTC)
    [later] = desk.open_queue(comments, evening, promised).entries
    assert (later.status, later.stage) == (desk.DUE_SOON, desk.DUE_SOON)


def test_desk_settings_read_the_calendar_from_the_config(tmp_path):
    from comments import config
    from comments.target_calendar import CalendarSpec

    path = tmp_path / "isso.cfg"
    path.write_text(
        "[blog]\nanswer-target-days = Mo-Sa\nanswer-target-holidays = DE-BY\n",
        encoding="utf-8",
    )
    settings = desk.DeskSettings.from_conf(config.read_config(path, environ={}))
    assert settings.calendar == CalendarSpec(days=(0, 1, 2, 3, 4, 5), holidays="DE-BY")
