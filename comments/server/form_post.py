"""Comments from the plain HTML form: no JavaScript needed, Isso's own path.

The article page carries a form (theme/templates/includes/comment_form_nojs.html)
that sends name, website, text, the thread (``uri``, ``title``), an optional
``parent`` and a honeypot field (``subject``) that people never see. Routes
(comments.server.routes):

- ``GET /form/new?uri=…&parent=…``, the static thread's "Antworten" link:
  the comment answered (``comments.server.form_parent``: only a published one
  of that thread) and the form to answer it, which goes on as below;
- ``POST /form/new``, first from the article: a preview (Isso's own
  rendering) with the form filled in and a signed time token
  (``comments.server.form_token``: a static page cannot carry a fresh one);
  sent again from there, at least 3 s and at most a day later, the comment goes
  to Isso as the widget's JSON ``POST /new``, through every layer inside this
  one: write guard, reserved names, staff layer, refusals, storage errors,
  Isso's own validation, guard and moderation, ``comment_insert``;
- a stored comment answers 303 (a reload sends nothing twice) back to its
  article, whose fragment names the outcome, "published" or "waiting for
  approval" (``comments.server.form_landing``): the article shows the message.

Every refusal is a German HTML page with the refusal's status (the reasons and
messages of ``comments.server.refusals``) and the typed text in the form again,
so nothing is lost. A POST whose Origin (else Referer) is neither the blog's
nor this server's is refused (403) before anything else. Isso's edit cookie is
dropped: without JavaScript there is no edit button to use it.
"""

import logging
import time
from typing import NamedTuple

from isso.views.comments import API
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from comments.server import form_token
from comments.server.as_widget import call_inner, isso_environ, refusal_of
from comments.server.form_landing import is_blog_path, landing_url
from comments.server.form_parent import published_parent
from comments.server.origins import origin_of, sending_origin
from comments.server.refusals import MESSAGES, classify, wait_phrase
from comments.server.routes import endpoint_of
from comments.server.staff_web import render

logger = logging.getLogger(__name__)

# The forms send multipart/form-data: a text at Isso's limit (65,535
# characters, at most 4 bytes each in UTF-8) fits, as behind the shipped
# nginx (client_max_body_size 300k); percent-encoding would triple it.
LARGEST_FORM = 300 * 1024
TRAP_FIELD = "subject"

# Our own refusals, beside those of comments.server.refusals.MESSAGES.
FORM_MESSAGES = {
    "form-expired": (
        "Die Vorschau war länger als einen Tag geöffnet. "
        "Bitte senden Sie Ihren Kommentar noch einmal ab."
    ),
    "form-invalid": (
        "Das Formular ließ sich nicht zuordnen. "
        "Bitte senden Sie Ihren Kommentar noch einmal ab."
    ),
    "too-fast": "Das ging schneller, als jemand eine Vorschau liest.",
    "no-thread": "Es fehlt, zu welchem Beitrag der Kommentar gehört.",
    "form-too-large": "Ihr Kommentar ist zu lang: höchstens 65.535 Zeichen.",
    "no-parent": (
        "Diesen Kommentar können Sie hier nicht beantworten: Es gibt ihn "
        "nicht (mehr), oder er wartet noch auf Freigabe."
    ),
}


class FormFields(NamedTuple):
    """What the form sent, as typed."""

    uri: str
    title: str
    author: str
    website: str
    text: str
    parent: str
    token: str
    trap: str
    blog: str  # the blog's origin the reader came from

    @classmethod
    def of(cls, form):
        """Read the fields from a werkzeug form (missing ones are empty)."""
        value = {name: form.get(name, "") for name in cls._fields}
        value["trap"] = form.get(TRAP_FIELD, "")
        return cls(**value)

    def payload(self):
        """The widget's JSON for Isso's ``POST /new``; None when ``parent`` is
        no comment number."""
        parent = self.parent.strip()
        if parent and not is_number(parent):
            return None
        return {
            "text": self.text,
            "author": self.author.strip() or None,
            "website": self.website.strip() or None,
            "parent": int(parent) if parent else None,
            "title": self.title or None,
        }


def is_number(text):
    """True for a comment number: ASCII digits only ("²".isdigit() is True)."""
    return text.isascii() and text.isdigit()


class FormRequest(Request):
    """A request whose form may be as long as a comment, no longer."""

    max_content_length = LARGEST_FORM
    max_form_memory_size = LARGEST_FORM


