"""Owners on the comment server: the build's file, hand-overs, mails that follow them.

A real comment server in this process, a real SMTP server on loopback; times
are set in the database.
"""

import datetime
import sqlite3
import time
from pathlib import Path

import pytest

from comments.staff import notify, owners, reminders
from comments.staff.accounts import read_accounts
from tests.comments.mailbox import STAFF, running_mailbox, smtp_section, wait_until
from tests.support import set_age

ANNAS = "/2026/kritik/"  # owned by anna (she wrote it)
JONAS = "/2026/technik/"  # owned by jonas (the category's owner)
LEYLAS = "/2026/kundentag/"  # owned by leyla, who has no email
UNKNOWN = "/2026/neu/"  # not in the file: the fallback
ANNA = "anna@firma.example"
JONAS_MAIL = "jonas@firma.example"
PASSWORD = "ein-langes-passwort"
STAFF_ACCOUNTS = {
    "anna": ("Anna Schmidt", PASSWORD, ANNA),
    "jonas": ("Jonas Weber", PASSWORD, JONAS_MAIL),
    "leyla": ("Leyla Demir", PASSWORD),
}
GUARD = {"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}
THREADS = {
    ANNAS: ("anna", owners.AUTHOR),
    JONAS: ("Jonas Weber", owners.CATEGORY),  # display names work too
    LEYLAS: ("leyla", owners.METADATA),
    "/2026/verwaist/": ("ehemalig", owners.AUTHOR),  # no such account
}


def start(factory, mailbox=None, **sections):
    server = factory(
        staff=STAFF_ACCOUNTS,
        guard=GUARD,
        smtp=smtp_section(mailbox.port) if mailbox else {"to": ""},
        **sections,
    )
    owners.write_thread_owners(
        Path(server.database).with_name(owners.OWNERS_FILE_NAME), "leyla", THREADS
    )
    return server


@pytest.fixture
def mailbox():
    with running_mailbox() as mailbox:
        yield mailbox


@pytest.fixture
def server(comment_server_factory):
    return start(comment_server_factory)


def post(server, uri, text="Eine Frage", **fields):
    reply = server.client.post(uri, text, title="Ein Artikel", **fields)
    assert reply.status in (201, 202), reply.body
    return reply.body["id"]


def roster(server):
    return owners.roster_for(server.conf, {})


def queue(server):
    queue = owners.read_queue(server.conf, notify.now_utc(), roster(server))
    return {entry.id: entry for entry in queue.entries}


def handovers(server):
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT comment_id, owner, previous_owner, handed_by, via, handed_at "
            "FROM blog_owner_handovers ORDER BY id"
        ).fetchall()


def test_staff_file_keeps_an_optional_email(server):
    accounts = read_accounts(Path(server.config_file).with_name("staff.cfg"))
    assert accounts["anna"].email == ANNA and accounts["leyla"].email == ""
    assert roster(server).emails == {"anna": ANNA, "jonas": JONAS_MAIL}


def test_every_comment_gets_its_threads_owner_or_the_fallback(server):
    ids = {uri: post(server, uri) for uri in (ANNAS, JONAS, LEYLAS, UNKNOWN)}
    orphan = post(server, "/2026/verwaist/")
    entries = queue(server)
    owned = {
        uri: (entries[ids[uri]].owner.account, entries[ids[uri]].owner.rule)
        for uri in ids
    }
    assert owned == {
        ANNAS: ("anna", owners.AUTHOR),
        JONAS: ("jonas", owners.CATEGORY),
        LEYLAS: ("leyla", owners.METADATA),
        UNKNOWN: ("leyla", owners.FALLBACK),  # the file's fallback
    }
    # An owner who is no staff account (any more) falls through to the fallback.
    assert entries[orphan].owner.account == "leyla"
    assert entries[orphan].owner.name == "Leyla Demir"


