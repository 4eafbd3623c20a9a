"""Staff mails over a real SMTP server on loopback: one per new comment, a digest.

The comment server runs in this process; aiosmtpd receives the mails.
"""

import sqlite3
import time

import pytest

from comments.staff import notify, reminders
from tests.comments.mailbox import (
    SENDER,
    STAFF,
    free_port,
    running_mailbox,
    smtp_section,
    wait_until,
)
from tests.support import set_age

ARTICLE = "/2026/kritik/"
BLOG = "https://blog.firma.example"
READER_EMAIL = "leserin.privat@example.org"
STAFF_ACCOUNTS = {"anna": ("Anna Schmidt", "ein-langes-passwort")}
GUARD = {"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}


@pytest.fixture
def mailbox():
    with running_mailbox() as mailbox:
        yield mailbox


@pytest.fixture
def server(comment_server_factory, mailbox):
    return comment_server_factory(
        staff=STAFF_ACCOUNTS,
        guard=GUARD,
        smtp=smtp_section(mailbox.port),
        blog={"site-url": BLOG},
    )


def outbox(server):
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT comment_id, state, attempts, last_error FROM blog_mail_outbox "
            "ORDER BY id"
        ).fetchall()


def post(server, text, author="Leserin", **fields):
    reply = server.client.post(
        ARTICLE, text, author=author, title="Kritik am Kundenservice", **fields
    )
    assert reply.status in (201, 202), reply.body
    return reply.body["id"]


def drain(server, mailbox, count):
    """Wait for the mails about ``count`` new comments, then forget them."""
    mailbox.wait_for(count)
    assert wait_until(lambda: all(row[1] == "sent" for row in outbox(server)))
    mailbox.clear()


def test_new_reader_comment_sends_one_staff_mail_without_the_readers_email(
    server, mailbox
):
    comment_id = post(
        server,
        "Warum antwortet niemand?\n\nIch warte seit Tagen.",
        email=READER_EMAIL,
        website="https://leserin.example",
    )
    [mail] = mailbox.wait_for(1)
    assert wait_until(lambda: outbox(server) == [(comment_id, "sent", 1, "")])
    assert len(mailbox.deliveries) == 1
    assert mail.recipients == [STAFF]
    message = mail.message
    assert message["From"] == SENDER and message["To"] == STAFF
    # no build named the thread: its path, never the title the poster sent
    assert message["Subject"] == "Neuer Kommentar: „/2026/kritik/“ von Leserin"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    link = f"{BLOG}{ARTICLE}#isso-{comment_id}"
    plain, html = mail.part("plain"), mail.part("html")
    for part in (plain, html):
        assert link in part
        assert "Ich warte seit Tagen." in part
    assert "Leserin hat „/2026/kritik/“ kommentiert" in plain
    assert f"Antworten: {link}" in plain
    assert READER_EMAIL.encode() not in mail.raw
    assert b"leserin.example" not in mail.raw and b"127.0.0.1" not in mail.raw


def test_comment_text_and_name_are_escaped_in_the_html_part(server, mailbox):
    post(server, "<script>alert(1)</script> & <b>fett</b>", author="<i>Eve</i>")
    [mail] = mailbox.wait_for(1)
    html = mail.part("html")
    assert "<script>" not in html and "<b>" not in html and "<i>Eve" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fett" in html
    assert "<bdi>&lt;i&gt;Eve&lt;/i&gt;</bdi>" in html
    assert "<script>alert(1)</script>" in mail.part("plain")


FAKE_LINE = "Antworten: https://phish.example/"


def test_line_breaks_from_a_reader_add_no_lines_of_their_own(server, mailbox):
    overdue = post(server, f"Hallo\n{FAKE_LINE}text")
    [mail] = mailbox.wait_for(1)
    plain = mail.part("plain")
    assert f"> Hallo\n> {FAKE_LINE}text" in plain
    assert not any(line.startswith(FAKE_LINE) for line in plain.splitlines())
    # The server refuses such names now (test_reserved_names); older ones stay.
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET author = ? WHERE id = ?",
            (f"Leserin\n{FAKE_LINE}name", overdue),
        )
    db.close()
    set_age(server, overdue, 25)
    mailbox.clear()
    reminders.send_reminders(server.conf, {})
    [digest] = mailbox.wait_for(1)
    plain = digest.part("plain")
    lines = [line.strip() for line in plain.splitlines()]
    assert not any(line.startswith(FAKE_LINE) for line in lines), plain
    assert f"Leserin {FAKE_LINE}name" in plain