class CommentForm:
    """WSGI middleware: the form routes, posting through ``app`` as the widget does.

    ``app`` is everything inside: it must answer ``POST /new`` exactly as it
    answers the widget. ``secret`` signs time tokens (Isso's ``session-key``);
    ``hosts`` are the blog's origins (``[general] host``); ``db_path`` is
    Isso's database, read for the comment a reply answers.
    """

    def __init__(
        self, app, secret, origins, hosts, render_text, db_path, clock=time.time
    ):
        self.app = app
        self.secret = secret
        self.origins = origins  # comments.server.origins.Origins
        self.hosts = [host.rstrip("/") for host in hosts]
        self.render_text = render_text  # Isso's own Markdown renderer
        self.db_path = db_path
        self.clock = clock

    def __call__(self, environ, start_response):
        endpoint = endpoint_of(environ)
        if endpoint == "form-new" and environ.get("REQUEST_METHOD") == "GET":
            response = self.reply_form(Request(environ))
        elif endpoint == "form-new":
            response = self.new(FormRequest(environ))
        else:
            return self.app(environ, start_response)
        return response(environ, start_response)

    # GET /form/new?uri=…&parent=… ----------------------------------------------

    def reply_form(self, request):
        """Show the comment answered and the form to answer it."""
        uri = request.args.get("uri", "")
        parent_id = request.args.get("parent", "")
        blog = self.blog_origin(request.environ, "")
        if not is_blog_path(uri):
            return self.refusal(None, "no-thread", 400)
        fields = FormFields(uri, "", "", "", "", parent_id, "", "", blog)
        parent = None
        if is_number(parent_id) and len(parent_id) < 19:
            parent = published_parent(self.db_path, int(parent_id), uri)
        if parent is None:
            message = FORM_MESSAGES["no-parent"]
            return self.page(fields, 404, "no-parent", can_send=False, message=message)
        return self.page(
            fields._replace(title=parent.thread_title),
            200,
            kind="reply",
            keep_token=True,  # none yet: the preview gives one, as from the article
            parent=parent,
            parent_html=self.render_text(parent.text),
        )

    # POST /form/new ------------------------------------------------------------

    def new(self, request):
        """Refuse, preview or post one comment from the form."""
        try:
            fields = FormFields.of(request.form)
        except RequestEntityTooLarge:
            return self.refusal(None, "form-too-large", 413)
        fields = fields._replace(blog=self.blog_origin(request.environ, fields.blog))
        origin = sending_origin(request.environ)
        if origin is not None and origin not in self.origins.site(request.environ):
            logger.info("comment form: refused a post from another site")
            return self.refusal(fields, "origin", 403, can_send=False)
        if not is_blog_path(fields.uri):
            return self.refusal(fields, "no-thread", 400, can_send=False)
        payload = fields.payload()
        if payload is None:
            return self.refusal(fields, "invalid", 400)
        if fields.trap:
            logger.info("comment form: honeypot field filled, refused")
            return self.refusal(fields, "refused", 400)
        verdict = form_token.check(self.secret, fields.token, fields.uri, self.clock())
        if verdict.state == form_token.MISSING:
            return self.preview(fields, payload)
        if verdict.state == form_token.TOO_FAST:
            return self.refusal(
                fields, "too-fast", 429, retry_after=verdict.wait, keep_token=True
            )
        if verdict.state != form_token.OK:
            reason = "form-expired" if verdict.state == form_token.EXPIRED else None
            return self.refusal(fields, reason or "form-invalid", 400)
        return self.post(request.environ, fields, payload)

    def preview(self, fields, payload):
        """Show how the comment will look, with the form to send it for real."""
        valid, reason = API.verify(payload)
        if not valid:
            return self.refusal(fields, classify(400, "POST", reason), 400)
        return self.page(
            fields,
            200,
            kind="preview",
            preview=self.render_text(fields.text),
        )

    def post(self, environ, fields, payload):
        """Post as the widget does; back to the article, or show the refusal."""
        inner = isso_environ(environ, fields.uri, payload)
        status, headers, body = call_inner(self.app, inner)
        if status in (201, 202):
            # No Set-Cookie: Isso's edit cookie is of no use without the widget.
            return Response(
                status=303,
                headers={
                    "Location": landing_url(fields.blog, fields.uri, status == 202)
                },
            )
        reason, message, retry_after = refusal_of(status, headers, body)
        return self.refusal(
            fields, reason, status, retry_after=retry_after, message=message
        )

    # Pages ---------------------------------------------------------------------

    def refusal(
        self,
        fields,
        reason,
        status,
        retry_after=None,
        can_send=True,
        keep_token=False,
        message=None,
    ):
        """A refusal page: the reason in German, the typed text again."""
        if message is None:
            message = FORM_MESSAGES.get(reason) or MESSAGES[reason]
            if retry_after is not None:
                wait = wait_phrase(retry_after)
                message += f" Bitte senden Sie ihn {wait} noch einmal."
        response = self.page(
            fields,
            status,
            kind="refused",
            message=message,
            can_send=can_send and fields is not None,
            keep_token=keep_token,
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def page(self, fields, status, kind, keep_token=False, can_send=True, **values):
        """The form page: a preview or a refusal, with the form filled in."""
        token = ""
        if fields is not None and can_send:
            token = fields.token if keep_token else self.token(fields.uri)
        return render(
            "comment_form.html",
            status=status,
            kind=kind,
            fields=fields,
            can_send=can_send,
            token=token,
            trap_field=TRAP_FIELD,
            back=self.back_link(fields),
            **values,
        )

    def back_link(self, fields):
        """The article the form came from, or the blog's home page."""
        if fields is not None and is_blog_path(fields.uri):
            place = "comments-heading"
            if is_number(fields.parent):
                place = f"isso-{fields.parent}"  # back to the comment answered
            return f"{fields.blog}{fields.uri}#{place}"
        return f"{self.hosts[0]}/"

    def token(self, uri):
        """A fresh time token for a form on ``uri``."""
        return form_token.issue(self.secret, uri, self.clock())

    def blog_origin(self, environ, sent):
        """The blog address to link back to: the page's, as sent along or as
        the browser says, if it is one of the blog's; else the first."""
        for candidate in (sent, sending_origin(environ) or ""):
            for host in self.hosts:
                if candidate and origin_of(host) == origin_of(candidate):
                    return host
        return self.hosts[0]
