"""Put each article's published comment thread into its static HTML.

The template ``includes/comment_thread.html`` (inside ``#isso-thread``) draws
the thread from the Jinja global ``comment_thread(content)``: the
``comments.build.thread.Thread`` of the content's Isso thread, made from the
build's one read of the comment data (``COMMENT_DATA``), each text rendered by
Isso's own renderer and kept between builds (the build's renderer,
``comments.build.html_cache``, which the comment feeds share).
A full build and ``invoke refresh`` render the thread through the same
template.

Settings: ``COMMENT_THREAD_ENABLED`` (default True) and
``COMMENT_THREAD_LIMIT`` (top-level comments in the static HTML, newest
first kept; default 200: Isso's client shows them all).

Signals: ``initialized`` (checks settings), ``generator_init`` (the
globals and the build's rendering), ``all_generators_finalized`` (every
thread made in the build process, before pages are written on both cores)
and ``page_writer_finalized`` (the articles and pages are written: their
threads are let go, a quarter of the build's comment memory, while Pagefind
indexes beside the rest of the build).
"""

import logging

from jinja2 import pass_context
from pelican import signals

from comments.build.thread import (
    DEFAULT_LIMIT,
    EMPTY,
    build_thread,
    removal_reasons,
)
from comments.build.thread import fingerprint as thread_fingerprint
from comments.core import SetupError
from publishing.plugin_setup import plugin_module, require_plugins

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

DEFAULTS = {"COMMENT_THREAD_ENABLED": True, "COMMENT_THREAD_LIMIT": DEFAULT_LIMIT}
NEEDS = ("comment_data", "isso_comments")  # the comments; each page's thread


def check_settings(settings):
    """Return the plugin's settings; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    limit = values["COMMENT_THREAD_LIMIT"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise SetupError(
            f"COMMENT_THREAD_LIMIT = {limit!r}: set a whole number of top-level "
            f"comments of at least 1 (default {DEFAULT_LIMIT})"
        )
    return values


class ThreadRendering:
    """One build's static threads: the comment data, the removal reasons
    (made once) and the build's renderer."""

    def __init__(self, digest, limit):
        self.digest, self.limit = digest, limit
        self.reasons = removal_reasons(digest.removals) if digest else {}
        self.made = {}  # thread path → Thread
        self.renderer = digest.renderer if digest else None

    def render(self, text):
        """Return a comment text as Isso renders it (the build's renderer
        keeps renderings between builds: ``comments.build.html_cache``)."""
        if not text or self.renderer is None:
            return ""
        return self.renderer.render(text)

    def thread(self, isso):
        """Return the Thread of an article's ``isso`` dict (made once a build)."""
        if not self.digest or not isso or isso.get("state", "off") == "off":
            return EMPTY
        uri = isso["thread"]
        made = self.made.get(uri)
        if made is None:
            made = self.made[uri] = build_thread(
                self.digest.thread_comments(uri),
                self.reasons,
                self.limit,
                self.render,
            )
        return made

    def fingerprint(self, isso):
        """Return the fingerprint of an ``isso`` dict's thread
        (``comments.build.thread.fingerprint``: no text rendered)."""
        if not self.digest or not isso or isso.get("state", "off") == "off":
            return thread_fingerprint(())
        return thread_fingerprint(
            self.digest.thread_comments(isso["thread"]), self.reasons, self.limit
        )


def rendering_of(settings, context):
    """Return the build's ThreadRendering, made on first need."""
    rendering = context.get(contracts.COMMENT_THREAD_RENDERING)
    if rendering is None:
        rendering = context[contracts.COMMENT_THREAD_RENDERING] = ThreadRendering(
            context.get(contracts.COMMENT_DATA),
            check_settings(settings)["COMMENT_THREAD_LIMIT"],
        )
    return rendering


@pass_context
def comment_thread(context, content):
    """Jinja global: the static Thread of ``content`` (an article or page)."""
    rendering = context.get(contracts.COMMENT_THREAD_RENDERING)
    if rendering is None:
        return EMPTY
    return rendering.thread(getattr(content, contracts.ISSO, None))


def is_enabled(settings):
    """True when the static threads are on for this build."""
    return settings.get("COMMENT_THREAD_ENABLED", True) and settings.get(
        "COMMENTS_ENABLED", True
    )


def configure(pelican):
    """Check the settings and the plugins this one stands on, once."""
    if is_enabled(pelican.settings):
        require_plugins(pelican.settings, "comment_thread", NEEDS)
        check_settings(pelican.settings)


def install(generator):
    """Give the generator's templates the globals and the build its rendering."""
    if not is_enabled(generator.settings):
        return  # the templates then leave the thread to Isso's client alone
    generator.env.globals[contracts.COMMENT_THREAD] = comment_thread
    comment_data = plugin_module("comment_data.comment_data", __file__)
    comment_data.share_comment_data(
        generator
    )  # read once per build, whichever comes first
    rendering_of(generator.settings, generator.context)


def make_threads(generators):
    """Make every page's thread in the build process, before any page is
    written (``all_generators_finalized``): the plugin both_cores writes pages
    in forked helpers, whose renderings would never reach the build's cache
    of them (``comments.build.html_cache``), nor the next build."""
    for generator in generators:
        rendering = generator.context.get(contracts.COMMENT_THREAD_RENDERING)
        if rendering is None:
            continue
        for name in ("articles", "translations", "drafts", "pages", "hidden_pages"):
            for content in getattr(generator, name, ()):
                rendering.thread(getattr(content, contracts.ISSO, None))


def let_threads_go(generator, writer=None):
    """Forget the threads once every article and page is written (a page
    written later would make its thread again)."""
    rendering = generator.context.get(contracts.COMMENT_THREAD_RENDERING)
    if rendering is not None and not getattr(writer, "keeps_content", False):
        rendering.made.clear()


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.generator_init.connect(install)
    signals.all_generators_finalized.connect(make_threads)
    signals.page_writer_finalized.connect(let_threads_go)
