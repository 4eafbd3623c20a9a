"""Atom feeds of the comments: one per commented page, and "Unsere Antworten".

Like WordPress's ``/feed/`` under each post: every article or page whose
comments are open or closed gets ``kommentare.atom.xml`` beside it (its newest
published comments), linked from its head as ``rel="alternate"``; the site
gets ``feeds/antworten.atom.xml`` with our newest answers on any page. Both
come from the build's one read of the comment data (``COMMENT_DATA``) through
``feeds.py``; texts are Isso's sanitised HTML, rendered once per build and
shared (``Digest.text_html``).

Settings (all optional):

- ``COMMENT_FEEDS_ENABLED`` (True);
- ``COMMENT_FEEDS_THREAD_NAME``: the file beside each page ("kommentare.atom.xml");
- ``COMMENT_FEEDS_THREAD_ITEMS``: newest comments per page feed (20);
- ``COMMENT_FEEDS_ANSWERS_SAVE_AS``: "feeds/antworten.atom.xml" ("" for none);
- ``COMMENT_FEEDS_ANSWERS_ITEMS``: newest answers in it (50).

Links are absolute under ``FEED_DOMAIN`` (default ``SITEURL``).

Signals: ``initialized`` (checks settings, tells templates the answers feed's
URL), ``get_generators`` (the generator: attaches ``comment_feed`` to pages in
``generate_context``, writes the feeds in ``generate_output``).
"""

import json
import logging
import os
from pathlib import Path

from pelican import signals
from pelican.generators import Generator
from pelican.plugins._utils import plugin_enabled

from comments.core import SetupError, build_now
from publishing.plugin_setup import plugin_module, require_plugins

from . import feeds

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

DEFAULTS = {
    "COMMENT_FEEDS_ENABLED": True,
    "COMMENT_FEEDS_THREAD_NAME": "kommentare.atom.xml",
    "COMMENT_FEEDS_THREAD_ITEMS": 20,
    "COMMENT_FEEDS_ANSWERS_SAVE_AS": "feeds/antworten.atom.xml",
    "COMMENT_FEEDS_ANSWERS_ITEMS": 50,
}
FINGERPRINTS = "comment-feeds.json"  # in CACHE_PATH: what each feed file holds
NEEDS = ("comment_data", "isso_comments")  # the comments; the threads of pages


class CommentFeedsSettingError(SetupError):
    """A COMMENT_FEEDS_* setting is wrong; the message names it and the fix."""


