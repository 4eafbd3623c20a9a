"""A reader whose comment the server does not take is told why, by the form,
and keeps the text (theme/static/js/comment-refusals.js in Chromium)."""

import pytest

from tests.e2e.conftest import serve_live_blog
from tests.support import CommentClient

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
# No comment yet: the thread is created with the first one, so a database
# that cannot be written refuses before the guard is asked.
UNCOMMENTED = "/2026/unser-kommentarserver-laeuft-bei-uns/"


class BreakableStorage:
    """Make the server's database connection read-only while ``broken``.

    ``PRAGMA query_only`` on the connection that serves the request makes
    SQLite answer every write as it does for a read-only file.
    """

    def __init__(self, app):
        self.app = app
        self.broken = False

    def __call__(self, environ, start_response):
        switch = "ON" if self.broken else "OFF"
        self.app.comment_server.db.execute(f"PRAGMA query_only = {switch}")
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def strict_blog(tmp_path_factory):
    """A live blog whose server takes one comment a minute per address and
    holds every comment for approval; its storage can be broken."""
    storage = []

    def breakable(app):
        storage.append(BreakableStorage(app))
        return storage[0]

    with serve_live_blog(
        tmp_path_factory.mktemp("strict"),
        {"ratelimit": "1", "direct-reply": "20"},
        around=breakable,
        moderation={"enabled": "true"},
    ) as blog:
        blog.storage = storage[0]
        yield blog


def send(page, text):
    """Write ``text`` in the main comment form and send it."""
    textarea = page.get_by_role("textbox", name="Ihr Kommentar").first
    textarea.fill(text)
    page.get_by_label("Name").first.fill("Jörg Müller")
    page.locator(".isso-postbox input[type=submit]").first.click()
    return textarea


def notice(page):
    """The live region by the main form, once it says something."""
    region = page.locator("#isso-thread > .isso-postbox > .comment-refusal.is-shown")
    region.wait_for()
    assert region.get_attribute("role") == "status"
    return region


def test_comment_awaiting_approval_is_announced(strict_blog, page):
    page.goto(strict_blog.site_url + ARTICLE)
    send(page, "Ein erster Gedanke zum Artikel.")
    assert notice(page).inner_text() == "Ihr Kommentar wartet auf Freigabe."


def test_rate_limit_is_explained_and_the_text_kept(strict_blog, page):
    # One comment from this address in the last minute, whoever sent it.
    CommentClient(strict_blog.comments_url).post(ARTICLE, "Kurz vorher")
    page.goto(strict_blog.site_url + ARTICLE)
    text = "Noch ein Gedanke, gleich hinterher."
    textarea = send(page, text)
    message = notice(page).inner_text()
    assert message.startswith("Sie haben gerade schon kommentiert.")
    assert "Bitte versuchen Sie es in " in message and "Sekunde" in message
    assert textarea.input_value() == text


def test_unwritable_database_is_explained_and_the_text_kept(strict_blog, page):
    page.goto(strict_blog.site_url + UNCOMMENTED)
    page.locator("#isso-thread .isso-postbox").first.wait_for()
    strict_blog.storage.broken = True
    try:
        text = "Das muss doch gespeichert werden!"
        textarea = send(page, text)
        assert notice(page).inner_text() == (
            "Ihr Kommentar konnte gerade nicht gespeichert werden – "
            "bitte später noch einmal."
        )
        assert textarea.input_value() == text
    finally:
        strict_blog.storage.broken = False
