"""Commands for writing, previewing and testing the blog. `invoke --list` shows them.

Pelican runs in-process, as in the tasks.py that pelican-quickstart generates.
The comment server is configured by ISSO_SETTINGS or comments/isso.cfg.
"""

import datetime
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import Collection, Exit, task

ROOT = Path(__file__).resolve().parent

CONFIG = {
    "settings_base": str(ROOT / "pelicanconf.py"),
    "settings_publish": str(ROOT / "publishconf.py"),
    "content_path": ROOT / "content",
    "articles_path": ROOT / "content" / "articles",
    "deploy_path": ROOT / "output",
    "cache_path": ROOT / ".cache",
    # The local preview binds to loopback only.
    "host": "127.0.0.1",
    "port": 8000,
    # Newest comment database backups kept by `invoke comments.backup`.
    "backup_keep": int(os.environ.get("BLOG_BACKUP_KEEP", "14")),
}


def article_slug(title, settings):
    """Return the URL slug Pelican would make for ``title`` with these settings."""
    from pelican.utils import slugify

    return slugify(
        title,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        use_unicode=settings["SLUGIFY_USE_UNICODE"],
    )


def pelican_build(settings_file, **overrides):
    """Build the site in-process; a configuration mistake exits with one line."""
    from pelican import Pelican
    from pelican.log import init as init_logging
    from pelican.settings import read_settings

    from comments.errors import SetupError

    init_logging(level=logging.WARNING, name="pelican")
    try:
        settings = read_settings(settings_file, override=overrides or None)
    except (OSError, ValueError, SyntaxError) as error:
        # Pelican reports its own setting mistakes as ValueError.
        raise Exit(f"build failed: {settings_file}: {error}", code=1) from None
    try:
        Pelican(settings).run()
    except SetupError as error:
        raise Exit(f"build failed: {error}", code=1) from None


def load_comment_config():
    """Load the comment server config; print secrets generated on this start once."""
    from comments.config import load_config
    from comments.errors import SetupError

    try:
        conf, generated = load_config()
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None
    for secret in generated:
        if (secret.section, secret.option) == ("admin", "password"):
            print(
                f"Generated the comment server's admin password: {secret.value}\n"
                f"  (stored in {secret.stored_in}; shown only this once)"
            )
    return conf


def start_comment_server(conf):
    """Create the comment server on its configured address; return the server."""
    from comments.app import create_app
    from comments.config import listen_address
    from comments.errors import SetupError
    from comments.serve import comment_server

    try:
        host, port = listen_address(conf)
        app = create_app(conf)
        return comment_server(app, host, port)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None
    except OSError as error:
        raise Exit(
            f"comment server: cannot listen on {conf.get('server', 'listen')} "
            f"({error.strerror}); stop what runs there or change [server] listen",
            code=1,
        ) from None


def start_site_server(host, port):
    """Create the static file server for output/ on host:port; return it."""
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    RootedHTTPServer.allow_reuse_address = True
    try:
        return RootedHTTPServer(
            str(CONFIG["deploy_path"]), (host, port), ComplexHTTPRequestHandler
        )
    except OSError as error:
        raise Exit(
            f"site server: cannot listen on {host}:{port} ({error.strerror}); "
            "stop what runs there or pass --port",
            code=1,
        ) from None


def stop_on_sigterm(signum, frame):
    """Treat SIGTERM (systemd, `kill`) like Ctrl-C."""
    raise KeyboardInterrupt


def serve_until_interrupted(servers):
    """Run each server in a thread until Ctrl-C or SIGTERM, then stop them all."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    threads = [
        threading.Thread(target=server.serve_forever, daemon=True) for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        while all(thread.is_alive() for thread in threads):
            threads[0].join(timeout=0.5)
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@task
def clean(c):
    """Remove the generated site (output/) and Pelican's cache."""
    for path in (CONFIG["deploy_path"], CONFIG["cache_path"]):
        if path.is_dir():
            shutil.rmtree(path)


@task
def build(c):
    """Build the site into output/ with pelicanconf.py."""
    pelican_build(CONFIG["settings_base"])


@task(help={"settings": "settings file (default: pelicanconf.py)"})
def refresh(c, settings=None):
    """Update the transparency page and answer lines from new comments, no rebuild."""
    import time

    from pelican.log import init as init_logging
    from pelican.settings import read_settings

    sys.path.insert(0, str(ROOT / "plugins"))  # the name Pelican loads it under
    from answered.refresh import refresh_comment_pages
    from comments.errors import SetupError

    init_logging(level=logging.WARNING, name="pelican")
    started = time.perf_counter()
    try:
        counts = refresh_comment_pages(
            read_settings(settings or CONFIG["settings_base"])
        )
    except SetupError as error:
        raise Exit(f"refresh failed: {error}", code=1) from None
    print(
        f"Refreshed from {counts['comments']} comments: transparency page, "
        f"{counts['lines_rewritten']} answer line(s) rewritten "
        f"in {time.perf_counter() - started:.2f} s."
    )