def test_without_the_file_everything_goes_to_the_shared_account(
    comment_server_factory,
):
    server = comment_server_factory(staff=STAFF_ACCOUNTS, guard=GUARD)
    comment_id = post(server, ANNAS)
    owner = queue(server)[comment_id].owner
    assert (owner.account, owner.name, owner.rule) == (
        "redaktion",
        "Redaktion",
        owners.FALLBACK,
    )


def test_assign_records_who_handed_over_when_and_the_desk_history(server):
    comment_id = post(server, ANNAS)
    before_call = time.time()
    before, after = owners.assign(
        server.conf, roster(server), comment_id, "Jonas Weber", "anna", owners.CLI
    )
    assert (before.account, before.rule) == ("anna", owners.AUTHOR)
    assert (after.account, after.name, after.rule) == (
        "jonas",
        "Jonas Weber",
        owners.HANDED_OVER,
    )
    [row] = handovers(server)
    assert row[:5] == (comment_id, "jonas", "anna", "anna", "cli")
    assert before_call <= row[5] <= time.time()
    owners.assign(server.conf, roster(server), comment_id, "leyla", "Chefin", "cli")
    history = queue(server)[comment_id].owner.handovers
    assert [(h.previous_name, h.owner_name, h.by_name, h.via) for h in history] == [
        ("Anna Schmidt", "Jonas Weber", "Anna Schmidt", "cli"),
        ("Jonas Weber", "Leyla Demir", "Chefin", "cli"),  # --by need not be staff
    ]
    assert history[0].at == datetime.datetime.fromtimestamp(row[5], datetime.UTC)
    # Handing it to its owner changes nothing and records nothing.
    same, again = owners.assign(
        server.conf, roster(server), comment_id, "leyla", "x", "cli"
    )
    assert same == again and len(handovers(server)) == 2
    with sqlite3.connect(server.database) as db, pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE blog_owner_handovers SET owner = 'anna'")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown owner", r"kein Redaktionskonto 'anja' \(bekannt: redaktion \("),
        ("answered", r"Kommentar \d+ ist schon erledigt"),
        ("no such comment", r"Kommentar 999 gibt es nicht"),
        ("reused id", r"Kommentar \d+ ist nicht mehr der, den die Seite zeigte"),
    ],
)
def test_assign_refuses_what_cannot_be_handed_over(server, case, message):
    comment_id = post(server, ANNAS)
    name, created = "jonas", None
    if case == "unknown owner":
        name = "anja"
    if case == "answered":
        cookie = server.client.staff_login("anna", PASSWORD)
        server.client.post(
            ANNAS, "Antwort", parent=comment_id, headers={"Cookie": cookie}
        )
    if case == "no such comment":
        comment_id = 999
    if case == "reused id":
        created = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(owners.OwnerError, match=message):
        owners.assign(
            server.conf, roster(server), comment_id, name, "anna", "cli", created
        )
    assert handovers(server) == []


def test_new_comment_mail_goes_to_its_owner_only(comment_server_factory, mailbox):
    server = start(comment_server_factory, mailbox)
    annas = post(server, ANNAS, "Frage an Anna")
    [mail] = mailbox.wait_for(1)
    assert mail.recipients == [ANNA] and mail.message["To"] == ANNA
    plain = mail.part("plain")
    assert f"#isso-{annas}" in plain
    assert "Zuständig: Anna Schmidt (Autor/in des Artikels)" in plain
    mailbox.clear()
    leylas = post(server, LEYLAS, "Frage an Leyla")  # she has no email
    [mail] = mailbox.wait_for(1)
    assert mail.recipients == [STAFF] and f"#isso-{leylas}" in mail.part("plain")
    assert "Zuständig: Leyla Demir (im Artikel festgelegt)" in mail.part("plain")
    mailbox.clear()
    handed = post(server, JONAS, "Frage an Jonas")
    [mail] = mailbox.wait_for(1)
    assert mail.recipients == [JONAS_MAIL] and f"#isso-{handed}" in mail.part("plain")


