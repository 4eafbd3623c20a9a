"""Older and newer article links: ``article.prev_article`` and ``next_article``.

The theme links each article to the next newer (``next_article``) and the next
older one (``prev_article``) of the site, as the pelican-neighbors package
does. That package also sets four per-category attributes the theme never
shows. Attributes added to every article after it was made cost CPython
1.3 KB each once there are two or more of them (each article's attribute
dict stops sharing its keys with the others': 6.6 MB at 5,000 articles), so
only these two are set, and they are declared (None) as each article is made.

A translation gets the neighbors' translations in its language where they
exist, else the neighbors themselves.

Signals: ``content_object_init`` (declares both), ``article_generator_finalized``.
"""

from pelican import signals
from pelican.contents import Article


def in_language(article, lang):
    """Return ``article``'s translation into ``lang``, else ``article`` (or None)."""
    if article is None:
        return None
    for translation in article.translations:
        if translation.lang == lang:
            return translation
    return article


def link_neighbors(articles):
    """Set next_article (newer) and prev_article (older) along ``articles``,
    which run newest first, as Pelican sorts them by default."""
    for index, article in enumerate(articles):
        newer = articles[index - 1] if index > 0 else None
        older = articles[index + 1] if index + 1 < len(articles) else None
        article.next_article, article.prev_article = newer, older
        for translation in article.translations:
            translation.next_article = in_language(newer, translation.lang)
            translation.prev_article = in_language(older, translation.lang)


def declare_neighbors(content):
    """Give an article both attributes as it is made (see the module's text)."""
    if isinstance(content, Article):
        content.next_article = content.prev_article = None


def set_neighbors(generator):
    """Link the articles of one build."""
    link_neighbors(generator.articles)


def register():
    """Connect the receivers."""
    signals.content_object_init.connect(declare_neighbors)
    signals.article_generator_finalized.connect(set_neighbors)
