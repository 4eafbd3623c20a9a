"""Small WSGI middleware the comment server wraps around Isso.

Each class does one thing; ``comments.app.create_app`` composes them in one place.
"""

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_FORWARDED",
)


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
    """Add headers against MIME sniffing and referrer leaks to every response."""

    HEADERS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    )

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def add_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(
                (name, value)
                for name, value in self.HEADERS
                if name.lower() not in present
            )
            return start_response(status, headers, exc_info)

        return self.app(environ, add_headers)
