"""The commands people type: listed with help, new posts that build, clean errors."""

import datetime
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from invoke import Context, Exit

import tasks
from comments.store.schema import ensure_schema
from publishing.new_post import article_slug
from publishing.site_build import pelican_build
from tests.support import (
    ROOT,
    build_site,
    isso_database_with,
    local_settings,
    write_files,
    write_isso_config,
)

INVOKE = [sys.executable, "-m", "invoke"]


def run_invoke(*args, env=None, timeout=120):
    return subprocess.run(
        [*INVOKE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_every_task_is_listed_with_a_one_line_help():
    listing = run_invoke("--list").stdout
    names = ("build", "serve", "comments.run", "clean", "new-post", "test")
    for name in (*names, "comments.reply", "comments.remove", "comments.backup"):
        line = next(line for line in listing.splitlines() if line.split()[:1] == [name])
        assert len(line.split(None, 1)) == 2, f"{name} has no help text"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Grüße aus Köln", "gruesse-aus-koeln"),
        ("Straße & „Öffnungszeiten“ 2026!", "strasse-oeffnungszeiten-2026"),
        ("Café für Ärzte", "cafe-fuer-aerzte"),
    ],
)
def test_article_slug_transliterates_german(title, slug):
    from pelican.settings import read_settings

    assert article_slug(title, read_settings(str(ROOT / "pelicanconf.py"))) == slug


def test_new_post_writes_a_draft_with_full_metadata_that_builds(
    tmp_path, monkeypatch, capsys
):
    articles = tmp_path / "content" / "articles"
    monkeypatch.setitem(tasks.CONFIG, "articles_path", articles)
    tasks.new_post(
        Context(), "Grüße vom Kundentag", category="Unternehmen", tags="a, b"
    )
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Preview: http://localhost:8000/entwuerfe/gruesse-vom-kundentag/ "
        "(while `invoke serve` runs)"
    )
    [post] = articles.glob("*.md")
    assert post.name.endswith("-gruesse-vom-kundentag.md")
    metadata = dict(
        line.split(": ", 1)
        for line in post.read_text(encoding="utf-8").split("\n\n")[0].splitlines()
    )
    assert metadata["Title"] == "Grüße vom Kundentag"
    assert metadata["Slug"] == "gruesse-vom-kundentag"
    assert metadata["Category"] == "Unternehmen"
    assert metadata["Status"] == "draft"
    assert set(metadata) >= {"Date", "Modified", "Tags", "Authors", "Summary"}

    output = build_site(tmp_path / "content", tmp_path / "output")
    [draft] = (output / "entwuerfe").rglob("index.html")
    page = BeautifulSoup(draft.read_text(encoding="utf-8"), "html.parser")
    assert page.find("h1").get_text(strip=True) == "Grüße vom Kundentag"
    # A draft says so where a published post has its date, and shows its
    # comments section as it will look, without a thread yet.
    assert page.select_one(".post__header .meta__draft").get_text() == "Entwurf"
    assert "Veröffentlicht am" not in page.select_one(".post__header .meta").text
    section = page.select_one("section.comments.comments--draft")
    assert section.select_one(".comments__promise") is not None
    assert "sobald der Beitrag veröffentlicht ist" in section.text
    assert page.select_one("#isso-thread") is None


def test_new_post_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.setitem(tasks.CONFIG, "articles_path", tmp_path)
    tasks.new_post(Context(), "Zweimal")
    before = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    with pytest.raises(Exit, match="exists already"):
        tasks.new_post(Context(), "Zweimal")
    assert next(tmp_path.glob("*.md")).read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"title": "Zeile eins\nStatus: published"}, "the title"),
        ({"title": "Gut", "author": "X\rStatus: published"}, "the --author"),
        ({"title": "Gut", "tags": "a,\tb"}, "the --tags"),
    ],
)
def test_new_post_refuses_a_line_break_in_any_value(
    tmp_path, monkeypatch, options, named
):
    monkeypatch.setitem(tasks.CONFIG, "articles_path", tmp_path)
    with pytest.raises(Exit) as failure:
        tasks.new_post(Context(), **options)
    message = failure.value.message
    assert message.startswith(f"new-post: {named} ")
    assert message.endswith("each metadata value is one line")
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing published


