"""Reading comment data: one read-only view of the site, snapshots, fallbacks."""

import datetime
import json
import logging
import sqlite3

import pytest

from comments.build import data, reader, snapshots
from comments.build.digest import digest_of
from comments.build.source import SourceSettings, load_comment_data, load_for_build
from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.support import set_created

ARTICLE = "/2026/kritik/"
OTHER = "/2026/anderes/"
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )


def settings_for(server, tmp_path, **changes):
    values = {
        "source": "database",
        "database": server.database,
        "export_url": "",
        "export_token": "",
        "snapshot_dir": tmp_path / "snapshots",
    }
    return SourceSettings(**{**values, **changes})


def fill(server):
    """A reader question, a staff answer, a withdrawn and a removed comment."""
    client = server.client
    question = client.post(
        ARTICLE,
        "Grüße & eine *Frage* <script>alert(1)</script>",
        author="Jörg <Müller>",
        email="joerg@example.com",
        website="https://joerg.example",
        title="Kritik & Antwort",
    ).body["id"]
    cookie = client.staff_login("anna", "ein-langes-passwort")
    answer = client.post(
        ARTICLE, "Antwort", parent=question, headers={"Cookie": cookie}
    ).body["id"]
    withdrawn = client.post(OTHER, "Zurückgezogen", title="Anderes")
    client.post(OTHER, "Antwort darauf", parent=withdrawn.body["id"])
    client.request(
        "DELETE",
        f"/id/{withdrawn.body['id']}",
        headers={"Cookie": withdrawn.headers["Set-Cookie"].split(";", 1)[0]},
    )
    spam = client.post(OTHER, "Spam").body["id"]
    client.post(OTHER, "Antwort auf Spam", parent=spam)
    remove_comment(build_server(server.conf), spam, "spam", note="Werbung")
    return question, answer, withdrawn.body["id"], spam


def test_database_read_gives_typed_comments_without_personal_data(server):
    question, answer, withdrawn, spam = fill(server)
    comment_data = reader.read_database(server.database, NOW)
    by_id = {comment.id: comment for comment in comment_data.comments}
    first = by_id[question]
    assert first.thread_uri == ARTICLE and first.thread_title == "Kritik & Antwort"
    assert first.author == "Jörg <Müller>"  # Isso stores it escaped; we unescape
    assert first.website == "https://joerg.example"
    assert first.state == data.PUBLISHED and not first.is_staff
    assert first.created.tzinfo == datetime.UTC
    assert (
        by_id[answer].staff_name == "Anna Schmidt" and by_id[answer].parent == question
    )
    assert by_id[withdrawn].state == data.WITHDRAWN and by_id[withdrawn].text == ""
    assert by_id[spam].state == data.REMOVED and by_id[spam].author == ""
    [removal] = comment_data.removals
    assert (removal.comment_id, removal.reason, removal.note) == (
        spam,
        "spam",
        "Werbung",
    )
    serialised = json.dumps(data.to_json(comment_data))
    assert "joerg@example.com" not in serialised
    assert "127.0.0" not in serialised and "remote_addr" not in serialised


def test_the_streamed_digest_equals_the_digest_of_the_whole_read(server):
    question, answer, *_ = fill(server)
    client = server.client
    follow_up = client.post(
        ARTICLE, "Noch offen: https://blog.example/beitrag", parent=question
    ).body["id"]
    second = client.post(OTHER, "Eine zweite Frage").body["id"]
    whole = digest_of(reader.read_database(server.database, NOW))
    streamed = reader.digest_database(server.database, NOW)
    for name in whole.__dataclass_fields__:
        if name in ("total", "by_thread", "by_month", "by_staff"):
            assert sorted_tallies(getattr(streamed, name)) == sorted_tallies(
                getattr(whole, name)
            ), name
        else:
            assert getattr(streamed, name) == getattr(whole, name), name
    assert {follow_up, second} <= {c.id for c in streamed.open}
    assert question not in {c.id for c in streamed.open}  # answered
    assert list(streamed.by_staff) == ["Anna Schmidt"]
    # The question's "&" and "<" could spell a link; the staff answer is no entry.
    assert [c.id for c in streamed.linking_comments(ARTICLE)] == [question, follow_up]


def test_a_database_without_the_projects_tables_has_no_staff_answers(
    server, tmp_path, caplog
):
    question, answer, *_ = fill(server)
    bare = tmp_path / "bare.db"
    with sqlite3.connect(server.database) as source, sqlite3.connect(bare) as copy:
        source.backup(copy)
        for (name,) in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'blog_%'"
        ).fetchall():
            copy.execute(f"DROP TABLE {name}")
    whole = reader.read_database(bare, NOW)
    assert not any(comment.is_staff for comment in whole.comments)
    streamed = reader.digest_database(bare, NOW)
    assert streamed.by_staff == {} and streamed.removals == ()
    assert {question, answer} <= {c.id for c in streamed.open}
    # said once, naming the file: a reader could mistake the figures otherwise
    [warning] = [r.getMessage() for r in caplog.records if "staff records" in r.msg]
    assert warning.startswith(f"comment_data: {bare} has no staff records")


