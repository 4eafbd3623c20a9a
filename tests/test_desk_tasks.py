"""`invoke comments.open` and `comments.remind`, run as cron and people run them."""

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.comments.mailbox import free_port, running_mailbox, smtp_section, wait_until
from tests.support import ROOT, write_isso_config

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


def set_age(server, comment_id, hours):
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET created = ? WHERE id = ?",
            (time.time() - hours * 3600, comment_id),
        )


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(guard=GUARD, blog={"site-url": BLOG})


def test_open_with_an_empty_queue_exits_0(server):
    result = invoke(server, "comments.open")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "No open reader comments (target 24 h).\n"
    assert result.stderr == ""


def test_open_with_an_on_time_queue_exits_0(server):
    first = post(server, "Erste Frage\nmit zweiter Zeile", email=READER_EMAIL)
    second = post(server, "Zweite Frage", author="Bernd")
    set_age(server, first, 21)
    result = invoke(server, "comments.open")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "due", "soon", "21", "h", "0", "min", "Kritik", "am", "Kundenservice", "—",
        "Leserin",
    ]  # fmt: skip
    assert lines[1].strip() == "Erste Frage"
    assert lines[2].strip() == f"{BLOG}{ARTICLE}#isso-{first}"
    assert lines[3].split()[:3] == ["on", "time", "0"]
    assert lines[5].strip() == f"{BLOG}{ARTICLE}#isso-{second}"
    assert lines[-1] == (
        "2 open: 0 past the target, 1 due within 4 h, 1 on time (target 24 h)."
    )
    assert READER_EMAIL not in result.stdout


def test_open_with_an_overdue_comment_exits_1(server):
    late = post(server, "Schon lange offen")
    post(server, "Neu")
    set_age(server, late, 25)
    result = invoke(server, "comments.open")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("overdue     25 h 0 min  Kritik")
    assert result.stdout.splitlines()[-1].startswith("2 open: 1 past the target,")
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
    assert "remind: 1 mail(s) about new comments not sent (ConnectionRefusedError)" in (
        failed.stderr
    )
    with running_mailbox(port) as mailbox:
        result = invoke(server, "comments.remind")
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "Sent 1 queued mail(s) about new comments.\n"
            "Nothing newly due: no reminder sent.\n"
        )
        [mail] = mailbox.wait_for(1)
        assert f"{BLOG}{ARTICLE}#isso-{comment_id}" in mail.part("plain")
        set_age(server, comment_id, 22)
        result = invoke(server, "comments.remind")
        assert result.stdout == f"Reminder sent about comments {comment_id}.\n"
        [_, digest] = mailbox.wait_for(2)
        assert digest.message["Subject"].startswith("Erinnerung: 1 Kommentar wartet")
    assert queued() == [("sent", 3)]


def test_remind_with_mail_off_says_so(server):
    result = invoke(server, "comments.remind")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Mail is off ([smtp] host or to is empty): nothing sent.\n"


def test_open_without_a_database_exits_2_with_one_line(tmp_path):
    result = invoke_with_config(write_isso_config(tmp_path), "comments.open")
    assert result.returncode == 2
    assert result.stderr == f"open: {tmp_path / 'comments.db'} does not exist (yet)\n"
