"""The index, an article with comments, the transparency page and a parade page
in Chromium: what they load, what axe-core finds, and screenshots.

Screenshots go to test-results/screenshots/ (git-ignored): <page>-<width>-<scheme>.png.
axe-core comes from npm (tests/e2e/package.json): `npm ci --prefix tests/e2e`,
which `invoke test` runs when it is missing.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import STAFF_ACCOUNT
from tests.support import ROOT, CommentClient

pytestmark = pytest.mark.browser

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
CALL = "/2026/blogparade-wie-offen-darf-ein-firmenblog-sein/"
PAGES = {
    "index": "/",
    "article": ARTICLE,
    "answered": "/answered/",
    "parade": "/blogparade/offenes-firmenblog/",
}
READER_EMAILS = (
    "eva.leserin@beispiel.example",
    "ben@kunde.example",
    "lena@blog.example",
)
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
WIDTHS = {1280: 900, 375: 800}  # width: height of the window


@pytest.fixture(scope="module")
def blog(unguarded_blog):
    """Readers' comments with email addresses, staff answers, a parade entry.

    Staff answer from the same address as the readers (127.0.0.1), which Isso's
    guard would refuse as a reply to one's own comment: no guard here.
    """
    account, display_name, password = STAFF_ACCOUNT
    client = CommentClient(unguarded_blog.comments_url)
    staff = {"Cookie": client.staff_login(account, password)}
    assert staff["Cookie"]

    def post(uri, text, **fields):
        reply = client.post(uri, text, **fields)
        assert reply.status == 201, reply.body
        return reply.body["id"]

    eva, ben, lena = READER_EMAILS
    question = post(
        ARTICLE,
        "Wie **schnell** antworten Sie wirklich? Mehr [bei mir](https://eva.example/).",
        author="Eva Leserin",
        email=eva,
        website="https://eva.example/",
    )
    post(
        ARTICLE,
        "Im Median nach ein paar Stunden – und wir zeigen es.",
        author=display_name,
        parent=question,
        headers=staff,
    )
    post(ARTICLE, "Und am Wochenende? „Grüße“ aus Köln", author="Ben", email=ben)
    entry = post(
        CALL,
        "Mein Beitrag: https://lena.example/2026/offenheit/",
        author="Lena Vogel",
        email=lena,
    )
    post(
        CALL,
        "Danke, Lena, steht auf der Liste!",
        author=display_name,
        parent=entry,
        headers=staff,
    )
    unguarded_blog.build()
    return unguarded_blog


def load(page, blog, name):
    """Open one of PAGES and wait until comments are drawn and all is loaded."""
    page.goto(blog.site_url + PAGES[name])
    if name == "article":
        page.locator(".isso-comment .staff-badge").wait_for()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_only_from_the_site_and_its_comment_server(blog, new_page, name):
    page = new_page()
    requests, responses = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: responses.append(response))
    load(page, blog, name)

    hosts = {urlsplit(url).netloc for url in requests}
    assert hosts <= {
        urlsplit(blog.site_url).netloc,
        urlsplit(blog.comments_url).netloc,
    }
    if name == "article":  # the comments themselves came from the server
        assert any("/?uri=" in response.url for response in responses)
    for response in responses:
        body = response.body().decode("utf-8", "replace")
        leaked = [email for email in READER_EMAILS if email in body]
        assert leaked == [], response.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violation(blog, new_page, name, scheme):
    if not AXE.exists():
        pytest.fail("axe-core is missing: npm ci --prefix tests/e2e (or `invoke test`)")
    page = new_page(color_scheme=scheme)
    load(page, blog, name)
    if name == "article":  # the reply form too, which Isso opens inside a comment
        page.locator(".isso-comment .isso-reply").first.click()
        page.locator(".isso-comment .isso-postbox").wait_for()
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return results.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
                      v.nodes.map(node => node.target.join(" ")).join(", "));
        }"""
    )
    assert violations == []


@pytest.mark.parametrize("name", PAGES)
def test_screenshots_for_people_to_look_at(blog, new_page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        load(page, blog, name)
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            path = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
            page.screenshot(path=path, full_page=True)
            assert path.read_bytes().startswith(b"\x89PNG")
