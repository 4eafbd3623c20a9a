"""Thread listings are served from memory only while the thread is unchanged."""

import sqlite3

import pytest

ARTICLE = "/2026/cache/"


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}
    )


def texts(server):
    listing = server.client.thread(ARTICLE).body
    return [(c["text"], c["likes"]) for c in listing["replies"]]


def test_every_change_to_a_thread_shows_on_the_next_read(server):
    created = server.client.post(ARTICLE, "Erster")
    cookie = created.headers["Set-Cookie"].split(";", 1)[0]
    assert texts(server) == [("<p>Erster</p>", 0)]
    assert texts(server) == [("<p>Erster</p>", 0)]  # from memory, same answer

    server.client.post(ARTICLE, "Zweiter")
    assert [t for t, _ in texts(server)] == ["<p>Erster</p>", "<p>Zweiter</p>"]

    comment_id = created.body["id"]
    edited = server.client.request(
        "PUT", f"/id/{comment_id}", {"text": "Erster, bearbeitet"}, {"Cookie": cookie}
    )
    cookie = edited.headers["Set-Cookie"].split(";", 1)[0]  # the text's new key
    assert texts(server)[0][0] == "<p>Erster, bearbeitet</p>"

    with sqlite3.connect(server.database) as db:  # another process, same file
        db.execute("UPDATE comments SET likes = 3 WHERE id = ?", (comment_id,))
    assert texts(server)[0][1] == 3

    deleted = server.client.request(
        "DELETE", f"/id/{comment_id}", headers={"Cookie": cookie}
    )
    assert deleted.status == 200
    assert [t for t, _ in texts(server)] == ["<p>Zweiter</p>"]


def test_different_queries_are_kept_apart(server):
    for number in range(3):
        server.client.post(ARTICLE, f"Kommentar {number}")
    limited = server.client.request("GET", f"/?uri={ARTICLE}&limit=1").body
    full = server.client.thread(ARTICLE).body
    assert len(limited["replies"]) == 1 and len(full["replies"]) == 3


def test_a_moderators_edit_that_keeps_modified_shows_on_the_next_read(server):
    comment_id = server.client.post(ARTICLE, "Anruf 0170123456").body["id"]
    assert server.client.thread(ARTICLE).body["replies"][0]["author"] == "Leserin"
    with sqlite3.connect(server.database) as db:  # Isso's admin edit: same length
        db.execute(
            "UPDATE comments SET author = 'Anonymisiert', text = 'Anruf [entfernt]'"
            " WHERE id = ?",
            (comment_id,),
        )
    shown = server.client.thread(ARTICLE).body["replies"][0]
    assert (shown["author"], shown["text"]) == (
        "Anonymisiert",
        "<p>Anruf [entfernt]</p>",
    )