def test_staff_comment_sends_no_mail(server, mailbox):
    question = post(server, "Eine Frage an die Redaktion")
    drain(server, mailbox, 1)
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    answer = server.client.post(
        ARTICLE,
        "Die Antwort der Redaktion",
        parent=question,
        headers={"Cookie": cookie, "Origin": "http://localhost:8000"},
    )
    assert answer.status == 201
    later = post(server, "Noch eine Leserfrage")
    # Mails go out in order: had the staff answer one, it would arrive first.
    [mail] = mailbox.wait_for(1)
    assert f"#isso-{later}" in mail.part("plain")
    assert [row[0] for row in outbox(server)] == [question, later]


def test_comment_awaiting_moderation_links_to_the_article_without_anchor(
    comment_server_factory, mailbox
):
    server = comment_server_factory(
        guard=GUARD,
        moderation={"enabled": "true"},
        smtp=smtp_section(mailbox.port),
        blog={"site-url": BLOG},
        server={"public-endpoint": "https://kommentare.firma.example"},
        admin={"enabled": "true", "password": "admin-passwort-123"},
    )
    comment_id = post(server, "Bitte freischalten")
    [mail] = mailbox.wait_for(1)
    plain = mail.part("plain")
    assert mail.message["Subject"].startswith("Neuer Kommentar (wartet auf Freigabe)")
    assert f"#isso-{comment_id}" not in plain
    assert f"Danach antworten: {BLOG}{ARTICLE}\n" in plain
    assert "Freigeben: https://kommentare.firma.example/admin/" in plain
    assert "Alle offenen Kommentare: https://kommentare.firma.example/desk" in plain


def test_smtp_down_posting_still_works_and_the_next_run_sends(
    comment_server_factory,
):
    port = free_port()  # nothing listens here yet
    server = comment_server_factory(
        guard=GUARD, smtp=smtp_section(port), blog={"site-url": BLOG}
    )
    started = time.monotonic()
    comment_id = post(server, "Ist da jemand?")
    assert time.monotonic() - started < 2
    queued = [(comment_id, "queued", 1, "ConnectionRefusedError")]
    assert wait_until(lambda: outbox(server) == queued)
    with running_mailbox(port) as mailbox:
        result = notify.flush_outbox(server.conf, {})
        [mail] = mailbox.wait_for(1)
    assert result.sent == [comment_id] and not result.failed
    assert f"#isso-{comment_id}" in mail.part("plain")
    assert outbox(server) == [(comment_id, "sent", 2, "")]


def test_answered_comment_is_dropped_from_the_outbox_not_mailed(
    comment_server_factory,
):
    port = free_port()
    server = comment_server_factory(
        staff=STAFF_ACCOUNTS, guard=GUARD, smtp=smtp_section(port)
    )
    question = post(server, "Hallo?")
    assert wait_until(lambda: outbox(server)[0][1:3] == ("queued", 1))
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    server.client.post(ARTICLE, "Hallo!", parent=question, headers={"Cookie": cookie})
    with running_mailbox(port) as mailbox:
        result = notify.flush_outbox(server.conf, {})
    assert result.dropped == [question] and not mailbox.deliveries
    assert outbox(server)[0][1] == "dropped"


def test_mail_off_without_recipients_queues_nothing(comment_server_factory, caplog):
    with caplog.at_level("INFO", logger="comments.staff.notify"):
        server = comment_server_factory(guard=GUARD, smtp={"to": ""})
    assert "staff mails are off" in caplog.text
    post(server, "Niemand wird benachrichtigt")
    assert outbox(server) == []


def test_isso_smtp_notifier_is_refused(comment_server_factory):
    from comments.config import ConfigError

    with pytest.raises(ConfigError, match=r"notify = smtp"):
        comment_server_factory(general={"notify": "smtp"})


