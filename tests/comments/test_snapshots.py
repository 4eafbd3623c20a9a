"""Snapshots: written in a forked child beside the build, read in every format."""

import datetime
import json
import threading

from comments.build import data, snapshots
from tests.support import run_alone

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
        from comments.build import snapshots
        write = snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        print(type(write).__name__, write.pid != os.getpid())
        snapshots.wait_for_snapshots()
        print("written", write.target.is_file(), snapshots.PENDING)
        print(snapshots.latest_snapshot({str(tmp_path)!r}) == COMMENTS)
        """
    )
    assert output.split() == ["SnapshotWrite", "True", "written", "True", "[]", "True"]
    assert snapshots.known_comments(tmp_path).database_id == "abc"


PINNED_CHILD = """
    import logging, time
    from pathlib import Path
    logging.basicConfig(level=logging.ERROR, format="%(message)s")
    from tests.comments.test_snapshots import NOW
    from comments.build import snapshots
    marker = Path({marker!r})

    def work(pinned, report):
        {before_pin}
        marker.write_text("read pinned")
        pinned()
        time.sleep(1.5)  # the rest of the child's read and writing
        report({{"done": True}})

    started = time.monotonic()
    write = snapshots.work_in_background(work, NOW, {folder!r})
    print("returned after", round(time.monotonic() - started, 1), "s")
    print("marker", marker.is_file())
    print("report", write.report())
    snapshots.wait_for_snapshots()
"""


def test_the_parent_goes_on_once_the_childs_read_is_pinned(tmp_path):
    """What keeps a build's read no older than the snapshot child's: the
    parent starts reading only after the child's read has its fixed view,
    and does not wait for the rest of the child's work."""
    marker = tmp_path / "marker"
    output = run_alone(
        PINNED_CHILD.format(marker=str(marker), before_pin="", folder=str(tmp_path))
    ).splitlines()
    assert returned_after(output[0]) < 1.0  # not after the child's 1.5 s
    assert output[1:3] == ["marker True", "report {'done': True}"]


def returned_after(line):
    """Seconds from a "returned after N s" line."""
    return float(line.removeprefix("returned after ").removesuffix(" s"))


def test_a_child_that_fails_before_its_pin_does_not_hold_the_parent(tmp_path):
    marker = tmp_path / "marker"
    output = run_alone(
        PINNED_CHILD.format(
            marker=str(marker),
            before_pin="raise OSError('kaputt')",
            folder=str(tmp_path),
        )
    ).splitlines()
    assert returned_after(output[0]) < 1.0
    assert output[1:3] == ["marker False", "report None"]
    assert any("was not written (OSError: kaputt)" in line for line in output)


def test_a_failing_child_is_one_logged_error_not_a_crash(tmp_path):
    blocked = tmp_path / "kein-ordner"
    blocked.write_text("a file where the snapshot folder should be")
    output = run_alone(
        f"""
        import logging
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        from tests.comments.test_snapshots import COMMENTS
        from comments.build import snapshots
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
        from comments.build import snapshots
        snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        """
    )
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS


def test_with_other_threads_running_the_snapshot_is_written_in_process(tmp_path):
    output = run_alone(
        f"""
        import threading
        from tests.comments.test_snapshots import COMMENTS
        from comments.build import snapshots
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
        from comments.build import snapshots
        write = snapshots.save_snapshot_in_background(COMMENTS, {str(tmp_path)!r})
        print(write.wait().is_file())
        """
    )
    assert output.split() == ["True"]  # no error line, no ChildProcessError


def test_a_child_completes_the_data_reports_it_then_writes_the_completed_data(
    tmp_path,
):
    output = run_alone(
        f"""
        import json
        from tests.comments.test_snapshots import COMMENTS, NOW
        from comments.build import data, snapshots

        def complete(comment_data):
            extra = data.Removal(9, "/2026/kritik/", NOW, "unrecorded")
            report = {{"added": [data.to_json_removal(extra)]}}
            return report, comment_data.replace(
                removals=comment_data.removals + (extra,)
            )

        write = snapshots.save_snapshot_in_background(
            COMMENTS, {str(tmp_path)!r}, complete=complete
        )
        print(type(write).__name__, json.dumps(write.report()))
        snapshots.wait_for_snapshots()
        """
    )
    kind, report = output.split(" ", 1)
    assert kind == "SnapshotWrite"
    assert json.loads(report) == {
        "added": [
            {
                "comment_id": 9,
                "thread_uri": "/2026/kritik/",
                "removed_at": "2026-11-27T12:00:00Z",
                "reason": "unrecorded",
                "note": "",
            }
        ]
    }
    saved = snapshots.latest_snapshot(tmp_path)
    assert [r.comment_id for r in saved.removals] == [7, 9]
    assert [r.comment_id for r in snapshots.known_comments(tmp_path).unrecorded] == [9]


def test_a_child_failing_to_complete_reports_nothing_and_writes_nothing(tmp_path):
    output = run_alone(
        f"""
        import logging
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        from tests.comments.test_snapshots import COMMENTS
        from comments.build import snapshots

        def complete(comment_data):
            raise RuntimeError("kaputt")

        write = snapshots.save_snapshot_in_background(
            COMMENTS, {str(tmp_path)!r}, complete=complete
        )
        print("report", write.report())
        snapshots.wait_for_snapshots()
        """
    )
    assert "report None" in output
    [error] = [line for line in output.splitlines() if "not written" in line]
    assert "RuntimeError: kaputt" in error
    assert snapshots.list_snapshots(tmp_path) == []


def test_an_unread_report_does_not_keep_the_child_from_ending(tmp_path):
    output = run_alone(
        f"""
        from tests.comments.test_snapshots import COMMENTS
        from comments.build import snapshots

        def complete(comment_data):  # more than a pipe holds unread
            return ["x" * 1000] * 1000, comment_data

        snapshots.save_snapshot_in_background(
            COMMENTS, {str(tmp_path)!r}, complete=complete
        )
        snapshots.wait_for_snapshots()
        print("waited")
        """
    )
    assert output.split() == ["waited"]
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS


def test_with_other_threads_running_the_data_is_completed_in_process(tmp_path):
    def complete(comment_data):
        return {"seen": len(comment_data.comments)}, comment_data.replace(removals=())

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        write = snapshots.save_snapshot_in_background(
            COMMENTS, tmp_path, complete=complete
        )
    finally:
        stop.set()
        thread.join()
    assert isinstance(write, snapshots.SnapshotWritten)
    assert write.report() == {"seen": 2}
    assert snapshots.latest_snapshot(tmp_path).removals == ()
