"""Readers' reply notifications over a real SMTP server on loopback: double
opt-in, the reply mail, unsubscribing, limits and hostile input.

The comment server runs in this process on a port chosen beforehand (the
links in the mails name it); aiosmtpd receives the mails.
"""

import concurrent.futures
import datetime
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from comments.config import ConfigError, load_config
from comments.server.app import create_app
from comments.server.serve import running_in_thread
from comments.staff import owners, subscriptions
from comments.staff.accounts import add_account
from comments.staff.desk_report import desk_report
from tests.comments.mailbox import (
    free_port,
    running_mailbox,
    smtp_section,
)
from tests.support import CommentClient, write_isso_config

ARTICLE = "/2026/kritik/"
TITLE = "Kritik am Kundenservice"
BLOG = "https://blog.firma.example"
READER = "leserin.privat@example.org"
OTHER = "zweiter.leser@example.org"
STAFF = ("anna", "Anna Schmidt", "ein-langes-passwort")
LINK = re.compile(r"https?://\S+/notify/\S+")


class Server:
    """A running comment server: URL, database, client, the app."""

    def __init__(self, url, conf, app):
        self.url = url
        self.conf = conf
        self.app = app
        self.client = CommentClient(url)
        self.database = conf.get("general", "dbpath")


@pytest.fixture
def mailbox():
    with running_mailbox() as mailbox:
        yield mailbox


def start_server(
    directory, mailbox, interval="0.2", environ=None, smtp=None, **sections
):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config_file = write_isso_config(
        directory,
        port=port,
        server={"public-endpoint": url},
        guard={"enabled": "false"},
        # no staff mails: readers only
        smtp=smtp_section(mailbox.port, to="", **(smtp or {})),
        blog={"site-url": BLOG, "notification-interval": interval},
        **sections,
    )
    add_account(directory / "staff.cfg", *STAFF)
    conf, _ = load_config(config_file, environ={})
    app = create_app(conf, environ=environ or {})
    return running_in_thread(app, port=port), Server(url, conf, app)


@pytest.fixture
def server(tmp_path, mailbox):
    context, handle = start_server(tmp_path, mailbox)
    with context:
        yield handle


def post(server, text, email="", notify=False, parent=None, author="Leserin", **extra):
    fields = {"email": email, "parent": parent, **extra}
    if notify:
        fields["notification"] = 1
    reply = server.client.post(ARTICLE, text, author=author, title=TITLE, **fields)
    assert reply.status in (201, 202), reply.body
    return reply.body


def staff_answer(server, text, parent):
    cookie = server.client.staff_login(STAFF[0], STAFF[2])
    reply = server.client.post(
        ARTICLE, text, parent=parent, title=TITLE, headers={"Cookie": cookie}
    )
    assert reply.status == 201, reply.body
    return reply.body["id"]


def reader_mails(mailbox, address=READER):
    return [mail for mail in mailbox.deliveries if address in mail.recipients]


def links_in(mail):
    return LINK.findall(mail.part("plain"))


def http(method, url, data=None):
    """GET or POST a page; return (status, text)."""
    body = None if data is None else urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def subscribers(server):
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT address, confirmed_at IS NOT NULL FROM blog_subscribers"
        ).fetchall()


def confirm_by_mail(server, mailbox, address=READER):
    [mail] = mailbox.wait_for(1) and reader_mails(mailbox, address)
    [link] = links_in(mail)
    status, _ = http("POST", link)
    assert status == 200
    return mail


def test_opt_in_sends_one_confirmation_and_only_the_button_confirms(server, mailbox):
    comment = post(server, "Wann kommt die Antwort?", email=READER, notify=True)
    assert comment["blog_notification"] == subscriptions.QUEUED
    [mail] = mailbox.wait_for(1)
    assert mail.recipients == [READER]
    message = mail.message
    assert message["Subject"] == f"Bitte bestätigen: Benachrichtigung zu „{TITLE}“"
    text = mail.part("plain")
    assert TITLE in text and "48 Stunden" in text
    assert message.get_content_type() == "text/plain"
    [link] = links_in(mail)
    assert link.startswith(f"{server.url}/notify/confirm/")
    # A mail scanner's GET confirms nothing.
    status, page = http("GET", link)
    assert status == 200 and "Benachrichtigung bestätigen" in page
    assert subscribers(server) == [(READER, 0)]
    status, page = http("POST", link)
    assert status == 200 and "Benachrichtigung bestätigt" in page
    assert subscribers(server) == [(READER, 1)]
    # Reused: a clear page, nothing changes.
    status, page = http("POST", link)
    assert status == 200 and "bereits benutzt" in page
    # Isso itself stored no notification wish.
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM comments WHERE notification"
        ).fetchone() == (0,)


