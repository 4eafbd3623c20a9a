"""In Chromium: Pagefind search through the search page and the header field,
its no-JavaScript fallback, and the print stylesheet on a live article."""

import functools
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import QuietHandler
from tests.extras_site import COMMENTS_URL, MIDDLE, OLDEST, SITE
from tests.support import CommentClient, build_site, write_files

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=[1000, 1], ids=["one-index", "index-per-page"])
def search_site(tmp_path_factory, request):
    """The fixture blog built locally (index included) and served on loopback;
    once with one index, once with an index per page (as a large site gets
    shares of PAGEFIND_PAGES_PER_INDEX pages), which the page merges."""
    base = tmp_path_factory.mktemp("search")
    write_files(base / "content", SITE)
    output = build_site(
        base / "content",
        base / "output",
        COMMENTS_URL=COMMENTS_URL,
        PAGEFIND_PAGES_PER_INDEX=request.param,
    )
    assert (output / "pagefind" / "teil-2").is_dir() == (request.param == 1)
    handler = functools.partial(QuietHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", output
    finally:
        server.shutdown()
        server.server_close()


def results(page):
    """Wait for Pagefind's result list; return its result elements."""
    page.locator(".pagefind-ui__message").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('.pagefind-ui__message')"
        ".textContent.startsWith('Suche nach')"
    )
    return page.locator(".pagefind-ui__result")


def test_inflected_german_word_finds_the_article(search_site, page):
    site_url, output = search_site
    assert "Werkstätten" not in (output / OLDEST / "index.html").read_text()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(f"{site_url}/suche/?q=Werkstätten")
    found = results(page)
    assert found.count() == 1
    link = found.first.locator(".pagefind-ui__result-link")
    assert link.inner_text() == "Ein Besuch in unserer Werkstatt"
    assert link.get_attribute("href") == f"/{OLDEST}"
    assert found.first.locator("mark").first.inner_text().rstrip(".") == "Werkstatt"
    tag = found.first.locator(".pagefind-ui__result-tag").inner_text()
    assert tag.strip() == "Datum: 02.03.2026"
    assert hosts == {urlsplit(site_url).netloc}


def test_header_field_searches_from_any_page(search_site, page):
    site_url, _ = search_site
    page.goto(f"{site_url}/{OLDEST}")
    page.get_by_role("searchbox", name="Blog durchsuchen").fill("Druckvorlage")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url("**/suche/?q=Druckvorlage")
    found = results(page)
    assert found.count() == 1
    assert found.first.locator("a").first.get_attribute("href") == f"/{MIDDLE}"


def test_drafts_and_listings_are_not_found(search_site, page):
    site_url, _ = search_site
    page.goto(f"{site_url}/suche/?q=Geheimprojekt")
    results(page)
    assert page.locator(".pagefind-ui__message").inner_text() == (
        "Keine Ergebnisse für Geheimprojekt"
    )


def test_without_javascript_the_search_page_points_to_the_archive(search_site, browser):
    site_url, _ = search_site
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{site_url}/")
        page.get_by_role("searchbox", name="Blog durchsuchen").fill("Werkstatt")
        page.get_by_role("button", name="Suchen").click()
        page.wait_for_url("**/suche/?q=Werkstatt")
        archive = page.get_by_role("link", name="Zum Archiv mit allen Beiträgen")
        assert archive.get_attribute("href") == "/archiv/"
        assert archive.is_visible()
    finally:
        context.close()


def test_print_keeps_text_and_comments_but_not_navigation_or_form(live_blog, page):
    article = "/2026/wie-wir-mit-kritik-umgehen/"
    client = CommentClient(live_blog.comments_url)
    assert client.post(article, "Gedruckt soll ich bleiben.").status == 201
    page.goto(live_blog.site_url + article)
    page.locator(".isso-comment", has_text="Gedruckt soll ich bleiben.").wait_for()
    page.emulate_media(media="print")
    comment = page.locator(".isso-text", has_text="Gedruckt soll ich bleiben.")
    assert comment.is_visible()
    for selector in (".post__body", ".author-box", "#comments-heading"):
        assert page.locator(selector).first.is_visible(), selector
    for selector in (
        ".site-nav",
        ".site-search",
        ".post-nav",
        ".isso-postbox",
        ".isso-comment-footer",
        ".skip-link",
    ):
        assert not page.locator(selector).first.is_visible(), selector
