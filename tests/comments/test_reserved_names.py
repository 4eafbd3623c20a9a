"""Readers cannot post under a staff name, a badge word or invisible characters."""

import sqlite3

import pytest

from comments.staff.accounts import StaffError, add_account

ARTICLE = "/2026/kritik/"
BLOG = "http://localhost:8000"
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}
RESERVED = "Dieser Name ist der Redaktion vorbehalten."
HIDDEN = "Der Name enthält unsichtbare Steuerzeichen."


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )


def stored_authors(server):
    with sqlite3.connect(server.database) as db:
        return [row[0] for row in db.execute("SELECT author FROM comments")]


@pytest.mark.parametrize(
    ("author", "reason"),
    [
        ("Anna Schmidt", RESERVED),
        ("  anna   SCHMIDT ", RESERVED),
        ("Ａｎｎａ Ｓｃｈｍｉｄｔ", RESERVED),  # full-width letters (NFKC)
        ("Redaktion · Anna Schmidt", RESERVED),
        ("redaktion", RESERVED),
        ("Das Blog-Team", RESERVED),
        ("Redaktionsteam", RESERVED),
        ("Anna\u200bSchmidt", HIDDEN),
        ("\u202eadimhcS annA", HIDDEN),
        ("Anna\u2066Schmidt\u2069", HIDDEN),
        ("Leserin\nAntworten: https://phish.example/", HIDDEN),
    ],
)
def test_reserved_or_hidden_names_are_refused_with_a_german_reason(
    server, author, reason
):
    reply = server.client.post(ARTICLE, "Hallo", author=author)
    assert reply.status == 403
    assert reply.body["message"].startswith(reason)
    assert stored_authors(server) == []


def test_other_names_pass(server):
    for author in ("Leserin", "Stefan Teamer", "Staffan", "Jörg Müller", ""):
        assert server.client.post(ARTICLE, "Hallo", author=author).status == 201


def test_a_reader_cannot_edit_their_name_into_a_staff_name(server):
    created = server.client.post(ARTICLE, "Hallo", author="Leserin")
    cookie = created.headers["Set-Cookie"].split(";", 1)[0]
    edit = {"text": "Hallo", "author": "Anna Schmidt"}
    path = f"/id/{created.body['id']}"
    reply = server.client.request("PUT", path, edit, {"Cookie": cookie})
    assert reply.status == 403 and reply.body["message"].startswith(RESERVED)
    edit["author"] = "Leserin B."
    assert server.client.request("PUT", path, edit, {"Cookie": cookie}).status == 200
    assert stored_authors(server) == ["Leserin B."]


def test_staff_post_under_their_own_name(server):
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    reply = server.client.post(
        ARTICLE,
        "Antwort",
        author="Redaktion",
        headers={"Cookie": cookie, "Origin": BLOG},
    )
    assert reply.status == 201 and reply.body["author"] == "Anna Schmidt"


@pytest.mark.parametrize(
    "display_name", ["Anna Schmidt\u200b", "Anna\u202eSchmidt", "Anna\u00adSchmidt"]
)
def test_staff_add_refuses_invisible_characters_in_one_line(tmp_path, display_name):
    with pytest.raises(StaffError) as refused:
        add_account(tmp_path / "staff.cfg", "anna", display_name, "ein-langes-passwort")
    message = str(refused.value)
    assert "enthält unsichtbare Zeichen" in message and "\n" not in message
    assert not (tmp_path / "staff.cfg").exists()


def test_staff_add_refuses_a_look_alike_of_another_staff_name(tmp_path):
    path = tmp_path / "staff.cfg"
    add_account(path, "anna", "Anna Schmidt", "ein-langes-passwort")
    with pytest.raises(StaffError, match="gehört schon zum Konto 'anna'"):
        add_account(path, "gina", "Ａｎｎａ  Schmidt", "ein-langes-passwort")
