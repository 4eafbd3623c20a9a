"""A reader without JavaScript comments through the plain form and lands back on
the article, which says what became of the comment; with JavaScript, only Isso's
form, and the same message."""

import sqlite3

import pytest

from tests.e2e.conftest import serve_live_blog

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"


def stored(database):
    """(author, text, mode) of every stored comment."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT author, text, mode FROM comments").fetchall()
    db.close()
    return rows


def in_view(page, selector):
    """True when the element's top is inside the viewport (to a pixel)."""
    return page.locator(selector).evaluate(
        "element => { const top = element.getBoundingClientRect().top;"
        " return top > -1 && top < window.innerHeight; }"
    )


@pytest.fixture(scope="module")
def moderated_blog(tmp_path_factory):
    """A live blog whose comment server holds every comment for approval."""
    with serve_live_blog(
        tmp_path_factory.mktemp("moderated"),
        {"ratelimit": "20", "direct-reply": "20"},
        moderation={"enabled": "true"},
    ) as blog:
        yield blog


def test_without_javascript_the_form_previews_and_publishes(live_blog, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(live_blog.site_url + ARTICLE)
    form = page.locator("form.comment-form")
    assert form.is_visible()
    page.get_by_label("Name").fill("Jörg Müller")
    page.get_by_label("Website (freiwillig)").fill("example.org")
    page.get_by_label("Ihr Kommentar").fill("Geht das auch **ohne** Skripte?")
    assert not page.locator("#comment-form-subject").is_visible()  # the honeypot

    page.get_by_role("button", name="Vorschau ansehen").click()
    page.get_by_role("heading", name="Vorschau Ihres Kommentars").wait_for()
    assert page.url.startswith(live_blog.comments_url)
    assert page.locator(".preview strong").inner_text() == "ohne"
    assert stored(live_blog.database) == []

    page.wait_for_timeout(3200)  # a person reads the preview
    page.get_by_role("button", name="Kommentar veröffentlichen").click()

    page.wait_for_url(f"{live_blog.site_url}{ARTICLE}#kommentar-veroeffentlicht")
    thanks = page.get_by_role("status").filter(has_text="Danke!")
    assert thanks.count() == 1  # only the message the fragment names
    assert thanks.is_visible() and "veröffentlicht" in thanks.inner_text()
    assert in_view(page, "#kommentar-veroeffentlicht")
    assert stored(live_blog.database) == [
        ("Jörg Müller", "Geht das auch **ohne** Skripte?", 1)
    ]


def test_a_moderated_comment_lands_on_the_waiting_message(moderated_blog, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(moderated_blog.site_url + ARTICLE)
    page.get_by_label("Name").fill("Mia Meier")
    page.get_by_label("Ihr Kommentar").fill("Wird das erst geprüft?")
    page.get_by_role("button", name="Vorschau ansehen").click()
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="Kommentar veröffentlichen").click()

    page.wait_for_url(f"{moderated_blog.site_url}{ARTICLE}#kommentar-wartet")
    waiting = page.get_by_role("status").filter(has_text="Danke!")
    assert waiting.count() == 1
    assert "wartet auf Freigabe" in waiting.inner_text()
    assert stored(moderated_blog.database) == [
        ("Mia Meier", "Wird das erst geprüft?", 2)
    ]


def test_with_javascript_the_landing_message_shows_beside_isso_s_thread(
    live_blog, page
):
    page.goto(f"{live_blog.site_url}{ARTICLE}#kommentar-veroeffentlicht")
    page.locator("#isso-root").wait_for(state="attached")
    page.locator(".isso-postbox textarea").wait_for()
    thanks = page.get_by_role("status").filter(has_text="Danke!")
    assert thanks.count() == 1 and thanks.is_visible()
    assert "veröffentlicht" in thanks.inner_text()
    page.goto(f"{live_blog.site_url}{ARTICLE}")
    page.locator(".isso-postbox textarea").wait_for()
    assert page.locator(".comment-landing:visible").count() == 0


def test_without_javascript_a_refusal_keeps_the_text(live_blog, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(live_blog.site_url + ARTICLE)
    page.get_by_label("Name").fill("Anna Schmidt")  # a staff member's name
    page.get_by_label("Ihr Kommentar").fill("Ein Text, der nicht verloren geht.")
    page.get_by_role("button", name="Vorschau ansehen").click()
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="Kommentar veröffentlichen").click()

    page.get_by_role("alert").wait_for()
    assert "Redaktion vorbehalten" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Ihr Kommentar").input_value() == (
        "Ein Text, der nicht verloren geht."
    )


def test_with_javascript_only_isso_s_form_is_there(live_blog, page):
    page.goto(live_blog.site_url + ARTICLE)
    page.locator(".isso-postbox textarea").wait_for()
    assert page.locator("form.comment-form").count() == 0
    comments = page.locator("section.comments")
    assert comments.locator("textarea:visible").count() == 1
    assert comments.get_by_role("button", name="Vorschau ansehen").count() == 0
