"""Isso's rendering of comment texts, kept from one build to the next.

Isso renders and sanitises a text (mistune, then bleach) in about a
millisecond. A build that shows every published comment — the comment feeds,
the static threads — would pay that for each of them on every build, though
nearly all texts are the same as last time. ``RenderCache`` wraps the build's
renderer: a text rendered before comes from a SQLite file in ``CACHE_PATH``,
keyed by a hash of the renderer's identity (Isso's version and its
``[markup]`` options) and the text; only new texts are rendered.

Within a build, a text asked for again (the static thread and the comment
feed show the same comment) gets the same string, without asking SQLite
again.

``save()`` (at the end of a build) writes the texts this build used, and only
those, to a new file that replaces the old: a removed comment's text leaves
the cache with the next build. A missing or damaged cache file costs a full
rendering, never the build.
"""

import hashlib
import json
import logging
import os
import sqlite3
from importlib import metadata
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_NAME = "comment-html.sqlite"
SCHEMA = "CREATE TABLE rendered (key BLOB PRIMARY KEY, html TEXT) WITHOUT ROWID"


def renderer_identity(conf):
    """What Isso's rendering depends on besides the text: version and [markup]."""
    try:
        version = metadata.version("isso")
    except metadata.PackageNotFoundError:
        version = "unknown"
    markup = dict(conf.items("markup")) if conf.has_section("markup") else {}
    return json.dumps([version, markup], sort_keys=True)


class RenderCache:
    """A renderer (``render(text)``) that renders each text once across builds."""

    def __init__(self, renderer, path, identity):
        self.renderer = renderer
        self.path = Path(path)
        self.identity = identity  # what fragments of removed texts were made with
        self.salt = identity.encode("utf-8") + b"\0"
        self.used = {}  # key -> HTML, of every text this build asked for
        self.fresh = {}  # key -> HTML rendered in this build
        self.previous = None  # the last build's file, opened on first need
        self.opened_by = os.getpid()  # SQLite connections do not cross a fork

    def key(self, text):
        """The cache key of ``text``."""
        return hashlib.blake2b(
            self.salt + text.encode("utf-8"), digest_size=16
        ).digest()

    def render(self, text):
        """Return ``text`` rendered and sanitised as Isso shows it."""
        key = self.key(text)
        html = self.used.get(key)
        if html is None:
            html = self.cached(key)
            if html is None:
                html = self.fresh[key] = self.renderer.render(text)
            self.used[key] = html
        return html

    def cached(self, key):
        """The HTML the last build kept for ``key``, or None."""
        if self.opened_by != os.getpid():  # a forked process: its own connection
            self.previous, self.opened_by = None, os.getpid()
        if self.previous is None:
            self.previous = self.open_previous()
        if self.previous is False:
            return None
        try:
            row = self.previous.execute(
                "SELECT html FROM rendered WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error as error:
            logger.warning("comment html cache %s unreadable (%s)", self.path, error)
            self.previous = False
            return None
        return row[0] if row else None

    def open_previous(self):
        """Open the last build's file read-only, or return False."""
        if not self.path.is_file():
            return False
        try:
            return sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return False

    def save(self, prune=True):
        """Replace the file with the texts this build used; a failure is logged.

        ``prune=False`` (a refresh, which renders a few pages) keeps every
        earlier rendering too, and writes nothing when it rendered nothing new.
        """
        if not self.used or (not prune and not self.fresh):
            return
        if self.previous:
            self.previous.close()
        self.previous = None
        temporary = self.path.with_name(self.path.name + ".new")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.unlink(missing_ok=True)
            self.write(temporary, prune)
            os.replace(temporary, self.path)
        except (OSError, sqlite3.Error) as error:
            logger.warning(
                "comment html cache %s not written (%s); the next build renders "
                "every comment again",
                self.path,
                error,
            )
            temporary.unlink(missing_ok=True)

    def write(self, target, prune=True):
        """Write the used texts: this build's renderings, the rest from the old
        file (all of it unless ``prune``)."""
        connection = sqlite3.connect(target)
        try:
            connection.execute(SCHEMA)
            connection.executemany(
                "INSERT INTO rendered VALUES (?, ?)", self.fresh.items()
            )
            connection.commit()
            if self.path.is_file():
                self.copy_kept(connection, prune)
                connection.commit()
        finally:
            connection.close()

    def copy_kept(self, connection, prune=True):
        """Copy the old file's renderings this build used and did not redo
        (every one of them unless ``prune``)."""
        try:
            connection.execute("ATTACH DATABASE ? AS old", (str(self.path),))
            if not prune:
                connection.execute(
                    "INSERT OR IGNORE INTO rendered SELECT key, html FROM old.rendered"
                )
                return
            connection.execute("CREATE TEMP TABLE wanted (key BLOB PRIMARY KEY)")
            connection.executemany(
                "INSERT INTO wanted VALUES (?)",
                ((key,) for key in self.used if key not in self.fresh),
            )
            connection.execute(
                "INSERT OR IGNORE INTO rendered SELECT o.key, o.html "
                "FROM old.rendered AS o JOIN wanted USING (key)"
            )
        except sqlite3.Error as error:  # damaged: what this build rendered stays
            logger.warning("comment html cache %s unreadable (%s)", self.path, error)
