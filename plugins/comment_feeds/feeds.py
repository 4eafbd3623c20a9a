"""Atom feeds of comments, from plain data: one per commented page, one of our answers.

Pure functions over ``comments.build.data.Comment`` values and small records:
no Pelican here, so a comment-only refresh can write the same feeds for the
threads that changed. Entries carry the author's name (never an email), the
date, Isso's own sanitised HTML and a link to ``#isso-<id>`` on the page; only
published comments are given to these functions (the build reader blanks
every other one), so no pending or removed text can appear.
"""

import datetime
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

import feedgenerator


class FeedPage(NamedTuple):
    """A page with a comment thread, as its feed needs it."""

    thread: str  # Isso's thread path ("/2026/slug/")
    title: str
    url: str  # absolute, or root-relative on a local build
    feed_url: str
    feed_save_as: str  # relative to the output folder
    # aware; the feed's date while it has no entry (the page's, else the build's)
    date: datetime.datetime


class FeedSite(NamedTuple):
    """What every feed says about the site."""

    name: str
    url: str
    language: str
    gettext: object  # the theme catalog's gettext


class CommentFeed(feedgenerator.Atom1Feed):
    """Atom 1.0 whose date without entries is given, never the clock's."""

    def __init__(self, *args, quiet_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiet_date = quiet_date

    def latest_post_date(self):
        """The newest entry's date, else the given date (reproducible builds)."""
        return super().latest_post_date() if self.items else self.quiet_date


def feed_name_for(save_as, url, name):
    """Return (save_as, url) of a page's comment feed, beside the page.

    ``2026/slug/index.html`` → ``2026/slug/<name>``; ``ueber.html`` →
    ``ueber.<name>``.
    """
    folder, file_name = os.path.split(save_as)
    if file_name == "index.html":
        feed_save_as = f"{folder}/{name}" if folder else name
        feed_url = url if url.endswith("/") or not url else url + "/"
        return feed_save_as, f"{feed_url}{name}"
    stem = os.path.splitext(save_as)[0]
    url_stem = os.path.splitext(url)[0] if url.endswith(".html") else url
    return f"{stem}.{name}", f"{url_stem}.{name}"


def shown_name(comment):
    """The name a comment is shown under: staff's display name, else the author's."""
    return comment.staff_name or comment.author or ""


def entry_title(site, comment):
    """The entry's title: who wrote it, and whether it is our answer."""
    if comment.is_staff:
        return site.gettext("Answer from %(name)s (staff)") % {
            "name": shown_name(comment)
        }
    return site.gettext("Comment by %(name)s") % {"name": shown_name(comment)}


def add_entry(feed, comment, page, html, title):
    """Add one comment to ``feed`` as an entry linking to it on ``page``."""
    link = f"{page.url}#isso-{comment.id}"
    feed.add_item(
        title=title,
        link=link,
        description=None,
        content=html,
        author_name=shown_name(comment),
        pubdate=comment.created,
        updateddate=comment.modified or comment.created,
        unique_id=link,
    )


def thread_feed(site, page, comments, render, limit):
    """Return the feed of one page's published comments: the newest ``limit``."""
    feed = CommentFeed(
        title=site.gettext("Comments on “%(title)s”") % {"title": page.title},
        link=page.url,
        description=None,
        language=site.language,
        feed_url=page.feed_url,
        feed_guid=page.feed_url,
        quiet_date=page.date,
    )
    for comment in newest(comments, limit):
        add_entry(feed, comment, page, render(comment), entry_title(site, comment))
    return feed


def answers_feed(site, pages, published, render, limit, feed_url, quiet_date):
    """Return the feed of our newest ``limit`` answers on the site's pages.

    ``pages``: thread path → FeedPage; ``published``: thread path → published
    comments. Answers on threads no page of the site has (drafts, unknown
    addresses) stay out, as on the transparency page.
    """
    answers = [
        comment
        for thread, page in pages.items()
        for comment in published(thread)
        if comment.is_staff
    ]
    feed = CommentFeed(
        title=site.gettext("Our answers") + f" – {site.name}",
        link=site.url + "/",
        description=None,
        subtitle=site.gettext("What we answered in the comments, newest first."),
        language=site.language,
        feed_url=feed_url,
        feed_guid=feed_url,
        quiet_date=quiet_date,
    )
    for comment in newest(answers, limit):
        page = pages[comment.thread_uri]
        title = site.gettext("Answer from %(name)s on “%(title)s”") % {
            "name": shown_name(comment),
            "title": page.title,
        }
        add_entry(feed, comment, page, render(comment), title)
    return feed


def newest(comments, limit):
    """The newest ``limit`` comments, newest first (ties: the higher id first)."""
    ordered = sorted(comments, key=lambda comment: (comment.created, comment.id))
    return ordered[::-1][:limit]


def fingerprint(feed):
    """A digest of everything ``feed`` writes (its fields, entries and date)."""
    described = repr((feed.feed, feed.items, feed.latest_post_date()))
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def write_feed(output_path, save_as, feed):
    """Write ``feed`` as UTF-8 to ``save_as`` under ``output_path``; return the path."""
    path = Path(output_path) / save_as
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        feed.write(file, "utf-8")
    return path
