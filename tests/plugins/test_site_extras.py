"""Search index, sitemap, robots.txt, social meta, authors, reading time,
older/newer links and feeds of a tiny built blog (tests/extras_site.py)."""

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.extras_site import (
    ARTICLES,
    COMMENTS_URL,
    DRAFTS,
    MIDDLE,
    NEWEST,
    OLDEST,
    PAGES,
    SITE,
    SITEURL,
)
from tests.support import build_site, write_files

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    """The fixture blog's content folder."""
    folder = tmp_path_factory.mktemp("extras") / "content"
    write_files(folder, SITE)
    return folder


@pytest.fixture(scope="module")
def published(content):
    """The blog built as `invoke publish` does: publishconf.py, absolute URLs."""
    return build_site(
        content,
        content.parent / "published",
        settings_file="publishconf.py",
        SITEURL=SITEURL,
        COMMENTS_URL=COMMENTS_URL,
    )


@pytest.fixture(scope="module")
def local(content):
    """The blog built for local preview: relative URLs, drafts written."""
    return build_site(content, content.parent / "local", COMMENTS_URL=COMMENTS_URL)


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def meta(page, key):
    """Return the content of <meta property=key> or <meta name=key>."""
    tag = page.find("meta", attrs={"property": key}) or page.find(
        "meta", attrs={"name": key}
    )
    return tag["content"] if tag else None


def html_pages(output):
    return {
        path.relative_to(output).as_posix(): path
        for path in sorted(output.rglob("*.html"))
    }


def url_of(relative):
    return (
        relative[: -len("index.html")] if relative.endswith("index.html") else relative
    )


# Search index


def test_search_index_holds_exactly_the_published_articles_and_pages(published):
    entry = json.loads((published / "pagefind/pagefind-entry.json").read_text())
    assert set(entry["languages"]) == {"de"}  # German stemming, from <html lang>
    assert entry["languages"]["de"]["page_count"] == len(ARTICLES) + len(PAGES)
    for asset in (
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind.js",
        "wasm.de.pagefind",
    ):
        assert (published / "pagefind" / asset).is_file(), asset


def test_only_published_articles_and_pages_are_marked_for_the_index(local):
    marked = {
        url_of(relative)
        for relative, path in html_pages(local).items()
        if soup(path).select("[data-pagefind-body]")
    }
    assert marked == {*ARTICLES, *PAGES}
    article = soup(local / MIDDLE / "index.html").select_one("[data-pagefind-body]")
    assert article["data-pagefind-meta"] == "date:10.04.2026"


def test_search_page_and_header_field(published):
    page = soup(published / "suche/index.html")
    assert meta(page, "robots") == "noindex"
    assert page.select_one("noscript a")["href"] == f"{SITEURL}/archiv/"
    config = json.loads(page.select_one("script#search-config").string)
    assert config["bundlePath"] == f"{SITEURL}/pagefind/"
    assert config["translations"]["zero_results"] == (
        "Keine Ergebnisse für [SEARCH_TERM]"
    )
    scripts = [script.get("src") for script in page.select("script[src]")]
    assert f"{SITEURL}/pagefind/pagefind-ui.js" in scripts
    for relative, path in html_pages(published).items():
        form = soup(path).select_one("header form[role=search]")
        assert form["action"] == f"{SITEURL}/suche/", relative
        assert form["method"] == "get"
        field = form.select_one("input[name=q]")
        assert form.select_one(f"label[for={field['id']}]").get_text(strip=True)


# Sitemap, robots.txt, canonical URLs


def sitemap_entries(output):
    tree = ET.parse(output / "sitemap.xml")
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in tree.getroot().iter(f"{SITEMAP}url")
    }


def test_sitemap_lists_every_article_and_page_with_its_date(published):
    entries = sitemap_entries(published)
    for url in (*ARTICLES, *PAGES, "", "archiv/", "kategorie/produkt/"):
        assert f"{SITEURL}/{url}" in entries, url
    assert entries[f"{SITEURL}/{OLDEST}"] == "2026-03-02T09:00:00+01:00"
    assert entries[f"{SITEURL}/{MIDDLE}"] == "2026-04-12T08:00:00+02:00"  # Modified
    assert entries[f"{SITEURL}/impressum/"] is None  # a page states no date
    assert all(url.startswith(f"{SITEURL}/") for url in entries)


def test_sitemap_lists_nothing_private(local):
    assert {url_of(r) for r in html_pages(local)} >= set(DRAFTS)  # written locally
    entries = sitemap_entries(local)
    assert f"/{MIDDLE}" in entries
    for url in entries:
        assert not url.startswith("/entwuerfe/"), url
        assert not url.endswith((".json", ".db", ".xml")), url
    assert "/404.html" not in entries and "/suche/" not in entries
    for draft in DRAFTS:
        assert meta(soup(local / draft / "index.html"), "robots") == "noindex"


def test_robots_txt_allows_all_and_names_the_sitemap(published, local):
    assert (published / "robots.txt").read_text() == (
        f"User-agent: *\nDisallow:\n\nSitemap: {SITEURL}/sitemap.xml\n"
    )
    assert (local / "robots.txt").read_text().endswith("Sitemap: /sitemap.xml\n")


