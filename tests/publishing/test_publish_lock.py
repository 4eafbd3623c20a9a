"""One publish at a time per publish cache (publishing.publish_lock)."""

import threading
import time

import pytest

from comments.core import SetupError
from publishing.publish_lock import LOCK_NAME, one_publish_at_a_time


def test_a_second_publish_waits_for_the_first_then_runs(tmp_path):
    order, said = [], []
    first_holds = threading.Event()

    def first():
        with one_publish_at_a_time(tmp_path):
            first_holds.set()
            time.sleep(0.6)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait(5)
    with one_publish_at_a_time(tmp_path, say=said.append):
        order.append("second runs")
    thread.join()
    assert order == ["first done", "second runs"]
    assert said == ["Another publish is running; waiting for it to finish."]


def test_a_publish_that_never_ends_is_one_line_after_the_wait(tmp_path):
    with (
        one_publish_at_a_time(tmp_path),
        pytest.raises(SetupError) as refused,
        one_publish_at_a_time(tmp_path, wait=0.3, say=lambda _: None),
    ):
        pytest.fail("ran beside another publish")
    message = str(refused.value)
    assert str(tmp_path / LOCK_NAME) in message
    assert "\n" not in message
    with one_publish_at_a_time(tmp_path, wait=0):  # released when it ended
        pass


def test_a_cache_that_cannot_hold_the_lock_is_one_line(tmp_path):
    cache = tmp_path / "cache"
    cache.write_text("a file where the folder goes", encoding="utf-8")
    with (
        pytest.raises(SetupError, match="cannot open the publish lock.*CACHE_PATH"),
        one_publish_at_a_time(cache),
    ):
        pytest.fail("ran without the lock")
