"""Snapshots: written in a forked child beside the build, read in every format."""

import datetime
import json
import subprocess
import sys
import textwrap

from comments import data, snapshots
from tests.support import ROOT

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


def comment(comment_id, created, **changes):
    values = {
        "id": comment_id,
        "thread_uri": "/2026/kritik/",
        "thread_title": "Kritik",
        "parent": None,
        "created": created,
        "modified": None,
        "state": data.PUBLISHED,
        "author": "Leserin",
        "website": "",
        "text": "Eine „Frage“?",
        "likes": 0,
        "staff_name": None,
    }
    return data.Comment(**{**values, **changes})


COMMENTS = data.CommentData(
    NOW,
    "database",
    comments=(
        comment(1, NOW - datetime.timedelta(hours=3)),
        comment(
            2,
            NOW - datetime.timedelta(hours=2),
            parent=1,
            staff_name="Anna Schmidt",
            modified=NOW - datetime.timedelta(hours=1),
        ),
    ),
    removals=(data.Removal(7, "/2026/kritik/", NOW, "spam", "Werbung"),),
    database_id="abc",
)


def run_alone(code):
    """Run ``code`` in a fresh single-threaded interpreter; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr


def test_snapshot_round_trip_in_the_current_format(tmp_path):
    path = snapshots.save_snapshot(COMMENTS, tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == 2
    assert document["comment_fields"] == list(data.Comment._fields)
    assert document["comments"][1][:4] == [2, "/2026/kritik/", "Kritik", 1]
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS
    known = snapshots.known_comments(tmp_path)
    assert known.database_id == "abc"
    assert known.comments == {
        snapshots.comment_key(c): c.thread_uri for c in COMMENTS.comments
    }


def test_snapshots_and_known_comments_of_the_first_format_are_still_read(tmp_path):
    old = {
        "format": 1,
        "read_at": "2026-11-27T12:00:00Z",
        "source": "database",
        "database_id": "abc",
        "comments": [  # format 1: an object per comment
            dict(zip(data.Comment._fields, data.to_json_comment(c), strict=True))
            for c in COMMENTS.comments
        ],
        "removals": [data.to_json_removal(r) for r in COMMENTS.removals],
    }
    (tmp_path / "comments-20261127T120000.000000Z.json").write_text(json.dumps(old))
    (tmp_path / snapshots.KNOWN_NAME).write_text(
        json.dumps(
            {
                "database_id": "abc",
                "comments": [[1, 1764237600000000, "/2026/kritik/"]],
                "unrecorded": [],
            }
        )
    )
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS
    known = snapshots.known_comments(tmp_path)
    assert known.comments == {(1, 1764237600000000): "/2026/kritik/"}


def test_a_snapshot_with_other_fields_is_skipped_with_a_warning(tmp_path, caplog):
    path = snapshots.save_snapshot(COMMENTS, tmp_path)
    document = json.loads(path.read_text())
    document["comment_fields"] = document["comment_fields"][:-1]
    path.write_text(json.dumps(document))
    assert snapshots.latest_snapshot(tmp_path) is None
    assert "skipping unreadable snapshot" in caplog.text
    assert "unknown comment fields" in caplog.text


def test_a_forked_child_writes_the_snapshot_while_the_parent_goes_on(tmp_path):
    output = run_alone(
        f"""
        import os
        from tests.comments.test_snapshots import COMMENTS
        from comments import snapshots
        write = snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        print(type(write).__name__, write.pid != os.getpid())
        snapshots.wait_for_snapshots()
        print("written", write.target.is_file(), snapshots.PENDING)
        print(snapshots.latest_snapshot({str(tmp_path)!r}) == COMMENTS)
        """
    )
    assert output.split() == ["SnapshotWrite", "True", "written", "True", "[]", "True"]
    assert snapshots.known_comments(tmp_path).database_id == "abc"


def test_a_failing_child_is_one_logged_error_not_a_crash(tmp_path):
    blocked = tmp_path / "kein-ordner"
    blocked.write_text("a file where the snapshot folder should be")
    output = run_alone(
        f"""
        import logging
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        from tests.comments.test_snapshots import COMMENTS
        from comments import snapshots
        snapshots.save_snapshot_in_background(COMMENTS, {str(blocked)!r})
        snapshots.wait_for_snapshots()
        print("went on")
        """
    )
    assert "went on" in output
    [error] = [line for line in output.splitlines() if "not written" in line]
    assert "comments-20261127T120000.000000Z.json was not written" in error
    assert "FileExistsError" in error


def test_an_unwaited_child_is_waited_for_at_exit(tmp_path):
    run_alone(
        f"""
        from tests.comments.test_snapshots import COMMENTS
        from comments import snapshots
        snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        """
    )
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS


def test_with_other_threads_running_the_snapshot_is_written_in_process(tmp_path):
    output = run_alone(
        f"""
        import threading
        from tests.comments.test_snapshots import COMMENTS
        from comments import snapshots
        stop = threading.Event()
        threading.Thread(target=stop.wait).start()
        write = snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        print(type(write).__name__, write.wait().is_file())
        stop.set()
        """
    )
    assert output.split() == ["SnapshotWritten", "True"]


def test_a_child_reaped_elsewhere_is_judged_by_its_report_and_file(tmp_path):
    output = run_alone(
        f"""
        import signal
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped at once
        from tests.comments.test_snapshots import COMMENTS
        from comments import snapshots
        write = snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        print(write.wait().is_file())
        """
    )
    assert output.split() == ["True"]  # no error line, no ChildProcessError
