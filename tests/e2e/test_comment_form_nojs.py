"""A reader without JavaScript comments through the plain form; with it, only Isso's."""

import sqlite3

import pytest

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"


def stored(database):
    """(author, text, mode) of every stored comment."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT author, text, mode FROM comments").fetchall()
    db.close()
    return rows


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
    heading = page.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == "Danke! Ihr Kommentar ist veröffentlicht"
    assert stored(live_blog.database) == [
        ("Jörg Müller", "Geht das auch **ohne** Skripte?", 1)
    ]
    link = page.get_by_role("link", name="Zu Ihrem Kommentar")
    assert link.get_attribute("href").startswith(f"{live_blog.site_url}{ARTICLE}#isso-")
    link.click()
    page.wait_for_url(f"{live_blog.site_url}{ARTICLE}#isso-*")


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