def test_new_post_refuses_a_slug_taken_in_the_same_year(tmp_path, monkeypatch):
    monkeypatch.setitem(tasks.CONFIG, "articles_path", tmp_path)
    year = datetime.datetime.now(ZoneInfo("Europe/Berlin")).year  # as new-post
    (tmp_path / "alt.md").write_text(
        f"Title: Alt\nDate: {year}-01-05 10:00\nSlug: zweimal\n\nText.\n",
        encoding="utf-8",
    )
    (tmp_path / "vorjahr.md").write_text(
        f"Title: Alt\nDate: {year - 1}-01-05\nSlug: anders\n\nText.\n",
        encoding="utf-8",
    )
    with pytest.raises(Exit) as failure:
        tasks.new_post(Context(), "Zweimal")
    assert failure.value.message == (
        f"new-post: alt.md has the slug 'zweimal' in {year} already (the same URL "
        "and comment thread); choose another title"
    )
    tasks.new_post(Context(), "Anders")  # last year's URL is another one
    assert len(list(tmp_path.glob("*-anders.md"))) == 1


def test_new_post_refuses_a_title_too_long_for_a_file_name(tmp_path, monkeypatch):
    monkeypatch.setitem(tasks.CONFIG, "articles_path", tmp_path)
    with pytest.raises(Exit, match=r"file name of 2\d\d\d bytes \(at most 255\)"):
        tasks.new_post(Context(), "Wort " * 400)
    assert list(tmp_path.iterdir()) == []


def test_bad_setting_fails_the_build_with_one_line(tmp_path):
    settings = tmp_path / "broken.py"
    settings.write_text(
        f"from pelicanconf import *\nCOMMENTS_URL = 'localhost:8080'\n"
        f"OUTPUT_PATH = {str(tmp_path / 'out')!r}\nCACHE_CONTENT = False\n"
        f"PATH = {str(ROOT / 'content')!r}\nTHEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n",
        encoding="utf-8",
    )
    with pytest.raises(Exit) as failure:
        pelican_build(str(settings))
    message = str(failure.value.message)
    assert message.startswith("build failed: COMMENTS_URL='localhost:8080'")
    assert "\n" not in message


