"""Sitemap entries come from what each page's <head> says; robots.txt names it."""

import xml.etree.ElementTree as ET

import pytest

from sitemap_robots.sitemap_robots import (
    PageHead,
    SitemapEntry,
    SitemapSettingError,
    collect_entries,
    read_head,
    robots_document,
    sitemap_entry,
    sitemap_pieces,
    sitemap_settings,
)
from tests.support import write_files

ARTICLE_HEAD = """<!DOCTYPE html><html lang="de"><head>
<link rel="stylesheet" href="/theme/css/style.css">
<link href="https://blog.example.org/2026/a/" rel="canonical">
<meta content="2026-04-10T10:00:00+02:00" property="article:published_time">
<meta property="article:modified_time" content="2026-04-12T08:00:00+02:00">
</head><body><meta name="robots" content="noindex"></body></html>"""


def test_head_is_read_in_any_attribute_order_and_not_past_head():
    assert read_head(ARTICLE_HEAD) == PageHead(
        noindex=False,
        canonical="https://blog.example.org/2026/a/",
        modified="2026-04-12T08:00:00+02:00",
        published="2026-04-10T10:00:00+02:00",
    )


@pytest.mark.parametrize("content", ["noindex", "NOINDEX, follow", "noindex,nofollow"])
def test_noindex_pages_have_no_entry(content):
    head = read_head(f'<head><meta name="Robots" content="{content}"></head>')
    assert head.noindex
    assert sitemap_entry("", "404.html", head) is None


@pytest.mark.parametrize(
    ("relative", "loc"),
    [("index.html", "/"), ("archiv/index.html", "/archiv/"), ("a.html", "/a.html")],
)
def test_page_without_canonical_is_listed_by_its_folder(relative, loc):
    assert sitemap_entry("", relative, PageHead()) == SitemapEntry(loc)


def test_entries_are_sorted_unique_and_skip_the_search_bundle(tmp_path):
    write_files(
        tmp_path,
        {
            "b/index.html": '<head><link rel="canonical" href="/b/"></head>',
            "a/index.html": '<head><meta property="article:published_time" '
            'content="2026-01-01T00:00:00+01:00"></head>',
            "seite/2/index.html": '<head><link rel="canonical" href="/b/"></head>',
            "pagefind/playground/index.html": "<head></head>",
        },
    )
    assert collect_entries(tmp_path, "", skip={"pagefind"}) == [
        SitemapEntry("/a/", "2026-01-01T00:00:00+01:00"),
        SitemapEntry("/b/"),
    ]


def sitemap_document(entries):
    """The sitemap as write_files writes it, as bytes."""
    return "".join(sitemap_pieces(entries)).encode()


def test_sitemap_document_is_valid_sitemap_xml():
    document = sitemap_document(
        [SitemapEntry("https://x.example/a?b=1&c=2", "2026-01-01T00:00:00+01:00")]
    )
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(document)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    assert root.tag == f"{namespace}urlset"
    assert root.findtext(f"{namespace}url/{namespace}loc") == (
        "https://x.example/a?b=1&c=2"
    )


def element_tree_sitemap(entries):
    """The sitemap as ElementTree writes it (what sitemap_pieces must equal)."""
    urlset = ET.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for entry in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = entry.loc
        if entry.lastmod:
            ET.SubElement(url, "lastmod").text = entry.lastmod
    ET.indent(urlset)
    body = ET.tostring(urlset, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


@pytest.mark.parametrize(
    "entries",
    [
        [],
        [SitemapEntry("/a/")],
        [
            SitemapEntry("https://x.example/a?b=1&c=2", "2026-01-01T00:00:00+01:00"),
            SitemapEntry("/<b>/\"'ü/", None),
            SitemapEntry("/c/", "2026-02-01T00:00:00+01:00"),
        ],
    ],
)
def test_streamed_sitemap_is_byte_for_byte_what_element_tree_writes(entries):
    assert sitemap_document(entries) == element_tree_sitemap(entries)


def test_robots_without_a_sitemap_only_allows():
    assert robots_document(None) == "User-agent: *\nDisallow:\n"


@pytest.mark.parametrize("value", ["/sitemap.xml", "../sitemap.xml"])
def test_save_as_outside_the_output_is_refused(value):
    with pytest.raises(SitemapSettingError, match="SITEMAP_SAVE_AS"):
        sitemap_settings({"SITEMAP_SAVE_AS": value})


def test_a_head_longer_than_one_read_is_read_to_its_end(tmp_path):
    """Only the head is read, in chunks: a long head is followed to </head>."""
    filler = '<meta name="description" content="{}">'.format("x" * 20_000)
    write_files(
        tmp_path,
        {
            "lang/index.html": f"<head>{filler}"
            '<link rel="canonical" href="/lang/"><meta name="robots" '
            'content="noindex"></head><body>' + "y" * 20_000 + "</body>",
            "ohne-head/index.html": "<p>" + "z" * 20_000 + "</p>",
        },
    )
    assert collect_entries(tmp_path, "") == [SitemapEntry("/ohne-head/")]
