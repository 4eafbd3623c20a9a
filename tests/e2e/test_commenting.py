"""A reader comments in Chromium: stored by the real server, shown after a reload."""

import sqlite3
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
CLOSED_ARTICLE = "/2026/einladung-zum-kundentag-2026/"


def test_reader_comment_survives_a_reload_and_is_counted(live_blog, page):
    requested_hosts = set()
    page.on(
        "request", lambda request: requested_hosts.add(urlsplit(request.url).netloc)
    )

    page.goto(live_blog.site_url + ARTICLE)
    page.get_by_role("textbox", name="Ihr Kommentar").fill(
        "Grüße aus Köln – „super“ Artikel!"
    )
    page.get_by_label("Name").fill("Jörg Müller")
    page.locator(".isso-postbox input[type=submit]").click()
    comment = page.locator("#isso-root .isso-comment").first
    comment.wait_for()
    assert "„super“" in comment.locator(".isso-text").inner_text()

    page.reload()
    comment = page.locator("#isso-root .isso-comment").first
    comment.wait_for()
    assert comment.locator(".isso-author").inner_text() == "Jörg Müller"
    assert "Grüße aus Köln" in comment.locator(".isso-text").inner_text()

    page.goto(live_blog.site_url + "/archiv/")
    count = page.locator(f"a.comment-count[data-isso-id='{ARTICLE}']")
    page.wait_for_function(
        "el => el.textContent.trim() === '1 Kommentar'", arg=count.element_handle()
    )

    allowed = {
        urlsplit(live_blog.site_url).netloc,
        urlsplit(live_blog.comments_url).netloc,
    }
    assert requested_hosts <= allowed, requested_hosts - allowed


def test_closed_article_shows_comments_without_a_form(live_blog, page):
    from tests.support import CommentClient

    client = CommentClient(live_blog.comments_url)
    refused = client.post(CLOSED_ARTICLE, "Ein später Kommentar")
    assert (refused.status, refused.body["reason"]) == (403, "closed")
    add_comment_before_closing(live_blog.database, "Ein früherer Kommentar")
    page.goto(live_blog.site_url + CLOSED_ARTICLE)
    page.locator("#isso-root .isso-comment").first.wait_for()
    assert "Ein früherer Kommentar" in page.locator("#isso-root").inner_text()
    assert not page.locator(".isso-postbox").first.is_visible()
    assert not page.locator(".isso-comment .isso-reply").first.is_visible()


def add_comment_before_closing(database, text):
    """Store a reader comment as if it came before the article was closed."""
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT OR IGNORE INTO threads (uri, title) VALUES (?, 'Geschlossen')",
            (CLOSED_ARTICLE,),
        )
        db.execute(
            "INSERT INTO comments (tid, created, mode, remote_addr, text, author, "
            "voters) SELECT id, ?, 1, '127.0.0.0', ?, 'Leserin', x'00' "
            "FROM threads WHERE uri = ?",
            (time.time(), text, CLOSED_ARTICLE),
        )
    db.close()


def write_comment(page, text, name):
    page.get_by_role("textbox", name="Ihr Kommentar").first.fill(text)
    page.get_by_label("Name").first.fill(name)
    page.locator(".isso-postbox input[type=submit]").first.click()
    page.locator(".isso-comment .isso-text", has_text=text).wait_for()


def test_staff_reply_gets_a_badge_an_impostor_does_not(live_blog, new_page):
    from tests.e2e.conftest import STAFF_ACCOUNT

    account, display_name, password = STAFF_ACCOUNT
    article = "/2026/wie-wir-mit-kritik-umgehen/"
    staff = new_page()
    staff.goto(f"{live_blog.comments_url}/staff/login")
    staff.get_by_label("Konto").fill(account)
    staff.get_by_label("Passwort").fill(password)
    staff.get_by_role("button", name="Anmelden").click()
    staff.get_by_role("heading", name="Antwortpult").wait_for()  # lands on the desk
    staff.goto(live_blog.site_url + article)
    # the staff form: who answers, and no name to type
    staff.get_by_text(f"Sie antworten als {display_name} (Redaktion)").wait_for()
    text = "Danke für den Hinweis, wir kümmern uns."
    staff.get_by_role("textbox", name="Ihr Kommentar").first.fill(text)
    staff.locator(".isso-postbox input[type=submit]").first.click()
    staff.locator(".isso-comment .isso-text", has_text=text).wait_for()
    badge = staff.locator(".isso-comment.is-staff .staff-badge")
    badge.wait_for()
    assert badge.inner_text() == f"Redaktion · {display_name}"

    reader = new_page()
    reader.goto(live_blog.site_url + article)
    # The staff name itself is reserved (comments.server.reserved_names) …
    with reader.expect_response(lambda response: "/new?" in response.url) as sent:
        reader.get_by_role("textbox", name="Ihr Kommentar").first.fill(
            "Ich bin auch die Redaktion!"
        )
        reader.get_by_label("Name").first.fill(display_name)
        reader.locator(".isso-postbox input[type=submit]").first.click()
    assert sent.value.status == 403
    # … and a name like it gets no badge.
    write_comment(reader, "Ich bin auch fast die Redaktion!", "Anna S.")
    reader.reload()
    reader.locator(".isso-comment .isso-text", has_text="Ich bin auch").wait_for()
    reader.locator(".staff-badge").first.wait_for()
    assert reader.locator(".staff-badge").count() == 1
    impostor = reader.locator(".isso-comment", has_text="fast die Redaktion!")
    assert impostor.locator(".staff-badge").count() == 0
    assert (
        reader.locator(".isso-text", has_text="Ich bin auch die Redaktion!").count()
        == 0
    )
