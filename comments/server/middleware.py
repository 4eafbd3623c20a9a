"""Small WSGI middleware the comment server wraps around Isso.

Each class does one thing; ``comments.server.app.create_app`` composes them in one
place.
"""

import io
import json
import re

from isso.wsgi import urlsplit as isso_urlsplit

from comments.server.content_policy import policy_for

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
)
# A comment id in a path: /id/42, /id/42/like, /id/42/delete/<key>.
ID_SEGMENT = re.compile(r"/id/(\d+)(?:/|$)")
# The blog's nginx sends the same (deploy/nginx/headers.conf).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
LONGEST_TEXT = 65535  # Isso's own limit for a comment's text (API.verify)


class UntrustedForwardingFilter:
    """Drop X-Forwarded-* headers unless the peer is a configured trusted proxy.

    Isso wraps itself in werkzeug's ProxyFix with ``x_for=1`` even when no
    proxy is configured, so any client could send ``X-Forwarded-For`` and get a
    fresh address for every request: the rate limits would not hold. Only a
    reverse proxy that overwrites the header may be believed.
    """

    def __init__(self, app, trusted_proxies):
        self.app = app
        self.trusted_proxies = frozenset(trusted_proxies)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") not in self.trusted_proxies:
            for header in FORWARDED_HEADERS:
                environ.pop(header, None)
        return self.app(environ, start_response)


class SecurityHeaders:
    """Add security headers to every response: its page's Content-Security-Policy
    (comments/server/content_policy.py, replacing any a layer set), no
    framing, no MIME sniffing, no referrer leaks, no powerful features, and no
    caching of HTML pages (logins, the desk, Isso's admin)."""

    HEADERS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    )

    def __init__(self, app, blog_origins=()):
        self.app = app
        self.blog_origins = tuple(blog_origins)  # where the comment form lands

    def __call__(self, environ, start_response):
        policy = policy_for(environ.get("PATH_INFO", ""), self.blog_origins)

        def add_headers(status, headers, exc_info=None):
            headers[:] = [
                (name, value)
                for name, value in headers
                if name.lower() != "content-security-policy"
            ]
            present = {name.lower(): value for name, value in headers}
            headers.append(("Content-Security-Policy", policy))
            headers.extend(
                (name, value)
                for name, value in self.HEADERS
                if name.lower() not in present
            )
            html = present.get("content-type", "").startswith("text/html")
            if html and "cache-control" not in present:
                headers.append(("Cache-Control", "no-store"))
            return start_response(status, headers, exc_info)

        return self.app(environ, add_headers)


class UnparsableOrigins:
    """Answer 400 to an Origin or Referer whose port is no number.

    Isso's CORS layer and its request setup parse both headers for every
    request, and ``Origin: http://localhost:8000.evil.example`` raised a
    ValueError there: a 500 and a traceback for any request, read or write.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for header in ("HTTP_ORIGIN", "HTTP_REFERER"):
            if header in environ:
                try:
                    isso_urlsplit(environ[header])
                except ValueError:
                    return plain_response(
                        start_response, "400 Bad Request", f"malformed {header[5:]}"
                    )
        return self.app(environ, start_response)


class MalformedRequests:
    """Answer request bodies and ids Isso cannot handle with 400 or 404.

    Isso assumes the shape of what it is sent: a JSON array instead of an
    object for a new comment, a list of lists for the counts, a comment id or
    ``parent`` beyond SQLite's 64-bit integers, or text with a lone surrogate
    escape (``"\\udcff"``, valid JSON, not encodable), JSON nested 100,000 deep
    (RecursionError) each ended in a 500 and a traceback in the log; a preview
    may be as long as a comment, no longer. Bodies are checked only where Isso
    reads them (a new or edited comment, the counts, a preview) and only up to
    Isso's own size limit; anything else passes unchanged.
    """

    LARGEST_BODY = 256 * 1024  # isso.wsgi.Request.max_content_length
    LARGEST_ID = 2**63 - 1  # SQLite's INTEGER

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        ids = ID_SEGMENT.findall(path)
        if any(int(number) > self.LARGEST_ID for number in ids):
            return plain_response(start_response, "404 Not Found", "no such comment")
        shape = None
        if (method, path.rstrip("/")) == ("POST", "/new") or (method == "PUT" and ids):
            shape = is_comment_body  # a new comment, an edit
        elif (method, path.rstrip("/")) == ("POST", "/count"):
            shape = is_list_of_texts
        elif (method, path.rstrip("/")) == ("POST", "/preview"):
            shape = is_preview_body
        if shape is None:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.app(environ, start_response)
        if not 0 < length <= self.LARGEST_BODY:
            return self.app(environ, start_response)  # Isso answers 400 / 413
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            value = json.loads(body)
        except ValueError:  # not JSON at all: Isso says so itself
            return self.app(environ, start_response)
        except RecursionError:  # arrays nested 100,000 deep: Isso's parse fails too
            return plain_response(
                start_response, "400 Bad Request", "request body nested too deeply"
            )
        if not shape(value):
            return plain_response(
                start_response, "400 Bad Request", "request body of the wrong shape"
            )
        return self.app(environ, start_response)


def is_text(value):
    """A string SQLite can store (no lone surrogate)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_comment_body(value):
    """A new or edited comment as Isso reads it: an object of texts, numbers,
    booleans and nulls; ``parent`` null or a 64-bit id."""
    if not isinstance(value, dict) or not all(map(is_text, value)):
        return False
    parent = value.get("parent")
    if parent is not None and not (
        isinstance(parent, int)
        and not isinstance(parent, bool)
        and 0 <= parent <= MalformedRequests.LARGEST_ID
    ):
        return False
    return all(
        item is None or isinstance(item, (bool, int, float)) or is_text(item)
        for item in value.values()
    )


def is_preview_body(value):
    """A comment text to preview, no longer than a comment may be."""
    return (
        isinstance(value, dict)
        and is_text(value.get("text"))
        and len(value["text"]) <= LONGEST_TEXT
    )


def is_list_of_texts(value):
    """The thread paths ``/count`` is asked for."""
    return isinstance(value, list) and all(map(is_text, value))


def plain_response(start_response, status, text):
    """Answer with a short plain-text body."""
    body = f"{text}\n".encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
