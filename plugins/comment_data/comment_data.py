"""Read the site's comment data once per build and share it with every plugin.

The first generator of a build triggers one read (``comments.build.source``); the
result lands in the build's shared context as ``COMMENT_DATA``, where the
other plugins and templates find it: a ``comments.build.digest.Digest``, what the
site's pages show of the comments (figures per article, month and staff
member; the open comments; those that may link a parade participant), not
every comment. A new build has a new context, so nothing is kept between builds.

Settings (all optional):

- ``COMMENTS_SOURCE``: ``"database"`` (read the SQLite file read-only) or
  ``"http"`` (the comment server's ``/export``; token in ``BLOG_EXPORT_TOKEN``).
- ``COMMENTS_DATABASE``: the database file; default: ``[general] dbpath`` of the
  comment server config (``ISSO_SETTINGS`` or comments/isso.cfg).
- ``COMMENTS_EXPORT_URL``: default ``COMMENTS_URL + "/export"``.
- ``COMMENTS_SNAPSHOT_DIR``: default ``snapshots/`` beside the database.
- ``COMMENTS_SNAPSHOT_KEEP``: how many snapshots to keep (default 10).

Comment texts are rendered by Isso's own renderer through a cache beside the
snapshots (``comment-html.sqlite``, ``comments.build.html_cache``): a build
renders only texts no earlier build rendered, and keeps what it used when it
ends.

The comment data lives as long as the build, so once it is read the
collector's generations are frozen (``gc.freeze``) until the build ends: the
cyclic garbage collector then no longer walks the open comments on every full
collection; objects whose reference count drops are freed as always. A failed
build's freeze ends with the next build's start. The same pass over the
database writes the snapshot and checks for vanished comments
(``comments.build.source.load_for_build``).

``invoke refresh`` reads through ``read_for_build`` and ``share`` as well.

Signals: ``initialized`` (ends a freeze), ``generator_init`` (reads),
``finalized`` (ends the freeze, keeps the renderings).
"""

import gc
import logging
import os
from pathlib import Path

from pelican import signals

from comments import config
from comments.build import reader
from comments.build.html_cache import FILE_NAME, RenderCache, renderer_identity
from comments.build.source import SourceSettings, load_for_build
from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

EXPORT_TOKEN_VARIABLE = "BLOG_EXPORT_TOKEN"
PACKAGE_SNAPSHOT_DIR = Path(config.__file__).with_name(contracts.SNAPSHOT_DIR)

DEFAULTS = {
    "COMMENTS_SOURCE": "database",
    "COMMENTS_DATABASE": None,
    "COMMENTS_EXPORT_URL": None,
    "COMMENTS_SNAPSHOT_DIR": None,
    "COMMENTS_SNAPSHOT_KEEP": 10,
}


def source_settings(settings, comment_conf, environ):
    """Work out the comment source from Pelican settings and the server config."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    database = values["COMMENTS_DATABASE"] or config.database_path(comment_conf)
    database = Path(database)
    snapshot_dir = values["COMMENTS_SNAPSHOT_DIR"] or (
        database.parent / contracts.SNAPSHOT_DIR
        if values["COMMENTS_SOURCE"] == "database"
        else PACKAGE_SNAPSHOT_DIR
    )
    comments_url = settings.get("COMMENTS_URL", "").rstrip("/")
    return SourceSettings(
        source=values["COMMENTS_SOURCE"],
        database=database,
        export_url=values["COMMENTS_EXPORT_URL"] or f"{comments_url}/export",
        export_token=environ.get(EXPORT_TOKEN_VARIABLE, ""),
        snapshot_dir=Path(snapshot_dir),
        snapshot_keep=int(values["COMMENTS_SNAPSHOT_KEEP"]),
    )


def build_source(settings, environ=None):
    """Return the comment source and renderer for a build with these settings."""
    environ = os.environ if environ is None else environ
    comment_conf = config.read_config(environ=environ)
    source = source_settings(settings, comment_conf, environ)
    # Beside the snapshots, which outlive a publish's temporary CACHE_PATH.
    renderer = RenderCache(
        reader.make_renderer(comment_conf),
        source.snapshot_dir / FILE_NAME,
        renderer_identity(comment_conf),
    )
    return source, renderer


def read_for_build(settings, environ=None):
    """Read what a build with these Pelican settings shows of the comments."""
    source, renderer = build_source(settings, environ)
    # The same dict as Pelican's settings: ``finish_build`` finds it there
    # (only the read's renderer: other callers of build_source render nothing).
    settings[contracts.COMMENT_RENDER_CACHE] = renderer
    return load_for_build(source, renderer=renderer)


def start_build_data(settings):
    """Read for a build and freeze the heap until ``finish_build``."""
    comment_data = read_for_build(settings)
    gc.freeze()
    return comment_data


def share(context, comment_data):
    """Give the build's context its comment data; freeze the heap until
    ``finish_build`` (the data lives as long as the build)."""
    gc.freeze()
    context[contracts.COMMENT_DATA] = comment_data
    logger.info(
        "comment_data: %d comments, %d removals (source: %s)",
        comment_data.comment_count,
        len(comment_data.removals),
        comment_data.source,
    )


def share_comment_data(generator):
    """Read once per build; every generator of the build sees the same object."""
    if contracts.COMMENT_DATA not in generator.context:
        share(generator.context, read_for_build(generator.settings))


def end_freeze(_=None):
    """Let the collector see the objects frozen after the read again."""
    gc.unfreeze()


def keep_renderings(settings, prune=True):
    """Save the build's renderings (if it read comments) for the next build;
    ``prune=False`` (a refresh) keeps the earlier ones it did not show."""
    cache = settings.pop(contracts.COMMENT_RENDER_CACHE, None)
    if cache is not None:
        cache.save(prune)


def finish_build(pelican=None):
    """At the build's end: end the freeze, keep the renderings for the next."""
    end_freeze()
    if pelican is not None:
        keep_renderings(pelican.settings)


def register():
    """Connect the receivers."""
    signals.initialized.connect(end_freeze)
    signals.generator_init.connect(share_comment_data)
    signals.finalized.connect(finish_build)