def test_staff_answer_is_mailed_once_with_unsubscribe_headers(server, mailbox):
    question = post(server, "Wann kommt die Antwort?", email=READER, notify=True)
    confirm_by_mail(server, mailbox)
    mailbox.clear()
    started = time.monotonic()
    answer = staff_answer(server, "Heute noch, <b>versprochen</b>!", question["id"])
    [mail] = mailbox.wait_for(1)
    assert time.monotonic() - started < 5
    assert mail.recipients == [READER]
    message = mail.message
    assert "Anna Schmidt (Redaktion)" in message["Subject"]
    text = mail.part("plain")
    assert "Anna Schmidt (Redaktion) hat auf Ihren Kommentar" in text
    assert "> Heute noch, versprochen!" in text  # HTML removed
    assert f"{BLOG}{ARTICLE}#isso-{answer}" in text
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{server.url}/notify/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text  # the visible link too
    time.sleep(1)  # several delivery passes: still one mail
    assert len(mailbox.deliveries) == 1


def test_one_click_unsubscribe_deletes_the_address_and_stops_every_mail(
    server, mailbox
):
    question = post(server, "Frage eins", email=READER, notify=True)
    confirm_by_mail(server, mailbox)
    mailbox.clear()
    staff_answer(server, "Antwort eins", question["id"])
    [mail] = mailbox.wait_for(1)
    url = mail.message["List-Unsubscribe"][1:-1]
    status, page = http("GET", url)  # a page with a button, nothing changes
    assert status == 200 and "Alle abbestellen" in page
    assert subscribers(server) == [(READER, 1)]
    status, _ = http("POST", url, {"List-Unsubscribe": "One-Click"})
    assert status == 200
    assert subscribers(server) == []
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT COUNT(*) FROM blog_subscriptions").fetchone() == (0,)
    mailbox.clear()
    staff_answer(server, "Antwort zwei", question["id"])
    time.sleep(1)
    assert mailbox.deliveries == []
    status, page = http("POST", url, {"List-Unsubscribe": "One-Click"})
    assert status == 410 and "gilt nicht" in page


def test_thread_opt_out_stops_that_thread_only(server, mailbox):
    question = post(server, "Frage", email=READER, notify=True)
    confirm_by_mail(server, mailbox)
    other_thread = server.client.post(
        "/2026/anderes/", "Noch eine Frage", email=READER, notification=1, title="B"
    ).body
    assert other_thread["blog_notification"] == subscriptions.SUBSCRIBED
    mailbox.clear()
    staff_answer(server, "Antwort", question["id"])
    [mail] = mailbox.wait_for(1)
    [thread_link] = [link for link in links_in(mail) if "/notify/thread/" in link]
    status, page = http("GET", thread_link)
    assert status == 200 and "diesem Beitrag" in page
    status, _ = http("POST", thread_link)
    assert status == 200
    mailbox.clear()
    staff_answer(server, "Noch eine Antwort", question["id"])
    time.sleep(1)
    assert mailbox.deliveries == []
    assert subscribers(server) == [(READER, 1)]  # other threads still mailed


def test_reader_replies_are_mailed_unless_team_only_and_pending_ones_wait(
    server, mailbox
):
    everyone = post(server, "Frage an alle", email=READER, notify=True)
    confirm_by_mail(server, mailbox)
    team = post(
        server,
        "Nur das Team bitte",
        email=READER,
        notify=True,
        **{"notify-team-only": 1},
    )
    assert team["blog_notification"] == subscriptions.SUBSCRIBED
    mailbox.clear()
    post(server, "Ich antworte dir", parent=everyone["id"], email=OTHER, author="Bob")
    post(server, "Ich auch", parent=team["id"], email=OTHER, author="Bob")
    [mail] = mailbox.wait_for(1)
    assert "Bob hat auf Ihren Kommentar" in mail.part("plain")
    time.sleep(1)
    assert len(mailbox.deliveries) == 1  # not the reply in the team-only thread
    # The reader's own follow-up is not mailed to them.
    mailbox.clear()
    post(server, "Danke!", parent=everyone["id"], email=READER.upper())
    time.sleep(1)
    assert mailbox.deliveries == []


