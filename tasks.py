"""Commands for writing, previewing and testing the blog. `invoke --list` shows them.

Each task parses its arguments and calls one function in a package: builds in
``publishing/`` (Pelican in-process, as in the tasks.py that pelican-quickstart
generates). The ``comments.*`` and ``parades.*`` collections live beside the
functions they call (``comments/tasks.py``, ``comments/parade_tasks.py``).
Ports are taken as text, so a wrong one is named in one line
(``comments.cli.whole_number``) rather than by invoke's own integer cast. The
comment server is configured by ISSO_SETTINGS or comments/isso.cfg.
"""

import shutil
import sys
from pathlib import Path

from invoke import Collection, Exit, task

from comments.parade_tasks import parades
from comments.tasks import comments

ROOT = Path(__file__).resolve().parent

CONFIG = {
    "settings_base": str(ROOT / "pelicanconf.py"),
    "settings_publish": str(ROOT / "publishconf.py"),
    "articles_path": ROOT / "content" / "articles",
    "deploy_path": ROOT / "output",
    "cache_path": ROOT / ".cache",
    "stage_path": ROOT / ".stage",
    # The local preview binds to loopback only.
    "host": "127.0.0.1",
    "port": 8000,
}


@task
def clean(c):
    """Remove the generated site (output/) and Pelican's cache."""
    for path in (CONFIG["deploy_path"], CONFIG["cache_path"]):
        if path.is_dir():
            shutil.rmtree(path)


@task(
    help={
        "debug": "show the traceback of a failure no check names",
        "settings": "settings file (default: pelicanconf.py)",
    }
)
def build(c, debug=False, settings=None):
    """Build the site into output/ with pelicanconf.py."""
    from publishing.site_build import pelican_build

    pelican_build(settings or CONFIG["settings_base"], debug=debug)


@task
def rebuild(c):
    """Build from scratch, ignoring Pelican's cache."""
    from publishing.site_build import pelican_build

    clean(c)
    pelican_build(CONFIG["settings_base"], LOAD_CONTENT_CACHE=False)


@task(help={"settings": "settings file (default: pelicanconf.py)"})
def refresh(c, settings=None):
    """Update the transparency page and answer lines from new comments, no rebuild."""
    from publishing.site_build import refresh_pages

    print(refresh_pages(settings or CONFIG["settings_base"]))


@task(
    help={
        "port": "port of the site (default 8000)",
        "no_build": "skip the build",
        "settings": "settings file (default: pelicanconf.py); serves its OUTPUT_PATH",
    }
)
def serve(c, port=str(CONFIG["port"]), no_build=False, settings=None):
    """Build, then serve the site on localhost:8000 and the comment server together."""
    from comments.cli import whole_number
    from publishing.preview import serve_site

    port = whole_number("serve", "--port", port)
    settings_file = settings or CONFIG["settings_base"]
    serve_site(settings_file, CONFIG["host"], port, build=not no_build)


@task(
    help={
        "title": "the article's title, e.g. 'Neues aus dem Kundenservice'",
        "category": "category (default: Allgemein)",
        "author": "author (default: AUTHOR from pelicanconf.py)",
        "tags": "comma-separated tags",
    }
)
def new_post(c, title, category="Allgemein", author=None, tags=""):
    """Create a Markdown draft with full metadata in content/articles/."""
    from publishing.new_post import create_post

    path, url = create_post(
        CONFIG["settings_base"], CONFIG["articles_path"], title, category, author, tags
    )
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Created {shown} (a draft: set 'Status: published' to publish)")
    if url:
        preview = f"http://localhost:{CONFIG['port']}{url}"
        print(f"Preview: {preview} (while `invoke serve` runs)")


@task(
    help={
        "dry_run": "list what would be added, changed, removed; change nothing",
        "allow_placeholder": "allow example.org or localhost addresses (staging)",
        "comments": "publish only what changed comments change (seconds; a timer "
        "runs it every minute)",
    }
)
def publish(c, dry_run=False, allow_placeholder=False, comments=False):
    """Build once with publishconf.py, check for leaks, deploy to PUBLISH_TARGET."""
    from publishing.publish import publish_comments, publish_site

    if comments:
        publish_comments(
            CONFIG["settings_publish"], allow_placeholder=allow_placeholder
        )
        return
    publish_site(
        CONFIG["settings_publish"],
        dry_run=dry_run,
        allow_placeholder=allow_placeholder,
    )


@task(
    help={
        "port": "port of the blog (default 8000)",
        "comments_port": "port of the comment server's public side (default 8001)",
        "app_port": "port of gunicorn behind nginx (default 8002)",
        "folder": "where releases, logs and the staged comments live (default .stage/)",
    }
)
def stage(c, port="8000", comments_port="8001", app_port="8002", folder=None):
    """Run the production stack on loopback: production build, nginx, gunicorn."""
    from publishing.stage import stage_site

    folder = folder or CONFIG["stage_path"]
    stage_site(CONFIG["settings_publish"], folder, port, comments_port, app_port)


@task
def rollback(c):
    """Make the previous release live again (local PUBLISH_TARGET only)."""
    from publishing.publish import rollback_site

    rollback_site(CONFIG["settings_publish"])


@task(help={"pytest_args": "extra arguments for pytest, e.g. '-k comments -x'"})
def test(c, pytest_args=""):
    """Run the whole test suite (installs Chromium, rsync, nginx, axe-core)."""
    from publishing.system_packages import run_test_suite

    run_test_suite(ROOT, pytest_args.split())


@task
def lint(c):
    """Check style with ruff (lint and format)."""
    c.run(f"{sys.executable} -m ruff check .", pty=False)
    c.run(f"{sys.executable} -m ruff format --check .", pty=False)


@task(
    help={
        "quick": "one small size, under a minute (no RESULTS.md)",
        "preview": "only save → served page: invoke serve vs pelican --autoreload",
    }
)
def bench(c, quick=False, preview=False):
    """Benchmark builds, refresh, comment data, the server under load, the preview."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from benchmarks.bench import main

    options = ["--quick"] * quick + ["--preview"] * preview
    raise Exit(code=main(options))


namespace = Collection(
    clean,
    build,
    rebuild,
    refresh,
    serve,
    new_post,
    test,
    lint,
    bench,
    publish,
    stage,
    rollback,
    comments,
    parades,
)
