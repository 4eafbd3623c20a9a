"""Backups of the live comment database and careful restores, on real SQLite."""

import random
import re
import sqlite3
import stat
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from isso import config as isso_config
from isso.db import SQLite3

from comments.core import SetupError
from comments.store.backup import (
    BackupError,
    backup_database,
    list_backups,
    prune_backups,
    restore_database,
    verify_database,
)
from tests.support import damage_middle, isso_database_with

ARTICLE = "/2026/warum-wir-antworten/"
WRITERS = 4
BACKUP_NAME = re.compile(r"comments-\d{8}T\d{6}Z\.db")
REPLACED_NAME = re.compile(r"comments-replaced-\d{8}T\d{6}Z\.db")


def isso_database(path, texts, uri=ARTICLE):
    """Create a database with Isso's own schema holding ``texts`` on ``uri``."""
    db = SQLite3(str(path), isso_config.load(isso_config.default_file()))
    db.threads.new(uri, "Artikel")
    for text in texts:
        db.comments.add(
            uri,
            {
                "text": text,
                "author": "Leserin",
                "email": "leserin@example.com",
                "website": None,
                "parent": None,
                "mode": 1,
                "remote_addr": "192.0.2.0",
                "created": None,
                "notification": 0,
            },
        )
    return path


def read_column(path, query):
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return [row[0] for row in db.execute(query)]


def comment_ids(path):
    return set(read_column(path, "SELECT id FROM comments"))


def comment_texts(path):
    return read_column(path, "SELECT text FROM comments ORDER BY id")


def served_ids(client, uris):
    """Return the ids of the top-level comments the server lists on ``uris``."""
    ids = set()
    for uri in uris:
        listing = client.thread(uri)
        assert listing.status == 200
        ids.update(reply["id"] for reply in listing.body["replies"])
    return ids


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def live(tmp_path):
    """A small live comment database with two comments."""
    return isso_database(tmp_path / "comments.db", ["Erste Frage", "Zweite Frage"])


def test_backup_while_server_writes_keeps_every_acknowledged_comment(
    comment_server_factory, tmp_path
):
    server = comment_server_factory(guard={"enabled": "false"})
    uris = [f"/2026/artikel-{number}/" for number in range(WRITERS)]
    stop = threading.Event()
    acknowledged = [[] for _ in uris]  # (monotonic time, id) per writer
    statuses = [[] for _ in uris]
    failures = []

    def write(number):
        try:
            while not stop.is_set():
                reply = server.client.post(uris[number], f"Kommentar von {number}")
                statuses[number].append(reply.status)
                if reply.status == 201:
                    acknowledged[number].append((time.monotonic(), reply.body["id"]))
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(0.5)
        backup_started = time.monotonic()
        backup = backup_database(server.database, tmp_path / "backups")
        backup_finished = time.monotonic()
        time.sleep(0.5)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=15)

    assert not failures
    assert {status for per_writer in statuses for status in per_writer} == {201}
    acks = [ack for per_writer in acknowledged for ack in per_writer]
    before_backup = {id_ for at, id_ in acks if at < backup_started}
    every_id = {id_ for _, id_ in acks}
    assert before_backup
    # The writers were busy on both sides of the backup, or it proves nothing.
    assert any(at > backup_finished for at, _ in acks)
    verify_database(backup)

    copy = tmp_path / "copy" / "comments.db"
    copy.parent.mkdir()
    assert restore_database(backup, copy, tmp_path / "copy-kept") is None
    assert before_backup <= comment_ids(copy)

    # Onto the live file with the server still running.
    kept = restore_database(backup, server.database, tmp_path / "backups")
    assert comment_ids(kept) == every_id
    served = served_ids(server.client, uris)
    assert before_backup <= served
    assert served == comment_ids(backup)
    after_restore = server.client.post(uris[0], "Nach der Wiederherstellung")
    assert after_restore.status == 201
    assert after_restore.body["id"] in served_ids(server.client, uris[:1])


def test_backup_is_private_named_in_utc_and_a_copy(live, tmp_path):
    backups = tmp_path / "var" / "backups"
    summer_time = timezone(timedelta(hours=2))
    backup = backup_database(
        live, backups, now=datetime(2026, 3, 1, 1, 30, 5, tzinfo=summer_time)
    )
    assert backup == backups / "comments-20260228T233005Z.db"
    assert mode_of(backup) == 0o600
    assert mode_of(backups) == 0o700
    assert comment_texts(backup) == ["Erste Frage", "Zweite Frage"]
    assert sorted(path.name for path in backups.iterdir()) == [backup.name]