def test_pending_reply_is_mailed_only_once_approved(tmp_path, mailbox):
    context, server = start_server(tmp_path, mailbox, moderation={"enabled": "true"})
    with context:
        question = post(server, "Frage", email=READER, notify=True)
        assert question["mode"] == 2  # the opt-in starts all the same
        confirm_by_mail(server, mailbox)
        mailbox.clear()
        reply = post(server, "Antwort", parent=question["id"], author="Bob")
        assert reply["mode"] == 2
        time.sleep(1)
        assert mailbox.deliveries == []  # nothing about a pending comment
        with sqlite3.connect(server.database) as db:
            db.execute("UPDATE comments SET mode = 1 WHERE id = ?", (question["id"],))
        key = server.app.comment_server.sign(reply["id"])
        status, _ = http("POST", f"{server.url}/id/{reply['id']}/activate/{key}", {})
        assert status == 200
        [mail] = mailbox.wait_for(1)
        assert "Bob hat auf Ihren Kommentar" in mail.part("plain")


def test_a_flood_of_opt_ins_for_one_address_sends_one_mail(server, mailbox):
    def opt_in(number):
        # Spelt differently each time: an address is one address.
        address = READER.upper() if number % 2 else f" {READER} "
        return post(server, f"Kommentar {number}", email=address, notify=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = [body["blog_notification"] for body in pool.map(opt_in, range(30))]
    assert results.count(subscriptions.QUEUED) == 1
    assert set(results) == {subscriptions.QUEUED, subscriptions.WAITING}
    mailbox.wait_for(1)
    time.sleep(1)
    assert len(mailbox.deliveries) == 1
    assert subscribers(server) == [(READER.upper(), 0)] or subscribers(server) == [
        (READER, 0)
    ]


def test_the_per_address_limit_outlives_the_address(server, mailbox):
    post(server, "Kommentar", email=READER, notify=True)
    mailbox.wait_for(1)
    with sqlite3.connect(server.database) as db:  # as after 48 h unconfirmed
        db.execute("DELETE FROM blog_subscribers")
    body = post(server, "Noch einer", email=READER, notify=True)
    assert body["blog_notification"] == subscriptions.LIMITED
    time.sleep(1)
    assert len(mailbox.deliveries) == 1


def test_the_per_client_limit(server, mailbox):
    results = [
        post(server, f"K {n}", email=f"fremd{n}@example.org", notify=True)[
            "blog_notification"
        ]
        for n in range(subscriptions.CLIENT_CONFIRMATIONS + 2)
    ]
    assert results.count(subscriptions.QUEUED) == subscriptions.CLIENT_CONFIRMATIONS
    assert results[-1] == subscriptions.LIMITED


def test_expired_and_unknown_tokens_get_clear_pages(server, mailbox):
    post(server, "Kommentar", email=READER, notify=True)
    [mail] = mailbox.wait_for(1)
    [link] = links_in(mail)
    with sqlite3.connect(server.database) as db:
        db.execute("UPDATE blog_subscribers SET confirm_expires = ?", (time.time(),))
    for method in ("GET", "POST"):
        status, page = http(method, link)
        assert status == 410 and "abgelaufen" in page
    assert subscribers(server) == [(READER, 0)]
    status, page = http("GET", f"{server.url}/notify/confirm/erfunden")
    assert status == 410 and "gilt nicht" in page
    status, page = http("POST", f"{server.url}/notify/unsubscribe/1-{'0' * 32}")
    assert status == 410
    assert subscribers(server) == [(READER, 0)]


HOSTILE = "Hallo\r\nBcc: opfer@example.org\r\nX-Evil: 1\nTo: opfer@example.org"


def assert_clean_headers(mail):
    message = mail.message
    assert mail.recipients == [READER]
    assert "X-Evil" not in message and "Bcc" not in message
    assert message.get_all("To") == [READER]
    assert not any("\n" in value or "\r" in value for value in message.values())
    raw_headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode()
    assert not re.search(r"^(X-Evil|Bcc):", raw_headers, re.MULTILINE | re.IGNORECASE)
    assert "opfer@example.org" not in raw_headers


def test_line_breaks_in_names_titles_and_texts_never_reach_headers(server, mailbox):
    # The title comes with the thread's first comment, as a browser sends it.
    question = server.client.post(
        "/2026/boese/", "Frage", email=READER, notification=1, title=HOSTILE
    ).body
    [confirmation] = mailbox.wait_for(1)
    assert_clean_headers(confirmation)
    mailbox.clear()
    # Names with line breaks are refused at the door (reserved_names), so the
    # reply's name and text are made hostile where they are stored.
    reply = server.client.post(
        "/2026/boese/", "Antwort", author="Bob", parent=question["id"]
    ).body
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET author = ?, text = ? WHERE id = ?",
            (HOSTILE, HOSTILE, reply["id"]),
        )
    http("POST", links_in(confirmation)[0])  # replies since the opt-in follow
    [mail] = mailbox.wait_for(1)
    assert_clean_headers(mail)
    assert "> Hallo" in mail.part("plain")  # the text is quoted in the body


