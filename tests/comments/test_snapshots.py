"""Snapshots: written whole or while the comments stream past, read in every format."""

import datetime
import json

from comments.build import data, snapshots

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


def test_a_streamed_snapshot_asks_for_its_removals_once_every_comment_passed(
    tmp_path,
):
    keylog, passed = snapshots.KeyLog(), []

    def comments():
        for item in COMMENTS.comments:
            keylog.add(item)
            passed.append(item.id)
            yield item

    def removal_log():
        assert passed == [1, 2]  # the vanish check needs every comment
        return COMMENTS.removals

    header = data.to_json_header(COMMENTS)
    snapshots.save_streamed(header, comments(), removal_log, keylog, tmp_path)
    assert snapshots.latest_snapshot(tmp_path) == COMMENTS
    known = snapshots.known_comments(tmp_path)
    assert known.comments == {
        snapshots.comment_key(c): c.thread_uri for c in COMMENTS.comments
    }
