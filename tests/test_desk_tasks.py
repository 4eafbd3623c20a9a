"""`invoke comments.open` and `comments.remind`, run as cron and people run them."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.comments.mailbox import free_port, running_mailbox, smtp_section, wait_until
from tests.support import ROOT, set_age, write_isso_config

ARTICLE = "/2026/kritik/"
BLOG = "https://blog.firma.example"
READER_EMAIL = "leserin.privat@example.org"
GUARD = {"ratelimit": "100", "direct-reply": "100"}


def invoke(server, *args):
    return invoke_with_config(server.config_file, *args)


def invoke_with_config(config_file, *args):
    environ = {**os.environ, "ISSO_SETTINGS": str(config_file)}
    environ.pop("ISSO_SMTP_PASSWORD", None)
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )


def post(server, text, **fields):
    reply = server.client.post(ARTICLE, text, title="Kritik am Kundenservice", **fields)
    assert reply.status == 201
    return reply.body["id"]


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(guard=GUARD, blog={"site-url": BLOG})


def test_open_with_an_empty_queue_exits_0(server):
    result = invoke(server, "comments.open")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Keine offenen Kommentare (Ziel: 24 Std.).\n"
    assert result.stderr == ""


def test_open_with_an_on_time_queue_exits_0(server):
    first = post(server, "Erste Frage\nmit zweiter Zeile", email=READER_EMAIL)
    second = post(server, "Zweite Frage", author="Bernd")
    set_age(server, first, 21)
    result = invoke(server, "comments.open")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # the id, German as the desk; no build named the article: its path
    assert lines[0].split() == [
        f"#{first}", "bald", "fällig", "21", "h", "0", "min", ARTICLE, "—", "Leserin",
    ]  # fmt: skip
    assert lines[1].strip() == "Erste Frage"
    assert lines[2].strip() == "zuständig: Redaktion (Vertretung)"
    assert lines[3].strip() == f"{BLOG}{ARTICLE}#isso-{first}"
    assert lines[4].split()[:4] == [f"#{second}", "im", "Ziel", "0"]
    assert lines[7].strip() == f"{BLOG}{ARTICLE}#isso-{second}"
    assert lines[-1] == (
        "2 offen: 0 überfällig, 1 in den nächsten 4 Std. fällig, 1 im Ziel "
        "(Ziel: 24 Std.)."
    )
    assert READER_EMAIL not in result.stdout


def test_open_with_an_overdue_comment_exits_1(server):
    late = post(server, "Schon lange offen")
    post(server, "Neu")
    set_age(server, late, 25)
    result = invoke(server, "comments.open")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        f"#{late:<7} überfällig    25 h 0 min  {ARTICLE}"
    )
    assert result.stdout.splitlines()[-1].startswith("2 offen: 1 überfällig,")
    assert result.stderr == ""


def test_open_json(server):
    late = post(server, "Schon lange offen", email=READER_EMAIL)
    set_age(server, late, 30)
    result = invoke(server, "comments.open", "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["summary"]["overdue"] == 1
    [entry] = document["comments"]
    assert entry["link"] == f"{BLOG}{ARTICLE}#isso-{late}"
    assert entry["status"] == "overdue" and entry["age_seconds"] >= 30 * 3600
    assert READER_EMAIL not in result.stdout


def test_remind_sends_what_could_not_be_sent_and_the_digest(comment_server_factory):
    port = free_port()  # the mail server is down while the comment comes in
    server = comment_server_factory(
        guard=GUARD, smtp=smtp_section(port), blog={"site-url": BLOG}
    )
    comment_id = post(server, "Hallo, Redaktion?")

    def queued():
        with sqlite3.connect(server.database) as db:
            return db.execute("SELECT state, attempts FROM blog_mail_outbox").fetchall()

    assert wait_until(lambda: queued() == [("queued", 1)])
    failed = invoke(server, "comments.remind")
    assert failed.returncode == 1
    assert (
        "remind: 1 Mail(s) zu neuen Kommentaren nicht gesendet "
        "(ConnectionRefusedError)" in failed.stderr
    )
    with running_mailbox(port) as mailbox:
        result = invoke(server, "comments.remind")
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "1 wartende Mail(s) zu neuen Kommentaren gesendet.\n"
            "Nichts neu fällig: keine Erinnerung gesendet.\n"
        )
        [mail] = mailbox.wait_for(1)
        assert f"{BLOG}{ARTICLE}#isso-{comment_id}" in mail.part("plain")
        set_age(server, comment_id, 22)
        result = invoke(server, "comments.remind")
        assert result.stdout == (
            f"Erinnerung gesendet zu den Kommentaren {comment_id}.\n"
        )
        [_, digest] = mailbox.wait_for(2)
        assert digest.message["Subject"].startswith("Erinnerung: 1 Kommentar wartet")
    assert queued() == [("sent", 3)]


def test_remind_with_mail_off_says_so(server):
    result = invoke(server, "comments.remind")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Mail ist aus ([smtp] host oder to ist leer): nichts gesendet.\n"
    )


def test_open_without_a_database_exits_2_with_one_line(tmp_path):
    result = invoke_with_config(write_isso_config(tmp_path), "comments.open")
    assert result.returncode == 2
    assert result.stderr == f"open: {tmp_path / 'comments.db'} does not exist (yet)\n"


OWNED = "/2026/technik/"
STAFF_ACCOUNTS = {
    "anna": ("Anna Schmidt", "ein-langes-passwort"),
    "jonas": ("Jonas Weber", "ein-langes-passwort"),
}


def invoke_as(server, staff_account, *args):
    """Run a task with BLOG_STAFF_ACCOUNT set (or unset for None)."""
    environ = {**os.environ, "ISSO_SETTINGS": str(server.config_file)}
    for variable in ("ISSO_SMTP_PASSWORD", "BLOG_STAFF_FILE", "BLOG_STAFF_ACCOUNT"):
        environ.pop(variable, None)
    if staff_account:
        environ["BLOG_STAFF_ACCOUNT"] = staff_account
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )


@pytest.fixture
def owned_server(comment_server_factory):
    from comments.staff import owners

    server = comment_server_factory(
        staff=STAFF_ACCOUNTS, guard=GUARD, blog={"site-url": BLOG}
    )
    owners.write_thread_owners(
        Path(server.database).with_name(owners.OWNERS_FILE_NAME),
        "redaktion",
        {ARTICLE: ("anna", owners.AUTHOR), OWNED: ("jonas", owners.CATEGORY)},
    )
    return server


def post_to(server, uri, text):
    reply = server.client.post(uri, text, title="Ein Artikel")
    assert reply.status == 201
    return reply.body["id"]


def test_open_filters_by_owner_and_mine_and_assign_hands_over(owned_server):
    annas = post_to(owned_server, ARTICLE, "Frage an Anna")
    jonas = post_to(owned_server, OWNED, "Frage an Jonas")
    result = invoke_as(owned_server, None, "comments.open", "--owner", "jonas")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:4] == [
        f"{'':35}Frage an Jonas",
        f"{'':35}zuständig: Jonas Weber (zuständig für die Kategorie)",
        f"{'':35}{BLOG}{OWNED}#isso-{jonas}",
    ]
    assert f"#isso-{annas}" not in result.stdout
    assert lines[-1].startswith("1 offen für Jonas Weber: 0 überfällig")
    mine = invoke_as(owned_server, "anna", "comments.open", "--mine", "--json")
    document = json.loads(mine.stdout)
    assert document["owner"] == "anna"
    assert [entry["id"] for entry in document["comments"]] == [annas]

    # who hands over: BLOG_STAFF_ACCOUNT (or --as), never the system's user
    nobody = invoke_as(owned_server, None, "comments.assign", str(annas), "jonas")
    assert nobody.returncode == 1
    assert nobody.stderr.startswith("assign: wer handelt? --as KONTO angeben oder ")
    handed = invoke_as(owned_server, "anna", "comments.assign", str(annas), "jonas")
    assert handed.returncode == 0, handed.stderr
    assert handed.stdout == (
        f"Kommentar {annas} von Anna Schmidt an Jonas Weber übergeben "
        "(durch Anna Schmidt).\n"
    )
    result = invoke_as(owned_server, None, "comments.open", "--owner", "Jonas Weber")
    assert f"#isso-{annas}" in result.stdout and f"#isso-{jonas}" in result.stdout
    assert "zuständig: Jonas Weber (übergeben durch Anna Schmidt, " in result.stdout
    mine = invoke_as(owned_server, "anna", "comments.open", "--mine")
    assert mine.stdout == (
        "Keine offenen Kommentare für Anna Schmidt (Ziel: 24 Std.).\n"
    )


def test_open_and_assign_say_what_is_wrong(owned_server):
    post_to(owned_server, ARTICLE, "Frage")
    unset = invoke_as(owned_server, None, "comments.open", "--mine")
    assert unset.returncode == 2
    assert unset.stderr.startswith("open: --mine braucht Ihr Redaktionskonto in ")
    unknown = invoke_as(owned_server, None, "comments.open", "--owner", "anja")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "open: zuständig 'anja' ist kein Redaktionskonto (bekannt: redaktion "
        "(Redaktion), anna (Anna Schmidt), jonas (Jonas Weber))\n"
    )
    missing = invoke_as(owned_server, "anna", "comments.assign", "999", "jonas")
    assert missing.returncode == 1
    assert missing.stderr == "assign: Kommentar 999 gibt es nicht (mehr).\n"


def test_open_names_a_comment_whose_time_is_no_time_and_exits_2(server):
    late = post(server, "Wann war das?")
    with sqlite3.connect(server.database) as db:
        db.execute("UPDATE comments SET created = 1e12 WHERE id = ?", (late,))
    db.close()
    result = invoke(server, "comments.open")
    assert result.returncode == 2  # 1 would mean "a comment is overdue"
    assert result.stderr == (
        f"open: {server.database}: unreadable comment database (comment {late} on "
        f"{ARTICLE} has created = 1000000000000.0, no time between 2000 and "
        "3000); restore it with `invoke comments.restore` from a backup\n"
    )


def test_no_answer_closes_a_comment_as_the_staff_account(owned_server):
    thanks = post_to(owned_server, ARTICLE, "Danke!")
    result = invoke_as(
        owned_server, "anna", "comments.no-answer", str(thanks), "--reason", "thanks"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Kommentar {thanks} auf {ARTICLE}: keine Antwort nötig (Grund: thanks); "
        "vermerkt und auf der Transparenzseite gezählt.\n"
    )
    with sqlite3.connect(owned_server.database) as db:
        assert db.execute(
            "SELECT comment_id, reason, decided_by, via FROM blog_no_answer_needed"
        ).fetchall() == [(thanks, "thanks", "anna", "cli")]
    db.close()
    assert (
        f"#isso-{thanks}" not in invoke_as(owned_server, None, "comments.open").stdout
    )
    again = invoke_as(
        owned_server, "anna", "comments.no-answer", str(thanks), "--reason", "thanks"
    )
    assert again.returncode == 1
    assert again.stderr.startswith(f"no-answer: Kommentar {thanks} ist schon erledigt")
