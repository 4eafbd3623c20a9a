"""What the plugins hand each other, in one place.

Like Datasette's ``hookspecs.py``: every name one part of the build sets for
another to read — context keys, Jinja globals, settings a plugin computes,
attributes of articles and pages, files left beside the comment database —
with who writes it, who reads it and its shape. Plugins import the names from
here (``contracts = plugin_module("contracts", __file__)``: Pelican puts no
plugin folder on ``sys.path``) instead of repeating the literals;
``tests/plugins/test_contracts.py`` fails on a literal that is not listed.
"""

from comments.staff import owners
from comments.webmention import calls

# Keys of the context every generator shares (``generator.context``) ----------

COMMENT_DATA = "COMMENT_DATA"
"""The build's one read of all comment data: a ``comments.build.data.Digest``
(threads, staff answers, removals, approved Webmentions in ``mentions``,
``source`` "database", "http", "snapshot" or "none"). Writer: comment_data
(the first ``generator_init`` of a build).
Readers: answered, blog_parade (participants of the parades we host),
comment_thread (every thread's comments), comment_refresh (through answered).
Absent when comment_data is not loaded."""

ANSWERED_FIGURES = "ANSWERED_FIGURES"
"""The answer figures of this build: ``answered.answered.BuildFigures``
(``summary``, ``by_thread``, ``staff``, removal counts, ``as_of``; the figures
that count waiting comments in the target's calendar: ``waiting``,
``waiting_by_thread``, ``due_by_month``, ``calendar_spec``). Writer:
answered (computed from ``COMMENT_DATA`` on first need) or comment_refresh
(``invoke refresh``). Readers: answered (page, JSON, answered lines)."""

COMMENT_THREAD_RENDERING = "COMMENT_THREAD_RENDERING"
"""The build's static comment threads: a
``comment_thread.comment_thread.ThreadRendering`` (the comment data, the
removal reasons, the cache of rendered texts). Writer: comment_thread
(``generator_init``, also in ``invoke refresh``). Readers: the Jinja global
``comment_thread``, comment_refresh (the threads' fingerprints)."""

AUTHOR_PROFILES = "AUTHOR_PROFILES"
"""Author profiles by author slug: ``{slug: {"name", "role", "bio",
"photo"}}``. Writer: author_profiles (``article_generator_finalized``).
Readers: the templates (author page, author box under articles)."""

PAGEFIND_MERGED_BUNDLES = "PAGEFIND_MERGED_BUNDLES"
"""The further search indexes of a large site, as folders of the output
(``["pagefind/teil-2", …]``; empty when one index holds every page). Writer:
pagefind_search (``all_generators_finalized``). Reader: the template
``search.html`` (Pagefind UI's ``mergeIndex``)."""

# Jinja globals -----------------------------------------------------------------

THEME_TRANSLATIONS = "THEME_TRANSLATIONS"
"""The site language's gettext translations (``babel.support.Translations``).
Writer: theme_translations (``generator_init``, every generator's Jinja
globals, beside ``_``/``ngettext`` and the ``duration`` filter). Reader:
blog_parade (the texts of ``deadline.ics``)."""

THEME_ASSET = "theme_asset"
"""``theme_asset(name)``: the URL of a theme file under its fingerprinted name
(``css/style.css`` → ``…/theme/css/style.3f2a9c01d4.css``). Writer:
theme_assets (``generator_init``; the copies at ``finalized``). Readers: the
templates (``base.html``, ``includes/comments.html``, ``search.html``)."""

COMMENT_THREAD = "comment_thread"
"""``comment_thread(content)``: the static thread of an article or page
(``comments.build.thread.Thread``: top-level comments oldest first with their
replies, ``count``, ``hidden``; each comment's ``html`` as Isso renders it).
Writer: comment_thread (``generator_init``).
Reader: ``includes/comments.html``, ``includes/comment_thread.html``."""

# Settings a plugin computes for others ---------------------------------------

COMMENTS_EMBED_ATTRIBUTES = "COMMENTS_EMBED_ATTRIBUTES"
"""The Isso client's ``data-isso-*`` attributes: a list of ``(name, value)``
from ``COMMENTS_ISSO_OPTIONS`` and ``DEFAULT_LANG``. Writer: isso_comments
(``initialized``). Readers: the templates (``includes/comments.html``,
``includes/comment_count.html``)."""

