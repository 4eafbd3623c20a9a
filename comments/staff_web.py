"""The staff side of the comment server: login, logout, badges, verified replies.

``StaffLayer`` is WSGI middleware around Isso. For each request it works out
whether a verified staff member sends it (a live ``blog-staff`` session, or
Isso's own admin session) and keeps that in ``current_staff`` while Isso
handles the request. ``StaffRecorder`` listens to Isso's
``comments.new:after-save`` signal and records the new comment as staff's only
then. Routes: ``/staff/login`` (form), ``/staff/logout``, ``/staff/me`` and
``/staff/comments?uri=…`` (which comments of a thread carry the staff badge).
"""

import contextvars
import json
import logging
import re
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wrappers import Request, Response

from comments.login_limits import HashSlots, LoginThrottle, client_address
from comments.staff import (
    ISSO_ADMIN_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    isso_admin_member,
    record_staff_comment,
    staff_names_for_thread,
)

logger = logging.getLogger(__name__)

current_staff = contextvars.ContextVar("current_staff", default=None)
# How the staff member is known: a login "session", or "cli" (comments.reply).
staff_channel = contextvars.ContextVar("staff_channel", default="session")

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True),
)

# A path on this server ("/desk"): printable ASCII, never "//host" or "/\\host".
LOCAL_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")


class StaffRecorder:
    """Isso signal subscriber: record new comments of verified staff."""

    def __init__(self, db_path):
        self.db_path = db_path

    def __iter__(self):
        yield "comments.new:after-save", self.saved

    def saved(self, thread, comment):
        """Record the comment when the request came from a verified staff member."""
        member = current_staff.get()
        if member is not None:
            record_staff_comment(
                self.db_path,
                comment["id"],
                comment["created"],
                member,
                staff_channel.get(),
            )


def origin_of(url):
    """Return scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class StaffLayer:
    """Resolve staff identity for Isso, and serve the /staff/ routes."""

    def __init__(self, app, server, directory, hosts, public_endpoint=""):
        self.app = app
        self.server = server
        self.directory = directory
        self.origins = {origin_of(host) for host in hosts}
        # Behind a TLS proxy the request shows http://…; the published origin
        # ([server] public-endpoint) is this server too.
        self.public_origin = origin_of(public_endpoint) if public_endpoint else ""
        self.throttle = LoginThrottle()
        self.hash_slots = HashSlots()
        directory.dummy_hash()  # now, not in the first login's time
        self.routes = {
            "/staff/login": self.login,
            "/staff/logout": self.logout,
            "/staff/me": self.me,
            "/staff/comments": self.comments,
        }

    def __call__(self, environ, start_response):
        route = self.routes.get(environ.get("PATH_INFO", "").rstrip("/"))
        if route is not None:
            return route(Request(environ))(environ, start_response)
        member = self.identify(environ)
        posting = (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")) == (
            "POST",
            "/new",
        )
        if member is not None and posting:
            sign_with_display_name(environ, member)
        token = current_staff.set(member)
        try:
            # Isso's API handlers run inside this call, in this thread.
            return self.app(environ, start_response)
        finally:
            current_staff.reset(token)

    def own_origins(self, environ):
        """Return the origins this server has: as requested, and as published."""
        return {host_origin(environ), self.public_origin} - {""}

    def identify(self, environ, same_origin_only=False):
        """Return the verified StaffMember sending this request, else None.

        Requests may come from the blog's origins (comments posted there) and
        from this server's own; ``same_origin_only`` admits only the latter.
        """
        origin = environ.get("HTTP_ORIGIN")
        allowed = self.own_origins(environ)
        if not same_origin_only:
            allowed |= self.origins
        if origin and origin not in allowed:
            return None  # another site cannot borrow a staff session
        cookies = parse_cookie(environ)
        return self.directory.session_member(
            cookies.get(SESSION_COOKIE)
        ) or isso_admin_member(self.server, cookies.get(ISSO_ADMIN_COOKIE))

    def login(self, request):
        """Show the login form (GET) or check the credentials (POST)."""
        next_url = self.safe_next(request.values.get("next", ""))
        if request.method != "POST":
            member = self.identify(request.environ)
            return render("staff_login.html", member=member, next_url=next_url)
        account = request.form.get("account", "").strip()
        reservation = self.throttle.reserve(client_address(request.environ), account)
        if reservation is None:
            return render(
                "staff_login.html", error="throttled", next_url=next_url, status=429
            )
        with self.hash_slots.slot() as free:
            if not free:
                self.throttle.release(reservation)
                return render(
                    "staff_login.html", error="busy", next_url=next_url, status=503
                )
            member = self.directory.check_password(
                account, request.form.get("password", "")
            )
        if member is None:
            logger.warning("staff login failed")
            return render(
                "staff_login.html", error="invalid", next_url=next_url, status=403
            )
        self.throttle.release(reservation)
        token = self.directory.open_session(member)
        logger.info("staff login: %s", member.account)
        if next_url:
            response = Response(status=303, headers={"Location": next_url})
        else:
            response = render("staff_login.html", member=member, next_url="")
        response.headers.add(
            "Set-Cookie", session_cookie(request, token, max_age=SESSION_SECONDS)
        )
        return response

    def logout(self, request):
        """End the staff session (POST only, so a link cannot log anyone out)."""
        if request.method != "POST":
            return Response("POST only", status=405, headers={"Allow": "POST"})
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            self.directory.close_session(token)
        response = render("staff_login.html", logged_out=True, next_url="")
        response.headers.add("Set-Cookie", session_cookie(request, "", max_age=0))
        return response

    def me(self, request):
        """Tell the page who is logged in (display name only), for the widget."""
        member = self.identify(request.environ)
        return json_response({"staff": member.display_name if member else None})

    def comments(self, request):
        """Return {comment id: display name} of staff comments in one thread."""
        uri = request.args.get("uri", "")
        if not uri.startswith("/"):
            return json_response({"error": "uri must be a path"}, status=400)
        names = staff_names_for_thread(self.directory.db_path, uri)
        return json_response({str(key): name for key, name in names.items()})

    def safe_next(self, url):
        """Allow redirects to the blog or this server's pages (no open redirect)."""
        if url and (origin_of(url) in self.origins or LOCAL_PATH.fullmatch(url)):
            return url
        return ""


def host_origin(environ):
    """Return the origin of the comment server itself, as the request sees it."""
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"


def sign_with_display_name(environ, member):
    """Make a staff comment's author field the member's display name."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        payload["author"] = member.display_name
        body = json.dumps(payload).encode("utf-8")
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def session_cookie(request, value, max_age):
    """Return the Set-Cookie value of the staff session cookie."""
    secure = request.scheme == "https"
    return dump_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
    )


def render(template, status=200, **values):
    """Render one of the server's own HTML templates."""
    html = TEMPLATES.get_template(template).render(**values)
    return Response(html, status=status, mimetype="text/html")


def json_response(values, status=200):
    """Return a JSON response that is never cached."""
    return Response(
        json.dumps(values, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},
    )