def test_addresses_stay_out_of_the_log(tmp_path, mailbox, caplog):
    caplog.set_level("DEBUG")
    context, server = start_server(tmp_path, mailbox)
    with context:
        question = post(server, "Frage", email=READER, notify=True)
        confirm_by_mail(server, mailbox)
        staff_answer(server, "Antwort", question["id"])
        mailbox.wait_for(2)
    assert READER not in caplog.text
    assert "notifications:" in caplog.text


def desk_entries(server):
    cookie = server.client.staff_login(STAFF[0], STAFF[2])
    desk = server.client.request("GET", "/desk.json", headers={"Cookie": cookie})
    assert desk.status == 200, desk.body
    return {entry["id"]: entry["reader_notified"] for entry in desk.body["comments"]}


def test_desk_and_comments_open_say_whether_the_reader_will_be_notified(
    server, mailbox
):
    question = post(server, "Frage", email=READER, notify=True)["id"]
    silent = post(server, "Andere Frage")["id"]
    assert desk_entries(server) == {question: "waiting", silent: None}
    confirm_by_mail(server, mailbox)
    assert desk_entries(server) == {question: "confirmed", silent: None}
    queue = owners.read_queue(server.conf, datetime.datetime.now(datetime.UTC))
    report = desk_report(queue)
    assert report.count("[bekommt unsere Antwort per E-Mail]") == 1
    cookie = server.client.staff_login(STAFF[0], STAFF[2])
    page = (
        urllib.request.urlopen(
            urllib.request.Request(f"{server.url}/desk", headers={"Cookie": cookie})
        )
        .read()
        .decode()
    )
    assert page.count("bekommt unsere Antwort per E-Mail") == 1
    assert READER not in page and READER not in report


def test_addresses_are_not_in_the_export(tmp_path, mailbox):
    token = "export-token-" + "x" * 32
    context, server = start_server(
        tmp_path, mailbox, environ={"BLOG_EXPORT_TOKEN": token}
    )
    with context:
        post(server, "Frage", email=READER, notify=True)
        confirm_by_mail(server, mailbox)
        export = urllib.request.urlopen(
            urllib.request.Request(
                f"{server.url}/export", headers={"Authorization": f"Bearer {token}"}
            )
        ).read()
    assert b"Frage" in export and READER.encode() not in export


def test_unconfirmed_addresses_go_after_48_hours_idle_ones_after_retention(
    server, mailbox
):
    post(server, "Frage", email=READER, notify=True)
    confirm_by_mail(server, mailbox)
    post(server, "Frage", email=OTHER, notify=True)
    day = 86400
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE blog_subscribers SET created = created - ?, "
            "last_activity = last_activity - ?",
            (2 * day + 60, 364 * day),
        )
    subscriptions.expire(server.database, 365 * day)
    assert subscribers(server) == [(READER, 1)]  # the waiting one is gone
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE blog_subscribers SET last_activity = last_activity - ?", (2 * day,)
        )
    subscriptions.expire(server.database, 365 * day)
    assert subscribers(server) == []
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT COUNT(*) FROM blog_subscriptions").fetchone() == (0,)


def test_without_mail_settings_the_checkbox_is_off_and_ignored(
    comment_server_factory,
):
    server = comment_server_factory(guard={"enabled": "false"})
    config = server.client.request("GET", "/config").body
    assert config["config"]["reply-notifications"] is False
    body = server.client.post(
        ARTICLE, "Frage", email=READER, notification=1, title=TITLE
    ).body
    assert "blog_notification" not in body
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT COUNT(*) FROM blog_subscribers").fetchone() == (0,)
        assert db.execute(
            "SELECT COUNT(*) FROM comments WHERE notification"
        ).fetchone() == (0,)


def test_with_mail_settings_the_widget_is_told_to_show_the_checkbox(server):
    config = server.client.request("GET", "/config").body
    assert config["config"]["reply-notifications"] is True


def test_a_wrong_smtp_option_stops_the_start_with_one_line(tmp_path, mailbox):
    with pytest.raises(ConfigError, match=r"\[smtp\] security = 'tls'"):
        start_server(tmp_path, mailbox, smtp={"security": "tls"})