def test_every_indexable_page_has_its_canonical_url(published):
    entries = sitemap_entries(published)
    for relative, path in html_pages(published).items():
        page = soup(path)
        links = page.select("link[rel=canonical]")
        if meta(page, "robots") == "noindex":
            assert links == [], relative  # 404, search
            continue
        assert [link["href"] for link in links] == [f"{SITEURL}/{url_of(relative)}"]
        assert links[0]["href"] in entries, relative


# Social previews and structured data


def test_article_has_open_graph_twitter_and_blogposting(published):
    page = soup(published / MIDDLE / "index.html")
    url = f"{SITEURL}/{MIDDLE}"
    assert page.html["lang"] == "de"
    assert {
        key: meta(page, key)
        for key in (
            "og:type",
            "og:title",
            "og:description",
            "og:url",
            "og:locale",
            "og:image",
            "article:published_time",
            "article:modified_time",
            "twitter:card",
            "twitter:image",
        )
    } == {
        "og:type": "article",
        "og:title": "Auftragsbuch 5 ist da",
        "og:description": "Was sich mit Version 5 ändert.",
        "og:url": url,
        "og:locale": "de_DE",
        "og:image": f"{SITEURL}/images/teaser.svg",
        "article:published_time": "2026-04-10T10:00:00+02:00",
        "article:modified_time": "2026-04-12T08:00:00+02:00",
        "twitter:card": "summary_large_image",
        "twitter:image": f"{SITEURL}/images/teaser.svg",
    }
    posting = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert posting["@type"] == "BlogPosting"
    assert posting["headline"] == "Auftragsbuch 5 ist da"
    assert posting["datePublished"] == "2026-04-10T10:00:00+02:00"
    assert posting["dateModified"] == "2026-04-12T08:00:00+02:00"
    assert posting["author"] == [
        {
            "@type": "Person",
            "name": "Jonas Weber",
            "url": f"{SITEURL}/autor/jonas-weber/",
            "jobTitle": "Produktmanager",
        }
    ]
    assert posting["mainEntityOfPage"] == url and posting["image"] == meta(
        page, "og:image"
    )


def test_article_without_image_gets_a_summary_card_and_no_image(published):
    page = soup(published / NEWEST / "index.html")
    assert meta(page, "twitter:card") == "summary"
    assert meta(page, "og:image") is None
    posting = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert [author["name"] for author in posting["author"]] == [
        "Anna Schmidt",
        "Jonas Weber",
    ]


@pytest.mark.parametrize(
    ("relative", "title", "description"),
    [
        ("impressum/index.html", "Impressum", "Wer dieses Blog herausgibt."),
        (
            "index.html",
            "Beispiel GmbH – Blog",
            "Offen kommentiert. Jeder Kommentar bekommt eine Antwort.",
        ),
        (
            "autor/anna-schmidt/index.html",
            "Beiträge von Anna Schmidt",
            "Anna beantwortet jeden Kommentar & jede Frage.",
        ),
    ],
)
def test_pages_and_listings_are_websites(published, relative, title, description):
    page = soup(published / relative)
    assert meta(page, "og:type") == "website"
    assert meta(page, "og:title") == meta(page, "twitter:title") == title
    assert meta(page, "og:description") == description
    assert meta(page, "og:url") == f"{SITEURL}/{url_of(relative)}"
    assert page.select("script[type='application/ld+json']") == []


def test_english_site_says_en_us(tmp_path):
    write_files(
        tmp_path / "content", {"articles/kritik.md": SITE["articles/kritik.md"]}
    )
    output = build_site(
        tmp_path / "content",
        tmp_path / "en",
        COMMENTS_URL=COMMENTS_URL,
        DEFAULT_LANG="en",
        PAGEFIND_ENABLED=False,
    )
    page = soup(output / NEWEST / "index.html")
    assert meta(page, "og:locale") == "en_US"
    assert page.select_one(".meta__reading-time").get_text() == "1 min read"
    assert page.select_one("#author-box-heading").get_text() == "Written by"


# Authors


def test_author_page_shows_profile_and_lists_their_articles(published):
    page = soup(published / "autor/anna-schmidt/index.html")
    profile = page.select_one(".author-profile")
    assert profile.select_one("img")["src"] == f"{SITEURL}/images/anna.svg"
    assert (published / "images/anna.svg").is_file()
    assert profile.select_one(".author-profile__role").get_text() == (
        "Leiterin Kundendialog"
    )
    assert "jeden Kommentar &amp; jede Frage" in str(profile)
    listed = {a["href"] for a in page.select(".summary__title a")}
    assert listed == {f"{SITEURL}/{OLDEST}", f"{SITEURL}/{NEWEST}"}


