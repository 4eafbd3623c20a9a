"""The warm site and the preview server, with the project's settings, theme
and plugins on a tiny content folder, served on loopback."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup

from publishing.live.events import Broadcaster
from publishing.live.problems import Problem
from publishing.live.server import PreviewServer
from publishing.live.site import SourceProblem, WarmSite
from tests.support import ROOT, write_files

ARTICLE = """\
    Title: Erster Beitrag
    Date: 2026-03-01 10:00
    Category: Technik
    Slug: erster-beitrag
    Authors: Anna Schmidt
    Summary: Kurz.

    Der erste Text.
    """


@pytest.fixture
def site(tmp_path):
    """A WarmSite of two articles, built once; the project folder is tmp_path."""
    write_files(
        tmp_path / "content" / "articles",
        {
            "erster.md": ARTICLE,
            "zweiter.md": ARTICLE.replace("Erster", "Zweiter")
            .replace("erster", "zweiter")
            .replace("03-01", "03-02"),
        },
    )
    settings = tmp_path / "local.py"
    settings.write_text(
        "from pelicanconf import *\n"
        f"PATH = {str(tmp_path / 'content')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"OUTPUT_PATH = {str(tmp_path / 'output')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n"
        f"COMMENTS_DATABASE = {str(tmp_path / 'comments.db')!r}\n"
        f"COMMENTS_SNAPSHOT_DIR = {str(tmp_path / 'snapshots')!r}\n",
        encoding="utf-8",
    )
    warm = WarmSite(settings, tmp_path)
    assert warm.build().problems == []
    return warm


def page_text(site, url):
    return (site.output / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_a_saved_article_is_rendered_alone_with_its_neighbours(site):
    source = site.root / "content/articles/erster.md"
    source.write_text(
        source.read_text().replace("Der erste Text.", "Ganz neuer Text."),
        encoding="utf-8",
    )
    other_before = page_text(site, "/2026/zweiter-beitrag/")
    assert site.render_source(source) == "/2026/erster-beitrag/"
    page = BeautifulSoup(page_text(site, "/2026/erster-beitrag/"), "html.parser")
    assert "Ganz neuer Text." in page.select_one(".post__body").text
    # Carried over from the full build until the next one sets it anew.
    assert "Zweiter Beitrag" in page.select_one(".post-nav").text
    assert page_text(site, "/2026/zweiter-beitrag/") == other_before
    assert "/__preview__/" not in page_text(site, "/2026/erster-beitrag/")


def test_a_bad_date_is_a_problem_and_the_last_good_page_stays(site):
    source = site.root / "content/articles/erster.md"
    good = page_text(site, "/2026/erster-beitrag/")
    source.write_text(
        source.read_text().replace("2026-03-01 10:00", "gestern"), encoding="utf-8"
    )
    with pytest.raises(SourceProblem) as raised:
        site.render_source(source)
    assert raised.value.problem == Problem(
        "content/articles/erster.md", 2, "'gestern' is not a valid date"
    )
    result = site.build()
    assert result.problems[0].file == "content/articles/erster.md"
    assert result.problems[0].line == 2
    assert page_text(site, "/2026/erster-beitrag/") == good


def test_a_template_error_names_the_template_and_line(site, tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    for part in ("static", "templates", "translations"):
        (theme / part).symlink_to(ROOT / "theme" / part)
    (theme / "templates").unlink()
    (theme / "templates").mkdir()
    for template in (ROOT / "theme" / "templates").iterdir():
        (theme / "templates" / template.name).symlink_to(template)
    (theme / "templates" / "tag.html").unlink()
    (theme / "templates" / "tag.html").write_text("{% extends 'base.html' %}\n{% if %}")
    settings = site.root / "local.py"
    settings.write_text(
        settings.read_text() + f"THEME = {str(theme)!r}\n", encoding="utf-8"
    )
    result = site.build()
    where = [(problem.file, problem.line) for problem in result.problems]
    assert where == [("theme/templates/tag.html", 2)]


@pytest.fixture
def served(site):
    broadcaster = Broadcaster()
    server = PreviewServer(site.output, ("127.0.0.1", 0), broadcaster)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", broadcaster
    server.shutdown()
    server.server_close()


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.headers, reply.read().decode("utf-8")


def test_html_responses_carry_the_reload_script_and_nothing_else_does(served):
    base, broadcaster = served
    broadcaster.publish("reload", {"urls": ["/"]})
    headers, html = fetch(base + "/2026/erster-beitrag/")
    assert headers["Cache-Control"] == "no-store"
    script = BeautifulSoup(html, "html.parser").select_one(
        'script[src="/__preview__/reload.js"]'
    )
    assert script["data-generation"] == "1"
    _, css = fetch(base + "/theme/css/style.css")
    assert "__preview__" not in css
    headers, code = fetch(base + "/__preview__/reload.js")
    assert headers["Content-Type"] == "text/javascript" and "EventSource" in code
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(base + "/fehlt/")
    assert missing.value.code == 404
    assert "/__preview__/reload.js" in missing.value.read().decode("utf-8")


def test_the_event_stream_replays_what_a_tab_missed(served):
    base, broadcaster = served
    broadcaster.publish("reload", {"urls": ["/2026/erster-beitrag/"]})
    broadcaster.show_problem(Problem("content/articles/a.md", 2, "kaputt"))
    with urllib.request.urlopen(base + "/__preview__/events?after=0", timeout=5) as s:
        assert s.headers["Content-Type"] == "text/event-stream"
        lines = [s.readline().decode().strip() for _ in range(9)]
    events = [line.split(": ", 1)[1] for line in lines if line.startswith("event")]
    data = [json.loads(line[6:]) for line in lines if line.startswith("data")]
    assert events == ["problem", "reload", "problem"]
    assert data[1] == {"urls": ["/2026/erster-beitrag/"]}
    assert data[0]["text"] == "content/articles/a.md:2: kaputt"


def test_invoke_refresh_finds_the_site_a_preview_build_served(site):
    from pelican.settings import read_settings

    from comment_refresh.refresh import load_state

    site.build()  # into the staging folder, then copied to OUTPUT_PATH
    settings = read_settings(site.settings_file)
    state = load_state(settings)  # refuses a state naming another folder
    assert state["output_path"] == str(site.output.resolve())


def test_a_listing_template_change_renders_the_listings_not_the_articles(site):
    article = site.staging / "2026" / "erster-beitrag" / "index.html"
    tag_page = site.staging / "kategorie" / "technik" / "index.html"
    for page in (article, tag_page):
        page.write_text(page.read_text(encoding="utf-8") + "<!-- alt -->")
    assert site.build(templates=["category.html"]).problems == []
    assert article.read_text(encoding="utf-8").endswith("<!-- alt -->")  # kept
    assert not tag_page.read_text(encoding="utf-8").endswith("<!-- alt -->")
    assert site.build(templates=["base.html"]).problems == []  # every page uses it
    assert not article.read_text(encoding="utf-8").endswith("<!-- alt -->")
