"""The comments.* commands, run as people run them, against a live server's database."""

import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from comments.store.backup import list_backups
from tests.support import ROOT, damage_middle, isso_database_with, write_isso_config

ARTICLE = "/2026/kritik/"
AS = ("--as", "redaktion")  # the shared account: always there


def invoke(server, *args, stdin=""):
    return invoke_with(server.config_file, *args, stdin=stdin)


def invoke_with(config_file, *args, stdin="", env=None):
    """Run ``invoke *args`` as a person would, with this comment server config
    (None: no ISSO_SETTINGS) and ``env`` added to the environment."""
    settings = {"ISSO_SETTINGS": str(config_file)} if config_file else {}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **settings, **(env or {})},
    )


def add_jonas(server):
    """Add the staff account jonas (Jonas Weber) as a person would."""
    added = invoke(
        server, "comments.staff-add", "jonas", "Jonas Weber", stdin="geheim-und-lang\n"
    )
    assert added.returncode == 0, added.stderr


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(guard={"ratelimit": "100", "direct-reply": "100"})


def test_staff_add_stores_only_a_hash_readable_by_the_owner(server):
    result = invoke(
        server, "comments.staff-add", "jonas", "Jonas Weber", stdin="geheim-und-lang\n"
    )
    assert result.returncode == 0, result.stderr
    staff_file = Path(server.config_file).with_name("staff.cfg")
    text = staff_file.read_text(encoding="utf-8")
    assert "[jonas]" in text and "name = Jonas Weber" in text
    assert "geheim-und-lang" not in text
    assert stat.S_IMODE(os.stat(staff_file).st_mode) == 0o600


def test_staff_add_refuses_a_short_password_in_one_line(server):
    result = invoke(server, "comments.staff-add", "jonas", "Jonas", stdin="kurz\n")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "staff-add: das Passwort braucht mindestens 12 Zeichen"
    )


def staff_me(server, cookie):
    """Return the display name /staff/me gives for ``cookie`` (None: nobody)."""
    reply = server.client.request("GET", "/staff/me", headers={"Cookie": cookie})
    return reply.body["staff"]


def test_a_new_password_ends_the_accounts_sessions(server):
    add_jonas(server)
    cookie = server.client.staff_login("jonas", "geheim-und-lang")
    assert staff_me(server, cookie) == "Jonas Weber"
    changed = invoke(
        server,
        "comments.staff-add",
        "jonas",
        "Jonas Weber",
        stdin="ganz-neu-und-lang\n",
    )
    assert changed.returncode == 0, changed.stderr
    assert "1 Sitzung(en) von jonas beendet" in changed.stdout
    assert staff_me(server, cookie) is None
    assert server.client.staff_login("jonas", "ganz-neu-und-lang")


def test_staff_logout_ends_one_accounts_sessions(comment_server_factory):
    server = comment_server_factory(
        admin={"enabled": "true", "password": "admin-passwort-123"}
    )
    add_jonas(server)
    laptop, phone = (
        server.client.staff_login("jonas", "geheim-und-lang") for _ in range(2)
    )
    status, admin = server.client.login("admin-passwort-123")
    admin = admin.split(";", 1)[0]
    assert status == 302 and staff_me(server, admin) == "Redaktion"

    result = invoke(server, "comments.staff-logout", "jonas")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 Sitzung(en) von jonas beendet."
    assert staff_me(server, laptop) is None and staff_me(server, phone) is None
    assert staff_me(server, admin) == "Redaktion"
    result = invoke(server, "comments.staff-logout", "redaktion")
    assert result.stdout.strip() == "1 Sitzung(en) von redaktion beendet."
    assert staff_me(server, admin) is None

    unknown = invoke(server, "comments.staff-logout", "wer")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().endswith(
        "staff.cfg (bekannt: jonas, redaktion)"
    ) and unknown.stderr.startswith("staff-logout: 'wer' ist kein Redaktionskonto in ")


def test_reply_as_staff_is_recorded_and_badged(server):
    add_jonas(server)
    question = server.client.post(ARTICLE, "Gibt es ein Update?").body["id"]
    result = invoke(
        server, "comments.reply", str(question), "Ja, morgen.", "--as", "jonas"
    )
    assert result.returncode == 0, result.stderr
    assert f"Kommentar {question} beantwortet als Jonas Weber" in result.stdout
    badges = server.client.request("GET", f"/staff/comments?uri={ARTICLE}").body
    assert list(badges.values()) == ["Jonas Weber"]
    [reply] = server.client.thread(ARTICLE).body["replies"][0]["replies"]
    assert reply["author"] == "Jonas Weber" and reply["text"] == "<p>Ja, morgen.</p>"
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT via FROM blog_staff_comments").fetchall() == [
            ("cli",)
        ]


def test_reply_as_unknown_account_names_the_known_ones(server):
    question = server.client.post(ARTICLE, "Hallo?").body["id"]
    result = invoke(server, "comments.reply", str(question), "Antwort", "--as", "wer")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == (
        "reply: 'wer' ist kein Redaktionskonto (bekannt: redaktion (Redaktion))\n"
    )
    assert len(server.client.thread(ARTICLE).body["replies"]) == 1


