"""A reader without JavaScript comments through the plain form and lands back on
the article, which says what became of the comment; with JavaScript, only Isso's
form, and the same message."""

import sqlite3
import time

import pytest
from pelican.settings import read_settings

from tests.e2e.conftest import serve_live_blog
from tests.e2e.nojs_form import open_preview, preview_and_publish, publish_after_reading
from tests.support import ROOT, CommentClient, set_created

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

    open_preview(page)
    assert page.url.startswith(live_blog.comments_url)
    assert page.locator(".preview strong").inner_text() == "ohne"
    assert stored(live_blog.database) == []

    publish_after_reading(page)

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
    preview_and_publish(page)

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
    preview_and_publish(page)

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


def refresh(blog):
    """Re-render the pages whose comments changed, as `invoke refresh` does."""
    from comment_refresh.refresh import refresh_comment_pages

    work_dir = blog.output.parent
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(ROOT / "content"),
            "OUTPUT_PATH": str(blog.output),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "CACHE_PATH": str(work_dir / "cache"),
            "COMMENTS_DATABASE": blog.database,
            "COMMENTS_SNAPSHOT_DIR": str(work_dir / "snapshots"),
            "COMMENTS_URL": blog.comments_url,
        },
    )
    refresh_comment_pages(settings, index=False)


@pytest.fixture(scope="module")
def question(live_blog):
    """A reader's published question in the article's static thread (an hour
    old: Isso lets nobody answer their own comment while it can be edited)."""
    client = CommentClient(live_blog.comments_url)
    posted = client.post(ARTICLE, "Wie lange dauert eine Antwort?", author="Ida")
    set_created(live_blog.database, posted.body["id"], time.time() - 3600)
    refresh(live_blog)
    return posted.body["id"]


def test_without_javascript_a_comment_is_answered_through_its_reply_link(
    live_blog, question, new_page
):
    page = new_page(java_script_enabled=False)
    page.goto(live_blog.site_url + ARTICLE)
    comment = page.locator(f"#isso-{question}")
    reply_link = comment.get_by_role("link", name="Antworten", exact=True)
    assert reply_link.count() == 1 and reply_link.is_visible()

    reply_link.click()
    page.get_by_role("heading", name="Ihre Antwort").wait_for()
    quoted = page.locator("figure.parent")
    assert "Ida" in quoted.locator("figcaption").inner_text()
    assert quoted.locator("blockquote").inner_text() == "Wie lange dauert eine Antwort?"
    page.get_by_label("Name").fill("Lea Leserin")
    page.get_by_label("Ihre Antwort").fill("Bei mir kam sie nach einer Stunde.")
    preview_and_publish(page)

    page.wait_for_url(f"{live_blog.site_url}{ARTICLE}#kommentar-veroeffentlicht")
    assert page.get_by_role("status").filter(has_text="Danke!").is_visible()
    with sqlite3.connect(live_blog.database) as db:
        answer_id, parent = db.execute(
            "SELECT id, parent FROM comments WHERE author = 'Lea Leserin'"
        ).fetchone()
    db.close()
    assert parent == question

    refresh(live_blog)
    page.reload()
    nested = page.locator(f"#isso-{question} .isso-follow-up > #isso-{answer_id}")
    assert nested.locator(".isso-text").inner_text() == (
        "Bei mir kam sie nach einer Stunde."
    )
    # The message stays with the fragment, the page is the same.
    assert page.get_by_role("status").filter(has_text="Danke!").is_visible()


def test_with_javascript_only_isso_s_reply_link_is_there(live_blog, question, page):
    page.goto(live_blog.site_url + ARTICLE)
    comment = page.locator(f"#isso-{question}")
    comment.locator(".isso-reply").first.wait_for()  # Isso's client drew it
    assert page.locator(".comments-static").count() == 0
    footer = comment.locator(":scope > .isso-text-wrapper > .isso-comment-footer")
    assert footer.get_by_role("link", name="Antworten", exact=True).count() == 1
    # Nothing twice: one reply link per comment at most, all of them Isso's.
    links = page.get_by_role("link", name="Antworten", exact=True)
    assert links.count() <= page.locator(".isso-comment").count()
    assert page.locator("a[href*='/form/new']").count() == 0


def test_with_javascript_the_static_reply_link_stays_hidden_without_isso(
    live_blog, question, page
):
    """Should Isso's client not come (its server down), the static thread
    stays; its reply links, in <noscript>, stay hidden all the same."""
    page.route("**/js/embed.min.js", lambda route: route.abort())
    page.goto(live_blog.site_url + ARTICLE)
    static = page.locator(f".comments-static #isso-{question}")
    assert static.is_visible()
    assert static.get_by_role("link", name="Antworten", exact=True).count() == 0
    assert page.locator("a[href*='/form/new']").count() == 0
