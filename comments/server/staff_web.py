"""The staff side of the comment server: login, logout, badges, verified replies.

``StaffLayer`` is WSGI middleware around Isso. For each request it works out
whether a verified staff member sends it (a live ``blog-staff`` session, or
Isso's own admin session) and keeps that in ``current_staff`` while Isso
handles the request. ``StaffRecorder`` listens to Isso's
``comments.new:after-save`` signal and records the new comment as staff's only
then. Routes: ``/staff/login`` (form), ``/staff/logout``, ``/staff/me`` and
``/staff/comments?uri=…`` (which comments of a thread carry the staff badge);
Isso's ``POST /login/`` and ``/admin/`` pass through ``comments.server.isso_admin``.
Logins are limited by ``comments.server.login_limits``.
"""

import json
import logging
import re
from io import BytesIO
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wrappers import Request, Response

from comments.server import isso_admin
from comments.server.login_limits import HashSlots, LoginThrottle, client_address
from comments.server.origins import origin_of, sending_origin
from comments.server.routes import endpoint_of
from comments.staff.accounts import (
    ISSO_ADMIN_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    current_staff,
    record_staff_comment,
    staff_channel,
    staff_names_for_thread,
    staff_pseudonym,
)

logger = logging.getLogger(__name__)


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(default=True),
)

# A path on this server ("/desk"): printable ASCII, never "//host" or "/\\host".
LOCAL_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")

# Stored as a staff comment's address: no reader's, so no reader's limit.
STAFF_ADDRESS = "staff"

# Against framing (clickjacking) of the login form and Isso's admin page.
FRAME_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)


class StaffRecorder:
    """Isso signal subscriber: record new comments of verified staff."""

    def __init__(self, db_path):
        self.db_path = db_path

    def __iter__(self):
        yield "comments.new:before-save", self.address_staff
        yield "comments.new:after-save", self.saved

    def address_staff(self, thread, comment):
        """Store a staff comment under no reader's address.

        Isso's guard counts a reader's recent comments by the stored address;
        a staff answer from the same office network, or from the command line
        (127.0.0.1), would count against the readers there.
        """
        if current_staff.get() is not None:
            comment["remote_addr"] = STAFF_ADDRESS

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


