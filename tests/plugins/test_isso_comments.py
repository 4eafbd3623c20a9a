"""The comment embedding plugin: pure helpers, and the HTML of a tiny built site."""

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from isso_comments.isso_comments import (
    CommentsSettingError,
    comment_state,
    embed_attributes,
    thread_id,
    validate_comments_url,
)
from tests.support import build_site, write_files

COMMENTS_URL = "http://127.0.0.1:9999"

SITE = {
    "articles/offen.md": """
        Title: Offener Artikel mit „Anführungszeichen“
        Date: 2026-10-01 09:00
        Category: Kundenservice
        Tags: kommentare
        Slug: offener-artikel
        Authors: Anna Schmidt
        Summary: Ein Artikel mit offenen Kommentaren.

        Text.
    """,
    "articles/geschlossen.md": """
        Title: Geschlossener Artikel
        Date: 2026-09-01 09:00
        Category: Unternehmen
        Tags: kommentare
        Slug: geschlossener-artikel
        Authors: Jonas Weber
        Summary: Hier ist die Diskussion beendet.
        Comments: closed

        Text.
    """,
    "articles/aus.md": """
        Title: Artikel ohne Kommentare
        Date: 2026-08-01 09:00
        Category: Unternehmen
        Slug: artikel-ohne-kommentare
        Authors: Jonas Weber
        Summary: Kommentare abgeschaltet.
        Comments: off

        Text.
    """,
    "pages/impressum.md": """
        Title: Impressum
        Slug: impressum

        Angaben.
    """,
    "pages/richtlinie.md": """
        Title: Kommentar-Richtlinie
        Slug: kommentar-richtlinie
        Comments: open

        Regeln.
    """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The tiny site, built once with the project's settings and theme."""
    base = tmp_path_factory.mktemp("site")
    write_files(base / "content", SITE)
    return build_site(base / "content", base / "output", COMMENTS_URL=COMMENTS_URL)


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_article_embeds_thread_with_its_url_path_as_id(site):
    page = soup(site / "2026/offener-artikel/index.html")
    thread = page.select_one("section#isso-thread")
    assert thread["data-isso-id"] == "/2026/offener-artikel/"
    assert thread["data-title"] == "Offener Artikel mit „Anführungszeichen“"
    script = page.select_one("script[data-isso]")
    assert script["src"] == f"{COMMENTS_URL}/js/embed.min.js"
    assert script["data-isso"] == f"{COMMENTS_URL}/"
    assert script["data-isso-lang"] == "de"
    assert script["data-isso-require-author"] == "true"
    assert script["data-isso-gravatar"] == "false"


def test_thread_id_does_not_change_with_siteurl(tmp_path):
    write_files(tmp_path / "content", {"articles/offen.md": SITE["articles/offen.md"]})
    output = build_site(
        tmp_path / "content",
        tmp_path / "output",
        COMMENTS_URL=COMMENTS_URL,
        SITEURL="https://blog.example.org",
    )
    thread = soup(output / "2026/offener-artikel/index.html").select_one("#isso-thread")
    assert thread["data-isso-id"] == "/2026/offener-artikel/"


def test_closed_article_shows_thread_marked_closed(site):
    page = soup(site / "2026/geschlossener-artikel/index.html")
    assert page.select_one("#isso-thread")["data-comments-state"] == "closed"
    assert page.select_one(".comments--closed")
    assert page.select_one(".comments__closed").get_text(strip=True)


def test_article_with_comments_off_has_no_thread(site):
    page = soup(site / "2026/artikel-ohne-kommentare/index.html")
    assert page.select_one("#isso-thread") is None
    assert page.select_one("script[data-isso]") is None


def test_pages_get_comments_only_when_their_metadata_asks(site):
    assert soup(site / "impressum/index.html").select_one("#isso-thread") is None
    thread = soup(site / "kommentar-richtlinie/index.html").select_one("#isso-thread")
    assert thread["data-isso-id"] == "/kommentar-richtlinie/"


def test_listings_link_counts_for_articles_with_comments(site):
    for listing in (
        "index.html",
        "kategorie/unternehmen/index.html",
        "archiv/index.html",
    ):
        page = soup(site / listing)
        links = {a["data-isso-id"]: a["href"] for a in page.select("a.comment-count")}
        assert "/2026/artikel-ohne-kommentare/" not in links, listing
        if listing != "kategorie/unternehmen/index.html":
            assert links["/2026/offener-artikel/"].endswith(
                "/2026/offener-artikel/#isso-thread"
            ), listing
        assert links["/2026/geschlossener-artikel/"].endswith("#isso-thread"), listing
        script = page.select_one("script[src$='/js/count.min.js']")
        assert script["data-isso"] == f"{COMMENTS_URL}/", listing


def test_no_page_loads_anything_from_a_third_party_host(site):
    allowed_hosts = {"", urlsplit(COMMENTS_URL).netloc}
    html_files = sorted(site.rglob("*.html"))
    assert len(html_files) > 8
    for path in html_files:
        page = soup(path)
        for tag, attribute in (
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
            ("source", "src"),
            ("video", "src"),
            ("audio", "src"),
        ):
            for element in page.find_all(tag):
                url = element.get(attribute)
                if url:
                    assert urlsplit(url).netloc in allowed_hosts, (path, url)


def test_english_site_switches_theme_texts_and_client_language(tmp_path):
    write_files(tmp_path / "content", {"articles/offen.md": SITE["articles/offen.md"]})
    english = build_site(
        tmp_path / "content",
        tmp_path / "en",
        COMMENTS_URL=COMMENTS_URL,
        DEFAULT_LANG="en",
    )
    german = build_site(
        tmp_path / "content", tmp_path / "de", COMMENTS_URL=COMMENTS_URL
    )
    article = "2026/offener-artikel/index.html"
    en_page, de_page = soup(english / article), soup(german / article)
    assert en_page.html["lang"] == "en" and de_page.html["lang"] == "de"
    assert en_page.select_one("script[data-isso]")["data-isso-lang"] == "en"
    assert en_page.select_one("#comments-heading").get_text(strip=True) != (
        de_page.select_one("#comments-heading").get_text(strip=True)
    )


def test_embed_attributes_render_options_as_the_client_parses_them():
    attributes = embed_attributes(
        {"vote": False, "max-comments-top": 10, "sorting": "newest"}, "de"
    )
    assert attributes == [
        ("data-isso-default-lang", "de"),
        ("data-isso-lang", "de"),
        ("data-isso-max-comments-top", "10"),
        ("data-isso-sorting", "newest"),
        ("data-isso-vote", "false"),
    ]


def test_unknown_isso_option_is_refused_with_its_name():
    with pytest.raises(
        CommentsSettingError, match="COMMENTS_ISSO_OPTIONS.*requre-author"
    ):
        embed_attributes({"requre-author": True}, "de")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "localhost:8080",
        "ftp://example.org",
        "http://",
        "http://x/?a=1",
        'http://localhost:8080"><script>alert(1)</script>',
        "http://exa mple.com",
    ],
)
def test_bad_comments_url_is_refused_naming_the_setting(url):
    with pytest.raises(CommentsSettingError, match="COMMENTS_URL"):
        validate_comments_url(url)