def test_article_shows_an_author_box_per_author(published):
    box = soup(published / NEWEST / "index.html").select_one(".author-box")
    cards = box.select(".author-card")
    assert [card.select_one("strong").get_text() for card in cards] == [
        "Anna Schmidt",
        "Jonas Weber",
    ]
    assert cards[0].select_one("img")["src"] == f"{SITEURL}/images/anna.svg"
    assert cards[1].select_one("img") is None  # Jonas has no photo
    assert cards[1].select_one(".author-card__bio").get_text() == (
        "Jonas plant die nächste Version."
    )
    assert cards[1].select_one("a[rel=author]")["href"] == (
        f"{SITEURL}/autor/jonas-weber/"
    )


def test_broken_or_missing_author_files_warn_once_each_and_the_build_goes_on(
    tmp_path, caplog
):
    write_files(
        tmp_path / "content",
        {
            "articles/kritik.md": SITE["articles/kritik.md"],
            "authors/anna-schmidt.yml": "name: Anna Schmidt\nbio: [nicht zu\n",
        },
    )
    output = build_site(
        tmp_path / "content",
        tmp_path / "out",
        COMMENTS_URL=COMMENTS_URL,
        PAGEFIND_ENABLED=False,
    )
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("author_profiles:")
    ]
    assert len(warnings) == 2, warnings
    anna, jonas = sorted(warnings)
    assert "anna-schmidt.yml: not valid YAML (line 3)" in anna
    assert "jonas-weber.yml: missing" in jonas
    cards = soup(output / NEWEST / "index.html").select(".author-card")
    assert [card.select_one("strong").get_text() for card in cards] == [
        "Anna Schmidt",
        "Jonas Weber",
    ]


# Reading time, older/newer links


def test_reading_time_is_said_in_whole_minutes(published):
    def minutes(url):
        page = soup(published / url / "index.html")
        return page.select_one(".post__header .meta__reading-time").get_text()

    assert minutes(MIDDLE) == "2 Min. Lesezeit"  # 450 words, whole minutes
    assert minutes(NEWEST) == "1 Min. Lesezeit"  # fewer than 200 words: at least 1


def test_older_and_newer_links_follow_the_dates(published):
    def links(url):
        nav = soup(published / url / "index.html").select_one("nav.post-nav")
        return {
            link["rel"][0]: link["href"].removeprefix(f"{SITEURL}/")
            for link in nav.select("a")
        }

    assert links(OLDEST) == {"next": MIDDLE}
    assert links(MIDDLE) == {"prev": OLDEST, "next": NEWEST}
    assert links(NEWEST) == {"prev": MIDDLE}


# Feeds


def test_atom_feeds_are_valid_and_carry_full_content(published):
    feed = feedparser.parse((published / "feeds/all.atom.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [entry.link for entry in feed.entries] == [
        f"{SITEURL}/{url}" for url in (NEWEST, MIDDLE, OLDEST)
    ]
    update = feed.entries[1]
    assert update.content[0].type == "text/html"
    assert update.content[0].value.count("Druckvorlagen") == 30  # the whole text
    assert update.summary == "<p>Was sich mit Version 5 ändert.</p>"
    for category, urls in (("unternehmen", {OLDEST, NEWEST}), ("produkt", {MIDDLE})):
        feed = feedparser.parse((published / f"feeds/{category}.atom.xml").read_bytes())
        assert feed.bozo == 0, (category, feed.get("bozo_exception"))
        assert {entry.link for entry in feed.entries} == {
            f"{SITEURL}/{url}" for url in urls
        }


def test_pages_link_the_feeds(published):
    page = soup(published / "kategorie/produkt/index.html")
    hrefs = {link["href"] for link in page.select("link[type='application/atom+xml']")}
    assert hrefs == {
        f"{SITEURL}/feeds/all.atom.xml",
        f"{SITEURL}/feeds/produkt.atom.xml",
        f"{SITEURL}/feeds/antworten.atom.xml",  # our answers (comment_feeds)
    }


# Everything local


def test_no_page_loads_from_a_third_party_host_and_every_asset_exists(published):
    allowed = {urlsplit(SITEURL).netloc, urlsplit(COMMENTS_URL).netloc}
    for relative, path in html_pages(published).items():
        page = soup(path)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
            for element in page.find_all(tag, attrs={attribute: True}):
                if tag == "link" and element.get("rel") in (
                    ["canonical"],
                    ["alternate"],
                ):
                    continue
                url = urlsplit(element[attribute])
                assert url.netloc in allowed, (relative, element)
                if url.netloc == urlsplit(SITEURL).netloc:
                    assert (published / url.path.lstrip("/")).is_file(), (
                        relative,
                        url.path,
                    )


def test_a_profile_folder_that_is_not_there_is_one_warning(tmp_path, caplog):
    write_files(
        tmp_path / "content", {"articles/kritik.md": SITE["articles/kritik.md"]}
    )
    build_site(
        tmp_path / "content",
        tmp_path / "out",
        COMMENTS_URL=COMMENTS_URL,
        PAGEFIND_ENABLED=False,
        AUTHOR_PROFILES_PATH="autoren",
    )
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("author_profiles:")
    ]
    assert warnings == [
        f"author_profiles: no folder {tmp_path / 'content' / 'autoren'} "
        "(AUTHOR_PROFILES_PATH = 'autoren'); none of the 2 authors has a profile"
    ]