def test_backup_of_a_write_ahead_log_database_is_one_plain_file(live, tmp_path):
    with closing(sqlite3.connect(live)) as db:  # as the comment server leaves it
        assert db.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    backups = tmp_path / "backups"
    backup = backup_database(live, backups)
    verify_database(backup)  # a read-only open of a WAL file leaves -wal/-shm
    assert read_column(backup, "PRAGMA journal_mode") == ["delete"]
    assert comment_texts(backup) == ["Erste Frage", "Zweite Frage"]
    assert sorted(path.name for path in backups.iterdir()) == [backup.name]


def test_backup_without_now_uses_the_current_utc_time(live, tmp_path):
    before = datetime.now(UTC).replace(microsecond=0)
    backup = backup_database(live, tmp_path / "backups")
    after = datetime.now(UTC)
    assert BACKUP_NAME.fullmatch(backup.name)
    stamp = datetime.strptime(backup.name, "comments-%Y%m%dT%H%M%SZ.db")
    assert before <= stamp.replace(tzinfo=UTC) <= after


def test_backups_in_the_same_second_get_unique_names(live, tmp_path):
    backups = tmp_path / "backups"
    moment = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    made = [backup_database(live, backups, now=moment) for _ in range(3)]
    assert [path.name for path in made] == [
        "comments-20260301T120000Z.db",
        "comments-20260301T120000Z-2.db",
        "comments-20260301T120000Z-3.db",
    ]
    assert list_backups(backups) == made[::-1]
    assert all(comment_texts(path) == comment_texts(live) for path in made)


