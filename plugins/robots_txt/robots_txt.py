"""Write ``robots.txt``: every crawler allowed, the sitemap named.

The sitemap itself is the pelican-sitemap package's (plugin ``sitemap``),
which writes no robots.txt. The sitemap is named only when that plugin is
listed, as an absolute URL when ``SITEURL`` is one.

Signals: ``initialized`` (checks the setting), ``finalized`` (writes the file).
"""

import logging
from pathlib import Path

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments.errors import SetupError

logger = logging.getLogger(__name__)

PLUGIN_NAME = "robots_txt"
SITEMAP_PLUGIN = "sitemap"
SITEMAP_FILE = "sitemap.xml"  # pelican-sitemap's name for the XML format

DEFAULTS = {
    # An empty value leaves robots.txt to the web server.
    "ROBOTS_SAVE_AS": "robots.txt",
}


class RobotsSettingError(SetupError):
    """ROBOTS_SAVE_AS is wrong; the message names it and the fix."""


def is_listed(settings, name=PLUGIN_NAME):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(name, settings.get("PLUGINS"))


def robots_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    value = values["ROBOTS_SAVE_AS"]
    if value and (value.startswith("/") or ".." in Path(value).parts):
        raise RobotsSettingError(
            f"ROBOTS_SAVE_AS={value!r} must be a path inside the output folder, "
            "e.g. 'robots.txt'"
        )
    return values


def robots_document(sitemap_url):
    """Return robots.txt allowing every crawler and naming the sitemap."""
    lines = ["User-agent: *", "Disallow:"]
    if sitemap_url:
        lines += ["", f"Sitemap: {sitemap_url}"]
    return "\n".join(lines) + "\n"


def configure(pelican):
    """Check the setting once, so a mistake stops the build at its start."""
    if is_listed(pelican.settings):
        robots_settings(pelican.settings)


def write_robots(pelican):
    """Write robots.txt into the finished output."""
    if not is_listed(pelican.settings):
        return
    save_as = robots_settings(pelican.settings)["ROBOTS_SAVE_AS"]
    if not save_as:
        return
    sitemap_url = None
    if is_listed(pelican.settings, SITEMAP_PLUGIN):
        siteurl = pelican.settings.get("SITEURL", "").rstrip("/")
        sitemap_url = f"{siteurl}/{SITEMAP_FILE}"
    target = Path(pelican.output_path) / save_as
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(robots_document(sitemap_url), encoding="utf-8")


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.finalized.connect(write_robots)