def feed_settings(settings):
    """Return the plugin's settings, checked: defaults overridden by the user's."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    for key in ("COMMENT_FEEDS_THREAD_ITEMS", "COMMENT_FEEDS_ANSWERS_ITEMS"):
        value = values[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise CommentFeedsSettingError(
                f"{key}={value!r} must be a whole number of entries, at least 1"
            )
    name = values["COMMENT_FEEDS_THREAD_NAME"]
    if not isinstance(name, str) or not name or "/" in name:
        raise CommentFeedsSettingError(
            f"COMMENT_FEEDS_THREAD_NAME={name!r} must be a file name such as "
            "'kommentare.atom.xml'"
        )
    if not isinstance(values["COMMENT_FEEDS_ENABLED"], bool):
        raise CommentFeedsSettingError(
            f"COMMENT_FEEDS_ENABLED={values['COMMENT_FEEDS_ENABLED']!r} must be "
            "True or False (without quotes)"
        )
    return values


def feed_domain(settings):
    """The address feeds link under: FEED_DOMAIN, else SITEURL."""
    return (settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")


def feed_page(content, name, domain):
    """Return the FeedPage of an article or page with comments, or None."""
    isso = getattr(content, contracts.ISSO, None)
    if not isso or isso.get("state") not in ("open", "closed"):
        return None
    if getattr(content, "status", "published") != "published":
        return None
    save_as, url = feeds.feed_name_for(content.save_as, content.url, name)
    return feeds.FeedPage(
        thread=isso["thread"],
        title=content.title,
        url=f"{domain}/{content.url}",
        feed_url=f"{domain}/{url}",
        feed_save_as=save_as,
        # Pages have no date unless their metadata gives one.
        date=getattr(content, "date", None) or getattr(content, "modified", None),
    )


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled("comment_feeds", settings.get("PLUGINS"))


class CommentFeedGenerator(Generator):
    """Attach each commented page's feed address, then write the feeds."""

    def generate_context(self):
        """Give every page with comments its ``comment_feed`` (for its head)."""
        self.values = feed_settings(self.settings)
        self.pages = {}
        if not self.values["COMMENT_FEEDS_ENABLED"]:
            return
        domain = feed_domain(self.settings)
        name = self.values["COMMENT_FEEDS_THREAD_NAME"]
        for content in [*self.context.get("articles", ()), *self.context["pages"]]:
            page = feed_page(content, name, domain)
            if page is None:
                continue
            if page.date is None:
                page = page._replace(date=build_now())
            setattr(content, contracts.COMMENT_FEED, page.feed_url)
            self.pages[page.thread] = page

    def generate_output(self, writer):
        """Write each page's feed and the feed of our answers."""
        self.write_feeds()

    def write_feeds(self, threads=None, answers=True):
        """Write the feeds of ``threads`` (default: every page's) and, when
        ``answers``, ours; return how many files were written.

        A feed whose content is what the last run wrote, with its file still
        there, is not written again (``FINGERPRINTS`` in CACHE_PATH): most
        feeds stay the same between builds and refreshes. A comment-only
        refresh may pass only the threads whose comments changed.
        """
        comment_data = self.context.get(contracts.COMMENT_DATA)
        if not self.values["COMMENT_FEEDS_ENABLED"] or comment_data is None:
            return 0
        site = self.site()
        published = comment_data.published_comments
        render = comment_data.text_html
        made = {}  # save_as -> feed
        for thread in self.pages if threads is None else threads:
            page = self.pages.get(thread)
            if page is not None:  # else no page of the site has this thread
                made[page.feed_save_as] = feeds.thread_feed(
                    site,
                    page,
                    published(page.thread),
                    render,
                    self.values["COMMENT_FEEDS_THREAD_ITEMS"],
                )
        save_as = self.values["COMMENT_FEEDS_ANSWERS_SAVE_AS"]
        if save_as and answers:
            made[save_as] = feeds.answers_feed(
                site,
                self.pages,
                published,
                render,
                self.values["COMMENT_FEEDS_ANSWERS_ITEMS"],
                f"{feed_domain(self.settings)}/{save_as}",
                max((page.date for page in self.pages.values()), default=None)
                or build_now(),
            )
        return self.write_changed(made, every=threads is None and answers)

    def write_changed(self, made, every):
        """Write the feeds of ``made`` that differ from the last run's files
        (``every``: these are all the site's feeds; forget any other)."""
        record = Path(self.settings["CACHE_PATH"]) / FINGERPRINTS
        try:
            known = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        if every:
            known = {save_as: known[save_as] for save_as in made if save_as in known}
        written = 0
        for save_as, feed in made.items():
            fingerprint = feeds.fingerprint(feed)
            target = Path(self.output_path) / save_as
            if known.get(save_as) == fingerprint and target.is_file():
                # Touched as if written: the live preview removes files a
                # build did not write (publishing.live.sync.remove_stale_pages).
                os.utime(target)
                continue
            feeds.write_feed(self.output_path, save_as, feed)
            known[save_as] = fingerprint
            written += 1
        try:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        except OSError as error:
            logger.warning("comment_feeds: %s not written (%s)", record, error)
        logger.info("comment_feeds: %d of %d comment feeds changed", written, len(made))
        return written

    def site(self):
        """What every feed says about the site."""
        translations = self.env.globals.get(contracts.THEME_TRANSLATIONS)
        return feeds.FeedSite(
            name=self.settings["SITENAME"],
            url=feed_domain(self.settings),
            language=self.settings.get("DEFAULT_LANG", "de"),
            gettext=translations.gettext if translations else str,
        )


def configure(pelican):
    """Check the settings once; tell templates where the answers feed is."""
    if not is_listed(pelican.settings):
        return
    require_plugins(pelican.settings, "comment_feeds", NEEDS)
    values = feed_settings(pelican.settings)
    save_as = values["COMMENT_FEEDS_ANSWERS_SAVE_AS"]
    enabled = values["COMMENT_FEEDS_ENABLED"] and save_as
    pelican.settings[contracts.COMMENT_FEEDS_ANSWERS_URL] = save_as if enabled else ""


def get_generators(pelican):
    """Add the feeds' generator to builds that list the plugin."""
    return CommentFeedGenerator if is_listed(pelican.settings) else None


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.get_generators.connect(get_generators)