@task
def rebuild(c):
    """Build from scratch, ignoring Pelican's cache."""
    clean(c)
    pelican_build(CONFIG["settings_base"], LOAD_CONTENT_CACHE=False)


@task(name="run", default=True)
def comments_run(c):
    """Run the comment server alone (Isso; ISSO_SETTINGS or comments/isso.cfg)."""
    conf = load_comment_config()
    server = start_comment_server(conf)
    print(f"Comment server on {conf.get('server', 'listen')} — Ctrl-C stops it.")
    print(f"Database: {conf.get('general', 'dbpath')}")
    serve_until_interrupted([server])


@task(help={"port": "port of the site (default 8000)", "no_build": "skip the build"})
def serve(c, port=CONFIG["port"], no_build=False):
    """Build, then serve the site on localhost:8000 and the comment server together."""
    if not no_build:
        build(c)
    conf = load_comment_config()
    comment_server = start_comment_server(conf)
    site_server = start_site_server(CONFIG["host"], int(port))
    print(f"Blog:           http://localhost:{port}/")
    comments_url = conf.get("server", "listen").replace("127.0.0.1", "localhost")
    print(f"Comment server: {comments_url}")
    print(f"Database:       {conf.get('general', 'dbpath')}")
    print("Ctrl-C stops both.")
    serve_until_interrupted([site_server, comment_server])


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
    from pelican.settings import read_settings

    title = title.strip()
    if not title:
        raise Exit("new-post: the title is empty; run: invoke new-post 'Titel'", code=1)
    settings = read_settings(CONFIG["settings_base"])
    slug = article_slug(title, settings)
    if not slug:
        raise Exit(f"new-post: no URL slug can be made from {title!r}", code=1)
    now = datetime.datetime.now(ZoneInfo(settings["TIMEZONE"]))
    path = CONFIG["articles_path"] / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise Exit(f"new-post: {path} exists already; choose another title", code=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        post_skeleton(title, slug, now, category, author or settings["AUTHOR"], tags),
        encoding="utf-8",
    )
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Created {shown} (a draft: set 'Status: published' to publish)")


def post_skeleton(title, slug, date, category, author, tags):
    """Return the Markdown text of a new draft article."""
    return (
        f"Title: {title}\n"
        f"Date: {date:%Y-%m-%d %H:%M}\n"
        f"Modified: {date:%Y-%m-%d %H:%M}\n"
        f"Category: {category}\n"
        f"Tags: {tags}\n"
        f"Slug: {slug}\n"
        f"Authors: {author}\n"
        "Summary: Ein, zwei Sätze, worum es geht.\n"
        "Status: draft\n"
        "\n"
        "Hier beginnt der Text.\n"
    )


@task(help={"pytest_args": "extra arguments for pytest, e.g. '-k comments -x'"})
def test(c, pytest_args=""):
    """Run the whole test suite (needs Chromium: installed here when missing)."""
    ensure_chromium()
    command = [sys.executable, "-m", "pytest", *pytest_args.split()]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode:
        raise Exit(code=result.returncode)


