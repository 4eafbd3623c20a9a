"""Verified staff replies: only a login on the server makes a comment staff's."""

import sqlite3
import time

import pytest

from comments.staff.accounts import token_hash

ARTICLE = "/2026/kritik/"
BLOG = "http://localhost:8000"
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}


@pytest.fixture
def server(comment_server_factory):
    """A comment server with one staff account and a relaxed guard."""
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
        admin={"enabled": "true", "password": "admin-passwort-123"},
    )


def staff_badges(server, uri=ARTICLE):
    return server.client.request("GET", f"/staff/comments?uri={uri}").body


def post_as(server, text, cookie, parent=None, **fields):
    headers = {"Cookie": cookie, "Origin": BLOG} if cookie else {"Origin": BLOG}
    return server.client.post(ARTICLE, text, parent=parent, headers=headers, **fields)


def test_logged_in_staff_reply_is_recorded_with_the_display_name(server):
    question = server.client.post(ARTICLE, "Warum dauert das so lange?").body["id"]
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    assert cookie.startswith("blog-staff=")
    answer = post_as(server, "Wir prüfen das.", cookie, parent=question, author="A.")
    assert answer.status == 201
    # The author field is the verified display name, whatever was typed.
    assert answer.body["author"] == "Anna Schmidt"
    assert staff_badges(server) == {str(answer.body["id"]): "Anna Schmidt"}
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT staff_account, via FROM blog_staff_comments"
        ).fetchall() == [("anna", "session")]


def test_reader_with_staff_email_and_website_is_not_staff(server):
    impostor = server.client.post(
        ARTICLE,
        "Ich bin die Redaktion",
        author="A. Schmidt",  # the very name is refused (test_reserved_names)
        email="anna.schmidt@beispiel.example",
        website="https://beispiel.example",
    )
    assert impostor.status == 201
    assert staff_badges(server) == {}


@pytest.mark.parametrize(
    "cookie",
    [
        "blog-staff=erfunden",
        "blog-staff=" + "x" * 500,
        "admin-session=erfunden.signatur",
    ],
)
def test_forged_cookies_give_no_staff_status(server, cookie):
    assert post_as(server, "Gefälscht", cookie).status == 201
    assert staff_badges(server) == {}


def test_edit_cookie_presented_as_a_session_gives_no_staff_status(server):
    created = server.client.post(ARTICLE, "Mein Kommentar")
    # Isso's edit cookie is signed with the same key as its admin session.
    edit_cookie = created.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    for name in ("admin-session", "blog-staff"):
        assert post_as(server, "Versuch", f"{name}={edit_cookie}").status == 201
    assert staff_badges(server) == {}


def test_expired_session_gives_no_staff_status(server):
    with sqlite3.connect(server.database) as db:
        db.execute(
            "INSERT INTO blog_staff_sessions VALUES (?, 'anna', ?, ?)",
            (token_hash("abgelaufen"), time.time() - 7200, time.time() - 60),
        )
    assert post_as(server, "Zu spät", "blog-staff=abgelaufen").status == 201
    assert staff_badges(server) == {}


def test_staff_session_is_not_lent_to_another_site(server):
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    foreign = server.client.post(
        ARTICLE,
        "Von fremder Seite",
        headers={"Cookie": cookie, "Origin": "http://evil.example"},
    )
    assert (
        foreign.status == 403
    )  # comments.server.write_guard: no foreign writes at all
    with sqlite3.connect(server.database) as db:
        assert db.execute("SELECT COUNT(*) FROM comments").fetchone() == (0,)
    assert staff_badges(server) == {}


def test_logout_ends_the_session_on_the_server(server):
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    assert (
        server.client.form("/staff/logout", {}, headers={"Cookie": cookie}).status
        == 200
    )
    assert post_as(server, "Nach dem Abmelden", cookie).status == 201
    assert staff_badges(server) == {}


