"""A live blog for the browser: the real site built and served on loopback,
the real comment server on another port, and Debian's Chromium."""

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from comments.config import load_config
from comments.server.app import create_app
from comments.server.serve import running_in_thread
from comments.staff.accounts import add_account
from tests.support import ROOT, build_site, write_isso_config

STAFF_ACCOUNT = ("anna", "Anna Schmidt", "ein-langes-passwort")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without a log line per request."""

    def log_message(self, format, *args):
        pass


class LiveBlog:
    """URLs of the running site and comment server, and where the site lives."""

    def __init__(self, site_url, comments_url, output, conf):
        self.site_url = site_url
        self.comments_url = comments_url
        self.output = output
        self.conf = conf

    @property
    def database(self):
        """Path of the comment server's SQLite database."""
        return self.conf.get("general", "dbpath")

    def build(self, **settings):
        """Build the project's content from the comments so far, as `invoke build`
        (``settings`` override pelicanconf.py's)."""
        build_site(
            ROOT / "content",
            self.output,
            COMMENTS_URL=self.comments_url,
            COMMENTS_DATABASE=self.database,
            **settings,
        )


@pytest.fixture(scope="module")
def live_blog(tmp_path_factory):
    """Build the project's content against a fresh comment server and serve both."""
    with serve_live_blog(
        tmp_path_factory.mktemp("live"), {"ratelimit": "20", "direct-reply": "20"}
    ) as blog:
        yield blog


@contextlib.contextmanager
def serve_live_blog(base, guard, around=None, comments_port=0, **sections):
    """Serve a fresh build and a comment server with these ``[guard]`` options.

    ``sections`` are further config sections; ``around`` wraps the server's app;
    ``comments_port`` fixes the comment server's port (links in its mails).
    """
    output = base / "output"
    output.mkdir()
    handler = functools.partial(QuietHandler, directory=str(output))
    site = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site_url = f"http://127.0.0.1:{site.server_port}"
    threading.Thread(target=site.serve_forever, daemon=True).start()
    config_file = write_isso_config(base, hosts=(site_url,), guard=guard, **sections)
    add_account(base / "staff.cfg", *STAFF_ACCOUNT)
    conf, _ = load_config(config_file, environ={})
    try:
        app = create_app(conf, environ={})
        with running_in_thread(
            app if around is None else around(app), port=comments_port
        ) as comments_url:
            blog = LiveBlog(site_url, comments_url, output, conf)
            blog.build()
            yield blog
    finally:
        site.shutdown()
        site.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: apt-get install -y chromium (or `invoke test`)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (separate cookies), German locale.

    Keyword arguments go to the context, e.g. ``viewport`` or ``color_scheme``.
    """
    contexts = []

    def open_page(**options):
        context = browser.new_context(locale="de-DE", **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh browser context and page."""
    return new_page()


@pytest.fixture(scope="module")
def unguarded_blog(tmp_path_factory):
    """A live blog whose comment server runs without Isso's guard: no rate limits
    for many comments, and staff may answer readers who share its address."""
    with serve_live_blog(
        tmp_path_factory.mktemp("unguarded"), {"enabled": "false"}
    ) as blog:
        yield blog
