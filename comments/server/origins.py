"""Where a request says it comes from, and which origins are the blog's or ours.

The staff layer, the desk and the write guard all ask the same question: did
a page of the blog or of this server send this? ``sending_origin`` reads the
browser's answer (``Origin``, else the ``Referer``'s origin); ``Origins`` knows
the blog's origins (``[general] host``) and this server's, as the request
sees it and as published (``[server] public-endpoint``, behind a TLS proxy).
"""

from urllib.parse import urlsplit


def origin_of(url):
    """Return scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_origin(environ):
    """Return the origin of the comment server itself, as the request sees it."""
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"


def sending_origin(environ):
    """The origin a browser says the request comes from, or None (no browser).

    ``Origin: null`` (a sandboxed or privacy-stripped page) is returned as
    "null", which is nobody's origin.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin:
        return origin
    referer = environ.get("HTTP_REFERER")
    return origin_of(referer) if referer else None


class Origins:
    """The blog's origins and this server's."""

    def __init__(self, hosts, public_endpoint=""):
        self.blog = frozenset(origin_of(host) for host in hosts)
        self.public = origin_of(public_endpoint) if public_endpoint else ""

    def own(self, environ):
        """This server's origins: as requested, and as published."""
        return {host_origin(environ), self.public} - {""}

    def site(self, environ):
        """The blog's origins and this server's."""
        return self.own(environ) | self.blog
