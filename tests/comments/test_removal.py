"""Removals always leave a record: the tool, Isso's own routes, and behind its back."""

import sqlite3

import pytest

from comments.staff.removal import RemovalError, remove_comment
from comments.store.schema import REMOVAL_REASONS

ARTICLE = "/2026/kritik/"


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
        admin={"enabled": "true", "password": "admin-passwort-123"},
    )


def removal_log(server):
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT comment_id, thread_uri, reason, note, removed_by "
            "FROM blog_removals ORDER BY id"
        ).fetchall()


def comment_ids(server):
    with sqlite3.connect(server.database) as db:
        return [row[0] for row in db.execute("SELECT id FROM comments ORDER BY id")]


def isso_instance(server):
    from comments.server.app import build_server

    return build_server(server.conf)


@pytest.mark.parametrize("reason", REMOVAL_REASONS)
def test_remove_with_each_reason_deletes_and_logs_it(server, reason):
    comment_id = server.client.post(ARTICLE, "Weg damit").body["id"]
    uri = remove_comment(
        isso_instance(server), comment_id, reason, note="Hinweis", removed_by="jonas"
    )
    assert uri == ARTICLE
    assert comment_ids(server) == []
    assert removal_log(server) == [(comment_id, ARTICLE, reason, "Hinweis", "jonas")]


def test_removing_a_comment_with_replies_blanks_it_and_keeps_the_replies(server):
    top = server.client.post(ARTICLE, "Spam-Link").body["id"]
    reply = server.client.post(ARTICLE, "Antwort", parent=top).body["id"]
    remove_comment(isso_instance(server), top, "spam")
    assert comment_ids(server) == [top, reply]
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT mode, text FROM comments WHERE id = ?", (top,)
        ).fetchone() == (4, "")
    assert removal_log(server) == [(top, ARTICLE, "spam", "", "")]


def test_unknown_reason_and_unknown_comment_are_refused(server):
    comment_id = server.client.post(ARTICLE, "Bleibt").body["id"]
    with pytest.raises(RemovalError, match="Grund 'nervig' ist keiner von spam"):
        remove_comment(isso_instance(server), comment_id, "nervig")
    with pytest.raises(RemovalError, match="Kommentar 999 gibt es nicht"):
        remove_comment(isso_instance(server), 999, "spam")
    assert comment_ids(server) == [comment_id] and removal_log(server) == []


def test_delete_behind_the_tools_back_is_logged_without_a_reason(server):
    comment_id = server.client.post(ARTICLE, "Heimlich gelöscht").body["id"]
    with sqlite3.connect(server.database) as db:
        db.execute("DELETE FROM comments WHERE id = ?", (comment_id,))
    assert removal_log(server) == [(comment_id, ARTICLE, "unspecified", "", "")]


def test_author_withdrawing_within_the_edit_window_is_logged_as_withdrawn(server):
    created = server.client.post(ARTICLE, "Doch nicht")
    cookie = created.headers["Set-Cookie"].split(";", 1)[0]
    deleted = server.client.request(
        "DELETE", f"/id/{created.body['id']}", headers={"Cookie": cookie}
    )
    assert deleted.status == 200
    assert removal_log(server) == [
        (created.body["id"], ARTICLE, "withdrawn", "", "author")
    ]


def test_refused_delete_leaves_no_record(server):
    comment_id = server.client.post(ARTICLE, "Fremder Kommentar").body["id"]
    assert server.client.request("DELETE", f"/id/{comment_id}").status == 403
    assert comment_ids(server) == [comment_id] and removal_log(server) == []
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT COUNT(*) FROM blog_pending_removals").fetchone() == (
            0,
        )


def pending_reasons(server):
    with sqlite3.connect(server.database) as db:
        return db.execute("SELECT * FROM blog_pending_removals").fetchall()


def test_a_refused_delete_never_touches_a_reason_announced_by_staff(server):
    comment_id = server.client.post(ARTICLE, "Rechtswidrig").body["id"]
    staff_reason = (comment_id, "illegal", "Gerichtsbeschluss", "jonas")
    with sqlite3.connect(server.database) as db:  # comments.remove under way
        db.execute(
            "INSERT INTO blog_pending_removals VALUES (?, ?, ?, ?)", staff_reason
        )
    for path in (f"/id/{comment_id}", f"/id/{comment_id}/delete/forged-key"):
        method = "DELETE" if path.count("/") == 2 else "POST"
        assert server.client.request(method, path).status == 403
    assert pending_reasons(server) == [staff_reason]


def test_a_moderation_key_records_the_comment_it_was_signed_for(server):
    asked = server.client.post(ARTICLE, "Im Pfad genannt").body["id"]
    signed = server.client.post(ARTICLE, "Wirklich gelöscht").body["id"]
    key = isso_instance(server).sign(signed)
    assert server.client.request("POST", f"/id/{asked}/delete/{key}").status == 200
    assert removal_log(server) == [(signed, ARTICLE, "unspecified", "", "isso-admin")]
    assert comment_ids(server) == [asked] and pending_reasons(server) == []


def test_delete_on_isso_admin_page_is_logged_as_unspecified(server):
    top = server.client.post(ARTICLE, "Mit Antwort").body["id"]
    server.client.post(ARTICLE, "Antwort", parent=top)
    alone = server.client.post(ARTICLE, "Allein").body["id"]
    key = isso_instance(server).sign(top)
    status, admin_cookie = server.client.login("admin-passwort-123")
    for comment_id, comment_key in (
        (top, key),
        (alone, isso_instance(server).sign(alone)),
    ):
        reply = server.client.request(
            "POST",
            f"/id/{comment_id}/delete/{comment_key}",
            headers={"Cookie": admin_cookie.split(";", 1)[0]},
        )
        assert reply.status == 200
    assert sorted(removal_log(server)) == [
        (top, ARTICLE, "unspecified", "", "isso-admin"),
        (alone, ARTICLE, "unspecified", "", "isso-admin"),
    ]


def test_the_removal_log_is_append_only(server):
    comment_id = server.client.post(ARTICLE, "Weg").body["id"]
    remove_comment(isso_instance(server), comment_id, "spam")
    with sqlite3.connect(server.database) as db:
        for statement in (
            "UPDATE blog_removals SET reason = 'other'",
            "DELETE FROM blog_removals",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    assert removal_log(server) == [(comment_id, ARTICLE, "spam", "", "")]
