"""The server side of readers' reply notifications: opt-in requests and link pages.

``OptInRequests`` sits around Isso's ``POST /new`` (inside ``StaffLayer``). It
takes the widget's ``notification`` field (and ``notify-team-only``, added by
the theme's ``comment-notifications.js``) out of the request, so Isso itself
never stores or acts on it, lets Isso create the comment, and then — the
comment's id read from Isso's answer — starts the double opt-in
(``comments.staff.subscriptions.request_opt_in``); the answer gains
``"blog_notification"`` (queued, waiting, subscribed, limited, invalid) for
the widget. Isso's own ``[general] reply-notifications`` stays false; ``GET
/config`` tells the widget to show its checkbox while ours are on.

``SubscriptionPages`` answers the links in readers' mails: ``/notify/confirm/
<token>``, ``/notify/unsubscribe/<token>``, ``/notify/thread/<token>?uri=…``.
A GET shows a German page with a button and changes nothing (mail scanners
fetch every link); only the button's POST, or an RFC 8058 one-click POST
(``List-Unsubscribe=One-Click``), acts.
"""

import io
import json
import logging

from werkzeug.wrappers import Request

from comments.server.login_limits import client_address
from comments.server.middleware import MalformedRequests
from comments.server.routes import endpoint_of
from comments.server.staff_web import render
from comments.staff import subscriptions as rules
from comments.staff.accounts import current_staff

logger = logging.getLogger(__name__)

OPT_IN_FIELD = "notification"  # Isso's widget checkbox
TEAM_ONLY_FIELD = "notify-team-only"  # the theme's extra option


def wanted(value):
    """Whether a form field's value means "yes" (1, true, "on")."""
    return value in (1, True, "1", "true", "on")


def read_body(environ):
    """Return the request body and put it back for the layers inside; None
    for one larger than Isso takes (Isso refuses it, unread here)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MalformedRequests.LARGEST_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def replace_body(environ, body):
    """Hand the layers inside a changed request body."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def buffered(app, environ):
    """Run ``app``; return its (status, headers, whole body)."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None  # Isso returns its body; write() is unused

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body


def respond(start_response, status, headers, body):
    """Answer with ``body``, its Content-Length set anew."""
    headers = [
        (name, value) for name, value in headers if name.lower() != "content-length"
    ]
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


class OptInRequests:
    """WSGI middleware: turn the widget's notification checkbox into an opt-in."""

    def __init__(self, app, db_path, settings, sender):
        self.app = app
        self.db_path = db_path
        self.sender = sender  # comments.staff.reader_mails.ReaderMailSender
        # comments.staff.subscriptions.NotificationSettings: on, with a sender
        self.enabled = settings.enabled and sender is not None

    def __call__(self, environ, start_response):
        endpoint = endpoint_of(environ)
        if endpoint == "config" and environ.get("REQUEST_METHOD") == "GET":
            return self.config(environ, start_response)
        if endpoint != "new" or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        body = read_body(environ)
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return self.app(environ, start_response)
        asked = wanted(payload.pop(OPT_IN_FIELD, 0))
        team_only = wanted(payload.pop(TEAM_ONLY_FIELD, 0))
        # Raw UTF-8 as the widget sent it: escaped, a text at Isso's limit
        # ("€" six bytes instead of three) would pass Isso's 256 KiB.
        replace_body(environ, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        if not (asked and self.enabled) or current_staff.get() is not None:
            return self.app(environ, start_response)
        status, headers, body = buffered(self.app, environ)
        if status[:3] in ("201", "202"):
            body = self.opt_in(environ, payload, team_only, body)
        return respond(start_response, status, headers, body)

    def opt_in(self, environ, payload, team_only, body):
        """Start the double opt-in for the comment Isso created; return the
        answer with ``blog_notification`` added."""
        try:
            created = json.loads(body)
        except ValueError:
            return body
        if not isinstance(created, dict) or not isinstance(created.get("id"), int):
            return body
        uri = Request(environ).args.get("uri", "")
        try:
            result = rules.request_opt_in(
                self.db_path,
                payload.get("email") if isinstance(payload.get("email"), str) else "",
                uri,
                created["id"],
                team_only,
                client=client_address(environ),
            )
        except Exception:  # the comment is saved: its opt-in must not fail it
            logger.exception(
                "notifications: opt-in for comment %s failed", created["id"]
            )
            result = rules.INVALID
        if result == rules.QUEUED:
            self.sender.wake()
        created["blog_notification"] = result
        return json.dumps(created).encode("utf-8")

    def config(self, environ, start_response):
        """Isso's ``/config``, with the widget's checkbox on while ours are."""
        status, headers, body = buffered(self.app, environ)
        try:
            config = json.loads(body)
            config["config"]["reply-notifications"] = self.enabled
            body = json.dumps(config).encode("utf-8")
        except (ValueError, KeyError, TypeError):
            pass
        return respond(start_response, status, headers, body)


class SubscriptionPages:
    """WSGI middleware answering the links of readers' mails."""

    def __init__(self, app, db_path, settings):
        self.app = app
        self.db_path = db_path
        self.settings = settings
        self.pages = {
            "notify-confirm": self.confirm,
            "notify-unsubscribe": self.unsubscribe,
            "notify-thread": self.thread,
        }

    def __call__(self, environ, start_response):
        page = self.pages.get(endpoint_of(environ))
        if page is None:
            return self.app(environ, start_response)
        request = Request(environ)
        token = environ.get("PATH_INFO", "").rstrip("/").rpartition("/")[2]
        return page(request, token)(environ, start_response)

    def confirm(self, request, token):
        """GET: the button; POST: confirm a live token."""
        state = rules.confirm_state(self.db_path, token)
        if state == rules.LIVE and request.method == "POST":
            if rules.confirm(self.db_path, token):
                return self.page("confirmed")
            state = rules.confirm_state(self.db_path, token)
        # 410 Gone: an expired link, or one whose address is deleted.
        status = 200 if state in (rules.LIVE, rules.CONFIRMED) else 410
        return self.page(f"confirm-{state}", status=status)

    def unsubscribe(self, request, token):
        """GET: the button; POST (the button, or one click in a mail program):
        delete the address at once."""
        subscriber_id = rules.subscriber_of_token(self.db_path, token, "unsubscribe")
        if subscriber_id is None:
            return self.page("gone", status=410)
        if request.method == "POST":
            rules.unsubscribe(self.db_path, subscriber_id)
            return self.page("unsubscribed")
        return self.page("unsubscribe")

    def thread(self, request, token):
        """GET: the button; POST: no more mails about this thread."""
        uri = request.args.get("uri", "")
        subscriber_id = rules.subscriber_of_token(self.db_path, token, "thread", uri)
        if subscriber_id is None:
            return self.page("gone", status=410)
        if request.method == "POST":
            rules.stop_thread(self.db_path, subscriber_id, uri)
            return self.page("thread-stopped")
        return self.page("thread")

    def page(self, state, status=200):
        """Render the page for ``state``."""
        return render(
            "notify_page.html",
            status=status,
            state=state,
            site_url=self.settings.site_url,
        )
