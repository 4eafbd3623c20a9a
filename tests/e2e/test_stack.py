"""The production stack as `invoke stage` runs it: the shipped nginx sites in
front of the static release and of the comment server under gunicorn, driven
by Chromium. Run alone with ``pytest -m stack``."""

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from comments.staff.accounts import add_account
from publishing.nginx_config import BROTLI_MODULE
from tests.e2e.conftest import STAFF_ACCOUNT
from tests.e2e.nojs_form import preview_and_publish
from tests.e2e.test_comment_pages import comment_with, reply_to
from tests.support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.stack]

ARTICLE = "/2026/warum-wir-auf-jeden-kommentar-antworten/"
CRITICISM = "/2026/wie-wir-mit-kritik-umgehen/"
PAGE_KINDS = {
    "home": "/",
    "article with comments": ARTICLE,
    "transparency page": "/answered/",
    "parade page": "/blogparade/offenes-firmenblog/",
    "search with a query": "/suche/?q=Kommentar",
    "author": "/autor/anna-schmidt/",
    "404": "/gibt-es-nicht/",
}
STARTUP_SECONDS = 180
ADMIN_PASSWORD = "ein-langes-admin-passwort"


def free_ports(count):
    """Return ``count`` ports free on loopback just now."""
    sockets = [socket.socket() for _ in range(count)]
    for probe in sockets:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in sockets]
    for probe in sockets:
        probe.close()
    return ports


class Stack:
    """The running `invoke stage`: its addresses and folder."""

    def __init__(self, folder, blog_port, comments_port, app_port):
        self.folder = folder
        self.ports = (blog_port, comments_port, app_port)
        self.site_url = f"http://localhost:{blog_port}"
        self.comments_url = f"http://localhost:{comments_port}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`invoke stage` on free ports in a temporary folder; Ctrl-C at the end."""
    folder = tmp_path_factory.mktemp("stage")
    (folder / "comments").mkdir()
    add_account(folder / "comments" / "staff.cfg", *STAFF_ACCOUNT)
    ports = free_ports(3)
    command = [
        *(sys.executable, "-m", "invoke", "stage", "--folder", str(folder)),
        *("--port", str(ports[0]), "--comments-port", str(ports[1])),
        *("--app-port", str(ports[2])),
    ]
    environment = {
        key: value for key, value in os.environ.items() if key != "ISSO_SETTINGS"
    }
    environment["ISSO_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    log = (folder / "stage.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=environment
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Staged: the blog" not in (folder / "stage.log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"invoke stage did not start:\n{read_tail(folder)}")
        time.sleep(0.2)
    yield Stack(folder, *ports)
    process.send_signal(signal.SIGINT)  # Ctrl-C
    assert process.wait(timeout=30) == 0, read_tail(folder)
    log.close()
    for port in ports:  # nginx and gunicorn are gone with it
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def read_tail(folder):
    return "\n".join((folder / "stage.log").read_text().splitlines()[-20:])