@task(help={"quick": "one small size, under a minute (no RESULTS.md)"})
def bench(c, quick=False):
    """Benchmark builds, comment refresh, comment data and the server under load."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from benchmarks.bench import main

    raise Exit(code=main(["--quick"] if quick else []))


@task
def lint(c):
    """Check style with ruff (lint and format)."""
    c.run(f"{sys.executable} -m ruff check .", pty=False)
    c.run(f"{sys.executable} -m ruff format --check .", pty=False)


def open_comment_server(guard=True):
    """Build the Isso instance in-process for a one-off command."""
    from comments.app import build_server
    from comments.errors import SetupError

    # Importing Isso sets the root logger to INFO; a one-off command prints
    # its own summary and should show only warnings besides.
    logging.getLogger().setLevel(logging.WARNING)
    conf = load_comment_config()
    if not guard:
        conf.set("guard", "enabled", "false")  # staff commands are not rate-limited
    try:
        return build_server(conf)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None


def staff_directory(server):
    """Return the staff accounts and sessions of this comment server."""
    from comments.config import config_file_of, database_path
    from comments.staff import StaffDirectory, staff_file

    return StaffDirectory(
        staff_file(config_file_of(server.conf)), database_path(server.conf)
    )


def fail_on_setup_error(prefix, action, *args, **kwargs):
    """Run ``action``; a SetupError becomes a one-line exit."""
    from comments.errors import SetupError

    try:
        return action(*args, **kwargs)
    except SetupError as error:
        raise Exit(f"{prefix}: {error}", code=1) from None


@task(
    help={
        "comment_id": "the comment to answer",
        "text": "the answer (Markdown)",
        "as": "staff account name (see staff.cfg; 'redaktion' for the shared one)",
    }
)
def reply(c, comment_id, text, as_):
    """Answer a comment as a verified staff member."""
    from comments.replies import post_staff_reply

    server = open_comment_server(guard=False)
    member = fail_on_setup_error("reply", staff_directory(server).member, as_)
    if member is None:
        known = ", ".join(sorted(staff_directory(server).accounts())) or "none yet"
        raise Exit(
            f"reply: no staff account {as_!r} (known: {known}); "
            "add one with: invoke comments.staff-add NAME 'Display Name'",
            code=1,
        )
    new_id = fail_on_setup_error(
        "reply", post_staff_reply, server, int(comment_id), text, member
    )
    print(f"Answered comment {comment_id} as {member.display_name}: comment {new_id}")


@task(
    help={
        "comment_id": "the comment to remove",
        "reason": "spam, illegal, personal-data, author-request or other",
        "note": "a short public explanation (no personal data)",
        "by": "who removes it (kept in the log; default: $USER)",
    }
)
def remove(c, comment_id, reason, note="", by=""):
    """Remove a comment and record the reason in the public removal log."""
    from comments.removal import remove_comment
    from comments.schema import REMOVAL_REASONS

    if reason not in REMOVAL_REASONS:
        raise Exit(
            f"remove: --reason {reason!r} is not one of {', '.join(REMOVAL_REASONS)}",
            code=1,
        )
    server = open_comment_server()
    removed_by = by or os.environ.get("USER", "")
    uri = fail_on_setup_error(
        "remove", remove_comment, server, int(comment_id), reason, note, removed_by
    )
    print(f"Removed comment {comment_id} from {uri} (reason: {reason}); logged.")


@task(help={"keep": "how many backups to keep (default 14)"})
def backup(c, keep=None):
    """Write a consistent backup of the comment database (safe while it runs)."""
    from comments.backup import backup_database
    from comments.config import database_path

    conf = load_comment_config()
    db_path = database_path(conf)
    written = fail_on_setup_error(
        "backup",
        backup_database,
        db_path,
        db_path.parent / "backups",
        keep=int(keep or CONFIG["backup_keep"]),
    )
    print(f"Backup written: {written}")


@task(help={"file": "the backup to restore (see comments/backups/)"})
def restore(c, file):
    """Check a backup, keep the live database aside, then restore the backup."""
    from comments.backup import restore_database
    from comments.config import database_path

    conf = load_comment_config()
    db_path = database_path(conf)
    kept = fail_on_setup_error(
        "restore", restore_database, Path(file), db_path, db_path.parent / "backups"
    )
    print(f"Restored {file} onto {db_path}.")
    if kept:
        print(f"The replaced database is kept as {kept}.")


@task(
    name="staff-add",
    help={
        "account": "login name, e.g. anna",
        "name": "display name on the badge, e.g. 'Anna Schmidt'",
    },
)
def staff_add(c, account, name):
    """Add or update a staff account (asks for the password; stored hashed)."""
    import getpass

    from comments.config import config_file_of
    from comments.staff import add_account, staff_file

    conf = load_comment_config()
    path = staff_file(config_file_of(conf))
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {account}: ")
        if getpass.getpass("Again: ") != password:
            raise Exit("staff-add: the passwords differ", code=1)
    else:
        password = sys.stdin.readline().rstrip("\n")
    fail_on_setup_error("staff-add", add_account, path, account, name, password)
    print(f"Staff account {account} ({name}) saved in {path}.")


def ensure_chromium():
    """Install Debian's Chromium for the browser tests when it is missing."""
    if Path("/usr/bin/chromium").exists():
        return
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
    print("Chromium is missing; installing Debian's package for the browser tests.")
    for step in (["update", "-qq"], ["install", "-y", "-qq", "chromium"]):
        if subprocess.run([*apt, *step]).returncode:
            raise Exit(
                "could not install Chromium; run: sudo apt-get install -y chromium",
                code=1,
            )


comments = Collection("comments")
for comment_task in (comments_run, reply, remove, backup, restore, staff_add):
    comments.add_task(comment_task)

namespace = Collection(
    clean, build, rebuild, refresh, serve, new_post, test, lint, bench, comments
)