def sorted_tallies(value):
    if isinstance(value, dict):
        return {key: sorted(entries) for key, entries in value.items()}
    return sorted(value)


def test_text_is_rendered_and_sanitised_like_isso_does(server):
    question, *_ = fill(server)
    comment_data = reader.read_database(
        server.database, NOW, reader.make_renderer(server.conf)
    )
    [first] = [comment for comment in comment_data.comments if comment.id == question]
    html = digest_of(comment_data).text_html(first)
    assert "<em>Frage</em>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_pending_comments_are_counted_but_carry_no_text_or_author(
    comment_server_factory,
):
    server = comment_server_factory(moderation={"enabled": "true"})
    assert server.client.post(ARTICLE, "Bitte prüfen", author="Eva").status == 202
    [pending] = reader.read_database(server.database, NOW).comments
    assert pending.state == data.PENDING
    assert (pending.text, pending.author, pending.website) == ("", "", "")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not an Isso comment database"),
        (
            b"Das ist keine Datenbank, sondern Text." * 100,
            "unreadable comment database",
        ),
    ],
)
def test_corrupt_or_empty_database_is_a_one_line_error(tmp_path, content, expected):
    broken = tmp_path / "comments.db"
    broken.write_bytes(content)
    with pytest.raises(reader.CommentDataError) as failure:
        reader.read_database(broken, NOW)
    message = str(failure.value)
    assert message.startswith(str(broken)) and expected in message
    assert "\n" not in message


def test_foreign_database_is_refused_naming_the_missing_tables(tmp_path):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE kunden (id INTEGER)")
    with pytest.raises(
        reader.CommentDataError, match="no comments, preferences, threads"
    ):
        reader.read_database(foreign, NOW)


def test_missing_database_is_unavailable_not_an_error(tmp_path):
    with pytest.raises(reader.SourceUnavailable):
        reader.read_database(tmp_path / "fehlt.db", NOW)


def test_every_read_is_saved_as_a_snapshot(server, tmp_path):
    fill(server)
    loaded = load_comment_data(settings_for(server, tmp_path), now=NOW)
    [snapshot] = (tmp_path / "snapshots").glob("comments-*.json")
    assert snapshot.name == "comments-20261127T120000.000000Z.json"
    assert data.from_json(json.loads(snapshot.read_text())) == loaded


def test_unreachable_source_uses_the_last_snapshot_and_says_how_old(
    server, tmp_path, caplog
):
    fill(server)
    first = load_comment_data(settings_for(server, tmp_path), now=NOW)
    later = NOW + datetime.timedelta(hours=5)
    moved = settings_for(server, tmp_path, database=tmp_path / "weg.db")
    with caplog.at_level(logging.WARNING):
        fallback = load_comment_data(moved, now=later)
    assert fallback.source == "snapshot"
    assert fallback.comments == first.comments
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "using the snapshot of 2026-11-27T12:00:00Z, 5 h old" in warning.getMessage()


def test_no_source_and_no_snapshot_builds_without_comments(tmp_path, caplog):
    settings = SourceSettings(
        "database", tmp_path / "weg.db", "", "", tmp_path / "snapshots"
    )
    with caplog.at_level(logging.WARNING):
        empty = load_comment_data(settings, now=NOW)
    assert empty.source == "none" and empty.comments == ()
    assert "building without comments" in caplog.text


def delete_behind_every_back(server, question):
    """Delete a question and its replies with not even the removal trigger left."""
    with sqlite3.connect(server.database) as db:
        db.execute("DROP TRIGGER blog_record_removal")
        db.execute("DELETE FROM comments WHERE parent = ?", (question,))
        db.execute("DELETE FROM comments WHERE id = ?", (question,))
    db.close()


def test_comment_vanishing_without_record_is_logged_as_unrecorded(server, tmp_path):
    question, *_ = fill(server)
    load_comment_data(settings_for(server, tmp_path), now=NOW)
    delete_behind_every_back(server, question)
    second = load_comment_data(
        settings_for(server, tmp_path), now=NOW + datetime.timedelta(hours=1)
    )
    unrecorded = [r for r in second.removals if r.reason == "unrecorded"]
    assert sorted(r.comment_id for r in unrecorded) == [question, question + 1]
    # The record stays in every later read, though the database never had it.
    third = load_comment_data(
        settings_for(server, tmp_path), now=NOW + datetime.timedelta(hours=2)
    )
    assert [r for r in third.removals if r.reason == "unrecorded"] == unrecorded


