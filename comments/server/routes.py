"""Every URL the comment server answers, in one table, and the layer that keeps to it.

Each ``Route`` names its methods, its path (werkzeug rule syntax, as Isso's own
``VIEWS``), the layer that answers it and who may call it. ``ListedRoutesOnly``
sits just inside the outer layers (``comments.server.app.wrap``): a path no
route lists gets 404 and a method a listed path does not take gets 405, before
any layer sees them; ``OPTIONS`` passes to the CORS layer. The route it matched
is in ``environ[ROUTE_KEY]``, which the staff, desk and export layers dispatch
on. A trailing slash is not part of a path: ``/desk/`` is ``/desk``.
"""

from dataclasses import dataclass

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

ROUTE_KEY = "blog.route"


@dataclass(frozen=True)
class Route:
    """One URL the server answers: its methods and path, its layer, who may call."""

    methods: tuple
    path: str
    endpoint: str
    layer: str
    who: str
    only_with: str = ""  # the setting without which the answer is a refusal


ANYONE = "anyone"
STAFF = "staff (session from this server's own pages)"
AUTHOR = "the comment's author (edit cookie), or an admin session"
KEY = "holder of the link's signed key"

ROUTES = (
    # Isso's API (isso.views.comments.API.VIEWS, views.Info)
    Route(("GET",), "/", "fetch", "isso", ANYONE),
    Route(("POST",), "/new", "new", "isso", ANYONE),
    Route(("POST",), "/count", "counts", "isso", ANYONE),
    Route(("GET",), "/feed", "feed", "isso", ANYONE, "[rss] base"),
    Route(("GET",), "/latest", "latest", "isso", ANYONE, "[general] latest-enabled"),
    Route(("GET",), "/id/<int:id>", "view", "isso", ANYONE),
    Route(("PUT",), "/id/<int:id>", "edit", "isso", AUTHOR),
    Route(("DELETE",), "/id/<int:id>", "delete", "isso", AUTHOR),
    Route(
        ("GET",),
        "/id/<int:id>/unsubscribe/<string:email>/<string:key>",
        "unsubscribe",
        "isso",
        KEY,
    ),
    Route(
        ("GET", "POST"),
        "/id/<int:id>/<any(edit,activate,delete):action>/<string:key>",
        "moderate",
        "isso",
        KEY,
    ),
    Route(("POST",), "/id/<int:id>/like", "like", "isso", ANYONE),
    Route(("POST",), "/id/<int:id>/dislike", "dislike", "isso", ANYONE),
    Route(("GET",), "/demo/", "demo", "isso", ANYONE),
    Route(("POST",), "/preview", "preview", "isso", ANYONE),
    Route(("GET",), "/config", "config", "isso", ANYONE),
    Route(("GET",), "/info", "info", "isso", ANYONE),
    # Isso's admin, through comments.server.isso_admin
    Route(("POST",), "/login/", "login", "StaffLayer", ANYONE, "[admin] enabled"),
    Route(("GET",), "/admin/", "admin", "StaffLayer", "Redaktion", "[admin] enabled"),
    # Isso's client files (SharedDataMiddleware)
    Route(("GET",), "/js/<path:file>", "js", "static", ANYONE),
    Route(("GET",), "/css/<path:file>", "css", "static", ANYONE),
    Route(("GET",), "/img/<path:file>", "img", "static", ANYONE),
    # Staff logins and badges (comments.server.staff_web)
    Route(("GET", "POST"), "/staff/login", "staff-login", "StaffLayer", ANYONE),
    Route(("POST",), "/staff/logout", "staff-logout", "StaffLayer", STAFF),
    Route(("GET",), "/staff/me", "staff-me", "StaffLayer", ANYONE),
    Route(("GET",), "/staff/comments", "staff-comments", "StaffLayer", ANYONE),
    # The comment form without JavaScript (comments.server.form_post)
    Route(("GET", "POST"), "/form/new", "form-new", "CommentForm", ANYONE),
    # The answer desk (comments.server.desk_web)
    Route(("GET",), "/desk", "desk", "DeskPage", STAFF),
    Route(("GET",), "/desk.json", "desk-json", "DeskPage", STAFF),
    Route(("POST",), "/desk/assign", "desk-assign", "DeskPage", STAFF),
    # Readers' reply notifications (comments.server.subscription_web)
    Route(
        ("GET", "POST"),
        "/notify/confirm/<token>",
        "notify-confirm",
        "SubscriptionPages",
        KEY,
    ),
    Route(
        ("GET", "POST"),
        "/notify/unsubscribe/<token>",
        "notify-unsubscribe",
        "SubscriptionPages",
        KEY,
    ),
    Route(
        ("GET", "POST"),
        "/notify/thread/<token>",
        "notify-thread",
        "SubscriptionPages",
        KEY,
    ),
    Route(("POST",), "/desk/mention", "desk-mention", "MentionReview", STAFF),
    # Webmention (comments.server.webmention_web)
    Route(
        ("POST",),
        "/webmention",
        "webmention",
        "WebmentionEndpoint",
        ANYONE,
        "[webmention] enabled",
    ),
    Route(("POST",), "/desk/answer", "desk-answer", "DeskPage", STAFF),
    Route(("POST",), "/desk/remove", "desk-remove", "DeskPage", STAFF),
    Route(("POST",), "/desk/no-answer", "desk-no-answer", "DeskPage", STAFF),
    Route(("GET",), "/desk/desk.js", "desk-js", "DeskPage", ANYONE),
    # Remote builds (comments.server.export)
    Route(
        ("GET",),
        "/export",
        "export",
        "ExportEndpoint",
        "holder of BLOG_EXPORT_TOKEN",
        "BLOG_EXPORT_TOKEN",
    ),
)


def bare(path):
    """Return ``path`` without its trailing slash (``/`` stays ``/``)."""
    return path.rstrip("/") or "/"


URLS = Map(
    [Rule(bare(route.path), methods=route.methods, endpoint=route) for route in ROUTES]
)


def match(method, path):
    """Return the Route for ``method`` on ``path``; raise werkzeug's 404 or 405."""
    adapter = URLS.bind("comments", path_info=bare(path), url_scheme="http")
    route, _ = adapter.match(method=method)
    return route


def route_of(environ):
    """Return the Route ``ListedRoutesOnly`` matched for this request, or None."""
    return environ.get(ROUTE_KEY)


def endpoint_of(environ):
    """Return the endpoint name of this request's route ("" when none)."""
    route = route_of(environ)
    return route.endpoint if route else ""


class ListedRoutesOnly:
    """WSGI middleware: answer 404 or 405 outside ``ROUTES``, note the route inside."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        try:
            environ[ROUTE_KEY] = match(method, path)
        except MethodNotAllowed as refusal:
            if method != "OPTIONS":  # a CORS preflight: the layers answer it
                return refusal(environ, start_response)
            environ[ROUTE_KEY] = match(sorted(refusal.valid_methods)[0], path)
        except NotFound as missing:
            return missing(environ, start_response)
        return self.app(environ, start_response)