def test_isso_admin_login_counts_as_the_shared_redaktion_account(server):
    status, admin_cookie = server.client.login("admin-passwort-123")
    assert status == 302
    answer = post_as(server, "Antwort der Redaktion", admin_cookie.split(";", 1)[0])
    assert staff_badges(server) == {str(answer.body["id"]): "Redaktion"}


def test_wrong_password_is_refused_and_repeated_failures_are_throttled(server):
    statuses = [
        server.client.form(
            "/staff/login", {"account": "anna", "password": "falsch"}
        ).status
        for _ in range(6)
    ]
    assert statuses == [403, 403, 403, 403, 403, 429]
    # Even the right password waits until the window has passed.
    assert server.client.staff_login("anna", "ein-langes-passwort") == ""


def test_login_redirects_only_back_to_the_blog(server):
    fields = {"account": "anna", "password": "ein-langes-passwort"}
    home = server.client.form(
        "/staff/login", {**fields, "next": f"{BLOG}/2026/kritik/"}
    )
    assert home.status == 303 and home.headers["Location"] == f"{BLOG}/2026/kritik/"
    elsewhere = server.client.form(
        "/staff/login", {**fields, "next": "https://evil.example/"}
    )
    # another site is no target: to the desk instead (no open redirect)
    assert elsewhere.status == 303 and elsewhere.headers["Location"] == "/desk"


def test_staff_cookie_is_http_only(server):
    reply = server.client.form(
        "/staff/login", {"account": "anna", "password": "ein-langes-passwort"}
    )
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_staff_me_says_who_is_logged_in(server):
    assert server.client.request("GET", "/staff/me").body == {"staff": None}
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    me = server.client.request("GET", "/staff/me", headers={"Cookie": cookie})
    assert me.body == {"staff": "Anna Schmidt"}


def test_staff_email_is_optional_kept_on_password_change_and_checked(tmp_path):
    from comments.staff.accounts import StaffError, add_account, read_accounts

    path = tmp_path / "staff.cfg"
    add_account(path, "anna", "Anna Schmidt", "ein-langes-passwort", "anna@firma.de")
    add_account(path, "jonas", "Jonas Weber", "ein-langes-passwort")
    assert read_accounts(path)["anna"].email == "anna@firma.de"
    assert read_accounts(path)["jonas"].email == ""
    add_account(path, "anna", "Anna Schmidt", "ein-neues-passwort!")  # email kept
    assert read_accounts(path)["anna"].email == "anna@firma.de"
    add_account(path, "anna", "Anna Schmidt", "ein-neues-passwort!", "")  # removed
    assert read_accounts(path)["anna"].email == ""
    with pytest.raises(
        StaffError, match="'Anna <anna@firma.de>' ist keine Mailadresse"
    ):
        add_account(path, "anna", "A", "ein-langes-passwort", "Anna <anna@firma.de>")
    path.write_text(path.read_text() + "email = kaputt\n")
    with pytest.raises(StaffError, match=r"\[jonas\] email = 'kaputt' is not a mail"):
        read_accounts(path)


def test_staff_add_refuses_names_readers_could_mistake_and_a_damaged_file(tmp_path):
    from comments.staff.accounts import StaffError, add_account, read_accounts

    path = tmp_path / "staff.cfg"
    add_account(path, "anna", "Anna Schmidt", "ein-langes-passwort")
    with pytest.raises(StaffError, match="'redaktion' ist die gemeinsame Anmeldung"):
        add_account(path, "redaktion", "Fake Redaktion", "ein-langes-passwort")
    with pytest.raises(
        StaffError, match="'anna schmidt' gehört schon zum Konto 'anna'"
    ):
        add_account(path, "gina", "anna schmidt", "ein-langes-passwort")
    with pytest.raises(StaffError, match="'Redaktion' ist der des gemeinsamen Kontos"):
        add_account(path, "gina", "Redaktion", "ein-langes-passwort")
    add_account(path, "anna", "Anna Schmidt", "ein-neues-passwort!")  # her own name
    assert sorted(read_accounts(path)) == ["anna"]

    damaged = path.read_text(encoding="utf-8") + "[anna]\nname = Zweimal\n"
    path.write_text(damaged, encoding="utf-8")
    with pytest.raises(StaffError) as raised:
        add_account(path, "jonas", "Jonas Weber", "ein-langes-passwort")
    assert str(raised.value).startswith(f"{path}: Redaktionsdatei unlesbar (")
    assert str(raised.value).endswith("nichts wurde geändert")
    assert path.read_text(encoding="utf-8") == damaged