def test_the_build_pass_writes_the_snapshot_a_whole_read_would(server, tmp_path):
    fill(server)
    digest = load_for_build(settings_for(server, tmp_path), now=NOW)
    streamed = snapshots.latest_snapshot(tmp_path / "snapshots")
    whole = reader.read_database(server.database, streamed.read_at)
    assert len(whole.comments) == 6
    assert streamed.comments == whole.comments
    assert streamed.removals == whole.removals
    assert streamed.database_id == whole.database_id
    known = snapshots.known_comments(tmp_path / "snapshots")
    assert known.comments == {
        snapshots.comment_key(comment): comment.thread_uri for comment in whole.comments
    }
    expected = digest_of(whole)
    assert digest.comment_count == expected.comment_count == 6
    assert digest.by_thread == expected.by_thread
    assert digest.open == expected.open


def test_the_build_pass_finds_vanished_comments_as_a_whole_read_does(server, tmp_path):
    question, *_ = fill(server)
    load_comment_data(settings_for(server, tmp_path), now=NOW)
    delete_behind_every_back(server, question)
    digest = load_for_build(
        settings_for(server, tmp_path), now=NOW + datetime.timedelta(hours=1)
    )
    unrecorded = [r.comment_id for r in digest.removals if r.reason == "unrecorded"]
    assert unrecorded == [question, question + 1]
    # The snapshot holds the completed data: the next read carries the record.
    later = load_comment_data(
        settings_for(server, tmp_path), now=NOW + datetime.timedelta(hours=2)
    )
    carried = [r for r in later.removals if r.reason == "unrecorded"]
    assert [r.comment_id for r in carried] == [question, question + 1]
    assert {r.removed_at for r in carried} == {NOW + datetime.timedelta(hours=1)}


def test_a_snapshot_that_cannot_be_written_is_one_error_and_the_build_goes_on(
    server, tmp_path, caplog
):
    fill(server)
    blocked = tmp_path / "kein-ordner"
    blocked.write_text("a file where the snapshot folder should be")
    with caplog.at_level(logging.ERROR):
        digest = load_for_build(
            settings_for(server, tmp_path, snapshot_dir=blocked), now=NOW
        )
    assert digest.comment_count == 6  # every comment digested all the same
    [error] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "the snapshot was not written (" in error
    assert "FileExistsError" in error or "File exists" in error


def set_column(database, comment_id, column, value):
    with sqlite3.connect(database) as db:
        db.execute(
            f"UPDATE comments SET {column} = ? WHERE id = ?", (value, comment_id)
        )
    db.close()


def every_reading(database, column):
    """Each way the build (with its snapshot) and the desk read ``column``."""
    yield lambda: reader.read_database(database, NOW, for_staff=True)
    yield lambda: reader.digest_database(database, NOW)


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("created", 1e12, "1000000000000.0"),  # milliseconds, not seconds
        ("created", "gestern", "'gestern'"),
        ("created", 0, "0.0"),  # a clock at zero
        ("created", 1e300, "1e+300"),
        ("modified", 1e12, "1000000000000.0"),
    ],
)
def test_a_comment_time_that_is_no_time_names_the_comment(server, column, value, shown):
    question, *_ = fill(server)
    set_column(server.database, question, column, value)
    for read in every_reading(server.database, column):
        with pytest.raises(reader.CommentDataError) as failure:
            read()
        assert str(failure.value) == (
            f"{server.database}: unreadable comment database (comment {question} "
            f"on {ARTICLE} has {column} = {shown}, no time between 2000 and 3000); "
            "restore it with `invoke comments.restore` from a backup"
        )


def test_a_staff_answer_dated_in_the_year_33658_names_the_answer(server):
    _, answer, *_ = fill(server)
    set_created(server.database, answer, 1e12)
    with pytest.raises(reader.CommentDataError, match=f"comment {answer} on "):
        reader.digest_database(server.database, NOW)


def test_reader_text_and_name_come_masked_staff_text_whole(server):
    client = server.client
    question = client.post(
        ARTICLE,
        "Ruft mich an: 0221 1234567 oder schreibt an private@example.net",
        author="leser@example.net",
        website="https://example.net/?an=leser@example.net",
    ).body["id"]
    cookie = client.staff_login("anna", "ein-langes-passwort")
    client.post(
        ARTICLE,
        "Gern, unser Team: kontakt@example.org",
        parent=question,
        headers={"Cookie": cookie},
    )
    read = reader.read_database(server.database, NOW, for_staff=True)
    reader_comment, staff_comment = read.comments
    assert reader_comment.text == (
        "Ruft mich an: [Telefonnummer entfernt] oder schreibt an "
        "[E-Mail-Adresse entfernt]"
    )
    assert (reader_comment.author, reader_comment.website) == (
        "[E-Mail-Adresse entfernt]",
        "",
    )
    assert staff_comment.text == "Gern, unser Team: kontakt@example.org"
