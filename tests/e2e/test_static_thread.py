"""In Chromium: the comment thread in the article's HTML, without JavaScript and
with it (Isso's client takes over: every comment once, no jump), and search
finding a staff answer's words."""

import pytest

from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.e2e.conftest import STAFF_ACCOUNT, serve_live_blog
from tests.support import CommentClient

pytestmark = pytest.mark.browser

ARTICLE = "/2026/wie-wir-mit-kritik-umgehen/"
ANSWER_WORDS = "Quartalsbericht Kommentarzeitleiste"

# Layout shifts as the browser counts them (Cumulative Layout Shift), from the
# page's first moment on.
RECORD_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    window.layoutShifts.push(entry.value);
  }
}).observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture(scope="module")
def thread_blog(tmp_path_factory):
    """The project's blog with a thread: questions, a staff answer, a removed
    comment whose reply stays, one awaiting moderation."""
    with serve_live_blog(
        tmp_path_factory.mktemp("static-thread"), {"enabled": "false"}
    ) as blog:
        client = CommentClient(blog.comments_url)
        ids = {}
        ids["question"] = client.post(
            ARTICLE, "Wie schnell antwortet ihr wirklich?", author="Ida"
        ).body["id"]
        cookie = client.staff_login(STAFF_ACCOUNT[0], STAFF_ACCOUNT[2])
        ids["answer"] = client.post(
            ARTICLE,
            f"Im {ANSWER_WORDS} steht es: im Median nach vier Stunden.",
            author=STAFF_ACCOUNT[1],
            parent=ids["question"],
            headers={"Cookie": cookie},
        ).body["id"]
        ids["spam"] = client.post(ARTICLE, "Billige Uhren hier", author="Uwe").body[
            "id"
        ]
        ids["reply"] = client.post(
            ARTICLE, "Das war Werbung, oder?", author="Quaxine", parent=ids["spam"]
        ).body["id"]
        ids["late"] = client.post(
            ARTICLE, "Noch eine Frage zum Schluss", author="Cem"
        ).body["id"]
        remove_comment(build_server(blog.conf), ids["spam"], "spam")
        blog.build()
        yield blog, ids


def open_article(new_page, blog, javascript):
    page = new_page(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    page.goto(blog.site_url + ARTICLE)
    return page


def test_without_javascript_the_thread_is_in_the_page(thread_blog, new_page):
    blog, ids = thread_blog
    page = open_article(new_page, blog, javascript=False)
    thread = page.locator("#isso-thread .comments-static")
    assert thread.locator(".isso-comment").count() == 5  # the spam one: a marker
    question = page.locator(f"#isso-{ids['question']}")
    assert question.locator(":scope > .isso-text-wrapper .isso-text").inner_text() == (
        "Wie schnell antwortet ihr wirklich?"
    )
    answer = question.locator(f".isso-follow-up > #isso-{ids['answer']}")
    assert answer.locator(".staff-badge").inner_text() == "Redaktion · Anna Schmidt"
    removed = page.locator(f"#isso-{ids['spam']}")
    marker = removed.locator(":scope > .isso-text-wrapper .comment-removed")
    assert marker.inner_text() == "Von uns entfernt: Spam. Protokoll der Entfernungen"
    assert "Billige Uhren" not in page.content()
    assert removed.locator(f"#isso-{ids['reply']}").count() == 1
    assert page.locator("#isso-thread h4").inner_text() == "4 Kommentare"
    page.locator(f"#isso-{ids['spam']} .comment-removed a").click()
    page.wait_for_url("**/answered/#removal-log")


def comment_tops(page, ids):
    return page.evaluate(
        """ids => ids.map(id => {
             const found = document.querySelectorAll("#isso-" + id);
             return [found.length,
                     found.length ? found[0].getBoundingClientRect().top : null];
           })""",
        list(ids),
    )


def static_with_javascript(new_page, blog, width):
    """The article with scripts on and Isso's client blocked: the
    static thread as a reader sees it until Isso's client has drawn its own."""
    page = new_page(viewport={"width": width, "height": 900})
    page.route(f"{blog.comments_url}/js/*", lambda route: route.abort())
    page.goto(blog.site_url + ARTICLE)
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("width", [1280, 375])
def test_with_javascript_isso_takes_over_every_comment_once_without_a_jump(
    thread_blog, new_page, width
):
    blog, ids = thread_blog
    shown = [ids["question"], ids["answer"], ids["spam"], ids["reply"], ids["late"]]
    before = static_with_javascript(new_page, blog, width)
    assert before.locator(".comments-static .isso-comment").count() == 5
    static_tops = comment_tops(before, shown)  # ids kept when Isso cannot come

    page = new_page(viewport={"width": width, "height": 900})
    page.add_init_script(RECORD_SHIFTS)
    page.goto(blog.site_url + ARTICLE)
    page.wait_for_function(
        "() => document.querySelectorAll('#isso-root .isso-comment').length === 5"
    )
    page.wait_for_load_state("networkidle")
    assert page.locator(".comments-static, .comments-static-form").count() == 0
    live_tops = comment_tops(page, shown)
    assert [count for count, _ in live_tops] == [1] * 5  # each comment once
    assert page.locator("#isso-thread h4").count() == 1
    assert page.locator("#isso-thread > .isso-postbox + #isso-root").count() == 1
    marker = page.locator(f"#isso-{ids['spam']} .comment-removed")
    assert marker.inner_text().startswith("Von uns entfernt: Spam.")
    moved = [
        abs(live - static)
        for (_, live), (_, static) in zip(live_tops, static_tops, strict=True)
    ]
    shifts = page.evaluate("window.layoutShifts")
    print(f"\n{width} px: static→live, comments moved {moved} px; shifts {shifts}")
    assert max(moved) <= 8, moved
    assert sum(shifts) < 0.05, shifts  # "good" Cumulative Layout Shift is < 0.1


def test_search_finds_a_staff_answer_in_the_thread(thread_blog, page):
    blog, _ = thread_blog
    page.goto(f"{blog.site_url}/suche/?q=Kommentarzeitleiste")
    page.locator(".pagefind-ui__result").first.wait_for()
    found = page.locator(".pagefind-ui__result")
    assert found.count() == 1
    assert found.first.locator("a").first.get_attribute("href") == ARTICLE
    page.goto(f"{blog.site_url}/suche/?q=Quaxine")  # a reader's name is not indexed
    page.locator(".pagefind-ui__message").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('.pagefind-ui__message')"
        ".textContent.startsWith('Suche nach')"
    )
    assert page.locator(".pagefind-ui__result").count() == 0
