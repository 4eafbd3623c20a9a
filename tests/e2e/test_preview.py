"""`invoke serve` as an author uses it: save a file, the open tab shows it.

The real command runs on a copy of the project's content (the author's files
stay untouched) with the real comment server; Chromium keeps the tab open.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support import ROOT, CommentClient, write_isso_config
from tests.test_tasks import free_port, wait_for

ARTICLE = "content/articles/kundentag-2026.md"
ARTICLE_URL = "/2026/einladung-zum-kundentag-2026/"
OPEN_ARTICLE_URL = "/2026/wie-wir-mit-kritik-umgehen/"  # comments open


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """Run `invoke serve` on a copy of the content and the theme; yield
    (site URL, project folder)."""
    work = tmp_path_factory.mktemp("preview")
    shutil.copytree(ROOT / "content", work / "content")
    shutil.copytree(ROOT / "theme", work / "theme")
    site_port, comment_port = free_port(), free_port()
    config = write_isso_config(work, port=comment_port)
    settings = work / "local.py"
    settings.write_text(
        "from pelicanconf import *\n"
        f"PATH = {str(work / 'content')!r}\n"
        f"THEME = {str(work / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"OUTPUT_PATH = {str(work / 'output')!r}\n"
        f"CACHE_PATH = {str(work / 'cache')!r}\n"
        f"COMMENTS_URL = 'http://localhost:{comment_port}'\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "serve", "--port", str(site_port)]
        + ["--settings", str(settings)],
        cwd=ROOT,
        env={**os.environ, "ISSO_SETTINGS": str(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    site = f"http://localhost:{site_port}"
    try:
        wait_for(site + "/", deadline=90)
        yield site, work
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "Traceback" not in output, output


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_article_shows_in_the_open_tab_by_itself(preview, page):
    site, work = preview
    page.goto(site + ARTICLE_URL)
    page.wait_for_function("() => !!document.querySelector('script[data-generation]')")
    page.evaluate("window.stillTheSameTab = true")
    edit(work / ARTICLE, "\n\n", "\n\nFrisch gespeichert: ein neuer Absatz.\n\n")
    page.wait_for_selector("text=Frisch gespeichert", timeout=10_000)
    # Reloaded: the page's scripts ran anew.
    assert page.evaluate("window.stillTheSameTab") is None


def test_a_bad_date_shows_over_the_page_until_it_is_fixed(preview, page):
    site, work = preview
    page.goto(site + ARTICLE_URL)
    page.wait_for_function("() => !!document.querySelector('script[data-generation]')")
    source = work / ARTICLE
    date_line = next(
        line for line in source.read_text().splitlines() if line.startswith("Date:")
    )
    edit(source, date_line, "Date: gestern")
    overlay = page.locator("#preview-problem")
    overlay.wait_for(timeout=10_000)
    text = overlay.inner_text()
    assert "content/articles/kundentag-2026.md:" in text
    assert "'gestern' is not a valid date" in text
    assert page.locator(".post__title").is_visible()  # the last good page beneath
    edit(source, "Date: gestern", date_line)
    overlay.wait_for(state="detached", timeout=10_000)


def test_a_stylesheet_change_applies_without_a_reload(preview, page):
    site, work = preview
    page.goto(site + ARTICLE_URL)
    page.wait_for_function("() => !!document.querySelector('script[data-generation]')")
    page.evaluate("window.stillTheSameTab = true")
    stylesheet = work / "theme/static/css/style.css"
    stylesheet.write_text(
        stylesheet.read_text() + "\nbody { outline: 7px solid rgb(1, 2, 3); }\n"
    )
    page.wait_for_function(
        "() => getComputedStyle(document.body).outlineWidth === '7px'",
        timeout=10_000,
    )
    assert page.evaluate("window.stillTheSameTab") is True


def page_text(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read().decode("utf-8")


def seconds_until(condition, deadline=10):
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < deadline, "never happened"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_comment_and_its_removal_reach_the_static_page_within_seconds(preview):
    from comments.config import load_config
    from comments.server.app import build_server
    from comments.staff.removal import remove_comment

    site, work = preview
    conf, _ = load_config(work / "test.cfg", environ={})
    client = CommentClient(conf.get("server", "listen"))
    text = "Frisch kommentiert: wie schnell steht das in der Seite?"
    reply = client.post(OPEN_ARTICLE_URL, text, author="Ida")
    assert reply.status == 201, reply.body
    comment = reply.body["id"]
    arrived = seconds_until(lambda: text in page_text(site + OPEN_ARTICLE_URL))

    remove_comment(build_server(conf), comment, "spam")
    removed = seconds_until(lambda: text not in page_text(site + OPEN_ARTICLE_URL))
    print(f"\ncomment visible after {arrived:.2f} s, removed after {removed:.2f} s")
    assert arrived <= 3 and removed <= 3
