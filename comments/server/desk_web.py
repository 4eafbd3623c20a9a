"""``/desk``: the staff page of the answer desk on the comment server.

Lists the same queue as ``invoke comments.open`` (``comments.staff.desk``), with
links to answer each comment in place on the blog, each comment's owner and
its hand-overs (``comments.staff.owners``). ``?owner=ACCOUNT`` (or ``?owner=mine``,
the logged-in staff member) shows one owner's comments. ``/desk.json`` returns
the queue as JSON. Only for a verified staff session
(``StaffLayer.identify``): without one, the page redirects to the staff login
(303) and the JSON answers 401, and neither says anything about the comments.

``POST /desk/assign`` hands a comment over to another owner (the form in each
row). It needs a live staff session, an ``Origin`` (or ``Referer``) of this
server itself, and the page's per-session token, so no other site can make a
logged-in browser hand comments around. Then it redirects back (303).

The desk is same-origin only: it sits outside Isso's CORS middleware (which
would allow the blog's origins to read it with credentials), refuses requests
whose ``Origin`` is another site — the blog included — and may not be framed.
Its origin is the one the request shows, or ``[server] public-endpoint``
(behind a TLS proxy the two differ in scheme).
"""

import datetime
import hashlib
import hmac
from collections import Counter
from urllib.parse import quote

from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request, Response

from comments.build import data
from comments.config import database_path
from comments.server.origins import sending_origin
from comments.server.routes import endpoint_of
from comments.server.staff_web import json_response, render
from comments.staff import desk, mails, owners, parade_review
from comments.staff.accounts import ISSO_ADMIN_COOKIE, SESSION_COOKIE

DESK_PATH = "/desk"
MINE = "mine"

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # Its Content-Security-Policy comes from SecurityHeaders (content_policy).
    "X-Frame-Options": "DENY",
    # Not no-referrer: with it, browsers send "Origin: null" with the
    # hand-over form, and the origin check could not tell it from an attack.
    "Referrer-Policy": "same-origin",
}


def form_token(environ):
    """Return the hand-over form's token for this browser's staff session.

    Derived from the session cookies, which another site can neither read nor
    guess: a new login gives a new token, and the server stores nothing.
    """
    cookies = parse_cookie(environ)
    secret = "\0".join(
        (cookies.get(SESSION_COOKIE, ""), cookies.get(ISSO_ADMIN_COOKIE, ""))
    )
    return hmac.new(
        secret.encode("utf-8"), b"blog-desk-handover", hashlib.sha256
    ).hexdigest()


class DeskPage:
    """WSGI middleware serving /desk, /desk.json and /desk/assign to staff."""

    def __init__(self, app, staff_layer, conf):
        self.app = app
        self.staff_layer = staff_layer
        self.conf = conf
        self.db_path = database_path(conf)
        self.settings = desk.DeskSettings.from_conf(conf)
        self.admin_enabled = conf.getboolean("admin", "enabled")

    def __call__(self, environ, start_response):
        endpoint = endpoint_of(environ)
        if endpoint in ("desk", "desk-json", "desk-assign"):
            request = Request(environ)
            if endpoint == "desk-assign":
                response = self.assign(request)
            else:
                response = self.respond(request, as_json=endpoint == "desk-json")
            response.headers.update(PAGE_HEADERS)
            return response(environ, start_response)
        return self.app(environ, start_response)

    def member(self, environ):
        """Return the staff member of a same-origin request with a live session."""
        return self.staff_layer.identify(environ, same_origin_only=True)

    def roster(self):
        """Return the staff accounts as owners (re-read when staff.cfg changed)."""
        return owners.StaffRoster.from_accounts(self.staff_layer.directory.accounts())

    def respond(self, request, as_json):
        """Answer one request for the desk."""
        if request.method not in ("GET", "HEAD"):
            return Response("GET only", status=405, headers={"Allow": "GET, HEAD"})
        member = self.member(request.environ)
        if member is None and as_json:
            return json_response({"error": "staff login required"}, status=401)
        if member is None:
            target = quote(request.script_root + DESK_PATH, safe="/")
            return Response(
                status=303,
                headers={
                    "Location": f"{request.script_root}/staff/login?next={target}"
                },
            )
        roster = self.roster()
        wanted = request.args.get("owner", "").strip()
        account = member.account if wanted == MINE else roster.resolve(wanted)
        if wanted and account is None:
            error = f"no staff account {wanted!r}"
            if as_json:
                return json_response({"error": error}, status=400)
            return self.page(request, member, roster, error=error, status=400)
        if as_json:
            queue = self.read_queue(roster)
            return json_response(
                (queue.for_owner(account) if account else queue).to_json()
            )
        return self.page(request, member, roster, owner=account)

    def read_queue(self, roster):
        """Return the open comments as of now, each with its owner."""
        now = datetime.datetime.now(datetime.UTC)
        return owners.read_queue(self.conf, now, roster)[0]

    def page(self, request, member, roster, owner=None, error="", status=200):
        """Render the desk page, for one owner or all."""
        queue = self.read_queue(roster)
        per_owner = Counter(entry.owner.account for entry in queue.entries)
        shown = queue.for_owner(owner) if owner else queue
        return render(
            "desk.html",
            status=status,
            member=member,
            queue=shown,
            summary=shown.summary,
            total=len(queue.entries),
            per_owner=per_owner,
            roster=roster,
            error=error,
            token=form_token(request.environ),
            settings=self.settings,
            labels=mails.STATUS_LABELS,
            rules=mails.OWNER_RULES,
            duration=desk.format_duration,
            hours=desk.format_hours,
            utc=data.format_utc,
            admin_url=f"{request.script_root}/admin/" if self.admin_enabled else "",
            script_root=request.script_root,
            mentions=parade_review.pending(self.db_path),  # desk_mentions.html
        )

    def from_this_page(self, environ):
        """True when a POST comes from a page of this server (Origin, else Referer)."""
        return sending_origin(environ) in self.staff_layer.origins.own(environ)

    def assign(self, request):
        """Hand one comment over to another owner (the desk's form)."""
        if request.method != "POST":
            return Response("POST only", status=405, headers={"Allow": "POST"})
        member = self.member(request.environ)
        if member is None:
            return Response("staff login required", status=401)
        if not self.from_this_page(request.environ) or not hmac.compare_digest(
            request.form.get("token", ""), form_token(request.environ)
        ):
            return Response(
                "refused: the hand-over must come from the desk page itself; "
                "reload the desk and try again",
                status=403,
            )
        roster = self.roster()
        try:
            comment_id = int(request.form.get("comment", ""))
            created = data.parse_utc(request.form.get("created", ""))
        except ValueError:
            return Response("comment and created are required", status=400)
        try:
            owners.assign(
                self.conf,
                roster,
                comment_id,
                request.form.get("owner", ""),
                by=member.account,
                via=owners.DESK,
                created=created,
            )
        except owners.OwnerError as error:
            return self.page(request, member, roster, error=str(error), status=409)
        view = roster.resolve(request.form.get("view", ""))
        query = f"?owner={quote(view)}" if view else ""
        return Response(
            status=303,
            headers={
                "Location": f"{request.script_root}{DESK_PATH}{query}"
                f"#comment-{comment_id}"
            },
        )
