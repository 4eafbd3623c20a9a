"""The staff side in Chromium: log in, work the desk, answer on the article, and
see each decision on the transparency page and in answered.json as defined."""

import json

import pytest

from comments.staff.accounts import add_account
from tests.e2e.conftest import STAFF_ACCOUNT, serve_live_blog
from tests.e2e.test_pages import AXE, SCREENSHOTS
from tests.support import CommentClient

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
ACCOUNT, DISPLAY_NAME, PASSWORD = STAFF_ACCOUNT


@pytest.fixture(scope="module")
def blog(tmp_path_factory):
    """A live blog with a second staff account and four waiting reader comments:
    a question, one for another colleague, spam, and a plain "Danke!" that
    answers an earlier, answered thread."""
    base = tmp_path_factory.mktemp("desk")
    with serve_live_blog(base, {"enabled": "false"}) as live:
        add_account(base / "staff.cfg", "jonas", "Jonas Weber", PASSWORD)
        client = CommentClient(live.comments_url)
        staff = {"Cookie": client.staff_login(ACCOUNT, PASSWORD)}

        def post(text, author, headers=None, **fields):
            reply = client.post(ARTICLE, text, author=author, headers=headers, **fields)
            assert reply.status == 201, reply.body
            return reply.body["id"]

        earlier = post("Gibt es die Zahlen auch als JSON?", "Eva")
        post("Ja: answered.json.", DISPLAY_NAME, headers=staff, parent=earlier)
        live.ids = {
            "earlier": earlier,
            "question": post("Wie **schnell** liefern Sie?", "Ben"),
            "technik": post("Welche Datenbank nutzt ihr?", "Lena"),
            "spam": post("Billige Uhren: https://spam.example/", "Werbung"),
            "thanks": post("Danke!", "Eva", parent=earlier),
        }
        yield live


def log_in_through_the_desk(page, blog):
    """Open the desk without a session: the login form, then the desk."""
    page.goto(f"{blog.comments_url}/desk")
    assert "/staff/login?next=" in page.url
    page.get_by_label("Konto").fill(ACCOUNT)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Antwortpult").wait_for()
    assert page.url == f"{blog.comments_url}/desk"