def test_a_removed_comment_is_neither_answered_nor_removed_again(
    comment_server_factory,
):
    server = comment_server_factory(
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}
    )
    add_jonas(server)
    question = server.client.post(ARTICLE, "Meine Adresse: Hauptstr. 1").body["id"]
    assert server.client.post(ARTICLE, "Dazu", parent=question).status == 201
    removed = invoke(
        server, "comments.remove", str(question), "--reason", "personal-data", *AS
    )
    assert removed.returncode == 0, removed.stderr  # blanked: it has a reply
    before = comments_and_removals(server)

    answer = invoke(server, "comments.reply", str(question), "Danke!", "--as", "jonas")
    again = invoke(server, "comments.remove", str(question), "--reason", "spam", *AS)

    assert answer.returncode == 1 and again.returncode == 1
    assert answer.stderr.strip() == (
        f"reply: Kommentar {question} ist entfernt (Grund: personal-data); "
        "stattdessen auf eine seiner Antworten oder im Artikel antworten"
    )
    assert again.stderr.strip() == (
        f"remove: Kommentar {question} ist schon entfernt (Grund: personal-data); "
        "seine Antworten behalten einen leeren Platzhalter im Thread"
    )
    assert comments_and_removals(server) == before


def comments_and_removals(server):
    with sqlite3.connect(server.database) as db:
        return [
            db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("comments", "blog_removals", "blog_staff_comments")
        ]


def test_remove_logs_the_reason_and_who_removed_it(server):
    add_jonas(server)
    comment_id = server.client.post(ARTICLE, "Kaufen Sie jetzt!").body["id"]
    # who acts is a staff account: --as, else BLOG_STAFF_ACCOUNT, never $USER
    nobody = invoke_with(
        server.config_file,
        *("comments.remove", str(comment_id), "--reason", "spam"),
        env={"BLOG_STAFF_ACCOUNT": "", "USER": "root"},
    )
    assert nobody.returncode == 1
    assert nobody.stderr.startswith("remove: wer handelt? --as KONTO angeben oder ")
    result = invoke_with(
        server.config_file,
        *("comments.remove", str(comment_id), "--reason", "spam"),
        env={"BLOG_STAFF_ACCOUNT": "jonas", "USER": "root"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Kommentar {comment_id} auf {ARTICLE} entfernt (Grund: spam); im "
        "Protokoll vermerkt.\n"
    )
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT comment_id, reason, removed_by FROM blog_removals"
        ).fetchall() == [(comment_id, "spam", "jonas")]


def test_removing_the_newest_comment_twice_never_hits_the_next_one(server):
    spam = server.client.post(ARTICLE, "Kaufen Sie jetzt!").body["id"]
    first = invoke(server, "comments.remove", str(spam), "--reason", "spam", *AS)
    assert first.returncode == 0, first.stderr
    reader = server.client.post(ARTICLE, "Eine echte Frage zum Artikel").body["id"]
    assert reader != spam  # Isso alone gave the freed id out again

    again = invoke(server, "comments.remove", str(spam), "--reason", "spam", *AS)

    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith("remove: ") and str(spam) in again.stderr
    texts = [reply["text"] for reply in server.client.thread(ARTICLE).body["replies"]]
    assert texts == ["<p>Eine echte Frage zum Artikel</p>"]


def test_remove_with_an_unknown_reason_changes_nothing(server):
    comment_id = server.client.post(ARTICLE, "Bleibt stehen").body["id"]
    result = invoke(server, "comments.remove", str(comment_id), "--reason", "doof")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("remove: --reason 'doof' ist keiner von")
    assert len(server.client.thread(ARTICLE).body["replies"]) == 1


def test_backup_then_restore_brings_back_a_removed_comment(server, tmp_path):
    comment_id = server.client.post(ARTICLE, "Wichtig").body["id"]
    backup = invoke(server, "comments.backup")
    assert backup.returncode == 0, backup.stderr
    backup_file = backup.stdout.split("Sicherung geschrieben: ", 1)[1].strip()
    invoke(server, "comments.remove", str(comment_id), "--reason", "other", *AS)
    assert server.client.thread(ARTICLE).body["replies"] == []
    restored = invoke(server, "comments.restore", backup_file)
    assert restored.returncode == 0, restored.stderr
    assert "Die ersetzte Datenbank liegt aufbewahrt unter" in restored.stdout
    [comment] = server.client.thread(ARTICLE).body["replies"]
    assert comment["id"] == comment_id


