"""Compute each article's and page's URL once per build, not on every use.

Pelican recomputes ``content.url`` from the URL settings each time a template
asks (a metadata copy, a date format and a path join: ~15 µs), and a listing
page asks for every article it shows. Once all generators have finished
reading, nothing changes a URL any more, so each Article and Page gets its URL
as ``override_url`` — the attribute Pelican itself consults first (it is what
a ``URL:`` metadata line sets). ``save_as`` is left alone: Pelican reads
``override_save_as`` as "may overwrite other files".

The name ``override_url`` is reserved as each article and page is made (set,
then deleted again: no override until the memo): CPython shares one table of
attribute names among a class's instances, up to 30 names, and a name first
set after the articles' own metadata names have filled it gives every
article a dict of its own, 1.3 KB each (6.6 MB at 5,000 articles,
benchmarks/FINDINGS.md).

Signals: ``content_object_init`` (reserves the name), ``all_generators_finalized``.
"""

from pelican import signals
from pelican.contents import Article, Page
from pelican.plugins._utils import plugin_enabled

PLUGIN_NAME = "url_memo"
CONTENT_LISTS = (
    "articles",
    "translations",
    "drafts",
    "drafts_translations",
    "pages",
    "hidden_pages",
    "hidden_translations",
    "draft_pages",
    "draft_translations",
)


def reserve_name(content):
    """Put ``override_url`` into the attribute names articles share, early,
    without giving ``content`` an override (a ``URL:`` line's stays)."""
    if (
        isinstance(content, (Article, Page))
        and not hasattr(content, "override_url")
        and plugin_enabled(PLUGIN_NAME, content.settings.get("PLUGINS"))
    ):
        content.override_url = None
        del content.override_url


def memoize_urls(contents):
    """Fix the URL of each Article and Page in ``contents``; return how many."""
    fixed = 0
    for content in contents:
        if isinstance(content, (Article, Page)) and not hasattr(
            content, "override_url"
        ):
            content.override_url = content.url
            fixed += 1
    return fixed


def memoize_generator_urls(generators):
    """Fix the URLs of everything the generators read."""
    for generator in generators:
        if not plugin_enabled(PLUGIN_NAME, generator.settings.get("PLUGINS")):
            return
        for name in CONTENT_LISTS:
            memoize_urls(getattr(generator, name, ()))


def register():
    """Connect the receivers."""
    signals.content_object_init.connect(reserve_name)
    signals.all_generators_finalized.connect(memoize_generator_urls)