def entry(page, comment_id):
    return page.locator(f"#comment-{comment_id}")


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return results.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
                      v.nodes.map(node => node.target.join(" ")).join(", "));
        }"""
    )


def test_desk_in_dark_mode_on_a_phone_has_no_serious_violation(blog, new_page):
    page = new_page(
        bypass_csp=True, color_scheme="dark", viewport={"width": 375, "height": 800}
    )
    log_in_through_the_desk(page, blog)
    # every comment's actions open without a mouse: Tab reaches each summary
    for summary in page.locator("summary").all():
        summary.focus()
        page.keyboard.press("Enter")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "desk-375-dark.png", full_page=True)


def test_staff_work_the_desk_and_the_figures_say_so(blog, new_page):
    ids = blog.ids
    # bypass_csp: only for the injected axe-core script
    page = new_page(bypass_csp=True)
    log_in_through_the_desk(page, blog)
    nav = page.get_by_role("navigation", name="Redaktion")
    for link in ("Antwortpult", "Meine", "Entfernungsprotokoll"):
        assert nav.get_by_role("link", name=link).is_visible()
    assert nav.get_by_role("button", name="Abmelden").is_visible()
    waiting = ["question", "technik", "spam", "thanks"]
    assert page.locator("article.entry").evaluate_all(
        "entries => entries.map(e => e.id)"
    ) == [f"comment-{ids[name]}" for name in waiting]
    question = entry(page, ids["question"])
    assert question.locator("h2").inner_text() == (
        f"Kommentar {ids['question']} von Ben zu „Warum wir auf jeden Kommentar "
        "antworten“"
    )
    # Isso's rendered text, not its Markdown
    assert question.locator(".text strong").inner_text() == "schnell"
    thanks = entry(page, ids["thanks"])
    assert (
        thanks.locator(".context")
        .inner_text()
        .startswith(f"Antwort auf Kommentar {ids['earlier']} von Eva")
    )
    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"desk-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    # Keyboard: j to the first comment, r into its answer, Tab to send.
    page.locator("h1").click()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"comment-{ids['question']}"
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == f"answer-{ids['question']}"
    page.keyboard.type("Innerhalb von zwei Werktagen.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text(f"Kommentar {ids['question']} ist beantwortet.").wait_for()
    assert entry(page, ids["question"]).count() == 0

    technik = entry(page, ids["technik"])
    technik.get_by_text("Übergeben", exact=True).first.click()
    technik.get_by_label("Übergeben an").select_option(label="Jonas Weber")
    technik.get_by_role("button", name="Übergeben").click()
    page.get_by_text(f"Kommentar {ids['technik']} ist übergeben.").wait_for()
    assert "zuständig: Jonas Weber" in entry(page, ids["technik"]).inner_text()

    spam = entry(page, ids["spam"])
    spam.get_by_text("Entfernen", exact=True).first.click()
    spam.get_by_label("Grund der Entfernung").select_option("spam")
    spam.get_by_label("Notiz (öffentlich, ohne persönliche Daten)").fill("Werbung")
    spam.get_by_role("button", name="Entfernen").click()
    page.get_by_text(f"Kommentar {ids['spam']} ist entfernt").wait_for()

    thanks = entry(page, ids["thanks"])
    thanks.get_by_text("Keine Antwort nötig", exact=True).click()
    thanks.get_by_label("Warum keine Antwort nötig ist").select_option("thanks")
    thanks.get_by_role("button", name="Vermerken").click()
    page.get_by_text(f"Kommentar {ids['thanks']} ist als").wait_for()
    assert page.locator("article.entry").evaluate_all(
        "entries => entries.map(e => e.id)"
    ) == [f"comment-{ids['technik']}"]

    # On the article: the staff form, and the answer with one badge, one name.
    page.goto(blog.site_url + ARTICLE)
    note = page.locator(".isso-postbox .staff-form-note").first
    note.wait_for()
    assert note.inner_text() == f"Sie antworten als {DISPLAY_NAME} (Redaktion)"
    assert not page.locator(".isso-postbox input[name=author]").first.is_visible()
    assert not page.locator(".isso-postbox input[name=email]").first.is_visible()
    answer = page.locator(".isso-comment.is-staff", has_text="zwei Werktagen")
    answer.locator(".staff-badge").wait_for()
    header = answer.locator(".isso-comment-header").first
    assert header.locator(".staff-badge").inner_text() == f"Redaktion · {DISPLAY_NAME}"
    assert header.inner_text().count(DISPLAY_NAME) == 1
    page.locator(".isso-comment .isso-reply").first.click()
    reply_box = page.locator(".isso-comment .isso-postbox").first
    reply_box.locator(".staff-form-note").wait_for()
    reply_box.scroll_into_view_if_needed()
    # the form's buttons stay above the next comment's border
    buttons = reply_box.locator("input[type=submit]").bounding_box()
    after = reply_box.evaluate(
        "box => box.closest('.isso-comment')"
        ".querySelector('.isso-follow-up .isso-comment').getBoundingClientRect().top"
    )
    assert buttons["y"] + buttons["height"] <= after
    page.screenshot(path=SCREENSHOTS / "staff-form-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SCREENSHOTS / "staff-form-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The build: each decision counted as defined.
    blog.build()
    figures = json.loads((blog.output / "answered" / "answered.json").read_text())
    assert {
        key: figures[key]
        for key in ("reader_comments", "answered", "open", "no_answer_needed")
    } == {"reader_comments": 4, "answered": 2, "open": 1, "no_answer_needed": 1}
    assert figures["removed"] == {"spam": 1}
    [row] = [row for row in figures["articles"] if row["url"] == ARTICLE]
    assert (row["reader_comments"], row["no_answer_needed"]) == (4, 1)
    page.goto(blog.site_url + "/answered/")
    shown = {
        name: page.locator(f"[data-figure={name}]").first.inner_text()
        for name in ("reader_comments", "answered", "open", "no_answer_needed")
    }
    assert shown == {
        "reader_comments": "4",
        "answered": "2",
        "open": "1",
        "no_answer_needed": "1",
    }
    assert page.get_by_text("No answer needed", exact=False).count() == 0
    assert page.get_by_text("Keine Antwort nötig: ein Leserkommentar").is_visible()
