"""``/desk``: the answer desk on the comment server, for logged-in staff.

``GET /desk`` shows the open reader comments, oldest first, 50 a page
(``comments.staff.desk_queue``: read with SQL, only the shown ones whole), each
with its id, Isso's rendered text, the comment it answers, the article's title
from the build, its age against the target and its owner. Filters:
``owner`` (an account, or ``mine``), ``status`` (overdue, due_soon, on_time,
pending), ``article`` (a thread path), ``page``. ``/desk.json`` returns the
same page as JSON.

Every action is a form that works without JavaScript (``desk.js`` only adds
keys: ``j``/``k`` move, ``r`` answers) and redirects back (303):

- ``POST /desk/answer``: answer as the logged-in member (``comments.staff.replies``);
- ``POST /desk/assign``: hand over to another owner (``comments.staff.owners``);
- ``POST /desk/remove``: remove with a reason and note (``comments.staff.removal``,
  the same records as ``invoke comments.remove``);
- ``POST /desk/no-answer``: "no answer needed" with a reason
  (``comments.staff.no_answer``).

Each needs a live staff session, an ``Origin`` (or ``Referer``) of this server
itself, and the page's per-session token (``form_token``), so no other site
can make a logged-in browser act. Without a session the page redirects to the
staff login (303) and the JSON answers 401, and neither says anything about
the comments. The desk sits outside Isso's CORS middleware, refuses requests
whose ``Origin`` is another site — the blog included — and may not be framed.
"""

import datetime
import hashlib
import hmac
import logging
from pathlib import Path
from urllib.parse import quote, urlencode

from werkzeug.http import parse_cookie
from werkzeug.wrappers import Request, Response

from comments.build import data, reader
from comments.config import database_path
from comments.core import SetupError
from comments.server.origins import sending_origin
from comments.server.routes import endpoint_of
from comments.server.staff_web import json_response, render
from comments.staff import desk, desk_queue, mails, owners, parade_review
from comments.staff.accounts import ISSO_ADMIN_COOKIE, SESSION_COOKIE
from comments.staff.no_answer import REASON_LABELS, decide_no_answer
from comments.staff.removal import remove_comment
from comments.staff.replies import post_staff_reply
from comments.store import open_queue
from comments.store.removals import REMOVAL_REASONS

logger = logging.getLogger(__name__)

DESK_PATH = "/desk"
MINE = "mine"
STATUS_FILTERS = (*desk.STATUSES, desk_queue.PENDING_FILTER)
SCRIPT = Path(__file__).parent.parent / "templates" / "desk.js"
RENDERED_KEPT = 2000  # texts whose HTML the desk remembers (a few pages' worth)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # Its Content-Security-Policy comes from SecurityHeaders (content_policy).
    "X-Frame-Options": "DENY",
    # Not no-referrer: with it, browsers send "Origin: null" with the
    # desk's forms, and the origin check could not tell it from an attack.
    "Referrer-Policy": "same-origin",
}

REMOVAL_LABELS = {
    "spam": "Spam",
    "illegal": "rechtswidrig",
    "personal-data": "persönliche Daten",
    "author-request": "auf Wunsch des Autors",
    "other": "anderer Grund",
}

DONE = {
    "answer": "Kommentar {id} ist beantwortet.",
    "assign": "Kommentar {id} ist übergeben.",
    "remove": "Kommentar {id} ist entfernt; der Grund steht im Protokoll.",
    "no-answer": "Kommentar {id} ist als „keine Antwort nötig“ vermerkt.",
}


def form_token(environ):
    """Return the desk forms' token for this browser's staff session.

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


class Refused(Exception):
    """An action the desk refuses; ``status`` and the German message say why."""

    def __init__(self, message, status=409):
        super().__init__(message)
        self.status = status


class DeskPage:
    """WSGI middleware serving the desk's pages and actions to staff."""

    def __init__(self, app, staff_layer, conf):
        self.app = app
        self.staff_layer = staff_layer
        self.conf = conf
        self.db_path = database_path(conf)
        self.settings = desk.DeskSettings.from_conf(conf)
        self.admin_enabled = conf.getboolean("admin", "enabled")
        self.renderer = reader.make_renderer(conf)
        self.rows_cache = open_queue.OpenRowsCache()
        self.rendered = {}  # text → Isso's HTML of it (rendering costs ~1 ms)
        self.actions = {
            "desk-answer": self.answer,
            "desk-assign": self.assign,
            "desk-remove": self.remove,
            "desk-no-answer": self.no_answer,
        }

    def __call__(self, environ, start_response):
        try:
            return self.answer_request(environ, start_response)
        except reader.CommentDataError as error:  # a database no one can read
            logger.error("desk: %s", error)
            response = Response(
                "Das Antwortpult kann die Kommentardatenbank gerade nicht lesen; "
                "das Server-Protokoll nennt den Grund.\n",
                status=503,
                headers=PAGE_HEADERS,
            )
            return response(environ, start_response)

    def answer_request(self, environ, start_response):
        """Serve the desk's own routes; pass every other request on."""
        endpoint = endpoint_of(environ)
        if endpoint == "desk-js":
            response = Response(
                SCRIPT.read_bytes(),
                mimetype="text/javascript",
                headers={"Cache-Control": "no-cache"},
            )
            return response(environ, start_response)
        if endpoint in ("desk", "desk-json", *self.actions):
            request = Request(environ)
            if endpoint in self.actions:
                response = self.act(request, endpoint)
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

    def filters(self, values, member, roster):
        """Return the view's filters from query or form ``values``; raise Refused."""
        wanted = values.get("owner", "").strip()
        owner = member.account if wanted == MINE else roster.resolve(wanted)
        if wanted and owner is None:
            raise Refused(f"kein Redaktionskonto {wanted!r}", 400)
        status = values.get("status", "").strip() or None
        if status is not None and status not in STATUS_FILTERS:
            raise Refused(f"Status {status!r} ist keiner von {STATUS_FILTERS}", 400)
        article = values.get("article", "").strip() or None
        try:
            page = max(1, int(values.get("page", "1") or 1))
        except ValueError:
            raise Refused("page muss eine Zahl sein", 400) from None
        return {"owner": owner, "status": status, "article": article, "page": page}

    def respond(self, request, as_json):
        """Answer one request for the desk page or its JSON."""
        if request.method not in ("GET", "HEAD"):
            return Response("GET only", status=405, headers={"Allow": "GET, HEAD"})
        member = self.member(request.environ)
        if member is None and as_json:
            return json_response({"error": "staff login required"}, status=401)
        if member is None:
            target = quote(
                request.script_root + DESK_PATH + query_of(request.args), safe="/?=&"
            )
            return Response(
                status=303,
                headers={
                    "Location": f"{request.script_root}/staff/login?next="
                    f"{quote(target, safe='/')}"
                },
            )
        roster = self.roster()
        try:
            wanted = self.filters(request.args, member, roster)
        except Refused as refusal:
            if as_json:
                return json_response({"error": str(refusal)}, status=refusal.status)
            wanted = {"owner": None, "status": None, "article": None, "page": 1}
            return self.page(request, member, roster, wanted, str(refusal), 400)
        if as_json:
            view = self.view(roster, wanted)
            document = view["queue"].to_json()
            document["page"] = view["page"]
            document["pages"] = view["pages"]
            document["matching"] = view["matching"]
            return json_response(document)
        return self.page(request, member, roster, wanted)

    def view(self, roster, wanted):
        """Read the queue and return what one page of the desk shows."""
        now = datetime.datetime.now(datetime.UTC)
        book = owners.load_owner_book(self.conf, roster)
        try:
            queue = desk_queue.read_open_queue(
                self.conf, now, book, cache=self.rows_cache
            )
        except reader.SourceUnavailable as error:
            raise reader.CommentDataError(str(error)) from None
        indexes = queue.select(wanted["owner"], wanted["status"], wanted["article"])
        pages = max(1, -(-len(indexes) // desk_queue.PAGE_SIZE))
        page = min(wanted["page"], pages)
        start = (page - 1) * desk_queue.PAGE_SIZE
        shown = indexes[start : start + desk_queue.PAGE_SIZE]
        entries = desk_queue.entries_for(queue, shown, self.render, self.db_path)
        return {
            "queue": desk.Queue(
                as_of=now,
                settings=queue.settings,
                entries=tuple(entries),
                owner=wanted["owner"] or "",
            ),
            "summary": queue.summary(indexes),
            "total": len(queue.rows),
            "per_owner": queue.per_owner(),
            "articles": queue.per_article(),
            "page": page,
            "pages": pages,
            "matching": len(indexes),
            "first": start + 1,
        }

    def render(self, text):
        """Return Isso's rendered, sanitised HTML of ``text`` (remembered)."""
        html = self.rendered.get(text)
        if html is None:
            if len(self.rendered) >= RENDERED_KEPT:
                self.rendered.clear()
            html = self.rendered[text] = self.renderer.render(text)
        return html

    def page(self, request, member, roster, wanted, error="", status=200):
        """Render the desk page for the filters ``wanted``."""
        view = self.view(roster, wanted)
        filters = {**wanted, "page": view["page"]}
        done = request.args.get("done", "")
        done_id = request.args.get("id", "")
        notice = (
            DONE[done].format(id=int(done_id))
            if done in DONE and done_id.isdigit()
            else ""
        )
        return render(
            "desk.html",
            status=status,
            member=member,
            roster=roster,
            error=error,
            notice=notice,
            token=form_token(request.environ),
            settings=self.settings,
            labels=mails.STATUS_LABELS,
            rules=mails.OWNER_RULES,
            removal_reasons=[(r, REMOVAL_LABELS.get(r, r)) for r in REMOVAL_REASONS],
            no_answer_reasons=list(REASON_LABELS.items()),
            duration=desk.format_duration,
            hours=desk.format_hours,
            utc=data.format_utc,
            admin_url=f"{request.script_root}/admin/" if self.admin_enabled else "",
            script_root=request.script_root,
            mentions=parade_review.pending(self.db_path),  # desk_mentions.html
            filters=filters,
            query=lambda **changes: query_of(view_values(filters, member, changes)),
            back=query_of(view_values(filters, member, {})),
            **view,
        )

    def from_this_page(self, environ):
        """True when a POST comes from a page of this server (Origin, else Referer)."""
        return sending_origin(environ) in self.staff_layer.origins.own(environ)

    def act(self, request, endpoint):
        """Check and run one of the desk's actions, then go back to the desk."""
        if request.method != "POST":
            return Response("POST only", status=405, headers={"Allow": "POST"})
        member = self.member(request.environ)
        if member is None:
            return Response("staff login required", status=401)
        if not self.from_this_page(request.environ) or not hmac.compare_digest(
            request.form.get("token", ""), form_token(request.environ)
        ):
            return Response(
                "Abgelehnt: Aktionen gehen nur von der Seite des Antwortpults aus; "
                "bitte das Pult neu laden und noch einmal versuchen.",
                status=403,
            )
        roster = self.roster()
        try:
            comment_id = int(request.form.get("comment", ""))
            created = data.parse_utc(request.form.get("created", ""))
        except ValueError:
            return Response("comment and created are required", status=400)
        try:
            self.actions[endpoint](request.form, member, roster, comment_id, created)
        except (Refused, SetupError) as refusal:
            try:
                wanted = self.filters(request.form, member, roster)
            except Refused:
                wanted = {"owner": None, "status": None, "article": None, "page": 1}
            return self.page(
                request,
                member,
                roster,
                wanted,
                error=f"Kommentar {comment_id}: {refusal}",
                status=getattr(refusal, "status", 409),
            )
        back = {
            key: request.form.get(key, "")
            for key in ("owner", "status", "article", "page")
        }
        back.update(done=endpoint.removeprefix("desk-"), id=str(comment_id))
        return Response(
            status=303,
            headers={
                "Location": f"{request.script_root}{DESK_PATH}{query_of(back)}"
                f"#comment-{comment_id}"
            },
        )

    def answer(self, form, member, roster, comment_id, created):
        """Answer the comment as the logged-in member."""
        desk_queue.open_comment(self.db_path, comment_id, created)
        post_staff_reply(
            self.staff_layer.server, comment_id, form.get("text", ""), member, "desk"
        )

    def assign(self, form, member, roster, comment_id, created):
        """Hand the comment over to another owner."""
        owners.assign(
            self.conf,
            roster,
            comment_id,
            form.get("to", "") or form.get("new_owner", ""),
            by=member.account,
            via=owners.DESK,
            created=created,
        )

    def remove(self, form, member, roster, comment_id, created):
        """Remove the comment with a reason and note (recorded)."""
        desk_queue.open_comment(self.db_path, comment_id, created)
        remove_comment(
            self.staff_layer.server,
            comment_id,
            form.get("reason", ""),
            " ".join(form.get("note", "").split()),
            member.account,
        )

    def no_answer(self, form, member, roster, comment_id, created):
        """Record that the comment needs no answer."""
        decide_no_answer(
            self.db_path,
            comment_id,
            form.get("reason", ""),
            form.get("note", ""),
            member.account,
            owners.DESK,
            created,
        )


def view_values(filters, member, changes):
    """The query values of a desk view, with ``changes``."""
    values = {**filters, **changes}
    if values.get("owner") == member.account:
        values["owner"] = MINE
    if values.get("page") == 1:
        values["page"] = None
    return values


def query_of(values):
    """Return ``?a=b&…`` of the non-empty values, or ""."""
    kept = {key: value for key, value in values.items() if value not in (None, "")}
    return "?" + urlencode(kept) if kept else ""