def test_missing_comment_config_is_one_line_without_traceback(tmp_path):
    result = run_invoke(
        "comments", env={"ISSO_SETTINGS": str(tmp_path / "fehlt.cfg")}, timeout=30
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "fehlt.cfg: comment server config not found" in result.stderr


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, deadline=30):
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return reply.status, reply.read().decode("utf-8")
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def sigint_as_in_a_terminal():
    """Ctrl-C reaches the command (a background job starts with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sigint_ignored():
    """SIGINT ignored, as for a background job, under nohup or some CI runners."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("signal_setup", "stop_signal"),
    [
        pytest.param(sigint_as_in_a_terminal, signal.SIGINT, id="ctrl-c"),
        pytest.param(sigint_ignored, signal.SIGTERM, id="sigterm-in-background"),
    ],
)
def test_serve_runs_site_and_comment_server_until_stopped(
    tmp_path, signal_setup, stop_signal
):
    site_port, comment_port = free_port(), free_port()
    # The config allows the default port's origin only: serve adds its own.
    config = write_isso_config(tmp_path, port=comment_port)
    settings = local_settings(tmp_path)
    process = subprocess.Popen(
        [*INVOKE, "serve", "--port", str(site_port), "--settings", str(settings)],
        cwd=ROOT,
        env={**os.environ, "ISSO_SETTINGS": str(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Whatever this run's SIGINT disposition (a background job ignores
        # it), the command starts as the parameter says.
        preexec_fn=signal_setup,
    )
    idle = socket.socket()
    try:
        status, index = wait_for(f"http://127.0.0.1:{site_port}/", deadline=90)
        assert status == 200 and 'id="main"' in index
        # A browser's preconnected socket that sends nothing holds no one up.
        idle.connect(("127.0.0.1", site_port))
        status, index = wait_for(f"http://127.0.0.1:{site_port}/", deadline=5)
        assert status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{site_port}/fehlt/", timeout=5)
        assert missing.value.code == 404
        assert "Seite nicht gefunden" in missing.value.read().decode("utf-8")
        status, script = wait_for(f"http://127.0.0.1:{comment_port}/js/embed.min.js")
        assert status == 200
        origin = f"http://localhost:{site_port}"
        counts = urllib.request.Request(
            f"http://127.0.0.1:{comment_port}/count",
            data=b'["/2026/x/"]',
            headers={"Origin": origin, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(counts, timeout=5) as reply:
            assert reply.headers["Access-Control-Allow-Origin"] == origin
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=20)
    finally:
        idle.close()
        process.kill()
    assert process.returncode == 0, output
    assert "Admin-Passwort des Kommentarservers erzeugt:" in output
    assert "salt" not in output
    assert "Traceback" not in output
    for port in (site_port, comment_port):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    assert (tmp_path / "output" / "index.html").is_file()  # built there only


def test_corrupt_comment_database_fails_the_build_with_one_line(tmp_path, caplog):
    broken = tmp_path / "comments.db"
    broken.write_bytes(b"kein SQLite" * 200)
    with pytest.raises(Exit) as failure:
        pelican_build(
            str(ROOT / "pelicanconf.py"),
            OUTPUT_PATH=str(tmp_path / "out"),
            COMMENTS_DATABASE=str(broken),
            COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
            CACHE_CONTENT=False,
        )
    message = str(failure.value.message)
    assert message.startswith(f"build failed: {broken}: unreadable comment database")
    assert "\n" not in message
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def build_into(tmp_path, **overrides):
    """``tasks.pelican_build`` of ``tmp_path/content`` with the project's settings."""
    pelican_build(
        str(ROOT / "pelicanconf.py"),
        PATH=str(tmp_path / "content"),
        OUTPUT_PATH=str(tmp_path / "out"),
        CACHE_PATH=str(tmp_path / "cache"),
        CACHE_CONTENT=False,
        COMMENTS_DATABASE=str(tmp_path / "comments.db"),
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        COMMENT_OWNERS={},
        **overrides,
    )


def short_article(title, date="2026-11-02 09:30", slug=None):
    head = f"Title: {title}\nDate: {date}\nCategory: Technik\n"
    return head + (f"Slug: {slug}\n" if slug else "") + "\nText.\n"


def test_an_article_that_cannot_be_read_is_logged_with_its_reason(tmp_path, caplog):
    write_files(
        tmp_path / "content",
        {
            "articles/gut.md": short_article("Gut"),
            "articles/kaputt.md": short_article("Kaputt", date="gestern"),
        },
    )
    build_into(tmp_path)
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR" and r.name.startswith("pelican")
    ]
    # Pelican alone logs only "Could not process articles/kaputt.md"
    assert errors == [
        "Could not process articles/kaputt.md: 'gestern' is not a valid date"
    ]
    assert (tmp_path / "out/2026/gut/index.html").is_file()


def test_two_articles_with_one_slug_fail_the_build_with_one_line(tmp_path):
    write_files(
        tmp_path / "content",
        {
            "articles/eins.md": short_article("Eins", slug="doppelt"),
            "articles/zwei.md": short_article("Zwei", slug="doppelt"),
        },
    )
    with pytest.raises(Exit) as failure:
        build_into(tmp_path)
    message = str(failure.value.message)
    assert message.startswith('build failed: Failed to overwrite "')
    assert "2026/doppelt/index.html" in message
    assert message.endswith("give one of them another Slug (or save_as)")
    assert "\n" not in message


def test_an_unforeseen_failure_is_one_line_and_debug_shows_the_traceback(
    tmp_path, monkeypatch
):
    from pelican import Pelican

    def fail(self):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(Pelican, "run", fail)
    write_files(tmp_path / "content", {"articles/gut.md": short_article("Gut")})
    with pytest.raises(Exit) as failure:
        build_into(tmp_path)
    assert failure.value.message == (
        "build failed: ZeroDivisionError: division by zero second line "
        "(`invoke build --debug` shows the traceback)"
    )
    with pytest.raises(ZeroDivisionError):
        build_into(tmp_path, debug=True)


def test_a_settings_file_that_fails_to_run_is_one_line(tmp_path):
    settings = tmp_path / "kaputt.py"
    settings.write_text("from pelicanconf import *\nimport gibt_es_nicht\n")
    with pytest.raises(Exit) as failure:
        pelican_build(str(settings))
    assert failure.value.message == (
        f"build failed: {settings}: No module named 'gibt_es_nicht'"
    )
    with pytest.raises(Exit) as failure:
        tasks.refresh(Context(), settings=str(tmp_path / "fehlt.py"))
    assert failure.value.message.startswith(
        f"refresh failed: {tmp_path / 'fehlt.py'}: [Errno 2] No such file"
    )


def test_the_site_is_read_and_written_beside_the_settings_wherever_one_runs(
    tmp_path, monkeypatch
):
    from pelican.settings import read_settings

    monkeypatch.chdir(tmp_path)  # e.g. `invoke build` typed in content/articles
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    assert settings["PATH"] == str(ROOT / "content")
    assert settings["OUTPUT_PATH"] == str(ROOT / "output")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"ROBOTS_SAVE_AS": "index.html"},
            "INDEX_SAVE_AS and ROBOTS_SAVE_AS both name 'index.html'",
        ),
        (
            {"SITEMAP_SAVE_AS": "answered/index.html"},
            "SITEMAP_SAVE_AS and ANSWERED_SAVE_AS both name 'answered/index.html'",
        ),
        (
            {"PARADE_JSON_SAVE_AS": "blogparade/{slug}/index.html"},
            "PARADE_SAVE_AS and PARADE_JSON_SAVE_AS both name "
            "'blogparade/{slug}/index.html'",
        ),
    ],
)
def test_two_settings_naming_one_file_stop_the_build_before_it_writes(
    tmp_path, setting, message
):
    write_files(tmp_path / "content", {"articles/gut.md": short_article("Gut")})
    with pytest.raises(Exit) as failure:
        build_into(tmp_path, **setting)
    assert failure.value.message == (
        f"build failed: {message}: one would replace the other's file; give one "
        "of them another path"
    )
    assert not (tmp_path / "out").exists()


def test_serve_with_a_port_taken_says_so_before_it_builds(tmp_path):
    comment_port = free_port()
    config = write_isso_config(tmp_path, port=comment_port)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_invoke(
            "serve", "--port", str(port), env={"ISSO_SETTINGS": str(config)}
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"site server: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "stop what runs there or pass --port"
    )
    assert "Processed" not in result.stdout + result.stderr  # nothing was built


def test_a_comment_time_that_is_no_time_fails_the_build_naming_it(tmp_path):
    database = isso_database_with(tmp_path / "comments.db", 3)
    ensure_schema(database)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE comments SET created = 1e12 WHERE id = 2")
    db.close()
    with pytest.raises(Exit) as failure:
        pelican_build(
            str(ROOT / "pelicanconf.py"),
            OUTPUT_PATH=str(tmp_path / "out"),
            COMMENTS_DATABASE=str(database),
            COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
            CACHE_CONTENT=False,
        )
    assert failure.value.message == (
        f"build failed: {database}: unreadable comment database (comment 2 on "
        "/2026/viele-kommentare/ has created = 1000000000000.0, no time between "
        "2000 and 3000); restore it with `invoke comments.restore` from a backup"
    )
