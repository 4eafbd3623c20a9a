"""Every response of the comment server carries its page's security headers."""

import base64
import hashlib
import re

import pytest

from comments.server.content_policy import ADMIN_POLICY, PAGE_POLICY

ADMIN_PASSWORD = "ein-sehr-langes-admin-passwort"


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(admin={"enabled": "true", "password": ADMIN_PASSWORD})


def style_source(html):
    block = re.search(r"<style>(.*?)</style>", html, re.DOTALL)[1]
    digest = hashlib.sha256(block.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def test_the_login_page_allows_its_own_style_block_by_hash_only(server):
    reply = server.client.request("GET", "/staff/login")
    policy = reply.headers["Content-Security-Policy"]
    assert policy == PAGE_POLICY
    assert style_source(reply.body) in policy
    assert "unsafe-inline" not in policy
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Permissions-Policy"].startswith("accelerometer=()")


@pytest.mark.parametrize("path", ["/config", "/js/embed.min.js", "/nicht-da"])
def test_api_and_files_get_the_strict_policy_and_one_of_each_header(server, path):
    reply = server.client.request("GET", path)
    assert reply.headers["Content-Security-Policy"] == PAGE_POLICY
    assert "script-src" not in PAGE_POLICY  # default-src 'none': no scripts
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_isso_admin_page_gets_its_own_policy(server):
    reply = server.client.request("GET", "/admin/")
    assert reply.headers["Content-Security-Policy"] == ADMIN_POLICY
    assert "frame-ancestors 'none'" in ADMIN_POLICY


def test_isso_admin_page_runs_no_inline_handler_and_needs_no_unsafe_inline(server):
    from comments.server.admin_handlers import DELEGATE_TAG

    server.client.post("/2026/kritik/", "Ein Kommentar für die Verwaltung")
    status, cookie = server.client.login(ADMIN_PASSWORD)
    assert status == 302
    reply = server.client.request(
        "GET", "/admin/?mode=1", headers={"Cookie": cookie.split(";", 1)[0]}
    )
    assert "Ein Kommentar für die Verwaltung" in reply.body
    assert not re.search(r"\son[a-z]+=", reply.body, re.IGNORECASE)
    assert 'data-admin-call="delete_com"' in reply.body
    assert reply.body.count(DELEGATE_TAG) == 1
    policy = reply.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]


def test_inline_handlers_become_data_attributes():
    from comments.server.admin_handlers import without_inline_handlers

    page = without_inline_handlers(
        "<a onClick=\"javascript:send_edit(12, 'ab&amp;c','https://k.example')\">"
        "</a><input onClick=\"javascript:window.location='?mode=1&page=2';\">"
        '<div onclick="toggleTooltip(this)"></div><b onClick="alert(document.x)">'
        "</body>"
    )
    assert 'data-admin-call="send_edit"' in page
    assert 'data-admin-args="[12, &quot;ab&amp;c&quot;, ' in page
    assert 'data-admin-href="?mode=1&amp;page=2"' in page
    assert 'data-admin-call="toggleTooltip" data-admin-this' in page
    assert 'onClick="alert(document.x)"' in page  # unknown shape: left, refused
    assert page.endswith("</script></body>")


def test_the_comment_form_may_send_readers_back_to_the_blog_only(server):
    reply = server.client.form("/form/new", {"uri": "/2026/kritik/", "text": "Hallo"})
    policy = reply.headers["Content-Security-Policy"]
    assert "form-action 'self' http://localhost:8000;" in policy
    assert policy.replace(" http://localhost:8000", "") == PAGE_POLICY