def fetch(url, headers=None, data=None, method=None):
    """Return (status, headers, body) without following redirects or raising."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    request = urllib.request.Request(url, data, headers or {}, method=method)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_comment(stack, thread, text, forwarded_for=None):
    """Post a reader comment to the comment server through nginx; return the status."""
    headers = {"Content-Type": "application/json", "Origin": stack.site_url}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    body = json.dumps({"text": text, "author": "Leserin", "title": "T"}).encode()
    status, _, _ = fetch(
        f"{stack.comments_url}/new?uri={thread}", headers, body, method="POST"
    )
    return status


def watch_page(page):
    """Collect console errors and CSP violations of ``page``."""
    problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(message.text),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return problems


def test_every_page_kind_loads_without_csp_violations_or_console_errors(stack, page):
    assert post_comment(stack, ARTICLE, "Schon ein Kommentar mit Avatar.") == 201
    problems = watch_page(page)
    for kind, path in PAGE_KINDS.items():
        response = page.goto(stack.site_url + path)
        assert response.status == (404 if kind == "404" else 200), kind
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        if kind == "article with comments":
            page.locator(".isso-comment .isso-avatar rect").first.wait_for()
            # Isso's styles arrived as a file: the form is laid out by them.
            assert page.locator("link[href$='/css/isso.css']").count() == 1
            assert page.locator("style").count() == 0
        if kind == "search with a query":
            page.locator(".pagefind-ui__result").first.wait_for()
        page.wait_for_load_state("networkidle")
        # A 404 page is logged by Chromium as a failed resource; nothing else.
        problems[:] = [p for p in problems if not (kind == "404" and "404" in p)]
        assert problems == [], f"{kind} ({path}): {problems}"


def test_a_reader_comments_and_staff_answers_through_nginx(stack, new_page):
    account, display_name, password = STAFF_ACCOUNT
    reader = new_page()
    problems = watch_page(reader)
    reader.goto(stack.site_url + ARTICLE)
    reader.get_by_role("textbox", name="Ihr Kommentar").first.fill(
        "Wie schnell antworten Sie wirklich?"
    )
    reader.get_by_label("Name").first.fill("Jörg Müller")
    reader.locator(".isso-postbox input[type=submit]").first.click()
    reader.locator(".isso-comment .isso-text", has_text="Wie schnell").wait_for()

    staff = new_page()
    problems += watch_page(staff)
    staff.goto(f"{stack.comments_url}/staff/login")
    staff.get_by_label("Konto").fill(account)
    staff.get_by_label("Passwort").fill(password)
    staff.get_by_role("button", name="Anmelden").click()
    staff.get_by_text(f"Angemeldet als {display_name}").wait_for()
    staff.goto(stack.site_url + ARTICLE)
    answer = "Innerhalb eines Tages – versprochen."
    reply_to(comment_with(staff, "Wie schnell"), answer, None)

    reader.reload()
    staff_answer = reader.locator(".isso-comment.is-staff", has_text=answer)
    staff_answer.wait_for()
    assert f"Redaktion · {display_name}" in staff_answer.inner_text()
    assert problems == []


def test_gzip_and_cache_headers_are_as_configured(stack):
    status, headers, body = fetch(stack.site_url + "/", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert headers["Cache-Control"] == "no-cache"
    html = gzip.decompress(body).decode("utf-8")
    assert len(body) < len(html) / 3
    style = re.search(r'href="[^"]*(/theme/css/style\.[0-9a-f]{10}\.css)"', html)
    assert style, "the stylesheet is linked under its fingerprinted name"
    status, headers, _ = fetch(stack.site_url + style[1], {"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    _, headers, _ = fetch(stack.site_url + "/answered/answered.json")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Content-Type"].startswith("application/json")
    _, headers, _ = fetch(
        stack.comments_url + "/js/embed.min.js", {"Accept-Encoding": "gzip"}
    )
    assert headers["Content-Encoding"] == "gzip"
    if BROTLI_MODULE.exists():
        _, headers, _ = fetch(stack.site_url + "/", {"Accept-Encoding": "br"})
        assert headers["Content-Encoding"] == "br"
    for path in ("/", "/gibt-es-nicht/", style[1]):
        _, headers, _ = fetch(stack.site_url + path)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        policy = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "*" not in policy
        assert headers["Link"] == (
            f'<{stack.comments_url}/webmention>; rel="webmention"'
        ), path


def test_webmention_endpoint_answers_through_nginx(stack):
    """The advertised endpoint is reached; a target elsewhere is refused (400)."""
    form = b"source=https://eva.example/beitrag/&target=https://else.example/"
    status, _, body = fetch(
        stack.comments_url + "/webmention",
        {"Content-Type": "application/x-www-form-urlencoded"},
        form,
        "POST",
    )
    assert status == 400
    assert json.loads(body)["error"] == f"target is not a page of {stack.site_url}"


def test_unchanged_files_keep_their_etag_across_publishes(stack):
    from publishing.nginx_config import LocalStack
    from publishing.stage import stage_release

    paths = ("/impressum/", "/theme/favicon.svg")
    before = {path: fetch(stack.site_url + path)[1]["ETag"] for path in paths}
    current = stack.folder / "site-releases" / "current"
    release_before = os.readlink(current)
    local = LocalStack(*stack.ports, current)
    stage_release(
        str(ROOT / "publishconf.py"),
        local,
        stack.folder / "comments" / "comments.db",
        stack.folder,
    )
    assert os.readlink(current) != release_before  # the answered page changed
    after = {path: fetch(stack.site_url + path)[1]["ETag"] for path in paths}
    assert after == before


def test_comment_server_pages_are_neither_framed_nor_cached(stack):
    for path in ("/admin/", "/staff/login", "/desk"):
        status, headers, _ = fetch(stack.comments_url + path)
        assert status in (200, 302, 303), path
        assert headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "no-store" in headers["Cache-Control"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "Strict-Transport-Security" not in headers  # no TLS on loopback


def test_isso_admin_page_works_under_its_policy(stack, page):
    problems = watch_page(page)
    page.goto(f"{stack.comments_url}/admin/")
    page.locator("input[name=password]").fill(ADMIN_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.locator("#logout").wait_for()
    page.goto(f"{stack.comments_url}/admin/?mode=1")  # published comments
    page.locator(".isso-comment", has_text="Wie schnell").first.wait_for()
    # Its inline handlers became data attributes and one script allowed by hash.
    page.locator("a.edit", has_text="Edit").first.click()
    page.locator("a.edit", has_text="Cancel").first.wait_for()
    assert problems == []


def test_a_reader_without_javascript_comments_through_nginx(stack, new_page):
    """Through the shipped CSP (form-action) and nginx; the tests before spent
    the loopback address's budget, so the reader may be asked to wait."""
    reader = new_page(java_script_enabled=False)
    problems = watch_page(reader)
    reader.goto(stack.site_url + CRITICISM)
    reader.get_by_label("Name").fill("Ohne Skripte")
    reader.get_by_label("Ihr Kommentar").fill("Kommt das auch ohne JavaScript an?")
    preview_and_publish(reader)
    thanks = reader.get_by_role("status").filter(has_text="ist veröffentlicht")
    thanks.or_(reader.get_by_role("alert")).wait_for()
    if not thanks.is_visible():  # the rate limit: the page says how long to wait
        wait = re.search(r"in (\d+) Sekunde", reader.get_by_role("alert").inner_text())
        reader.wait_for_timeout((int(wait.group(1)) + 1) * 1000)
        # Chromium logs the refusal page's status as a failed load.
        problems[:] = [problem for problem in problems if "(FORBIDDEN)" not in problem]
        reader.get_by_role("button", name="Kommentar veröffentlichen").click()
    thanks.wait_for()
    assert reader.url == f"{stack.site_url}{CRITICISM}#kommentar-veroeffentlicht"
    assert problems == []


def test_a_forged_forwarded_for_still_hits_the_rate_limit(stack):
    """Last in this module: it spends the loopback address's comment budget."""
    # Each from another network: Isso counts addresses by /24 (IPv4).
    statuses = [
        post_comment(stack, "/2026/ratenlimit/", f"Kommentar {n}", f"10.{n}.0.1")
        for n in range(1, 6)
    ]
    # Two comments a minute per address, whatever the header says.
    assert statuses.count(201) <= 2, statuses
    assert statuses[-3:] == [403, 403, 403], statuses