def test_comments_url_loses_its_trailing_slash():
    assert validate_comments_url("https://kommentare.example.org/") == (
        "https://kommentare.example.org"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("2026/slug/", "/2026/slug/"),
        ("/impressum/", "/impressum/"),
        ("x.html", "/x.html"),
    ],
)
def test_thread_id_is_the_absolute_url_path(url, expected):
    assert thread_id(url) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "open"),
        ("closed", "closed"),
        ("Off", "off"),
        (" no ", "off"),
        ("yes", "open"),
    ],
)
def test_comment_state_reads_metadata(value, expected):
    assert comment_state(value, "open", "x.md") == expected


def test_unknown_comment_state_warns_naming_the_file(caplog):
    assert comment_state("zu", "open", "content/articles/x.md") == "open"
    assert "content/articles/x.md" in caplog.text and "'zu'" in caplog.text


@pytest.mark.parametrize("value", ["false", 0, None])
def test_comments_enabled_must_be_true_or_false(tmp_path, value):
    write_files(
        tmp_path / "content", {"articles/a.md": "Title: A\nDate: 2026-01-01\n\nText.\n"}
    )
    with pytest.raises(CommentsSettingError) as raised:
        build_site(tmp_path / "content", tmp_path / "out", COMMENTS_ENABLED=value)
    assert str(raised.value) == (
        f"COMMENTS_ENABLED={value!r} must be True or False (without quotes)"
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (None, "COMMENTS_ISSO_OPTIONS=None must be a dict"),
        (["vote"], "COMMENTS_ISSO_OPTIONS=['vote'] must be a dict"),
        ({"vote": None}, "COMMENTS_ISSO_OPTIONS['vote']=None must be text"),
        ({"css": {"a": 1}}, "COMMENTS_ISSO_OPTIONS['css']={'a': 1} must be text"),
    ],
)
def test_isso_options_of_the_wrong_shape_are_one_line(options, named):
    with pytest.raises(CommentsSettingError) as raised:
        embed_attributes(options, "de")
    assert str(raised.value).startswith(named)


def test_an_option_value_with_a_quote_stays_inside_its_attribute(tmp_path):
    write_files(
        tmp_path / "content", {"articles/a.md": "Title: A\nDate: 2026-01-01\n\nText.\n"}
    )
    output = build_site(
        tmp_path / "content",
        tmp_path / "out",
        COMMENTS_ISSO_OPTIONS={"reply-notifications-default-enabled": 'a"b<c'},
    )
    page = BeautifulSoup(
        (output / "2026/a/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    script = page.select_one("script[data-isso]")
    assert script["data-isso-reply-notifications-default-enabled"] == 'a"b<c'


def test_a_title_without_letters_warns_that_the_address_has_no_slug(tmp_path, caplog):
    write_files(
        tmp_path / "content",
        {"articles/fragen.md": "Title: ???\nDate: 2026-01-01\n\nText.\n"},
    )
    build_site(tmp_path / "content", tmp_path / "out")
    [warning] = [
        r.getMessage() for r in caplog.records if "no URL slug" in r.getMessage()
    ]
    assert warning.startswith("isso_comments: ")
    assert (
        "fragen.md: no URL slug (the title '???' has no letters or digits)" in warning
    )
    assert warning.endswith("set Slug: to give it a lasting address and comment thread")
