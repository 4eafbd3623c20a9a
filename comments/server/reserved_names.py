"""Keep readers from posting under a staff name, a badge word or hidden characters.

The staff badge proves who answered; a reader typing "Anna Schmidt", or
"Redaktion · Anna Schmidt", or hiding a right-to-left override or a
zero-width space in a name, could still look like staff to a hurried reader.
``ReservedNames`` is WSGI middleware inside ``StaffLayer`` (which sets
``current_staff``): it refuses ``POST /new`` and ``PUT /id/<id>`` from
anyone but verified staff when the ``author`` is reserved, with 403 and a
short German reason as JSON; so is an email that poses as a staff account's
pseudonym (``comments.staff.accounts.staff_pseudonym``). Names are compared normalised
(``comments.staff.names.normalise_name``): NFKC, without invisible characters,
casefolded, with whitespace collapsed.
"""

import json
import logging
import re
from io import BytesIO

from comments.server.refusals import refusal_body, refusal_headers
from comments.server.staff_web import current_staff
from comments.staff.accounts import ISSO_ADMIN, PSEUDONYM_PREFIX
from comments.staff.names import hidden_characters, normalise_name

logger = logging.getLogger(__name__)

# The staff badge's label in the theme (msgid "Staff" in theme/translations/
# <lang>/LC_MESSAGES/messages.po: "Redaktion") and the word the site uses for
# the people who answer ("Team"): whole words of a normalised name, and words
# that start with "redaktion".
BADGE_WORDS = (r"redaktion\w*", "team", "staff")  # "Redaktionsteam" too
BADGE_WORD = re.compile(rf"(?<!\w)(?:{'|'.join(BADGE_WORDS)})(?!\w)")
EDIT_PATH = re.compile(r"/id/\d+")
BODY_LIMIT = 1 << 20  # Isso refuses larger comments anyway

# Refusal codes; their German messages are in comments.server.refusals.MESSAGES.
HIDDEN_REASON = "hidden-characters"
PSEUDONYM_REASON = "staff-pseudonym"
STAFF_REASON = "reserved-name"


def refusal_reason(author, staff_names):
    """Return why a reader may not use ``author`` as a name (a refusal code),
    or "" when they may."""
    if hidden_characters(author):
        return HIDDEN_REASON
    name = normalise_name(author)
    if not name:
        return ""
    reserved = {normalise_name(staff_name) for staff_name in staff_names}
    if name in reserved or BADGE_WORD.search(name):
        return STAFF_REASON
    return ""


def writes_a_name(environ):
    """True for the requests that set a comment's author: new and edit."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    return (method == "POST" and path == "/new") or (
        method == "PUT" and EDIT_PATH.fullmatch(path) is not None
    )


def read_body(environ):
    """Read the request body and put it back for the app; return it."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    body = environ["wsgi.input"].read(min(length, BODY_LIMIT)) if length > 0 else b""
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def field_of(body, name):
    """Return a text field of a JSON comment body, or "" when it has none."""
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    value = payload.get(name) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else ""


class ReservedNames:
    """WSGI middleware: refuse reserved names from readers (see module doc)."""

    def __init__(self, app, directory):
        self.app = app
        self.directory = directory

    def staff_names(self):
        """Return every staff display name, the shared account's too."""
        accounts = self.directory.accounts()
        return [ISSO_ADMIN.display_name, *(entry.name for entry in accounts.values())]

    def __call__(self, environ, start_response):
        if not writes_a_name(environ) or current_staff.get() is not None:
            return self.app(environ, start_response)
        body = read_body(environ)
        reason = refusal_reason(field_of(body, "author"), self.staff_names())
        if field_of(body, "email").strip().lower().startswith(PSEUDONYM_PREFIX):
            reason = PSEUDONYM_REASON  # the avatar hash of a staff account
        if not reason:
            return self.app(environ, start_response)
        logger.info("comment refused: reserved or hidden characters in the name")
        body = refusal_body(reason)
        start_response("403 Forbidden", refusal_headers(body))
        return [body]
