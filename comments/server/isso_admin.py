"""Isso's admin login as a revocable session of the shared account "Redaktion".

Isso's own ``POST /login/`` compares the password in plain, has no limit, and
its ``admin-session`` cookie (a signed ``{"logged": true}``) is readable by
scripts and valid for 24 hours whatever happens. ``StaffLayer`` answers
``POST /login/`` itself with the functions here: a constant-time comparison
behind the staff login's throttle, a session row in ``blog_staff_sessions``
(account ``redaktion``) and a cookie that Isso still accepts — the signed
payload keeps ``logged`` and adds the session token — but that is HttpOnly,
SameSite=Lax and counts only while its row lives. ``/staff/logout`` and
``invoke comments.staff-logout redaktion`` end it. Requests to ``/admin/`` pass
to Isso only with a live session's cookie and numeric paging arguments.
"""

import hmac
import logging
from io import BytesIO

from markupsafe import escape
from werkzeug.wrappers import Request, Response

from comments.server.admin_handlers import without_inline_handlers
from comments.server.login_limits import LOGIN_WINDOW, client_address
from comments.staff.accounts import ISSO_ADMIN, ISSO_ADMIN_COOKIE, SESSION_SECONDS

logger = logging.getLogger(__name__)

SESSION_KEY = "blog-session"  # the session token inside Isso's signed payload
LARGEST_FORM = 64 * 1024  # a login form is a few bytes
# Isso's admin page logs out by deleting its cookie in JavaScript, which an
# HttpOnly cookie forbids: the link becomes a form that ends the session.
ISSO_LOGOUT_LINK = (
    b'<a id="logout" class="logout label" onClick="javascript:log_out()">Log Out</a>'
)
LOGOUT_FORM = (
    '<form method="post" action="{root}/staff/logout" style="display:inline">'
    '<button id="logout" class="logout label" type="submit">Abmelden</button></form>'
)
TOO_MANY = "Zu viele Fehlversuche. Bitte versuchen Sie es in einigen Minuten erneut."
# /admin/ arguments Isso turns into numbers (a word there was a 500).
NUMBER_ARGUMENTS = ("page", "mode", "asc")
LARGEST_NUMBER = 2**31 - 1


class IssoAdminRoutes:
    """``POST /login/`` and ``/admin/`` for a ``StaffLayer`` (its throttle,
    sessions and cookies)."""

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, endpoint, environ, start_response):
        layer = self.layer
        if not layer.server.conf.getboolean("admin", "enabled"):
            return layer.app(environ, start_response)  # Isso says it is off
        if endpoint == "login":
            if environ.get("REQUEST_METHOD") != "POST":
                return layer.app(environ, start_response)
            return self.login(environ, start_response)
        strip_admin_cookie(environ, layer.server, layer.directory)
        request = Request(environ)
        bad = bad_admin_arguments(request.args)
        if bad:
            response = Response(f"{bad} muss eine ganze Zahl sein.\n", status=400)
            return response(environ, start_response)
        return admin_page(layer.app, environ, start_response, request.script_root)

    def login(self, environ, start_response):
        """Check the admin password behind the throttle; open a session."""
        layer = self.layer
        form = buffered_form(environ)
        request = Request(environ)
        reservation = layer.throttle.reserve(
            client_address(environ), ISSO_ADMIN.account
        )
        if reservation is None:
            response = Response(
                f"{TOO_MANY}\n",
                status=429,
                mimetype="text/plain",
                headers={"Retry-After": str(LOGIN_WINDOW)},
            )
            return response(environ, start_response)
        typed = form.get("password", "")
        if not password_is_right(typed, layer.server.conf.get("admin", "password")):
            logger.warning("admin login failed")
            return layer.app(environ, start_response)  # Isso shows its form again
        layer.throttle.release(reservation)
        token = layer.directory.open_session(ISSO_ADMIN)
        logger.info("admin login")
        response = Response(
            status=302, headers={"Location": f"{request.script_root}/admin/"}
        )
        value = cookie_value(layer.server, token)
        response.headers.add(
            "Set-Cookie",
            layer.cookie(request, ISSO_ADMIN_COOKIE, value, SESSION_SECONDS),
        )
        return response(environ, start_response)


def password_is_right(typed, password):
    """Compare the typed admin password in constant time; never accept empty."""
    return bool(typed) and hmac.compare_digest(
        typed.encode("utf-8"), password.encode("utf-8")
    )


def cookie_value(server, token):
    """Return the admin cookie: Isso's signed payload plus our session token."""
    return server.sign({"logged": True, SESSION_KEY: token})


def session_token(server, value):
    """Return the session token in a valid admin cookie, else None.

    Isso signs edit cookies and moderation keys with the same key: the
    signature alone proves nothing, the payload must be an admin session's.
    """
    from itsdangerous import BadData  # the server's (see staff.hash_password)

    if not value:
        return None
    try:
        payload = server.unsign(value, max_age=SESSION_SECONDS)
    except (BadData, ValueError, TypeError):
        return None
    if isinstance(payload, dict) and payload.get("logged") is True:
        token = payload.get(SESSION_KEY)
        return token if isinstance(token, str) else None
    return None


def admin_member(server, directory, value):
    """Return ISSO_ADMIN for a live admin session's cookie, else None."""
    token = session_token(server, value)
    if token and directory.session_member(token) == ISSO_ADMIN:
        return ISSO_ADMIN
    return None


def buffered_form(environ):
    """Return the request's form, leaving its body readable for Isso again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(min(length, LARGEST_FORM)) if length > 0 else b""
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    form = Request({**environ, "wsgi.input": BytesIO(body)}).form
    return form


def bad_admin_arguments(args):
    """Name the first /admin/ argument Isso could not read as a number, or ""."""
    for name in NUMBER_ARGUMENTS:
        value = args.get(name)
        if value is None:
            continue
        text = value.strip().removeprefix("-")
        if not (text.isascii() and text.isdigit() and int(text) <= LARGEST_NUMBER):
            return name
    return ""


def without_cookie(environ, name):
    """Remove cookie ``name`` from the request, so Isso does not see it."""
    kept = [
        part
        for part in environ.get("HTTP_COOKIE", "").split(";")
        if part.split("=", 1)[0].strip() != name
    ]
    environ["HTTP_COOKIE"] = ";".join(kept)


def admin_page(app, environ, start_response, script_root):
    """Call Isso's /admin/, make its logout link end the session here, and
    turn its inline handlers into data attributes (``admin_handlers``)."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None  # Isso returns its body, never writes it

    chunks = app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    body = body.replace(
        ISSO_LOGOUT_LINK,
        LOGOUT_FORM.format(root=escape(script_root)).encode("utf-8"),
    )
    if captured["status"].startswith("200"):
        page = body.decode("utf-8", "replace")
        body = without_inline_handlers(page).encode("utf-8")
    headers = [
        (name, value)
        for name, value in captured["headers"]
        if name.lower() != "content-length"
    ]
    headers.append(("Content-Length", str(len(body))))
    start_response(captured["status"], headers)
    return [body]


def strip_admin_cookie(environ, server, directory):
    """Drop an admin cookie that is no live session (forged, ended, an edit
    cookie), so Isso shows its login form instead of failing on it."""
    value = Request(environ).cookies.get(ISSO_ADMIN_COOKIE)
    if value and admin_member(server, directory, value) is None:
        without_cookie(environ, ISSO_ADMIN_COOKIE)
