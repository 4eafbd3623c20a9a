"""`invoke publish` and `invoke rollback`: one build, checked, deployed or refused."""

import os
import subprocess
import sys

import pytest
from invoke import Exit

from publishing.publish import publish_site, rollback_site
from publishing.site_build import pelican_build
from tests.publishing.support import needs_rsync, tree
from tests.support import ROOT, local_settings, write_files, write_isso_config

PUBLISHCONF = str(ROOT / "publishconf.py")
ARTICLE = """
    Title: Hallo
    Date: 2026-10-01 09:00
    Category: Technik
    Slug: hallo
    Authors: Anna Schmidt
    Summary: Kurz.

    {text}
"""


def site_settings(tmp_path, **extra):
    """Overrides that keep a publish inside ``tmp_path``."""
    return {
        "PATH": str(tmp_path / "content"),
        "PUBLISH_TARGET": str(tmp_path / "site"),
        "COMMENTS_DATABASE": str(tmp_path / "comments.db"),
        "COMMENTS_SNAPSHOT_DIR": str(tmp_path / "snapshots"),
        **extra,
    }


def write_article(tmp_path, text):
    write_files(tmp_path / "content", {"articles/hallo.md": ARTICLE.format(text=text)})


def live_page(tmp_path, relative="2026/hallo/index.html"):
    return (tmp_path / "site" / "current" / relative).read_text(encoding="utf-8")


def test_publish_twice_then_roll_back(tmp_path, capsys):
    write_article(tmp_path, "Erste Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    first = os.readlink(tmp_path / "site" / "current")
    write_article(tmp_path, "Zweite Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    second = os.readlink(tmp_path / "site" / "current")
    assert first != second
    assert "Zweite Fassung." in live_page(tmp_path)
    assert "Erste Fassung." in (
        tmp_path / "site" / first / "2026/hallo/index.html"
    ).read_text(encoding="utf-8")
    assert "https://blog.example.org/2026/hallo/" in live_page(tmp_path)
    assert (tmp_path / "site" / "current" / "feeds" / "all.atom.xml").is_file()
    printed = capsys.readouterr().out
    assert f"release {second.split('/')[-1]} is live (" in printed

    rollback_site(PUBLISHCONF, **site_settings(tmp_path))
    assert os.readlink(tmp_path / "site" / "current") == first
    assert "Erste Fassung." in live_page(tmp_path)
    assert "is live again" in capsys.readouterr().out


def test_a_failing_build_leaves_the_live_site_untouched(tmp_path):
    write_article(tmp_path, "Erste Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    before = tree(tmp_path / "site")
    write_article(tmp_path, "Zweite Fassung.")
    write_files(
        tmp_path / "content",
        {"articles/kaputt.md": "Title: Kaputt\nDate: irgendwann\n\nText.\n"},
    )
    with pytest.raises(Exit) as failure:
        publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    assert failure.value.message == (
        "publish: nothing deployed: build failed: Could not process "
        "articles/kaputt.md: 'irgendwann' is not a valid date"
    )
    assert tree(tmp_path / "site") == before


def test_a_bad_setting_stops_before_anything_is_built(tmp_path):
    write_article(tmp_path, "Text.")
    with pytest.raises(Exit) as failure:
        publish_site(
            PUBLISHCONF,
            allow_placeholder=True,
            **site_settings(tmp_path, PUBLISH_KEEP_RELEASES=0),
        )
    assert failure.value.message.startswith(
        "publish: PUBLISH_KEEP_RELEASES=0 must be a whole number of at least 1"
    )
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"PUBLISH_TARGET": str(ROOT / "output" / "live")}, "lies inside OUTPUT_PATH"),
        ({"PUBLISH_METHOD": "ftp"}, "PUBLISH_METHOD='ftp' must be one of auto, "),
        ({"PUBLISH_TARGET": "web1:"}, "names no site folder"),
        ({"PUBLISH_EMAIL_ALLOWLIST": "a@b.org"}, "must be a list of addresses"),
        ({"SITEURL": "blog.example.org"}, "SITEURL='blog.example.org' (BLOG_SITEURL)"),
        ({"SITEURL": ""}, "SITEURL='' (BLOG_SITEURL) must be the site's absolute"),
    ],
)
def test_unusable_publish_settings_are_one_line(tmp_path, setting, message):
    write_article(tmp_path, "Text.")
    with pytest.raises(Exit) as failure:
        publish_site(
            PUBLISHCONF,
            allow_placeholder=True,
            **{**site_settings(tmp_path), **setting},
        )
    assert failure.value.message.startswith("publish: ")
    assert message in failure.value.message
    assert "\n" not in failure.value.message


