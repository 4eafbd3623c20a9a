"""The refresh's child beside it (plugins/comment_refresh/beside.py): its work
is done, its errors reach the parent, and no child is forked when the site
builds in one process."""

import logging
import os

import pytest

from comment_refresh import beside
from comment_refresh.beside import Beside, BesideFailed

TWO_CORES = len(os.sched_getaffinity(0)) > 1


@pytest.fixture
def forking(monkeypatch):
    """Fork although the suite's servers run threads in this process (the
    refresh itself does not fork then: a thread may hold a lock)."""
    monkeypatch.setattr(
        beside, "may_fork", lambda settings: beside.helpers.helper_count(settings) > 0
    )


def written_by(path):
    def work():
        path.write_text(str(os.getpid()), encoding="utf-8")

    return work


@pytest.mark.skipif(not TWO_CORES, reason="one core: nothing is forked")
def test_the_work_runs_in_a_child_and_is_done_when_joined(tmp_path, forking):
    result = tmp_path / "pid"
    started = Beside(written_by(result), {})
    assert started.pid is not None
    started.join()
    assert int(result.read_text(encoding="utf-8")) not in (os.getpid(), 0)
    started.join()  # a second join does nothing


def test_one_process_runs_the_work_at_once(tmp_path):
    result = tmp_path / "pid"
    started = Beside(written_by(result), {"BUILD_HELPERS": 0})
    assert started.pid is None
    assert int(result.read_text(encoding="utf-8")) == os.getpid()
    started.join()


@pytest.mark.parametrize("helpers", [1, 0])
def test_the_works_exception_is_raised_by_join(forking, helpers):
    def work():
        raise ValueError("bad figure")

    started = Beside(work, {"BUILD_HELPERS": helpers})
    with pytest.raises(ValueError, match="bad figure"):
        started.join()


@pytest.mark.skipif(not TWO_CORES, reason="one core: nothing is forked")
def test_an_exception_that_does_not_pickle_is_named(forking):
    class Local(Exception):  # a local class does not pickle
        pass

    def work():
        raise Local("odd")

    started = Beside(work, {})
    with pytest.raises(BesideFailed, match="Local: odd"):
        started.join()


@pytest.mark.skipif(not TWO_CORES, reason="one core: logged in this process")
def test_an_error_logged_in_the_child_is_logged_again_in_the_parent(caplog, forking):
    def work():
        logging.getLogger("answered.test").error("the page: %s", "broken")

    started = Beside(work, {})
    with caplog.at_level(logging.INFO):
        started.join()
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("answered.test", logging.ERROR, "the page: broken")
    ]


@pytest.mark.skipif(not TWO_CORES, reason="one core: nothing is forked")
def test_a_child_that_dies_is_reported(forking):
    parent = os.getpid()
    started = Beside(lambda: os.getpid() != parent and os._exit(3), {})
    assert started.pid is not None
    with pytest.raises(BesideFailed, match="without a report"):
        started.join()


@pytest.mark.parametrize("helpers", [1, 0])
def test_what_the_work_returns_comes_back(forking, helpers):
    started = Beside(lambda: [("removal", "fragment")], {"BUILD_HELPERS": helpers})
    assert started.join() == [("removal", "fragment")]