def test_prune_keeps_the_newest_and_leaves_other_files_alone(live, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    unrelated = [
        "notizen.txt",
        "comments-replaced-20200101T000000Z.db",
        "comments-latest.db",
        "comments-20200101T000000Z.db.bak",
        ".comments-abandoned.tmp",
    ]
    for name in unrelated:
        (backups / name).write_text("nicht anfassen", encoding="utf-8")
    made = [
        backup_database(live, backups, keep=3, now=datetime(2026, 1, day, tzinfo=UTC))
        for day in (3, 1, 5, 2, 4)
    ]
    newest_first = sorted(made, reverse=True)[:3]
    assert list_backups(backups) == newest_first
    assert [path.name[9:17] for path in newest_first] == [
        "20260105",
        "20260104",
        "20260103",
    ]
    for name in unrelated:
        assert (backups / name).read_text(encoding="utf-8") == "nicht anfassen"

    assert prune_backups(backups, 1) == newest_first[1:]
    assert list_backups(backups) == newest_first[:1]
    assert sorted(path.name for path in backups.iterdir()) == sorted(
        [*unrelated, newest_first[0].name]
    )


def test_backups_named_in_the_future_never_push_out_the_new_one(live, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    ahead = [backups / f"comments-2099010{day}T000000Z.db" for day in (1, 2, 3)]
    for path in ahead:
        path.write_bytes(live.read_bytes())
    written = backup_database(
        live, backups, keep=3, now=datetime(2026, 11, 27, tzinfo=UTC)
    )
    assert written.is_file()
    assert comment_texts(written) == ["Erste Frage", "Zweite Frage"]
    # kept: the new one and the two newest by name; the oldest name is pruned
    assert sorted(path.name for path in backups.iterdir()) == sorted(
        [written.name, ahead[1].name, ahead[2].name]
    )


def test_a_file_where_the_backup_folder_belongs_is_one_line(live, tmp_path):
    backups = tmp_path / "backups"
    backups.write_text("keine Sicherung", encoding="utf-8")
    for attempt in (
        lambda: backup_database(live, backups),
        lambda: restore_database(
            isso_database(tmp_path / "b.db", ["B"]), live, backups
        ),
    ):
        with pytest.raises(BackupError) as raised:
            attempt()
        assert str(raised.value) == (
            f"{backups}: kann nicht der Sicherungsordner sein (File exists); was "
            "dort liegt beiseiteräumen oder die Rechte richten"
        )
    assert backups.read_text(encoding="utf-8") == "keine Sicherung"
    assert comment_texts(live) == ["Erste Frage", "Zweite Frage"]


@pytest.mark.parametrize("keep", [0, -1])
def test_backup_refuses_to_keep_no_backup(live, tmp_path, keep):
    with pytest.raises(BackupError, match=f"keep = {keep}"):
        backup_database(live, tmp_path / "backups", keep=keep)
    assert not (tmp_path / "backups").exists()


def test_backup_names_the_missing_database_and_the_fix(tmp_path):
    missing = tmp_path / "fehlt" / "comments.db"
    with pytest.raises(SetupError) as raised:
        backup_database(missing, tmp_path / "backups")
    message = str(raised.value)
    assert message.startswith(f"{missing}: ")
    assert "[general] dbpath" in message
    assert "\n" not in message
    assert not (tmp_path / "backups").exists()


def write_random_bytes(path):
    path.write_bytes(random.Random(7).randbytes(8192))


def write_empty_file(path):
    path.write_bytes(b"")


def write_foreign_database(path):
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO kunden (name) VALUES ('Beispiel GmbH')")


def write_same_names_other_columns(path):
    with closing(sqlite3.connect(path)) as db, db:
        for table in ("threads", "comments", "preferences"):
            db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")


def write_truncated_database(path):
    whole = isso_database(path.with_name("whole.db"), ["Hallo"] * 20)
    path.write_bytes(whole.read_bytes()[:4096])


def write_nothing(path):
    pass


@pytest.mark.parametrize(
    ("make_backup", "reason"),
    [
        (write_random_bytes, "keine lesbare SQLite-Datenbank"),
        (write_empty_file, "leere oder fremde Datenbank"),
        (write_foreign_database, "leere oder fremde Datenbank"),
        (
            write_same_names_other_columns,
            "fremde Datenbank (ihrer Tabelle comments fehlt die Spalte author, "
            "created,",
        ),
        (write_truncated_database, "keine lesbare SQLite-Datenbank"),
        (write_nothing, "Sicherung nicht gefunden"),
    ],
    ids=["corrupt", "empty", "foreign", "other-columns", "truncated", "missing"],
)
def test_restore_refuses_an_unusable_backup_and_touches_nothing(
    live, tmp_path, make_backup, reason
):
    candidate = tmp_path / "upload" / "comments-20260101T000000Z.db"
    candidate.parent.mkdir()
    make_backup(candidate)
    live_bytes = live.read_bytes()
    backups = tmp_path / "backups"

    with pytest.raises(BackupError) as raised:
        restore_database(candidate, live, backups)

    message = str(raised.value)
    assert message.startswith(f"{candidate}: {reason}")
    assert "\n" not in message
    assert live.read_bytes() == live_bytes
    assert not backups.exists()
    assert sorted(path.name for path in live.parent.iterdir()) == [
        "comments.db",
        "upload",
    ]


def test_restore_refuses_the_live_database_itself(live, tmp_path):
    live_bytes = live.read_bytes()
    (tmp_path / "sub").mkdir()
    for spelling in (live, tmp_path / "sub" / ".." / live.name):
        with pytest.raises(BackupError, match="ist die laufende Datenbank selbst"):
            restore_database(spelling, live, tmp_path / "backups")
    assert live.read_bytes() == live_bytes
    assert not (tmp_path / "backups").exists()


def test_restore_keeps_the_replaced_database(comment_server_factory, tmp_path):
    old = comment_server_factory("alt", guard={"enabled": "false"})
    old_ids = {old.client.post(ARTICLE, "Alte Meinung").body["id"] for _ in range(3)}
    other = comment_server_factory("neu", guard={"enabled": "false"})
    assert other.client.post(ARTICLE, "Neue Meinung").status == 201
    backups = tmp_path / "backups"
    backup = backup_database(other.database, backups)
    live_inode = Path(old.database).stat().st_ino

    kept = restore_database(backup, old.database, backups)

    # Written into the live file, not renamed over it: owner and mode stay.
    assert Path(old.database).stat().st_ino == live_inode

    assert kept.parent == backups
    assert REPLACED_NAME.fullmatch(kept.name)
    assert mode_of(kept) == 0o600
    verify_database(kept)
    assert comment_ids(kept) == old_ids
    assert comment_texts(kept) == ["Alte Meinung"] * 3
    [restored] = old.client.thread(ARTICLE).body["replies"]
    assert restored["text"] == "<p>Neue Meinung</p>"
    # The kept copy is no backup: listing and pruning leave it alone.
    assert list_backups(backups) == [backup]
    prune_backups(backups, 1)
    assert kept.exists()


def test_restore_without_a_live_database_creates_it_privately(live, tmp_path):
    backup = backup_database(live, tmp_path / "backups")
    target = tmp_path / "neu" / "comments.db"
    target.parent.mkdir()

    assert restore_database(backup, target, tmp_path / "backups") is None

    assert comment_texts(target) == ["Erste Frage", "Zweite Frage"]
    assert mode_of(target) == 0o600
    assert sorted(path.name for path in target.parent.iterdir()) == ["comments.db"]


def test_restore_replaces_a_live_file_that_is_no_database(live, tmp_path):
    backup = backup_database(live, tmp_path / "backups")
    broken = tmp_path / "kaputt" / "comments.db"
    broken.parent.mkdir()
    broken.write_bytes(b"kein SQLite " * 100)

    kept = restore_database(backup, broken, tmp_path / "backups")

    assert kept.read_bytes() == b"kein SQLite " * 100
    assert mode_of(kept) == 0o600
    assert comment_texts(broken) == ["Erste Frage", "Zweite Frage"]


def test_restore_refuses_a_leftover_journal_beside_a_missing_database(live, tmp_path):
    backup = backup_database(live, tmp_path / "backups")
    target = tmp_path / "neu" / "comments.db"
    target.parent.mkdir()
    journal = target.with_name("comments.db-journal")
    journal.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))

    with pytest.raises(BackupError) as raised:
        restore_database(backup, target, tmp_path / "backups")

    assert str(raised.value).startswith(f"{journal}: ")
    assert not target.exists()


