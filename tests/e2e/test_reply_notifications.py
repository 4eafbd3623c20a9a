"""A reader asks to hear of replies in Chromium, confirms by mail, gets our
answer by mail and stops all mail with one click (RFC 8058).

Real components: the built site, the comment server on loopback, aiosmtpd
as the mail server, the staff answer through ``invoke comments.reply``'s code
in a comment server instance of its own (as the command runs it).
"""

import sqlite3
import time
import urllib.request

import pytest

from comments.config import load_config
from comments.server.app import build_server
from comments.staff.accounts import StaffMember
from comments.staff.replies import post_staff_reply
from tests.comments.mailbox import free_port, running_mailbox, smtp_section
from tests.e2e.conftest import STAFF_ACCOUNT, serve_live_blog

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
READER = "leserin.privat@example.org"
INTERVAL = 1  # seconds between the server's looks for new answers


@pytest.fixture(scope="module")
def mailbox():
    with running_mailbox() as mailbox:
        yield mailbox


@pytest.fixture(scope="module")
def notifying_blog(tmp_path_factory, mailbox):
    port = free_port()
    with serve_live_blog(
        tmp_path_factory.mktemp("notify"),
        {"enabled": "false"},
        comments_port=port,
        server={"public-endpoint": f"http://127.0.0.1:{port}"},
        smtp=smtp_section(mailbox.port, to=""),  # readers' mails only
        blog={"notification-interval": str(INTERVAL)},
    ) as blog:
        yield blog


def subscribers(blog):
    with sqlite3.connect(blog.database) as db:
        rows = db.execute(
            "SELECT address, confirmed_at IS NOT NULL FROM blog_subscribers"
        ).fetchall()
    db.close()
    return rows


def answer_as_staff_from_the_command_line(blog, comment_id, text):
    """What `invoke comments.reply` does: its own Isso instance, in-process."""
    conf, _ = load_config(blog.conf.get("blog", "config-file"), environ={})
    conf.set("guard", "enabled", "false")
    server = build_server(conf, environ={})
    return post_staff_reply(
        server, comment_id, text, StaffMember(STAFF_ACCOUNT[0], STAFF_ACCOUNT[1])
    )


def one_click(url):
    """POST as a mail program does for RFC 8058's one-click unsubscribe."""
    request = urllib.request.Request(
        url,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.status


def test_opt_in_confirm_answer_and_one_click_unsubscribe(notifying_blog, mailbox, page):
    blog = notifying_blog
    page.goto(blog.site_url + ARTICLE)
    page.get_by_role("textbox", name="Ihr Kommentar").fill("Wann antwortet ihr?")
    page.get_by_label("Name").fill("Lea")
    form = page.locator(".isso-postbox").first
    notify = form.get_by_label("Benachrichtigen Sie mich per E-Mail")
    assert not notify.is_visible()  # only once an address is typed
    form.locator("input[name=email]").fill(READER)
    assert notify.is_visible() and not notify.is_checked()
    note = form.locator(".comment-notify__note")
    assert "Bestätigungslink" in note.inner_text()
    assert (
        note.get_by_role("link", name="Datenschutzerklärung")
        .get_attribute("href")
        .endswith("/datenschutz/")
    )
    team_only = form.get_by_label("nur Antworten des Teams")
    assert not team_only.is_visible()
    notify.check()
    assert team_only.is_visible()
    form.locator("input[type=submit]").click()
    status = form.locator(".comment-notify__status")
    status.wait_for()
    assert "Bestätigungslink geschickt" in status.inner_text()

    # Exactly one confirmation mail.
    [confirmation] = mailbox.wait_for(1)
    time.sleep(2 * INTERVAL)
    assert len(mailbox.deliveries) == 1
    assert confirmation.recipients == [READER]
    link = next(
        word
        for word in confirmation.part("plain").split()
        if "/notify/confirm/" in word
    )

    # Opening the link (as a mail scanner does) confirms nothing.
    page.goto(link)
    assert subscribers(blog) == [(READER, 0)]
    page.get_by_role("button", name="Benachrichtigung bestätigen").click()
    page.get_by_role("heading", name="Benachrichtigung bestätigt").wait_for()
    assert subscribers(blog) == [(READER, 1)]
    mailbox.clear()

    # A build (pages, JSON, snapshots) never carries the address.
    blog.build()
    built = [*blog.output.rglob("*"), *(blog.output.parent / "snapshots").rglob("*")]
    assert [path for path in built if path.is_file()], "nothing built"
    assert not [
        path
        for path in built
        if path.is_file() and READER.encode() in path.read_bytes()
    ]

    # A staff answer from the command line arrives as one mail within a minute.
    with sqlite3.connect(blog.database) as db:
        [(question,)] = db.execute("SELECT id FROM comments").fetchall()
    db.close()
    answered = time.monotonic()
    answer = answer_as_staff_from_the_command_line(blog, question, "Heute noch!")
    [mail] = mailbox.wait_for(1, timeout=60)
    took = time.monotonic() - answered
    assert took < 60
    print(f"staff answer mailed after {took:.1f} s (interval {INTERVAL} s)")
    message = mail.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.part("plain")
    assert "Anna Schmidt (Redaktion) hat auf Ihren Kommentar" in text
    assert f"#isso-{answer}" in text

    # One click in the mail program: no address, no more mail.
    assert one_click(message["List-Unsubscribe"].strip("<>")) == 200
    assert subscribers(blog) == []
    mailbox.clear()
    answer_as_staff_from_the_command_line(blog, question, "Noch ein Nachtrag.")
    time.sleep(3 * INTERVAL)
    assert mailbox.deliveries == []
