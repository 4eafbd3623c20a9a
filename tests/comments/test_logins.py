"""Staff and admin logins under attack: limits, sessions, cookies, framing."""

import threading
from collections import Counter
from http.cookies import SimpleCookie

import pytest

import comments.staff.accounts

ADMIN_PASSWORD = "admin-passwort-123"
STAFF = {
    "anna": ("Anna Schmidt", "ein-langes-passwort"),
    "jonas": ("Jonas Weber", "noch-ein-passwort"),
}
BLOG = "http://localhost:8000"
RELAXED_GUARD = {"ratelimit": "100", "direct-reply": "100"}


@pytest.fixture
def server(comment_server_factory):
    """A comment server with two staff accounts and Isso's admin page on."""
    return comment_server_factory(
        staff=STAFF,
        guard=RELAXED_GUARD,
        admin={"enabled": "true", "password": ADMIN_PASSWORD},
    )


@pytest.fixture
def proxied(comment_server_factory):
    """The same behind a trusted reverse proxy, published on https."""
    return comment_server_factory(
        "proxied",
        staff=STAFF,
        guard=RELAXED_GUARD,
        admin={"enabled": "true", "password": ADMIN_PASSWORD},
        server={
            "trusted-proxies": "127.0.0.1",
            "public-endpoint": "https://kommentare.example",
        },
    )


