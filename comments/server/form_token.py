"""Signed time tokens for the comment form that works without JavaScript.

A bot posts the moment it has a form; a person reads, writes and looks over a
preview. A static article page cannot carry a fresh token, so the comment
server issues one with the preview it shows after the first send
(``comments.server.form_post``): the signed moment and thread. Sent back, it
must be at least ``MIN_SECONDS`` and at most ``MAX_SECONDS`` old and name the
same thread. Signed with Isso's own ``session-key`` under a salt of its own, so
no edit cookie or moderation key can pass as a token, nor a token as either.
"""

from typing import NamedTuple

from itsdangerous import BadData, URLSafeSerializer

SALT = "blog-comment-form-token"
MIN_SECONDS = 3  # faster than anyone reads a preview
MAX_SECONDS = 24 * 3600  # a preview left open longer is sent again

OK = "ok"
MISSING = "missing"  # the first send from the article page
INVALID = "invalid"  # not signed by this server, or for another thread
TOO_FAST = "too-fast"
EXPIRED = "expired"


class Verdict(NamedTuple):
    """What a token says: one of the states above; for TOO_FAST the seconds left."""

    state: str
    wait: int = 0


def serializer(secret):
    """Return the signer of form tokens for ``secret``."""
    return URLSafeSerializer(secret, salt=SALT)


def issue(secret, uri, now):
    """Return a token for a form on thread ``uri`` shown at ``now`` (Unix seconds)."""
    return serializer(secret).dumps({"uri": uri, "at": round(now, 3)})


def check(secret, token, uri, now):
    """Judge ``token`` sent with a comment on ``uri`` at ``now``."""
    if not token:
        return Verdict(MISSING)
    try:
        payload = serializer(secret).loads(token)
        shown, for_uri = float(payload["at"]), payload["uri"]
    except (BadData, KeyError, TypeError, ValueError):
        return Verdict(INVALID)
    if for_uri != uri:
        return Verdict(INVALID)
    age = now - shown
    if age < MIN_SECONDS:
        return Verdict(TOO_FAST, max(1, int(MIN_SECONDS - age + 0.999)))
    if age > MAX_SECONDS:
        return Verdict(EXPIRED)
    return Verdict(OK)
