"""``/desk``: the staff page of the answer desk on the comment server.

Lists the same queue as ``invoke comments.open`` (``comments.desk``), with
links to answer each comment in place on the blog. ``/desk.json`` returns it as
JSON. Only for a verified staff session (``StaffLayer.identify``): without one,
the page redirects to the staff login (303) and the JSON answers 401, and
neither says anything about the comments.

The desk is same-origin only: it sits outside Isso's CORS middleware (which
would allow the blog's origins to read it with credentials), refuses requests
whose ``Origin`` is another site — the blog included — and may not be framed.
"""

import datetime
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from comments import desk, mails, reader
from comments.config import database_path
from comments.staff_web import host_origin, json_response, render

DESK_PATH = "/desk"
DESK_JSON_PATH = "/desk.json"

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class DeskPage:
    """WSGI middleware serving /desk and /desk.json to staff; the rest passes."""

    def __init__(self, app, staff_layer, conf):
        self.app = app
        self.staff_layer = staff_layer
        self.db_path = database_path(conf)
        self.settings = desk.DeskSettings.from_conf(conf)
        self.admin_enabled = conf.getboolean("admin", "enabled")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") == DESK_PATH or path == DESK_JSON_PATH:
            request = Request(environ)
            response = self.respond(request, as_json=path == DESK_JSON_PATH)
            response.headers.update(PAGE_HEADERS)
            return response(environ, start_response)
        return self.app(environ, start_response)

    def member(self, environ):
        """Return the staff member of a same-origin request with a live session."""
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin != host_origin(environ):
            return None
        return self.staff_layer.identify(environ)

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
        now = datetime.datetime.now(datetime.UTC)
        comment_data = reader.read_database(self.db_path, now, for_staff=True)
        queue = desk.open_queue(comment_data, now, self.settings)
        if as_json:
            return json_response(queue.to_json())
        return render(
            "desk.html",
            member=member,
            queue=queue,
            summary=queue.summary,
            settings=self.settings,
            labels=mails.STATUS_LABELS,
            duration=desk.format_duration,
            hours=desk.format_hours,
            admin_url=f"{request.script_root}/admin/" if self.admin_enabled else "",
            script_root=request.script_root,
        )
