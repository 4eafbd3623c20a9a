"""Older/newer links, and the attribute budget that keeps articles small."""

from types import SimpleNamespace

from pelican import signals

from article_neighbors.article_neighbors import link_neighbors
from tests.support import build_site, write_files


def article(name, lang="de", translations=()):
    return SimpleNamespace(name=name, lang=lang, translations=list(translations))


def test_newest_first_articles_link_newer_and_older():
    new, middle, old = article("neu"), article("mitte"), article("alt")
    link_neighbors([new, middle, old])
    assert (new.next_article, new.prev_article) == (None, middle)
    assert (middle.next_article, middle.prev_article) == (new, old)
    assert (old.next_article, old.prev_article) == (middle, None)


def test_a_translation_links_the_neighbors_translations_where_they_exist():
    english_new = article("new", "en")
    new = article("neu", translations=[english_new])
    english_old = article("old", "en")
    middle, old = article("mitte", translations=[english_old]), article("alt")
    link_neighbors([new, middle, old])
    [english_middle] = middle.translations
    assert english_middle.next_article is english_new
    assert english_middle.prev_article is old  # no English version: the original


def test_articles_stay_below_thirty_attributes(tmp_path):
    """From 30 attributes on, CPython gives each article a dict of its own
    instead of one sharing keys with the others: 1.3 KB more per article."""
    counts = []

    def count_articles(generators):
        for generator in generators:
            counts.extend(len(vars(a)) for a in getattr(generator, "articles", ()))

    files = {
        f"articles/{slug}.md": f"""
            Title: Artikel {slug}
            Date: 2026-11-0{day}
            Category: Offen
            Slug: {slug}
            Authors: Anna Schmidt
            Tags: Kritik

            Text mit ein paar Wörtern.
            """
        for day, slug in enumerate(["eins", "zwei", "drei"], start=1)
    }
    write_files(tmp_path / "content", files)
    signals.all_generators_finalized.connect(count_articles)
    try:
        build_site(tmp_path / "content", tmp_path / "output")
    finally:
        signals.all_generators_finalized.disconnect(count_articles)
    assert len(counts) == 3 and max(counts) < 30
    page = (tmp_path / "output" / "2026" / "zwei" / "index.html").read_text()
    assert "/2026/eins/" in page and "/2026/drei/" in page  # older and newer
