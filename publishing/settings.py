"""The ``PUBLISH_…`` settings of publishconf.py, read and checked once.

- ``PUBLISH_TARGET``: where the site goes. A local folder gets the release
  layout (``releases/<UTC time>/`` and a ``current`` symlink); ``[user@]host:path``,
  ``host::module`` and ``rsync://…`` go through rsync. A relative folder is
  relative to the settings file, as Pelican's own ``PATH`` and ``OUTPUT_PATH``.
- ``PUBLISH_METHOD``: ``"auto"`` (by the target, as above), ``"releases"`` or
  ``"rsync"`` (rsync into a local folder too, updating it in place).
- ``PUBLISH_KEEP_RELEASES``: previous releases kept for ``invoke rollback``.
- ``PUBLISH_EMAIL_ALLOWLIST``: the email addresses the site may show
  (``"@example.org"`` allows a whole domain).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from comments.core import SetupError

DEFAULTS = {
    "PUBLISH_TARGET": "",
    "PUBLISH_METHOD": "auto",
    "PUBLISH_KEEP_RELEASES": 5,
    "PUBLISH_EMAIL_ALLOWLIST": (),
}
METHODS = ("auto", "releases", "rsync")


@dataclass(frozen=True)
class PublishSettings:
    """Where and how to deploy, checked."""

    target: str  # an absolute folder for "releases", as written for "rsync"
    method: str  # "releases" or "rsync"
    keep_releases: int
    email_allowlist: tuple[str, ...]


def is_remote(target):
    """True when rsync would read ``target`` as remote: a colon before any slash."""
    return ":" in target.split("/", 1)[0]


def publish_settings(settings, settings_file):
    """Return the checked PublishSettings of a Pelican settings dict."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    target = str(values["PUBLISH_TARGET"] or "").strip()
    if not target:
        raise SetupError(
            f"PUBLISH_TARGET is not set in {settings_file}; set it there or in the "
            "environment variable PUBLISH_TARGET (a folder or user@host:/path)"
        )
    check_site_url(settings.get("SITEURL"))
    method = values["PUBLISH_METHOD"]
    if method not in METHODS:
        raise SetupError(
            f"PUBLISH_METHOD={method!r} must be one of {', '.join(METHODS)}"
        )
    if method == "auto":
        method = "rsync" if is_remote(target) else "releases"
    if method == "releases" and is_remote(target):
        raise SetupError(
            f"PUBLISH_TARGET={target!r} is remote; releases need a local folder "
            "(use PUBLISH_METHOD = 'rsync' or 'auto')"
        )
    if not is_remote(target):
        base = Path(settings_file).resolve().parent
        target = os.path.normpath(base / Path(target).expanduser())
        check_outside_build(target, settings)
    keep = values["PUBLISH_KEEP_RELEASES"]
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise SetupError(
            f"PUBLISH_KEEP_RELEASES={keep!r} must be a whole number of at least 1 "
            "(rollback needs a previous release)"
        )
    allowlist = values["PUBLISH_EMAIL_ALLOWLIST"]
    if isinstance(allowlist, str) or not all(
        isinstance(entry, str) and "@" in entry for entry in allowlist
    ):
        raise SetupError(
            f"PUBLISH_EMAIL_ALLOWLIST={allowlist!r} must be a list of addresses "
            "such as ['redaktion@example.org'] or domains such as ['@example.org']"
        )
    return PublishSettings(
        target=target,
        method=method,
        keep_releases=keep,
        email_allowlist=tuple(entry.strip().lower() for entry in allowlist),
    )


def check_site_url(site_url):
    """Refuse a SITEURL a published site cannot link with: every link, feed
    and canonical address starts with it."""
    parts = urlsplit(site_url if isinstance(site_url, str) else "")
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(char.isspace() for char in site_url)
    ):
        raise SetupError(
            f"SITEURL={site_url!r} (BLOG_SITEURL) must be the site's absolute "
            "address, e.g. https://blog.example.org"
        )


def check_outside_build(target, settings):
    """Refuse a local target inside the content or the local output folder."""
    for name in ("PATH", "OUTPUT_PATH"):
        folder = settings.get(name)
        if folder and Path(target).is_relative_to(Path(folder).resolve()):
            raise SetupError(
                f"PUBLISH_TARGET={target!r} lies inside {name} ({folder}); a build "
                "would read or delete the live site: choose a folder outside it"
            )
