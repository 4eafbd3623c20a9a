"""``GET /export``: every comment of the site in one JSON response, for remote builds.

Protected by a token from the environment (``BLOG_EXPORT_TOKEN``). Without a
configured token the endpoint does not exist. Missing token → 401, wrong token
→ 403, and neither says anything about the data. The body is the same
``CommentData`` the build reads from SQLite: no email, no IP address.
"""

import datetime
import hmac
import json
import logging

from werkzeug.wrappers import Response

from comments.build import data, reader
from comments.core import SetupError
from comments.server.routes import endpoint_of

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "BLOG_EXPORT_TOKEN"


class ExportEndpoint:
    """WSGI middleware serving /export; everything else passes through."""

    def __init__(self, app, db_path, token):
        self.app = app
        self.db_path = db_path
        self.token = token

    def __call__(self, environ, start_response):
        if endpoint_of(environ) != "export" or not self.token:
            return self.app(environ, start_response)
        return self.export(environ)(environ, start_response)

    def export(self, environ):
        """Check the bearer token, then answer with the whole site's comments."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return Response("GET only", status=405, headers={"Allow": "GET"})
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return Response(
                "token required",
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="comments"'},
            )
        if not hmac.compare_digest(presented.encode(), self.token.encode()):
            return Response("wrong token", status=403)
        now = datetime.datetime.now(datetime.UTC)
        try:
            exported = reader.read_database(self.db_path, now)
        except SetupError as error:  # a damaged database, a time that is no time
            logger.error("export: %s", error)
            return Response(
                json.dumps({"error": str(error)}, ensure_ascii=False),
                status=500,
                mimetype="application/json",
                headers={"Cache-Control": "no-store"},
            )
        return Response(
            json.dumps(data.to_json(exported), ensure_ascii=False),
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )
