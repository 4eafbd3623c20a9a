"""``POST /webmention``: receive a Webmention, check it quickly, verify it later.

The request is checked at once, without fetching anything: ``source`` and
``target`` must be http(s) addresses of at most ``LONGEST_URL`` characters,
the target a page of our site (``[blog] site-url``), the source another
address. A bad request gets 400 naming the reason. A good one is recorded
(``comments.store.webmentions``: a mention sent again updates its row) and
answered ``202 Accepted`` with ``{"status": "queued"}``; the source is fetched
and checked in the background (``comments.webmention.verify``).

Floods: each client may send ``RATE_LIMIT`` mentions per ``RATE_WINDOW``
seconds (429 with Retry-After beyond), the set of clients remembered is
bounded, and a full check queue answers 503. ``[webmention] enabled = false``
answers 404.
"""

import logging
import sqlite3
import threading
import time
from collections import OrderedDict, deque
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from comments.config import database_path
from comments.server.login_limits import client_address
from comments.server.routes import endpoint_of
from comments.server.staff_web import json_response
from comments.store import webmentions
from comments.webmention.source import same_address
from comments.webmention.verify import MentionQueue

logger = logging.getLogger(__name__)

LONGEST_URL = 2048
LARGEST_BODY = 8 * 1024  # two addresses and a little more
RATE_LIMIT = 10  # mentions per client …
RATE_WINDOW = 60  # … within this many seconds
CLIENTS_KEPT = 10_000  # clients whose recent mentions are counted


class RateLimit:
    """Count requests per client in a sliding window, in bounded memory."""

    def __init__(self, limit=RATE_LIMIT, window=RATE_WINDOW, clients=CLIENTS_KEPT):
        self.limit, self.window, self.clients = limit, window, clients
        self.recent = OrderedDict()
        self.lock = threading.Lock()

    def allow(self, client, now=None):
        """Count one request; return 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self.lock:
            times = self.recent.pop(client, None) or deque()
            while times and now - times[0] >= self.window:
                times.popleft()
            self.recent[client] = times  # the most recent client last
            while len(self.recent) > self.clients:
                self.recent.popitem(last=False)
            if len(times) >= self.limit:
                return max(1, round(self.window - (now - times[0])))
            times.append(now)
            return 0


def web_address(value):
    """True for an http(s) address with a host, of a sane length."""
    if not value or len(value) > LONGEST_URL:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises for a port that is no number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def refusal(source, target, site_url):
    """Return why a mention cannot be taken, or "" when it can."""
    if not source or not target:
        return "source and target are required (form fields)"
    if not web_address(source):
        return "source must be an http(s) address"
    if not web_address(target):
        return "target must be an http(s) address"
    if same_address(source) == same_address(target):
        return "source and target are the same address"
    if urlsplit(same_address(target)).netloc != urlsplit(same_address(site_url)).netloc:
        return f"target is not a page of {site_url}"
    return ""


def answer(values, status=202):
    """Return a JSON answer that no one caches."""
    return json_response(values, status=status)


class WebmentionEndpoint:
    """WSGI middleware answering ``POST /webmention``."""

    def __init__(self, app, conf):
        self.app = app
        self.db_path = database_path(conf)
        self.enabled = conf.getboolean("webmention", "enabled")
        self.site_url = conf.get("blog", "site-url").rstrip("/")
        self.queue = MentionQueue(
            self.db_path, conf.getboolean("webmention", "allow-private-sources")
        )
        self.rate_limit = RateLimit()

    def __call__(self, environ, start_response):
        if endpoint_of(environ) != "webmention":
            return self.app(environ, start_response)
        return self.receive(Request(environ))(environ, start_response)

    def receive(self, request):
        """Answer one mention: 202 and checked later, or a refusal."""
        if not self.enabled:
            return answer({"error": "Webmention is not received here"}, 404)
        wait = self.rate_limit.allow(client_address(request.environ))
        if wait:
            response = answer({"error": "too many mentions; try again later"}, 429)
            response.headers["Retry-After"] = str(wait)
            return response
        if (request.content_length or 0) > LARGEST_BODY:
            return answer({"error": "the request is too large"}, 413)
        if request.mimetype != "application/x-www-form-urlencoded":
            return answer(
                {
                    "error": "send source and target as a form "
                    "(application/x-www-form-urlencoded)"
                },
                400,
            )
        request.max_content_length = request.max_form_memory_size = LARGEST_BODY
        try:
            source = request.form.get("source", "").strip()
            target = request.form.get("target", "").strip()
        except HTTPException:  # a body without Content-Length, too large
            return answer({"error": "the request is too large"}, 413)
        reason = refusal(source, target, self.site_url)
        if reason:
            return answer({"error": reason}, 400)
        path = urlsplit(target).path or "/"
        try:
            mention_id = webmentions.record_received(
                self.db_path, source, target, path, time.time()
            )
        except sqlite3.Error as error:
            logger.error("webmention not recorded: %s", error)
            return answer({"error": "not recorded; try again later"}, 503)
        if not self.queue.put(mention_id, source, target):
            # Recorded as queued: the next start, or the next mention, checks it.
            response = answer({"error": "busy; try again later"}, 503)
            response.headers["Retry-After"] = "60"
            return response
        return answer({"status": webmentions.QUEUED})