def in_parallel(count, request):
    """Run ``request(n)`` for n in range(count), all released at once."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(number):
        start.wait()
        results[number] = request(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def staff_login(client, account, password, **headers):
    return client.form(
        "/staff/login", {"account": account, "password": password}, headers=headers
    )


def cookie_of(reply, name):
    """Return the Morsel of cookie ``name`` set by a real response."""
    for header in reply.headers.get_all("Set-Cookie") or ():
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    raise AssertionError(f"no Set-Cookie for {name}: {reply.headers}")


def admin_login(client, password=ADMIN_PASSWORD, **headers):
    return client.form("/login/", {"password": password}, headers=headers)


def me(client, cookie, **headers):
    reply = client.request("GET", "/staff/me", headers={"Cookie": cookie, **headers})
    return reply.body["staff"]


def test_parallel_logins_from_one_address_get_no_more_than_the_limit(server):
    def attempt(number):
        password = "ein-langes-passwort" if number == 17 else f"falsch-{number}"
        return staff_login(server.client, "anna", password).status

    statuses = Counter(in_parallel(30, attempt))
    # Five attempts are checked, whichever come first; the other 25 wait out
    # the window, the right password among them or not. A right one logs in
    # and goes on to the desk (303).
    assert statuses[303] + statuses[403] == 5
    assert statuses[429] == 25
    # A right password among the five took its attempt back: one more try.
    after = [staff_login(server.client, "anna", "falsch").status for _ in range(2)]
    assert after == ([403, 429] if statuses[303] else [429, 429])


def test_one_account_is_limited_across_addresses(proxied):
    statuses = [
        staff_login(
            proxied.client, "anna", "falsch", **{"X-Forwarded-For": f"198.51.{n}.7"}
        ).status
        for n in range(12)
    ]
    assert statuses == [403] * 10 + [429] * 2
    # Another account, from a fresh address, is not held by anna's limit …
    other = staff_login(
        proxied.client, "jonas", "falsch", **{"X-Forwarded-For": "203.0.113.9"}
    )
    assert other.status == 403
    # … and a correct login does not count against its address.
    for _ in range(6):
        good = staff_login(
            proxied.client,
            "jonas",
            "noch-ein-passwort",
            **{"X-Forwarded-For": "203.0.113.10"},
        )
        assert good.status == 303  # to the desk


def test_no_more_than_two_password_hashes_run_at_once(proxied, monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()
    real = comments.staff.accounts.password_matches

    def counted(password_hash, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(password_hash, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(comments.staff.accounts, "password_matches", counted)
    # Ten addresses at once (a small botnet); each within its own limit.
    statuses = in_parallel(
        10,
        lambda n: (
            staff_login(
                proxied.client,
                f"name{n}",
                "falsch",
                **{"X-Forwarded-For": f"198.51.100.{n}"},
            ).status
        ),
    )
    assert statuses == [403] * 10
    assert most[0] <= 2


def test_unknown_and_known_names_cost_one_hash_each(server, monkeypatch):
    calls = Counter()
    for name in ("hash_password", "password_matches"):
        real = getattr(comments.staff.accounts, name)

        def counted(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(comments.staff.accounts, name, counted)
    assert staff_login(server.client, "niemand", "falsch").status == 403
    assert calls == {"password_matches": 1}
    assert staff_login(server.client, "anna", "falsch").status == 403
    assert calls == {"password_matches": 2}


def test_admin_login_is_throttled_like_the_staff_login(server):
    statuses = [admin_login(server.client, "falsch").status for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # Isso's form again, then refused
    assert admin_login(server.client).status == 429


def test_admin_cookie_is_http_only_lax_and_secure_behind_https(server, proxied):
    plain = admin_login(server.client)
    assert plain.status == 302
    cookie = cookie_of(plain, "admin-session")
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert "isso-admin-session" not in str(plain.headers)
    behind_tls = cookie_of(admin_login(proxied.client), "admin-session")
    assert behind_tls["httponly"] and behind_tls["secure"]
    assert behind_tls["samesite"] == "Lax"


def test_logout_ends_the_admin_session_and_the_admin_page_keeps_working(server):
    reply = admin_login(server.client)
    cookie = f"admin-session={cookie_of(reply, 'admin-session').value}"
    assert me(server.client, cookie) == "Redaktion"
    page = server.client.request("GET", "/admin/", headers={"Cookie": cookie})
    assert page.status == 200 and 'class="filters"' in page.body
    assert 'action="/staff/logout"' in page.body  # Isso's logout needs JS access
    assert "X-Frame-Options" in page.headers

    logout = server.client.form("/staff/logout", {}, headers={"Cookie": cookie})
    assert logout.status == 200 and "Sie sind abgemeldet" in logout.body
    assert cookie_of(logout, "admin-session")["max-age"] == "0"
    assert me(server.client, cookie) is None
    after = server.client.request("GET", "/admin/", headers={"Cookie": cookie})
    assert after.status == 200 and 'id="login"' in after.body  # Isso's form


def test_staff_cookie_is_lax_and_secure_when_published_on_https(proxied):
    direct = cookie_of(
        staff_login(proxied.client, "anna", "ein-langes-passwort"), "blog-staff"
    )
    assert direct["secure"] and direct["samesite"] == "Lax" and direct["httponly"]
    forwarded = cookie_of(
        staff_login(
            proxied.client,
            "jonas",
            "noch-ein-passwort",
            **{"X-Forwarded-Proto": "https"},
        ),
        "blog-staff",
    )
    assert forwarded["secure"] and forwarded["samesite"] == "Lax"


def test_logout_from_another_site_is_refused(server):
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    foreign = server.client.form(
        "/staff/logout",
        {},
        headers={"Cookie": cookie, "Origin": "https://evil.example"},
    )
    assert foreign.status == 403
    assert me(server.client, cookie) == "Anna Schmidt"
    own = server.client.form(
        "/staff/logout", {}, headers={"Cookie": cookie, "Origin": server.url}
    )
    assert own.status == 200 and me(server.client, cookie) is None


@pytest.mark.parametrize("path", ["/staff/login", "/admin/"])
def test_login_pages_may_not_be_framed(server, path):
    reply = server.client.request("GET", path)
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]


@pytest.mark.parametrize("next_url", [f"{BLOG}/a\r\nSet-Cookie: x=1", f"{BLOG}/\x7f"])
def test_a_line_break_in_next_is_dropped_not_a_500(server, next_url):
    reply = server.client.form(
        "/staff/login",
        {"account": "anna", "password": "ein-langes-passwort", "next": next_url},
    )
    assert reply.status == 303 and reply.headers["Location"] == "/desk"


def test_admin_page_arguments_and_foreign_cookies_are_no_500(server):
    session = cookie_of(admin_login(server.client), "admin-session").value
    cookie = f"admin-session={session}"
    for query in ("page=abc", "mode=x", "asc=1.5", "page=99999999999999999999"):
        reply = server.client.request(
            "GET", f"/admin/?{query}", headers={"Cookie": cookie}
        )
        assert reply.status == 400, query
    created = server.client.post("/2026/kritik/", "Mein Kommentar")
    edit_cookie = created.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    for value in (edit_cookie, "erfunden.signatur", "x" * 5000):
        reply = server.client.request(
            "GET", "/admin/", headers={"Cookie": f"admin-session={value}"}
        )
        assert reply.status == 200 and 'id="login"' in reply.body
