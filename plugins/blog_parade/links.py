"""Web addresses for blog parades: check, normalise, compare, make absolute.

Normalising makes two spellings of one post's address equal, so that a
participant who leaves the same link twice (once with ``?utm_source=…``, once
with a ``#comments`` fragment) is listed once.
"""

from urllib.parse import unquote, urlsplit, urlunsplit

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say where a click came from.
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "ref"})
TRACKING_PREFIXES = ("utm_", "mc_")


def is_web_url(text):
    """True for an absolute http(s) address with a host name."""
    try:
        parts = urlsplit(text.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def is_tracking_parameter(name):
    """True for a query parameter that only tracks where a visitor came from."""
    name = name.lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def normalise_url(text):
    """Return the canonical form of an http(s) address, or None for anything else.

    Scheme and host are lower-cased, user info, default ports, the fragment and
    tracking parameters are dropped, and the path loses a trailing slash (the
    bare host gets exactly one): servers redirect either spelling to the other.
    """
    try:
        parts = urlsplit(text.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:  # e.g. a port that is not a number
        return None
    if scheme not in WEB_SCHEMES or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/") or "/"
    # Kept parameters stay exactly as written: decoding and encoding again
    # could change what the server receives.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not is_tracking_parameter(unquote(pair.partition("=")[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def site_host(url):
    """Return the host of ``url`` without a leading ``www.``, or ""."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def site_link(site_url, path):
    """Return a site path as a link: absolute below SITEURL, else from the root."""
    if site_url:
        return f"{site_url.rstrip('/')}/{path.lstrip('/')}"
    return "/" + path.lstrip("/")