def test_a_damaged_live_database_gives_no_backup_and_pushes_none_out(tmp_path):
    live = isso_database_with(tmp_path / "comments.db", 2000)
    backups = tmp_path / "backups"
    sound = [
        backup_database(live, backups, keep=2, now=datetime(2026, 3, day, tzinfo=UTC))
        for day in (1, 2)
    ]
    damage_middle(live)
    for day in (3, 4):
        with pytest.raises(BackupError) as refused:
            backup_database(
                live, backups, keep=2, now=datetime(2026, 3, day, tzinfo=UTC)
            )
        message = str(refused.value)
        assert message.startswith(
            f"{live}: die laufende Kommentardatenbank ist beschädigt (quick_check: "
        )
        assert message.endswith(
            "); keine Sicherung geschrieben, keine gelöscht; die neueste heile "
            f"Sicherung zurückspielen: invoke comments.restore {sound[1]}"
        )
        assert "\n" not in message
    assert sorted(path.name for path in backups.iterdir()) == [p.name for p in sound]

    restore_database(sound[1], live, backups)
    verify_database(live)
    assert len(comment_ids(live)) == 2000


def test_a_damaged_live_database_without_backups_says_how_to_save_it(tmp_path):
    live = damage_middle(isso_database_with(tmp_path / "comments.db", 2000))
    with pytest.raises(BackupError) as refused:
        backup_database(live, tmp_path / "backups")
    assert str(refused.value).endswith(
        f"; in {tmp_path / 'backups'} gibt es keine heile Sicherung; den "
        "Kommentarserver anhalten und retten, was SQLite noch lesen kann: "
        f"sqlite3 {live} .recover"
    )
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_damaged_backup_never_counts_toward_keep(tmp_path):
    live = isso_database_with(tmp_path / "comments.db", 2000)
    backups = tmp_path / "backups"
    made = [
        backup_database(live, backups, keep=5, now=datetime(2026, 3, day, tzinfo=UTC))
        for day in (1, 2, 3)
    ]
    damage_middle(made[2])  # the newest went bad on disk
    written = backup_database(
        live, backups, keep=2, now=datetime(2026, 3, 4, tzinfo=UTC)
    )
    # two sound ones stay (the new one and day 2); the damaged one is left for
    # a person to look at until enough newer sound backups exist
    assert list_backups(backups) == [written, made[2], made[1]]
    backup_database(live, backups, keep=2, now=datetime(2026, 3, 5, tzinfo=UTC))
    assert [path.name[9:17] for path in list_backups(backups)] == [
        "20260305",
        "20260304",
    ]