def test_restore_of_a_broken_file_is_one_line_and_touches_nothing(server, tmp_path):
    server.client.post(ARTICLE, "Bleibt")
    before = Path(server.database).read_bytes()
    broken = tmp_path / "kaputt.db"
    broken.write_text("keine Datenbank", encoding="utf-8")
    result = invoke(server, "comments.restore", str(broken))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(broken) in result.stderr
    assert Path(server.database).read_bytes() == before


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("comments.reply", "abc", "Danke", "--as", "anna"),
            "reply: Kommentar-ID 'abc' ist keine ganze Zahl",
        ),
        (
            ("comments.remove", "99999999999999999999999", "--reason", "spam"),
            "remove: Kommentar-ID '99999999999999999999999' liegt außerhalb des "
            "Bereichs",
        ),
        (
            ("comments.assign", "1.5", "anna"),
            "assign: Kommentar-ID '1.5' ist keine ganze Zahl",
        ),
        (
            ("comments.backup", "--keep", "viele"),
            "backup: --keep 'viele' ist keine ganze Zahl",
        ),
    ],
)
def test_a_number_typed_wrong_is_one_line_and_changes_nothing(server, args, line):
    before = Path(server.database).read_bytes()
    result = invoke(server, *args)
    assert result.returncode == 1
    assert result.stderr.strip() == line
    assert Path(server.database).read_bytes() == before
    assert not Path(server.database).with_name("backups").exists()


def test_a_wrong_blog_backup_keep_spoils_only_the_backup(server):
    environment = {"BLOG_BACKUP_KEEP": "vierzehn"}
    listing = invoke_with(None, "--list", env=environment)
    assert listing.returncode == 0 and "comments.backup" in listing.stdout
    result = invoke_with(server.config_file, "comments.backup", env=environment)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "backup: BLOG_BACKUP_KEEP 'vierzehn' ist keine ganze Zahl"
    )


def test_a_port_in_use_is_one_line_naming_the_setting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_isso_config(tmp_path, port=port)
        result = invoke_with(config, "comments")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Kommentarserver: kann nicht auf http://127.0.0.1:{port} lauschen (Address "
        "already in use); das dort Laufende beenden oder [server] listen ändern"
    )
    assert "is in use by another program" not in result.stderr  # werkzeug's own


@pytest.mark.parametrize(
    "arguments",
    [
        ["comments.remove", "1", "--reason", "spam"],
        ["comments.reply", "1", "Danke schön", "--as", "anna"],
    ],
)
def test_a_one_off_command_never_creates_a_missing_database(tmp_path, arguments):
    result = invoke_with(write_isso_config(tmp_path), *arguments)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Kommentardatenbank nicht gefunden" in result.stderr
    assert not (tmp_path / "comments.db").exists()


def test_a_corrupt_live_database_is_one_line_for_the_server_and_commands(tmp_path):
    with socket.socket() as probe:  # a free port, should the check ever fail
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_isso_config(tmp_path, port=port)
    (tmp_path / "comments.db").write_bytes(b"kein SQLite " * 800)
    for arguments in (["comments.remove", "1", "--reason", "spam"], ["comments"]):
        result = invoke_with(config, *arguments)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            f"Kommentarserver: {tmp_path / 'comments.db'}: unreadable comment database "
            "(file is not a database); restore it with `invoke comments.restore` "
            "from a backup"
        )


def test_a_reply_the_server_refuses_is_one_line_with_its_reason(server):
    add_jonas(server)
    question = server.client.post(ARTICLE, "Frage?").body["id"]
    result = invoke(
        server, "comments.reply", str(question), "x" * 70000, "--as", "jonas"
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "reply: der Kommentarserver hat die Antwort abgelehnt (400: text is too long "
        "(maximum length: 65535))"
    )


def test_reply_without_as_says_which_option_is_missing(server):
    comment_id = server.client.post(ARTICLE, "Hallo?").body["id"]
    result = invoke_with(
        server.config_file,
        *("comments.reply", str(comment_id), "Danke schön"),
        env={"BLOG_STAFF_ACCOUNT": ""},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "reply: wer handelt? --as KONTO angeben oder BLOG_STAFF_ACCOUNT=KONTO "
        "setzen (bekannt: redaktion (Redaktion))"
    )


def test_a_missing_config_is_exit_2_for_monitoring_not_overdue(tmp_path):
    result = invoke_with(tmp_path / "fehlt.cfg", "comments.open")
    assert result.returncode == 2  # 1 would mean "a comment is overdue"
    assert "comment server config not found" in result.stderr


def test_backup_says_it_once(server):
    result = invoke(server, "comments.backup")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sicherung geschrieben: ")
    assert "backed up" not in result.stderr  # the log line would repeat it


def test_a_damaged_live_database_is_one_line_and_keeps_the_sound_backups(tmp_path):
    config = write_isso_config(tmp_path)
    database = isso_database_with(tmp_path / "comments.db", 2000)
    for _ in range(2):
        written = invoke_with(config, "comments.backup", "--keep", "2")
        assert written.returncode == 0, written.stderr
    sound = list_backups(tmp_path / "backups")  # newest first
    damage_middle(database)
    for _ in range(2):
        result = invoke_with(config, "comments.backup", "--keep", "2")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "Sicherung geschrieben" not in result.stdout
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(
            f"backup: {database}: die laufende Kommentardatenbank ist beschädigt "
            "(quick_check:"
        )
        assert line.endswith(f"invoke comments.restore {sound[0]}")
    assert list_backups(tmp_path / "backups") == sound
    restored = invoke_with(config, "comments.restore", str(sound[0]))
    assert restored.returncode == 0, restored.stderr
