"""Compute each article's and page's URL once per build, not on every use.

Pelican recomputes ``content.url`` from the URL settings each time a template
asks (a metadata copy, a date format and a path join: ~15 µs), and a listing
page asks for every article it shows. Once all generators have finished
reading, nothing changes a URL any more, so each Article and Page gets its URL
as ``override_url`` — the attribute Pelican itself consults first (it is what
a ``URL:`` metadata line sets). ``save_as`` is left alone: Pelican reads
``override_save_as`` as "may overwrite other files".

Signals: ``all_generators_finalized``.
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
    """Connect the receiver."""
    signals.all_generators_finalized.connect(memoize_generator_urls)