COMMENT_FEEDS_ANSWERS_URL = "COMMENT_FEEDS_ANSWERS_URL"
"""Where the feed of our answers is, relative to ``SITEURL``
("feeds/antworten.atom.xml"), or "" when there is none. Writer: comment_feeds
(``initialized``). Reader: the template ``base.html`` (its head link)."""

COMMENT_RENDER_CACHE = "COMMENT_RENDER_CACHE"
"""The build's cache of Isso's renderings (``comments.build.html_cache.RenderCache``),
the renderer behind ``Digest.text_html``. Writer: comment_data (with the read,
at the first ``generator_init``). Reader: comment_data (``finalized``: saves
it, removes it from the settings).
"""

# Attributes of articles and pages (plain data: Pelican may pickle them) -------

ISSO = "isso"
"""The comment thread: ``{"thread": "/2026/slug/", "state": "open" | "closed"
| "off", "title": str}`` (no ``title`` when "off": drafts, comments disabled);
a draft whose comments will be open or closed has ``"draft_state"`` saying
which, for the preview of its comments section.
Writer: isso_comments (``content_object_init``). Readers: answered,
blog_parade, comment_owners, comment_refresh, the templates."""

ANSWERED = "answered"
"""The thread's answer figures (``answered.figures.Summary``: reader comments,
answered, open, median response), or None. Writer: answered (None at
``content_object_init``, the figures at ``*_generator_finalized``). Readers:
the template ``includes/answered_line.html``, comment_refresh (its state)."""

BLOG_PARADE = "blog_parade"
"""The parade banner of a contributing article: a plain dict
(``blog_parade.generator.banner_data``: title, host, role, links, deadline,
status). Writer: blog_parade (its generator's ``generate_context``). Readers:
the templates (the banner)."""

COMMENT_FEED = "comment_feed"
"""The absolute URL of the page's comment feed (``kommentare.atom.xml`` beside
it), set on every published article or page whose comments are open or
closed. Writer: comment_feeds (its generator's ``generate_context``, before any
page is written). Readers: the templates (``includes/comment_feed_head.html``).
"""

# Files beside the comment database (the build hands them to the server) ------

THREAD_OWNERS_FILE = owners.OWNERS_FILE_NAME
"""``thread-owners.json`` beside the database (``COMMENT_OWNERS_FILE``
overrides): ``{"closed": [thread, …], "fallback": account, "format": 1,
"threads": {thread: {"owner", "rule", "title"}}}`` (``title``: the article's,
which the desk and staff mails show). Writer: comment_owners (after a build).
Reader: the comment server (``comments.staff.owners``: desk, reminders,
hand-overs). Never in ``output/`` (the leak check stops a publish)."""

PARADE_CALLS_FILE = calls.CALLS_FILE_NAME
"""``parade-calls.json`` beside the database: ``{"format": 1, "calls":
{call path: parade slug}}`` for the parades we host. Writer: blog_parade
(each build reading the database). Reader: the comment server
(``comments.webmention.verify``: a mention of a call is a participant)."""

SNAPSHOT_DIR = "snapshots"
"""``snapshots/`` beside the database (``COMMENTS_SNAPSHOT_DIR`` overrides):
``comments-<UTC stamp>.json`` per read, without emails or IPs,
``known-comments.json``, and ``comment-html.sqlite`` (Isso's renderings of the
texts the last build showed, ``comments.build.html_cache``). Writer:
comment_data (``comments.build.snapshots``, after each read; the renderings at
``finalized``). Reader: comment_data (snapshots when the comment source cannot
be read; renderings in every build)."""

# Files a build leaves for a later command ----------------------------------

REFRESH_STATE_FILE = "comment-refresh-state.json"
"""In ``CACHE_PATH``: what ``invoke refresh`` needs of the last full build
(settings that shape pages, every commented article's ``isso``, answered line
and parade metadata). Writer: comment_refresh (after a full build). Reader:
comment_refresh (``invoke refresh``)."""
