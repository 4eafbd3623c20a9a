"""Blog parades: participation pages for posts that join one, and our own calls.

An article joins a parade through ``Parade…`` metadata (metadata.py lists the
keys). For every parade the build writes:

- the participation page (``PARADE_SAVE_AS``, template parade.html);
- ``parade.json`` (``PARADE_JSON_SAVE_AS``): title, slug, host, url, deadline,
  status, role, contributions, participants; absolute addresses when SITEURL
  is set, keys sorted, so that two builds of the same data are identical;
- for a parade we host, the deadline as ``deadline.ics`` (``PARADE_ICS_SAVE_AS``);

and one overview of all parades (``PARADE_INDEX_SAVE_AS``, parades.html), open
ones first, then the latest deadline first. Each contributing article gets
``article.blog_parade``, a plain dict that includes/parade_banner.html shows
(``article.parade`` is taken: Pelican turns each metadata key into an attribute).

Participants of a parade we host come from the published reader comments on
the call article (``COMMENT_DATA``, read once per build by plugins/comment_data),
from ``<PATH>/<PARADE_DATA_PATH>/<slug>.yml`` and from the Webmentions of the
call that staff approved (``COMMENT_DATA.mentions``; participants.py). A build
without comment data lists the manual entries only, and says so. A build
reading the database tells the comment server which pages are calls
(``parade-calls.json`` beside it).

The status is computed against the build's "now" (comments.core.build_now:
``SOURCE_DATE_EPOCH`` when set). A parade is open up to and including its
deadline day, until that day ends in ``PARADE_TIMEZONE``.

Metadata mistakes never stop the build: one warning names the file and the key,
and the article builds without the bad value.

Signals: ``initialized`` (defaults, checks the settings and that
``comment_data`` and ``isso_comments`` are loaded, once), ``get_generators``
(adds ParadeGenerator; it runs after the articles generator, reads the articles
in ``generate_context`` and writes its files in ``generate_output``).
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments.core import SetupError
from publishing.plugin_setup import require_plugins

from .generator import PER_PARADE_PATHS, ParadeGenerator

PLUGIN_NAME = "blog_parade"
NEEDS = ("comment_data", "isso_comments")  # the call's comments, its thread ids

DEFAULTS = {
    "PARADE_ENABLED": True,
    "PARADE_URL": "blogparade/{slug}/",
    "PARADE_SAVE_AS": "blogparade/{slug}/index.html",
    "PARADE_JSON_SAVE_AS": "blogparade/{slug}/parade.json",
    "PARADE_ICS_SAVE_AS": "blogparade/{slug}/deadline.ics",
    "PARADE_INDEX_URL": "blogparade/",
    "PARADE_INDEX_SAVE_AS": "blogparade/index.html",
    # Folder of the manual participant lists (<slug>.yml), relative to PATH.
    "PARADE_DATA_PATH": "parades",
    # Time zone in which a deadline day ends; None means TIMEZONE.
    "PARADE_TIMEZONE": None,
}


class ParadeSettingError(SetupError):
    """A PARADE_* setting is wrong; the message names it and the fix."""


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


def check_settings(settings):
    """Raise ParadeSettingError naming the first setting that cannot work."""
    for key in PER_PARADE_PATHS:
        value = settings[key]
        try:
            usable = isinstance(value, str) and "{slug}" in value
            usable = usable and bool(value.format(slug="x"))
        except (KeyError, IndexError, ValueError):
            usable = False
        if not usable:
            raise ParadeSettingError(
                f"{key}={value!r} must be a path with {{slug}} and no other "
                f"placeholder, e.g. {DEFAULTS[key]!r}"
            )
    for key in ("PARADE_INDEX_URL", "PARADE_INDEX_SAVE_AS", "PARADE_DATA_PATH"):
        if not isinstance(settings[key], str):
            raise ParadeSettingError(
                f"{key}={settings[key]!r} must be a text, e.g. {DEFAULTS[key]!r}"
            )
    try:
        ZoneInfo(settings["PARADE_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ParadeSettingError(
            f"PARADE_TIMEZONE={settings['PARADE_TIMEZONE']!r} is not a time zone; "
            "use a name like 'Europe/Berlin' or leave it out to use TIMEZONE"
        ) from None


def configure(pelican):
    """Add the defaults to the settings and check them once."""
    settings = pelican.settings
    if not is_listed(settings):
        return
    require_plugins(settings, PLUGIN_NAME, NEEDS)
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    settings["PARADE_TIMEZONE"] = (
        settings["PARADE_TIMEZONE"] or settings.get("TIMEZONE") or "UTC"
    )
    if settings["PARADE_ENABLED"]:
        check_settings(settings)


def add_generator(pelican):
    """Add the parade generator to builds that load the plugin and enable it."""
    settings = pelican.settings
    if not (is_listed(settings) and settings.get("PARADE_ENABLED")):
        return None
    return ParadeGenerator


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.get_generators.connect(add_generator)