def test_published_origin_of_the_comment_server_counts_as_its_own(
    comment_server_factory,
):
    # Behind a TLS proxy the request shows http://…, the browser sends https://….
    server = comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100"},
        server={"public-endpoint": "https://kommentare.example"},
    )
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    answer = server.client.post(
        ARTICLE,
        "Von der eigenen Seite",
        headers={"Cookie": cookie, "Origin": "https://kommentare.example"},
    )
    assert staff_badges(server) == {str(answer.body["id"]): "Anna Schmidt"}


def test_staff_answer_past_the_reader_guard_from_the_readers_address(
    comment_server_factory,
):
    # The guard as shipped: one reply-to-self window, two posts a minute.
    server = comment_server_factory(
        staff={"anna": ("Anna Schmidt", "ein-langes-passwort")},
        guard={"ratelimit": "2", "direct-reply": "3", "reply-to-self": "false"},
    )
    question = server.client.post(ARTICLE, "Frage aus dem Büro").body["id"]
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    answers = [
        post_as(server, f"Antwort {n}", cookie, parent=question) for n in range(3)
    ]
    assert [answer.status for answer in answers] == [201, 201, 201]
    # A reader from the same address is still held to the guard.
    again = server.client.post(ARTICLE, "Noch eine", parent=question)
    assert again.status == 403


def test_staff_comments_hash_by_account_not_like_the_same_addresss_reader(server):
    reader = server.client.post(ARTICLE, "Anonym vom selben Rechner").body
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    first = post_as(server, "Erste Antwort", cookie, parent=reader["id"]).body
    second = post_as(server, "Zweite Antwort", cookie, email="anna@privat.example")
    listing = server.client.thread(ARTICLE).body["replies"]
    hashes = {comment["id"]: comment["hash"] for comment in listing}
    hashes.update(
        (reply["id"], reply["hash"])
        for comment in listing
        for reply in comment["replies"]
    )
    assert hashes[first["id"]] == hashes[second.body["id"]] == first["hash"]
    assert hashes[first["id"]] != hashes[reader["id"]] == reader["hash"]
    # A reader cannot borrow the account's hash by typing its stand-in.
    borrowed = server.client.post(ARTICLE, "Ich auch", email="Staff:anna")
    assert borrowed.status == 403
    assert borrowed.body["message"] == "Diese E-Mail-Adresse ist ungültig."


def test_staff_answers_never_count_against_readers_limits(comment_server_factory):
    from comments.server.app import build_server
    from comments.staff.accounts import StaffMember
    from comments.staff.replies import post_staff_reply

    server = comment_server_factory(staff=STAFF, guard={"ratelimit": "2"})
    question = server.client.post(ARTICLE, "Eine Frage vom Büro-Netz").body["id"]
    isso = build_server(server.conf, environ={})
    anna = StaffMember("anna", "Anna Schmidt")
    for text in ("Erste Antwort", "Zweite Antwort"):  # from 127.0.0.1, as readers
        post_staff_reply(isso, question, text, anna)
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    assert post_as(server, "Dritte Antwort", cookie, parent=question).status == 201
    # The reader on the same address has used one of their two a minute.
    assert server.client.post(ARTICLE, "Noch eine Frage").status == 201
    with sqlite3.connect(server.database) as db:
        addresses = dict(db.execute("SELECT text, remote_addr FROM comments"))
    assert addresses["Zweite Antwort"] == addresses["Dritte Antwort"] == "staff"
