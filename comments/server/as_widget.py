"""Post a comment through the comment server's own layers, as Isso's widget does.

The form without JavaScript (``comments.server.form_post``) hands its comment
to the same WSGI application the widget's ``POST /new?uri=…`` reaches, as the
same JSON: every layer inside answers it exactly as it answers the widget.
"""

import io
import json
from urllib.parse import urlencode

from comments.server.refusals import MESSAGES
from comments.server.routes import ROUTE_KEY, match


def isso_environ(environ, uri, payload):
    """The environ of the widget's ``POST /new?uri=…`` for ``payload``, from
    the form post's: same client, address, cookies and Origin."""
    # As the widget sends it: raw UTF-8, so a text at Isso's limit stays
    # below Isso's 256 KiB (escaped, "€" would take six bytes).
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    inner = {key: value for key, value in environ.items() if "werkzeug" not in key}
    inner.update(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/new",
            "QUERY_STRING": urlencode({"uri": uri}),
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            ROUTE_KEY: match("POST", "/new"),
        }
    )
    return inner


def call_inner(app, environ):
    """Call ``app``; return (status code, headers, body bytes)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=list(headers))
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(answer["status"][:3]), answer["headers"], body


def refusal_of(status, headers, body):
    """The reason, German message and wait of a refusal on the widget's path
    (``comments.server.refusals`` JSON; anything else gets a general word)."""
    retry_after = None
    for name, value in headers:
        if name.lower() == "retry-after" and value.isdigit():
            retry_after = int(value)
    try:
        answer = json.loads(body)
        return str(answer["reason"]), str(answer["message"]), retry_after
    except (ValueError, KeyError, TypeError):
        reason = "invalid" if status == 400 else "refused"
        return reason, MESSAGES[reason], retry_after
