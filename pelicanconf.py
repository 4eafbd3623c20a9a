"""Pelican settings for local writing and preview (`invoke build`, `invoke serve`).

Production values live in publishconf.py, which imports everything from here.
"""

import os
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

AUTHOR = "Redaktion"
SITENAME = "Beispiel GmbH – Blog"
SITESUBTITLE = "Offen kommentiert. Jeder Kommentar bekommt eine Antwort."
SITEURL = ""

# Relative to this file (Pelican's rule for these two), so `invoke build` run
# from a subfolder still reads content/ and writes output/ here.
PATH = "content"
OUTPUT_PATH = "output"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]

TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
DEFAULT_DATE_FORMAT = "%d.%m.%Y"

THEME = "theme"

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "both_cores",
    "theme_translations",
    "theme_assets",
    "comment_data",
    "isso_comments",
    "comment_owners",
    "answered",
    "blog_parade",
    "comment_refresh",
    "comment_thread",
    "comment_feeds",
    "neighbors",
    "readtime",
    "author_profiles",
    "pagefind_search",
    "sitemap_robots",
]


# Pelican's cache and the compiled templates live in .cache/ beside this file;
# BLOG_CACHE_DIR puts both elsewhere (the tests keep theirs in a temporary
# folder, away from the author's).
cache_dir = Path(
    os.environ.get("BLOG_CACHE_DIR") or Path(__file__).resolve().parent / ".cache"
)


