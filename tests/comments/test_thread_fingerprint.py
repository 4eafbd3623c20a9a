"""The thread fingerprint: changes with what the static thread shows, only with it."""

import datetime

import pytest

from comments.build import data
from comments.build.thread import build_thread, fingerprint

UTC = datetime.UTC


def comment(comment_id, parent=None, state=data.PUBLISHED, **fields):
    values = {
        "thread_uri": "/2026/offen/",
        "thread_title": "Offen",
        "created": datetime.datetime(2026, 10, 1, 9, comment_id, tzinfo=UTC),
        "modified": None,
        "author": "Ida",
        "website": "",
        "text": f"Text {comment_id}",
        "likes": 0,
        "staff_name": None,
    } | fields
    return data.Comment(id=comment_id, parent=parent, state=state, **values)


THREAD = (comment(1), comment(2, parent=1, staff_name="Anna"), comment(3))
REASONS = {3: "spam"}


@pytest.mark.parametrize(
    "changed",
    [
        (comment(1, text="Text 1, ergänzt"), *THREAD[1:]),  # an edit
        (comment(1, author="Ida M."), *THREAD[1:]),
        (comment(1, website="https://ida.example.net/"), *THREAD[1:]),
        (comment(1, created=THREAD[0].created.replace(day=2)), *THREAD[1:]),
        (THREAD[0], comment(2, parent=1), THREAD[2]),  # no longer staff's
        (comment(1, state=data.WITHDRAWN, text="", author=""), *THREAD[1:]),
        (comment(1, state=data.REMOVED, text="", author=""), *THREAD[1:]),
        THREAD[:2],  # deleted
        (*THREAD, comment(4)),  # a new one, or one approved
    ],
)
def test_every_change_the_page_shows_changes_it(changed):
    assert build_thread(changed, REASONS) != build_thread(THREAD, REASONS)
    assert fingerprint(changed, REASONS) != fingerprint(THREAD, REASONS)


def test_order_pending_comments_and_likes_do_not_change_it():
    same = (comment(3), comment(2, parent=1, staff_name="Anna", likes=5), comment(1))
    pending = comment(9, state=data.PENDING)
    assert fingerprint((*same, pending), REASONS) == fingerprint(THREAD, REASONS)


def test_a_removal_reason_and_the_limit_change_it():
    removed = (*THREAD[:2], comment(3, state=data.REMOVED, text="", author=""))
    assert fingerprint(removed, {3: "spam"}) != fingerprint(removed, {3: "off-topic"})
    assert fingerprint(THREAD, REASONS, limit=1) != fingerprint(THREAD, REASONS)
