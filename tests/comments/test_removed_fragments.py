"""What removed comments said: found in the snapshots once, then kept."""

import datetime
import json

from comments.build import data, removed_memo, snapshots
from comments.build.removed import removed_fragments

UTC = datetime.UTC
READ_AT = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
REMOVED_AT = READ_AT + datetime.timedelta(minutes=5)
URI = "/2026/offen/"
SPAM = "Diese Uhren sind heute wirklich unglaublich billig, kaufen Sie jetzt!"


class Renderer:
    """Isso's renderer stands in for nothing here: the texts are plain."""

    def __init__(self, identity="isso 0.14.0"):
        self.identity = identity

    def render(self, text):
        return f"<p>{text}</p>"


def comment(comment_id, text, read_at=READ_AT):
    return data.Comment(
        comment_id,
        URI,
        "Offen",
        None,
        read_at,
        None,
        data.PUBLISHED,
        "Ida",
        "",
        text,
        0,
    )


def snapshot(directory, read_at, *comments):
    snapshots.save_snapshot(
        data.CommentData(read_at, "database", comments=comments), directory
    )


def removal(comment_id, removed_at=REMOVED_AT):
    return data.Removal(comment_id, URI, removed_at, "spam")


def test_a_fragment_found_once_is_kept_when_its_snapshot_is_gone(tmp_path):
    snapshot(tmp_path, READ_AT, comment(1, SPAM), comment(2, "Kurz."))
    log = [removal(1), removal(2)]
    first = removed_fragments(log, tmp_path, Renderer(), now=REMOVED_AT)
    assert [(r.comment_id, fragment) for r, fragment in first] == [(1, SPAM)]

    for path in snapshots.list_snapshots(tmp_path):
        path.unlink()  # pruned since: the fragment is still known
    again = removed_fragments(log, tmp_path, Renderer(), now=REMOVED_AT)
    assert again == first
    stored = json.loads((tmp_path / removed_memo.FILE_NAME).read_text())
    assert set(stored["fragments"].values()) == {SPAM, ""}  # "": too short


def test_not_found_is_looked_for_again_until_an_hour_has_passed(tmp_path):
    log = [removal(1)]
    assert removed_fragments(log, tmp_path, Renderer(), now=REMOVED_AT) == []
    # a build that read before the removal wrote its snapshot late
    snapshot(tmp_path, READ_AT, comment(1, SPAM))
    found = removed_fragments(log, tmp_path, Renderer(), now=REMOVED_AT)
    assert [fragment for _, fragment in found] == [SPAM]

    later = REMOVED_AT + datetime.timedelta(hours=2)
    assert removed_fragments([removal(3)], tmp_path, Renderer(), now=later) == []
    snapshot(tmp_path, READ_AT - datetime.timedelta(minutes=1), comment(3, SPAM))
    # an hour on, "in no snapshot" is final: the snapshots are not read again
    assert removed_fragments([removal(3)], tmp_path, Renderer(), now=later) == []


def test_another_renderer_looks_again(tmp_path):
    snapshot(tmp_path, READ_AT, comment(1, SPAM))
    removed_fragments([removal(1)], tmp_path, Renderer(), now=REMOVED_AT)
    for path in snapshots.list_snapshots(tmp_path):
        path.unlink()
    other = Renderer("isso 0.15.0")
    assert removed_fragments([removal(1)], tmp_path, other, now=REMOVED_AT) == []


def test_an_unreadable_memo_is_one_warning_and_the_snapshots_answer(tmp_path, caplog):
    snapshot(tmp_path, READ_AT, comment(1, SPAM))
    (tmp_path / removed_memo.FILE_NAME).write_text("{kaputt")
    found = removed_fragments([removal(1)], tmp_path, Renderer(), now=REMOVED_AT)
    assert [fragment for _, fragment in found] == [SPAM]
    assert "ignoring unreadable" in caplog.text


def test_damaged_memo_entries_are_looked_for_again_never_trusted(tmp_path):
    snapshot(tmp_path, READ_AT, comment(1, SPAM), comment(2, SPAM + " Nochmal."))
    keys = [removed_memo.removal_key(removal(1)), removed_memo.removal_key(removal(2))]
    memo = tmp_path / removed_memo.FILE_NAME
    for damaged in (
        {keys[0]: 5, keys[1]: ["eine", "Liste"]},  # no text
        {keys[0]: "kurz", keys[1]: "x" * 500},  # what no search finds
    ):
        memo.write_text(
            json.dumps({"renderer": "isso 0.14.0", "fragments": damaged}),
            encoding="utf-8",
        )
        found = removed_fragments(
            [removal(1), removal(2)], tmp_path, Renderer(), now=REMOVED_AT
        )
        assert [(r.comment_id, fragment) for r, fragment in found] == [
            (1, SPAM),
            (2, (SPAM + " Nochmal.")[:80]),
        ]
        stored = json.loads(memo.read_text(encoding="utf-8"))["fragments"]
        assert stored == {keys[0]: SPAM, keys[1]: (SPAM + " Nochmal.")[:80]}

    memo.write_bytes(b"\xff\xfe kein UTF-8")
    found = removed_fragments([removal(1)], tmp_path, Renderer(), now=REMOVED_AT)
    assert [fragment for _, fragment in found] == [SPAM]