def template_cache(folder):
    """Jinja's cache of compiled templates in ``folder`` (None if not writable)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


# Templates do not change during a build: no stat() per template use. Compiled
# templates are kept (keyed by their source's checksum) in .cache/jinja, so a
# build or `invoke refresh` does not compile the theme again (0.13 s → 0.02 s).
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "auto_reload": False,
    "bytecode_cache": template_cache(cache_dir / "jinja"),
}

# URLs: German paths, one folder per page so that links end in a slash and the
# comment thread id (the URL path) never changes when SITEURL does.
ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DRAFT_URL = "entwuerfe/{slug}/"
DRAFT_SAVE_AS = "entwuerfe/{slug}/index.html"
DRAFT_PAGE_URL = "entwuerfe/seiten/{slug}/"
DRAFT_PAGE_SAVE_AS = "entwuerfe/seiten/{slug}/index.html"
CATEGORY_URL = "kategorie/{slug}/"
CATEGORY_SAVE_AS = "kategorie/{slug}/index.html"
CATEGORIES_SAVE_AS = "kategorie/index.html"
TAG_URL = "schlagwort/{slug}/"
TAG_SAVE_AS = "schlagwort/{slug}/index.html"
TAGS_SAVE_AS = "schlagwort/index.html"
AUTHOR_URL = "autor/{slug}/"
AUTHOR_SAVE_AS = "autor/{slug}/index.html"
AUTHORS_SAVE_AS = "autor/index.html"
ARCHIVES_URL = "archiv/"
ARCHIVES_SAVE_AS = "archiv/index.html"
DIRECT_TEMPLATES = ["index", "categories", "tags", "authors", "archives"]

DEFAULT_PAGINATION = 5
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/seite/{number}/", "{base_name}/seite/{number}/index.html"),
)

# German slugs: "Grüße" becomes "gruesse", not "grusse". Pelican would ASCII-fy
# (dropping the umlaut dots) before these rules run, so slugify in Unicode mode
# and transliterate here; other accented letters lose their accent.
SLUGIFY_USE_UNICODE = True
SLUG_REGEX_SUBSTITUTIONS = [
    (r"ä", "ae"),
    (r"ö", "oe"),
    (r"ü", "ue"),
    (r"ß|ẞ", "ss"),
    (r"[àáâãå]", "a"),
    (r"[çć]", "c"),
    (r"[èéêë]", "e"),
    (r"[ìíîï]", "i"),
    (r"ñ", "n"),
    (r"[òóôõø]", "o"),
    (r"[ùúû]", "u"),
    (r"[^a-z0-9\s-]", ""),  # anything else non-ASCII or punctuation goes
    (r"(?u)\A\s*", ""),
    (r"(?u)\s*\Z", ""),
    (r"[-\s]+", "-"),
]
CATEGORY_REGEX_SUBSTITUTIONS = SLUG_REGEX_SUBSTITUTIONS
TAG_REGEX_SUBSTITUTIONS = SLUG_REGEX_SUBSTITUTIONS
AUTHOR_REGEX_SUBSTITUTIONS = SLUG_REGEX_SUBSTITUTIONS

# Feeds are written by publishconf.py only, where SITEURL is absolute.
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

MENUITEMS = ()
# Pages (Impressum, Datenschutz, Kommentar-Richtlinie) are linked in the footer.
DISPLAY_PAGES_ON_MENU = False
DISPLAY_CATEGORIES_ON_MENU = True

# Comments (plugins/isso_comments). The comment server runs on its own port
# locally (`invoke comments` / `invoke serve`); publishconf.py sets the public one.
COMMENTS_URL = "http://localhost:8080"
COMMENTS_ISSO_OPTIONS = {
    "require-author": True,
    "require-email": False,
    "vote": True,
    # No "reply-notifications": the comment server's /config decides (on while
    # readers' mails with double opt-in are on: [blog] reader-notifications).
    "gravatar": False,
    "sorting": "oldest",
    # Styles come from a <link> to the comment server's /css/isso.css in the
    # template, not injected by the client: the site's CSP allows no inline style.
    "css": False,
}

# Who answers which comments (plugins/comment_owners): an article's comments are
# owned by the staff account (staff.cfg of the comment server) its author maps
# to, else its category's, else COMMENT_OWNERS_FALLBACK; `Comments_owner: anna`
# in an article overrides. The build hands this to the comment server in
# thread-owners.json beside the comment database, never into output/.
COMMENT_OWNERS = {
    "Anna Schmidt": "anna",
    "Jonas Weber": "jonas",
    "Leyla Demir": "leyla",
    "Kundenservice": "anna",
}
COMMENT_OWNERS_FALLBACK = "redaktion"

# Markdown: typographic quotes in German style, tables, footnotes, code.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = str(cache_dir / "pelican")

# Blog parades (plugins/blog_parade). Its defaults: a page per parade at
# blogparade/<slug>/ with parade.json (and deadline.ics for our own calls), the
# overview at blogparade/. PARADE_ENABLED and the URL settings are left to the
# plugin, so the footer links the overview only when the plugin is loaded.
# Manual participant lists: content/<PARADE_DATA_PATH>/<slug>.yml.
PARADE_DATA_PATH = "parades"
# A deadline day counts as open until it ends in this time zone.
PARADE_TIMEZONE = TIMEZONE

# Site extras (issue 11). Search: Pagefind indexes what the theme marks
# data-pagefind-body after every build (plugins/pagefind_search); the search
# page is a direct template, noindex. The date line and the answered line under
# a title are not text. Sitemap and robots.txt: plugins/sitemap_robots. Author
# bios and photos: content/authors/<slug>.yml (plugins/author_profiles).
# Reading time ("4 Min. Lesezeit", whole minutes, at least 1) and older/newer
# links: the pelican-readtime and pelican-neighbors packages.
DIRECT_TEMPLATES = [*DIRECT_TEMPLATES, "search"]
SEARCH_URL = "suche/"
SEARCH_SAVE_AS = "suche/index.html"
PAGEFIND_BUNDLE_DIR = "pagefind"
PAGEFIND_EXCLUDE_SELECTORS = [".post__header .meta", ".answered-line"]
SITEMAP_SAVE_AS = "sitemap.xml"
ROBOTS_SAVE_AS = "robots.txt"
AUTHOR_PROFILES_PATH = "authors"
READTIME_WPM = 200
