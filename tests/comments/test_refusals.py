"""Refused comments are explained in German, with the wait where it is known."""

import json
import time

import pytest

from comments.server.refusals import Refusals
from tests.support import set_created

ARTICLE = "/2026/warum-wir-antworten/"
STRICT_GUARD = {"ratelimit": "2", "direct-reply": "100", "reply-to-self": "false"}


def assert_refusal(reply, status, reason):
    """The reply is our JSON refusal with a German message."""
    assert reply.status == status
    assert reply.headers["Content-Type"].startswith("application/json")
    assert set(reply.body) == {"reason", "message", "retry_after"}
    assert reply.body["reason"] == reason
    assert reply.body["message"].startswith(("Sie ", "Ihr", "Bitte ", "Die ", "Dies"))


def test_rate_limit_says_when_the_oldest_recent_comment_leaves_the_minute(
    comment_server_factory,
):
    server = comment_server_factory(guard=STRICT_GUARD)
    first = server.client.post(ARTICLE, "Eins").body["id"]
    assert server.client.post(ARTICLE, "Zwei").status == 201
    set_created(server.database, first, time.time() - 45)

    refused = server.client.post(ARTICLE, "Drei")

    assert_refusal(refused, 403, "ratelimit")
    assert 14 <= refused.body["retry_after"] <= 16
    assert refused.headers["Retry-After"] == str(refused.body["retry_after"])
    wait = refused.body["retry_after"]
    assert refused.body["message"] == (
        "Sie haben gerade schon kommentiert. "
        f"Bitte versuchen Sie es in {wait} Sekunden noch einmal."
    )
    assert "127.0.0" not in json.dumps(refused.body)  # Isso's reason names it


def test_reply_to_own_comment_waits_for_its_edit_window(comment_server_factory):
    server = comment_server_factory(guard=STRICT_GUARD)
    own = server.client.post(ARTICLE, "Meine Frage").body["id"]
    set_created(server.database, own, time.time() - 5 * 60)

    refused = server.client.post(ARTICLE, "Nachtrag", parent=own)

    assert_refusal(refused, 403, "reply-to-self")
    # [general] max-age is 15 minutes; 5 have passed.
    assert 599 <= refused.body["retry_after"] <= 601
    assert refused.headers["Retry-After"] == str(refused.body["retry_after"])
    assert refused.body["message"].endswith(
        "Bitte versuchen Sie es in 10 Minuten noch einmal."
    )


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ({"text": "ab"}, 400, "too-short"),
        ({"text": "x" * 65536}, 400, "too-long"),
        ({"text": "Hallo", "website": "x" * 300}, 400, "website"),
        (["kein", "Objekt"], 400, "invalid"),
    ],
)
def test_refused_texts_are_named_without_a_wait(
    comment_server, payload, status, reason
):
    refused = comment_server.client.request("POST", f"/new?uri={ARTICLE}", payload)
    assert_refusal(refused, status, reason)
    assert refused.body["retry_after"] is None
    assert "Retry-After" not in refused.headers


def test_too_many_top_level_comments_point_to_replies(comment_server_factory):
    server = comment_server_factory(guard={"ratelimit": "100", "direct-reply": "1"})
    assert server.client.post(ARTICLE, "Eins").status == 201
    refused = server.client.post(ARTICLE, "Zwei")
    assert_refusal(refused, 403, "direct-reply")
    assert refused.body["retry_after"] is None


def test_edit_after_the_window_is_explained(comment_server):
    own = comment_server.client.post(ARTICLE, "Erste Fassung").body["id"]
    refused = comment_server.client.request("PUT", f"/id/{own}", {"text": "Neu"})
    assert_refusal(refused, 403, "edit-expired")


def test_a_refusal_already_in_our_shape_passes_unchanged(tmp_path):
    from werkzeug.test import Client

    from comments.config import load_config
    from tests.support import write_isso_config

    closed = json.dumps(
        {"reason": "closed", "message": "Geschlossen.", "retry_after": None}
    ).encode()

    def closed_thread(environ, start_response):
        start_response("403 Forbidden", [("Content-Type", "application/json")])
        return [closed]

    conf, _ = load_config(write_isso_config(tmp_path), environ={})
    reply = Client(Refusals(closed_thread, conf)).post(
        f"/new?uri={ARTICLE}", json={"text": "Hallo"}
    )
    assert reply.status_code == 403 and reply.data == closed