class StaffLayer:
    """Resolve staff identity for Isso, and serve the /staff/ routes.

    It answers Isso's ``POST /login/`` too and guards ``/admin/``
    (``comments.server.isso_admin``): both logins share one throttle.
    """

    def __init__(self, app, server, directory, origins):
        self.app = app
        self.server = server
        self.directory = directory
        self.origins = origins  # comments.server.origins.Origins
        self.throttle = LoginThrottle()
        self.hash_slots = HashSlots()
        self.isso_admin = isso_admin.IssoAdminRoutes(self)
        self.site_url = server.conf.get("blog", "site-url").rstrip("/")
        directory.dummy_hash()  # now, not in the first login's time
        self.routes = {
            "staff-login": self.login,
            "staff-logout": self.logout,
            "staff-me": self.me,
            "staff-comments": self.comments,
        }

    def __call__(self, environ, start_response):
        endpoint = endpoint_of(environ)
        route = self.routes.get(endpoint)
        if route is not None:
            return route(Request(environ))(environ, start_response)
        if endpoint in ("login", "admin"):
            return self.isso_admin(
                endpoint, environ, with_frame_headers(start_response)
            )
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

    def identify(self, environ, same_origin_only=False):
        """Return the verified StaffMember sending this request, else None.

        Requests may come from the blog's origins (comments posted there) and
        from this server's own; ``same_origin_only`` admits only the latter.
        """
        origin = environ.get("HTTP_ORIGIN")
        if same_origin_only:
            allowed = self.origins.own(environ)
        else:
            allowed = self.origins.site(environ)
        if origin and origin not in allowed:
            return None  # another site cannot borrow a staff session
        cookies = parse_cookie(environ)
        return self.directory.session_member(
            cookies.get(SESSION_COOKIE)
        ) or isso_admin.admin_member(
            self.server, self.directory, cookies.get(ISSO_ADMIN_COOKIE)
        )

    def login(self, request):
        """Show the login form (GET) or check the credentials (POST)."""
        next_url = self.safe_next(request.values.get("next", ""))
        if request.method != "POST":
            member = self.identify(request.environ)
            return render_login(
                member=member,
                next_url=next_url,
                script_root=request.script_root,
                site_url=self.site_url,
            )
        account = request.form.get("account", "").strip()
        reservation = self.throttle.reserve(client_address(request.environ), account)
        if reservation is None:
            return render_login(error="throttled", next_url=next_url, status=429)
        with self.hash_slots.slot() as free:
            if not free:
                self.throttle.release(reservation)
                return render_login(error="busy", next_url=next_url, status=503)
            member = self.directory.check_password(
                account, request.form.get("password", "")
            )
        if member is None:
            logger.warning("staff login failed")
            return render_login(error="invalid", next_url=next_url, status=403)
        self.throttle.release(reservation)
        token = self.directory.open_session(member)
        logger.info("staff login: %s", member.account)
        # To the page the member came from, else the desk.
        landing = next_url or f"{request.script_root}/desk"
        response = Response(status=303, headers={"Location": landing})
        response.headers.add(
            "Set-Cookie",
            self.cookie(request, SESSION_COOKIE, token, SESSION_SECONDS),
        )
        return response

    def logout(self, request):
        """End the staff and admin sessions (POST from this server's pages or
        the blog only, so no link or other site can log anyone out)."""
        if request.method != "POST":
            return Response("POST only", status=405, headers={"Allow": "POST"})
        if not self.from_own_pages(request.environ):
            return Response(
                "Abmelden geht nur von dieser Website oder dem Blog aus.\n", status=403
            )
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            self.directory.close_session(token)
        admin_token = isso_admin.session_token(
            self.server, request.cookies.get(ISSO_ADMIN_COOKIE)
        )
        if admin_token:
            self.directory.close_session(admin_token)
        response = render_login(
            logged_out=True, next_url="", script_root=request.script_root
        )
        for name in (SESSION_COOKIE, ISSO_ADMIN_COOKIE):
            response.headers.add("Set-Cookie", self.cookie(request, name, "", 0))
        return response

    def me(self, request):
        """Tell the page who is logged in (display name only), for the widget."""
        member = self.identify(request.environ)
        return json_response({"staff": member.display_name if member else None})

    def from_own_pages(self, environ):
        """True for a request from this server's or the blog's pages (Origin,
        else Referer); a request sending neither (no browser) passes."""
        origin = sending_origin(environ)
        return origin is None or origin in self.origins.site(environ)

    def cookie(self, request, name, value, max_age):
        """Return a session cookie's Set-Cookie value: HttpOnly, SameSite=Lax
        (the blog and this server are one site), Secure behind https."""
        secure = request.scheme == "https" or self.origins.public.startswith("https:")
        return dump_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=secure,
            samesite="Lax",
        )

    def comments(self, request):
        """Return {comment id: display name} of staff comments in one thread."""
        uri = request.args.get("uri", "")
        if not uri.startswith("/"):
            return json_response({"error": "uri must be a path"}, status=400)
        names = staff_names_for_thread(self.directory.db_path, uri)
        return json_response({str(key): name for key, name in names.items()})

    def safe_next(self, url):
        """Allow redirects to the blog or this server's pages (no open redirect);
        only printable ASCII (a line break in a Location header is a 500)."""
        if not all(" " < char <= "~" for char in url):
            return ""
        if url and (origin_of(url) in self.origins.blog or LOCAL_PATH.fullmatch(url)):
            return url
        return ""


def with_frame_headers(start_response):
    """Return ``start_response`` adding FRAME_HEADERS to the response."""

    def start(status, headers, exc_info=None):
        present = {name.lower() for name, _ in headers}
        headers.extend(
            (name, value)
            for name, value in FRAME_HEADERS
            if name.lower() not in present
        )
        return start_response(status, headers, exc_info)

    return start


def sign_with_display_name(environ, member):
    """Make a staff comment's author the member's display name, and its email
    the account's pseudonym (``staff_pseudonym``): its avatar hash is then the
    account's, not the sender's address's."""
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
        payload["email"] = staff_pseudonym(member)
        body = json.dumps(payload).encode("utf-8")
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def render_login(status=200, **values):
    """Render the login page, which may not be framed."""
    response = render("staff_login.html", status=status, **values)
    response.headers.extend(FRAME_HEADERS)
    return response


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