def test_reminders_go_to_the_owner_until_half_the_target_then_to_everyone(
    comment_server_factory, mailbox
):
    # Target 24 h, warned 16 h ahead: due soon after 8 h, escalated after 12 h.
    server = start(comment_server_factory, mailbox, blog={"remind-before-hours": "16"})
    comment_id = post(server, ANNAS, "Noch offen")
    mailbox.wait_for(1)
    assert wait_until(lambda: not notify.flush_outbox(server.conf, {}).failed)
    mailbox.clear()

    created = time.time() - 3600
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET created = ? WHERE id = ?", (created, comment_id)
        )

    def remind_at(hours):
        """Run the hourly reminder as if ``hours`` after the comment came in."""
        now = datetime.datetime.fromtimestamp(created + hours * 3600, datetime.UTC)
        result = reminders.send_reminders(server.conf, {}, now=now)
        return [entry.id for entry in result.reminded]

    assert remind_at(7.9) == []
    assert remind_at(8.1) == [comment_id]  # due soon, not yet half the target
    [owner_only] = mailbox.wait_for(1)
    assert owner_only.recipients == [ANNA]
    assert "An die ganze Redaktion" not in owner_only.part("plain")
    assert remind_at(9) == []  # not twice in one stage
    assert remind_at(11.9) == []
    assert remind_at(12.1) == [comment_id]  # escalated: the owner and everyone
    [_, escalation] = mailbox.wait_for(2)
    assert sorted(escalation.recipients) == sorted([ANNA, JONAS_MAIL, STAFF])
    assert escalation.message["Subject"] == (
        "Erinnerung: 1 Kommentar wartet auf Antwort "
        "(0 überfällig, 0 bald fällig, 1 seit über 12 Std.)"
    )
    plain = escalation.part("plain")
    assert "An die ganze Redaktion" in plain
    assert "Zuständig: Anna Schmidt (Autor/in des Artikels)" in plain
    assert "wartet seit 12 h 6 min" in plain
    assert remind_at(20) == []
    assert remind_at(24.1) == [comment_id]  # overdue: everyone again, once
    [*_, overdue] = mailbox.wait_for(3)
    assert sorted(overdue.recipients) == sorted([ANNA, JONAS_MAIL, STAFF])
    assert "Überfällig" in overdue.part("plain")
    assert remind_at(30) == [] and len(mailbox.deliveries) == 3


def test_one_run_sends_one_digest_per_set_of_recipients(
    comment_server_factory, mailbox
):
    server = start(comment_server_factory, mailbox, blog={"remind-before-hours": "16"})
    early = post(server, ANNAS, "Früh")  # due soon: anna only
    late = post(server, JONAS, "Spät")  # escalated: everyone
    mailbox.wait_for(2)
    assert wait_until(lambda: not notify.flush_outbox(server.conf, {}).failed)
    mailbox.clear()
    set_age(server, early, 9)
    set_age(server, late, 13)
    result = reminders.send_reminders(server.conf, {})
    assert sorted(entry.id for entry in result.reminded) == [early, late]
    deliveries = mailbox.wait_for(2)
    by_recipients = {
        tuple(sorted(mail.recipients)): mail.part("plain") for mail in deliveries
    }
    assert set(by_recipients) == {(ANNA,), tuple(sorted([ANNA, JONAS_MAIL, STAFF]))}
    assert f"#isso-{early}" in by_recipients[(ANNA,)]
    assert f"#isso-{late}" not in by_recipients[(ANNA,)]


def test_hand_overs_are_in_every_backup(server, tmp_path):
    from comments.store.backup import backup_database

    comment_id = post(server, ANNAS)
    owners.assign(server.conf, roster(server), comment_id, "jonas", "anna", "cli")
    copy = backup_database(server.database, tmp_path / "backups", keep=2)
    with sqlite3.connect(copy) as db:
        assert db.execute(
            "SELECT comment_id, owner FROM blog_owner_handovers"
        ).fetchall() == [(comment_id, "jonas")]