def test_digest_names_exactly_the_due_comments_once_per_stage(server, mailbox):
    overdue = post(server, "Seit gestern offen", email=READER_EMAIL)
    due_soon = post(server, "Bald fällig\nzweite Zeile", author="Bernd")
    on_time = post(server, "Gerade eben")
    answered = post(server, "Schon beantwortet")
    drain(server, mailbox, 4)
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    server.client.post(ARTICLE, "Erledigt", parent=answered, headers={"Cookie": cookie})
    set_age(server, overdue, 25)
    set_age(server, due_soon, 21)
    set_age(server, on_time, 1)
    set_age(server, answered, 30)

    first = reminders.send_reminders(server.conf, {})
    assert [entry.id for entry in first.reminded] == [overdue, due_soon]
    [digest] = mailbox.wait_for(1)
    assert digest.message["Subject"] == (
        "Erinnerung: 2 Kommentare warten auf Antwort (1 überfällig, 1 bald fällig)"
    )
    plain = digest.part("plain")
    for comment_id in (overdue, due_soon):
        assert f"{BLOG}{ARTICLE}#isso-{comment_id}" in plain
    for comment_id in (on_time, answered):
        assert f"#isso-{comment_id}" not in plain
    assert plain.index(f"#isso-{overdue}") < plain.index("Bald fällig –")
    assert "Bald fällig\n" in plain and "zweite Zeile" not in plain
    assert "Insgesamt offen: 3 (1 überfällig, 1 bald fällig, 1 im Ziel)" in plain
    assert READER_EMAIL.encode() not in digest.raw

    mailbox.clear()
    assert reminders.send_reminders(server.conf, {}).reminded == []
    set_age(server, due_soon, 25)  # now overdue: a new stage, one more reminder
    again = reminders.send_reminders(server.conf, {})
    assert [entry.id for entry in again.reminded] == [due_soon]
    [second] = mailbox.wait_for(1)
    assert second.message["Subject"] == (
        "Erinnerung: 1 Kommentar wartet auf Antwort (1 überfällig, 0 bald fällig)"
    )
    assert reminders.send_reminders(server.conf, {}).reminded == []
    assert len(mailbox.deliveries) == 1


def test_digest_stays_quiet_when_nothing_is_due(server, mailbox):
    recent = post(server, "Noch im Ziel")
    drain(server, mailbox, 1)
    set_age(server, recent, 11.9)  # escalation comes after half the target
    result = reminders.send_reminders(server.conf, {})
    assert result.reminded == [] and not result.error
    time.sleep(0.2)
    assert mailbox.deliveries == []


def test_failed_digest_is_not_recorded_and_comes_again(comment_server_factory):
    port = free_port()
    server = comment_server_factory(guard=GUARD, smtp=smtp_section(port))
    late = post(server, "Schon lange offen")
    set_age(server, late, 30)
    failed = reminders.send_reminders(server.conf, {})
    assert failed.reminded == [] and failed.error == "ConnectionRefusedError"
    with running_mailbox(port) as mailbox:
        retried = reminders.send_reminders(server.conf, {})
        assert [entry.id for entry in retried.reminded] == [late]
        assert mailbox.wait_for(1)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_uses_the_password_from_the_environment(comment_server_factory):
    with running_mailbox(login=("blog", "aus-der-umgebung")) as mailbox:
        server = comment_server_factory(
            guard=GUARD,
            smtp=smtp_section(mailbox.port, username="blog", password="aus-der-datei"),
            environ={"ISSO_SMTP_PASSWORD": "aus-der-umgebung"},
        )
        comment_id = post(server, "Mit Anmeldung")
        [mail] = mailbox.wait_for(1)
    assert f"#isso-{comment_id}" in mail.part("plain")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("security", "tls", r"\[smtp\] security = 'tls': use one of none"),
        ("from", "", r"\[smtp\] from = '': set the sender address"),
        (
            "from",
            "Blog <blog@example.org>\nBcc: alle@example.org",
            r"\[smtp\] from = .* spans several lines; write the sender on one",
        ),
        ("port", "smtp", r"\[smtp\] port = 'smtp' must be a positive number"),
    ],
)
def test_wrong_smtp_settings_stop_the_start(
    comment_server_factory, option, value, message
):
    from comments.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        comment_server_factory(smtp={**smtp_section(free_port()), option: value})
