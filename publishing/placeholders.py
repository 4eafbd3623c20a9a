"""Refuse to publish a site whose addresses are still documented placeholders.

Without ``BLOG_SITEURL`` and ``BLOG_COMMENTS_URL`` publishconf.py falls back to
``https://blog.example.org`` and ``https://kommentare.example.org``; a site
built with them links nowhere and its comments talk to nobody. Reserved names
(RFC 2606, RFC 6761) and the local machine count as placeholders.
``invoke publish --allow-placeholder`` is for staging.
"""

from urllib.parse import urlsplit

from comments.core import SetupError

RESERVED_DOMAINS = ("example.org", "example.com", "example.net", "localhost")
RESERVED_SUFFIXES = (".example", ".invalid", ".test", ".localhost")
# (setting, the environment variable publishconf.py reads it from)
ADDRESSES = (("SITEURL", "BLOG_SITEURL"), ("COMMENTS_URL", "BLOG_COMMENTS_URL"))


def is_placeholder(url):
    """Whether ``url``'s host is a reserved example name or the local machine."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return (
        any(host == name or host.endswith(f".{name}") for name in RESERVED_DOMAINS)
        or host.endswith(RESERVED_SUFFIXES)
        or host.startswith("127.")
        or host in ("::1", "0.0.0.0")
    )


def refuse_placeholders(settings):
    """Raise a one-line SetupError naming the first address still a placeholder."""
    for setting, variable in ADDRESSES:
        url = settings.get(setting) or ""
        if is_placeholder(url):
            raise SetupError(
                f"{setting}={url!r} is a placeholder; set {variable} to the "
                "public address (or --allow-placeholder for staging)"
            )
