"""``POST /desk/mention``: approve or reject a received Webmention on the desk.

The form sits in the desk's Webmention section (``desk_mentions.html``). As
the desk's hand-over form it needs a live staff session, an ``Origin`` (or
``Referer``) of this server and the page's per-session token
(``desk_web.form_token``); the decision is recorded with the staff account,
as ``invoke parades.approve``/``parades.reject`` do
(``comments.staff.parade_review``). Then it redirects back to the desk (303).
"""

import hmac

from werkzeug.wrappers import Request, Response

from comments.server.desk_web import PAGE_HEADERS, form_token
from comments.server.origins import sending_origin
from comments.server.routes import endpoint_of
from comments.staff import parade_review

DECISIONS = ("approve", "reject")


class MentionReview:
    """WSGI middleware answering the desk's approve/reject form."""

    def __init__(self, app, staff_layer, db_path):
        self.app = app
        self.staff_layer = staff_layer
        self.db_path = db_path

    def __call__(self, environ, start_response):
        if endpoint_of(environ) != "desk-mention":
            return self.app(environ, start_response)
        response = self.review(Request(environ))
        response.headers.update(PAGE_HEADERS)
        return response(environ, start_response)

    def review(self, request):
        """Record one decision from the desk; redirect back to it."""
        environ = request.environ
        member = self.staff_layer.identify(environ, same_origin_only=True)
        if member is None:
            return Response("staff login required", status=401)
        from_desk = sending_origin(environ) in self.staff_layer.origins.own(environ)
        if not from_desk or not hmac.compare_digest(
            request.form.get("token", ""), form_token(environ)
        ):
            return Response(
                "refused: the decision must come from the desk page itself; "
                "reload the desk and try again",
                status=403,
            )
        decision = request.form.get("decision", "")
        try:
            mention_id = int(request.form.get("mention", ""))
        except ValueError:
            mention_id = None
        if mention_id is None or decision not in DECISIONS:
            return Response("mention and decision are required", status=400)
        try:
            if decision == "approve":
                parade_review.approve(self.db_path, mention_id, member.account)
            else:
                parade_review.reject(
                    self.db_path,
                    mention_id,
                    request.form.get("reason", ""),
                    member.account,
                )
        except parade_review.ReviewError as error:
            return Response(str(error), status=409)
        return Response(
            status=303, headers={"Location": f"{request.script_root}/desk#mentions"}
        )
