"""The desk reads only the threads that may hold an open comment, and finds the same."""

import datetime
import sqlite3

import pytest

from comments.build import reader
from comments.staff import desk, owners

ARTICLE = "/2026/kritik/"
OTHER = "/2026/technik/"
PASSWORD = "ein-langes-passwort"
STAFF = {"anna": ("Anna Schmidt", PASSWORD)}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )


def post(server, uri, text, parent=None, cookie=""):
    headers = {"Cookie": cookie} if cookie else None
    reply = server.client.post(uri, text, parent=parent, headers=headers)
    assert reply.status == 201, reply.body
    return reply.body["id"]


def open_ids(queue):
    return [entry.id for entry in queue.entries]


def test_the_desk_finds_every_open_comment_reading_only_waiting_threads(server):
    staff = server.client.staff_login("anna", PASSWORD)
    answered = post(server, ARTICLE, "Beantwortet")
    post(server, ARTICLE, "Antwort", parent=answered, cookie=staff)
    thanks = post(server, ARTICLE, "Danke!", parent=answered)  # after the answer
    waiting = post(server, ARTICLE, "Noch offen")
    other = post(server, OTHER, "Woanders offen")
    answer_first = post(server, OTHER, "Erst Antwort, dann Frage")
    post(server, OTHER, "Antwort", parent=answer_first, cookie=staff)
    with sqlite3.connect(server.database) as db:  # one awaiting moderation
        db.execute("UPDATE comments SET mode = 2 WHERE id = ?", (other,))
    db.close()
    now = datetime.datetime.now(datetime.UTC)
    queue, comments = owners.read_queue(server.conf, now)
    whole = reader.read_database(server.database, now, for_staff=True)
    settings = desk.DeskSettings.from_conf(server.conf)
    assert open_ids(queue) == open_ids(desk.open_queue(whole, now, settings))
    assert sorted(open_ids(queue)) == sorted([thanks, waiting, other])
    # threads whose last word is staff's are not read at all
    assert answer_first not in comments