def test_a_leak_stops_the_deploy_and_names_the_file(tmp_path):
    write_article(tmp_path, "Erste Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    before = tree(tmp_path / "site")
    write_article(tmp_path, "Schreiben Sie an max.mustermann@firma.de.")
    with pytest.raises(Exit) as failure:
        publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    message = failure.value.message
    assert message.startswith(
        "publish: leak check, nothing deployed: 2026/hallo/index.html: line "
    )
    assert "email address max.mustermann@firma.de" in message
    # One line per finding: the article, and the feeds that carry its text.
    assert [line.split(": ")[2] for line in message.splitlines()] == [
        "2026/hallo/index.html",
        "feeds/all.atom.xml",
        "feeds/technik.atom.xml",
    ]
    assert tree(tmp_path / "site") == before


def test_the_leak_check_lists_every_finding(tmp_path):
    write_article(tmp_path, "An a.b@firma.de, c.d@firma.de und e.f@firma.de.")
    with pytest.raises(Exit) as failure:
        publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    lines = failure.value.message.splitlines()
    in_article = [line for line in lines if "2026/hallo/index.html" in line]
    assert [line.split("email address ")[1].split()[0] for line in in_article] == [
        "a.b@firma.de",
        "c.d@firma.de",
        "e.f@firma.de",
    ]
    prefix = "publish: leak check, nothing deployed: "
    assert all(line.startswith(prefix) for line in lines)
    assert "more)" not in failure.value.message


def test_a_readers_address_is_masked_but_one_in_our_own_content_still_stops(
    tmp_path, comment_server_factory
):
    server = comment_server_factory()
    reply = server.client.post(
        "/2026/hallo/", "Schreibt mir an private@example.net, Tel. 0221 1234567"
    )
    assert reply.status == 201
    settings = site_settings(tmp_path, COMMENTS_DATABASE=server.database)
    write_article(tmp_path, "Erste Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    answered = live_page(tmp_path, "answered/index.html")
    assert "Schreibt mir an [E-Mail-Adresse entfernt], Tel. [Telefonnummer" in (
        answered
    )
    write_article(tmp_path, "Schreiben Sie an max.mustermann@firma.de.")
    with pytest.raises(Exit) as failure:
        publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "email address max.mustermann@firma.de" in failure.value.message
    assert "private@example.net" not in failure.value.message


def test_dry_run_lists_the_differences_and_changes_nothing(tmp_path, capsys):
    write_article(tmp_path, "Erste Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **site_settings(tmp_path))
    capsys.readouterr()
    before = tree(tmp_path / "site")
    write_article(tmp_path, "Zweite Fassung.")
    write_files(
        tmp_path / "content",
        {"articles/neu.md": ARTICLE.format(text="Neu.").replace("hallo", "neu")},
    )
    publish_site(
        PUBLISHCONF, allow_placeholder=True, dry_run=True, **site_settings(tmp_path)
    )
    assert tree(tmp_path / "site") == before
    lines = capsys.readouterr().out.splitlines()
    assert f"Dry run for {tmp_path / 'site'}; nothing was changed." in lines
    assert "  added    2026/neu/index.html" in lines
    assert "  changed  2026/hallo/index.html" in lines
    assert lines[-1].startswith("Would publish: ")


def test_dry_run_on_an_empty_target_creates_nothing(tmp_path, capsys):
    write_article(tmp_path, "Text.")
    publish_site(
        PUBLISHCONF, allow_placeholder=True, dry_run=True, **site_settings(tmp_path)
    )
    assert not (tmp_path / "site").exists()
    assert "  added    2026/hallo/index.html" in capsys.readouterr().out


@needs_rsync
def test_publish_with_rsync_into_a_local_folder(tmp_path, capsys):
    write_article(tmp_path, "Erste Fassung.")
    settings = site_settings(tmp_path, PUBLISH_METHOD="rsync")
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    write_article(tmp_path, "Zweite Fassung.")
    publish_site(PUBLISHCONF, allow_placeholder=True, dry_run=True, **settings)
    assert "Erste Fassung." in (tmp_path / "site/2026/hallo/index.html").read_text()
    assert "  changed  2026/hallo/index.html" in capsys.readouterr().out
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Zweite Fassung." in (tmp_path / "site/2026/hallo/index.html").read_text()
    assert not (tmp_path / "site" / "current").exists()
    with pytest.raises(Exit, match="rollback: .* keeps no releases"):
        rollback_site(PUBLISHCONF, **settings)


def run_invoke(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.fixture
def publish_env(tmp_path):
    """Environment for the real command: temp target, temp comment database."""
    return {
        "PUBLISH_TARGET": str(tmp_path / "site"),
        "BLOG_SITEURL": "https://blog.example.org",
        "ISSO_SETTINGS": str(write_isso_config(tmp_path)),
    }


def test_invoke_publish_refuses_placeholder_addresses_in_one_line(publish_env):
    env = {**publish_env, "BLOG_SITEURL": "https://blog.firma.de"}
    refused = run_invoke("publish", env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "publish: COMMENTS_URL='https://kommentare.example.org' is a placeholder; "
        "set BLOG_COMMENTS_URL to the public address (or --allow-placeholder for "
        "staging)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example.org",
        "https://example.com/blog",
        "https://blog.example",
        "https://x.invalid",
        "https://blog.test",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "https://www.example.net",
    ],
)
def test_documented_placeholders_are_refused(url):
    from comments.core import SetupError
    from publishing.placeholders import refuse_placeholders

    with pytest.raises(SetupError, match="SITEURL=.* set BLOG_SITEURL"):
        refuse_placeholders({"SITEURL": url, "COMMENTS_URL": "https://k.firma.de"})
    refuse_placeholders({"SITEURL": "https://example.org.firma.de", "COMMENTS_URL": ""})


def test_invoke_publish_deploys_the_real_site(tmp_path, publish_env):
    result = run_invoke("publish", "--allow-placeholder", env=publish_env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    current = tmp_path / "site" / "current"
    assert os.readlink(current).startswith("releases/")
    index = (current / "index.html").read_text(encoding="utf-8")
    assert "https://blog.example.org/" in index
    assert not (current / "entwuerfe").exists()
    # No comment database in the temp config: the build says it goes without.
    assert "comment source unavailable" in result.stdout + result.stderr


def test_invoke_publish_refuses_a_local_siteurl_in_one_line(tmp_path, publish_env):
    result = run_invoke(
        *("build", "--settings", str(local_settings(tmp_path))),
        *("publish", "--allow-placeholder"),
        env={**publish_env, "BLOG_SITEURL": "http://localhost:8000"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("publish: leak check, nothing deployed: ")
    assert ": local URL http://localhost:8000/" in last
    assert not (tmp_path / "site").exists()
    assert (tmp_path / "output" / "index.html").is_file()  # built there first


def test_publish_and_rollback_are_listed_with_help(publish_env):
    listing = run_invoke("--list", env=publish_env).stdout.splitlines()
    for name in ("publish", "rollback"):
        line = next(line for line in listing if line.split()[:1] == [name])
        assert len(line.split(None, 1)) == 2, f"{name} has no help text"


def test_a_comment_posted_to_a_drafts_address_never_blocks_a_publish(
    tmp_path, comment_server
):
    write_article(tmp_path, "Text.")
    write_files(
        tmp_path / "content",
        {
            "articles/geheim.md": """
                Title: Geheim
                Date: 2026-10-02 09:00
                Category: Technik
                Slug: geheim
                Status: draft

                Entwurf.
            """
        },
    )
    posted = comment_server.client.post("/entwuerfe/geheim/", "Blockiert?", title="G")
    assert posted.status == 201
    publish_site(
        PUBLISHCONF,
        allow_placeholder=True,
        **site_settings(tmp_path, COMMENTS_DATABASE=comment_server.database),
    )
    assert "Text." in live_page(tmp_path)
    assert "entwuerfe" not in live_page(tmp_path, "answered/index.html")


def test_a_publish_leaves_the_local_refresh_working(tmp_path, comment_server):
    from pelican.settings import read_settings

    from comment_refresh.refresh import refresh_comment_pages

    write_article(tmp_path, "Text.")
    cache = f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n"
    local_conf = tmp_path / "local.py"
    local_conf.write_text(f"from pelicanconf import *\n{cache}", encoding="utf-8")
    publish_conf = tmp_path / "publish.py"
    publish_conf.write_text(f"from publishconf import *\n{cache}", encoding="utf-8")
    local = {
        "PATH": str(tmp_path / "content"),
        "OUTPUT_PATH": str(tmp_path / "out"),
        "COMMENTS_DATABASE": comment_server.database,
        "COMMENTS_SNAPSHOT_DIR": str(tmp_path / "snapshots"),
    }
    pelican_build(str(local_conf), **local)
    publish_site(
        str(publish_conf),
        allow_placeholder=True,
        **site_settings(tmp_path, COMMENTS_DATABASE=comment_server.database),
    )
    assert comment_server.client.post("/2026/hallo/", "Neu!").status == 201
    counts = refresh_comment_pages(read_settings(str(local_conf), override=local))
    assert counts["comments"] == 1


def test_a_publish_in_a_fresh_process_as_invoke_runs_it(tmp_path):
    """Nothing here may lean on the test run's import path (plugins/)."""
    from tests.support import run_alone

    write_article(tmp_path, "Text.")
    settings = site_settings(tmp_path, CACHE_PATH=str(tmp_path / "cache"))
    code = f"""
        from publishing.publish import publish_site
        publish_site({PUBLISHCONF!r}, allow_placeholder=True, **{settings!r})
    """
    assert "Published" in run_alone(code)
    assert "Text." in (
        tmp_path / "site" / "current" / "2026/hallo/index.html"
    ).read_text(encoding="utf-8")
