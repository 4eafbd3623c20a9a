"""url_memo: each article's and page's URL is computed once, and stays the same."""

import datetime

from pelican.contents import Article, Page, Static
from pelican.settings import read_settings

from tests.support import ROOT, build_site, write_files
from url_memo.url_memo import memoize_urls, reserve_name

SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))


def article(slug, **metadata):
    return Article(
        "Text",
        {
            "title": slug,
            "slug": slug,
            "date": datetime.datetime(2026, 3, 1, 9, 0),
            **metadata,
        },
        settings=SETTINGS,
    )


def test_urls_are_fixed_to_what_pelican_computes():
    articles = [article("erster"), article("zweiter")]
    page = Page("Text", {"title": "Impressum", "slug": "impressum"}, settings=SETTINGS)
    expected = [item.url for item in [*articles, page]]
    assert memoize_urls([*articles, page]) == 3
    assert [item.url for item in [*articles, page]] == expected
    assert expected[0] == "2026/erster/"
    assert [item.override_url for item in [*articles, page]] == expected


def test_later_changes_no_longer_reach_the_url():
    """What makes it faster: the URL is no longer worked out on each use."""
    item = article("erster")
    memoize_urls([item])
    item.slug = "anders"
    assert item.url == "2026/erster/"


def test_an_explicit_url_and_other_content_are_left_alone():
    explicit = article("eigen", url="sonder/eigen/")
    static = Static("", {"title": "bild"}, settings=SETTINGS, source_path="bild.png")
    assert memoize_urls([explicit, static]) == 0
    assert explicit.url == "sonder/eigen/"
    assert not hasattr(static, "override_url")
    assert not hasattr(explicit, "override_save_as")  # overwriting stays refused


def test_reserving_the_name_gives_no_override_and_keeps_an_explicit_url():
    plain, explicit = article("erster"), article("eigen", url="sonder/eigen/")
    for item in (plain, explicit):
        reserve_name(item)
    assert not hasattr(plain, "override_url") and plain.url == "2026/erster/"
    assert explicit.url == "sonder/eigen/"


def test_build_writes_the_same_links(tmp_path):
    write_files(
        tmp_path / "content",
        {
            "articles/a.md": """
                Title: Über uns
                Date: 2026-03-01 09:00
                Category: Team

                Text.
            """
        },
    )
    output = build_site(tmp_path / "content", tmp_path / "output")
    assert (output / "2026" / "ueber-uns" / "index.html").is_file()
    index = (output / "index.html").read_text(encoding="utf-8")
    assert 'href="/2026/ueber-uns/"' in index
