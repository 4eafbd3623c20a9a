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
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import Collection, Exit, task

ROOT = Path(__file__).resolve().parent
MAX_FILE_NAME = 255  # bytes in a file name on the usual Linux file systems

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
}


def article_slug(title, settings):
    """Return the URL slug Pelican would make for ``title`` with these settings."""
    from pelican.utils import slugify

    return slugify(
        title,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        use_unicode=settings["SLUGIFY_USE_UNICODE"],
    )


def pelican_build(settings_file, debug=False, **overrides):
    """Build the site in-process; a mistake exits with one line.

    Pelican's own command prints a traceback for any exception. Here a setup
    mistake (``SetupError``), two pages for one file and any other failure
    exit with one line; ``debug`` re-raises the last kind, traceback and all.
    A "Could not process FILE" error line gets its reason appended (Pelican
    logs it only with ``DEBUG``).
    """
    from pelican import Pelican
    from pelican.log import init as init_logging
    from pelican.writers import FileOverwriteFailedError

    from comments.core import SetupError
    from publishing.build import reasons_in_error_lines
    from publishing.output_paths import check_output_paths
    from publishing.plugin_setup import check_theme_plugins

    init_logging(level=logging.WARNING, name="pelican")
    settings = read_build_settings("build failed", settings_file, **overrides)
    with reasons_in_error_lines():
        try:
            pelican = Pelican(settings)
            check_theme_plugins(pelican.settings)
            check_output_paths(pelican.settings)
            pelican.run()
        except SetupError as error:
            raise Exit(f"build failed: {error}", code=1) from None
        except FileOverwriteFailedError as error:
            raise Exit(
                f"build failed: {one_line(error)}: two pages are saved to this "
                "file; give one of them another Slug (or save_as)",
                code=1,
            ) from None
        except Exception as error:  # noqa: BLE001 - one line, as promised
            if debug or is_fatal_log_line(error):
                raise  # a fatal log line (invoke publish): its watch names it
            raise Exit(f"build failed: {unexpected(error)}", code=1) from None


def read_build_settings(prefix, settings_file, **overrides):
    """Read a Pelican settings file; any mistake in it exits with one line."""
    from pelican.settings import read_settings

    try:
        return read_settings(str(settings_file), override=overrides or None)
    except Exception as error:  # noqa: BLE001 - the settings file is Python
        # Pelican reports its own setting mistakes as ValueError.
        raise Exit(f"{prefix}: {settings_file}: {one_line(error)}", code=1) from None


def is_fatal_log_line(error):
    """Whether Pelican's logger raised ``error`` for a line made fatal."""
    return isinstance(error, RuntimeError) and str(error) == (
        "Warning or error encountered"  # pelican.log.FatalLogger
    )


def one_line(error):
    """An exception's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def unexpected(error):
    """One line for a failure no check foresaw, with how to see where it was."""
    return (
        f"{type(error).__name__}: {one_line(error)} "
        "(`invoke build --debug` shows the traceback)"
    )


def load_comment_config():
    """Load the comment server config; print secrets generated on this start once."""
    from comments.config import load_config
    from comments.core import SetupError

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
    import errno
    import sqlite3

    from comments.build.reader import unreadable_database
    from comments.config import database_path, listen_address
    from comments.core import SetupError
    from comments.server.app import create_app
    from comments.server.serve import comment_server

    # Show comment events (ids and threads only) in the terminal, whatever
    # level an earlier build left the root logger at.
    logging.getLogger("comments").setLevel(logging.INFO)
    try:
        host, port = listen_address(conf)
        app = create_app(conf)
        return comment_server(app, host, port)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None
    except sqlite3.DatabaseError as error:
        problem = unreadable_database(database_path(conf), error)
        raise Exit(f"comment server: {problem}", code=1) from None
    except OSError as error:
        fix = (
            "stop what runs there or change [server] listen"
            if error.errno == errno.EADDRINUSE
            else "change [server] listen"
        )
        raise Exit(
            f"comment server: cannot listen on {conf.get('server', 'listen')} "
            f"({error.strerror or error}); {fix}",
            code=1,
        ) from None


def allow_site_origins(conf, port):
    """Let the comment server take comments from the local site on ``port``
    (``[general] host`` lists the default port's origins only)."""
    hosts = list(conf.getiter("general", "host"))
    for origin in (f"http://localhost:{port}", f"http://127.0.0.1:{port}"):
        if origin not in hosts:
            hosts.append(origin)
    conf.set("general", "host", "\n".join(hosts))


def listen_address_or_exit(conf):
    """``[server] listen`` as (host, port); a wrong value exits with one line."""
    from comments.config import listen_address
    from comments.core import SetupError

    try:
        return listen_address(conf)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None


def check_free(name, host, port, fix):
    """Exit with one line unless ``host:port`` can be listened on now."""
    from comments.server.serve import try_binding

    try:
        try_binding(host, port)
    except OSError as error:
        raise Exit(
            f"{name}: cannot listen on {host}:{port} ({error.strerror or error}); "
            f"{fix}",
            code=1,
        ) from None


def start_site_server(host, port):
    """Create the static file server for output/ on host:port; return it.

    One thread per connection: a browser's idle preconnected socket would
    otherwise hold the whole site (and Ctrl-C) until it closes.
    """
    import socketserver

    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    class ThreadedRootedHTTPServer(socketserver.ThreadingMixIn, RootedHTTPServer):
        allow_reuse_address = True
        daemon_threads = True  # Ctrl-C does not wait for open connections

    class SiteRequestHandler(ComplexHTTPRequestHandler):
        """Pelican's handler, but a missing page gets 404 and the site's
        404.html, as the web server in production gives it (Pelican's own
        closes the connection without a reply)."""

        def get_path_that_exists(self, original_path):
            found = super().get_path_that_exists(original_path)
            if found is None:
                page = Path(self.base_path) / "404.html"
                body = page.read_bytes() if page.is_file() else b"Not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            return found

    try:
        return ThreadedRootedHTTPServer(
            str(CONFIG["deploy_path"]), (host, port), SiteRequestHandler
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


@task(help={"debug": "show the traceback of a failure no check names"})
def build(c, debug=False):
    """Build the site into output/ with pelicanconf.py."""
    pelican_build(CONFIG["settings_base"], debug=debug)


@task(help={"settings": "settings file (default: pelicanconf.py)"})
def refresh(c, settings=None):
    """Update the transparency page and answer lines from new comments, no rebuild."""
    import time

    from pelican.log import init as init_logging

    sys.path.insert(0, str(ROOT / "plugins"))  # the name Pelican loads it under
    from comment_refresh.refresh import refresh_comment_pages
    from comments.core import SetupError

    init_logging(level=logging.WARNING, name="pelican")
    started = time.perf_counter()
    site_settings = read_build_settings(
        "refresh failed", settings or CONFIG["settings_base"]
    )
    try:
        counts = refresh_comment_pages(site_settings)
    except SetupError as error:
        raise Exit(f"refresh failed: {error}", code=1) from None
    print(
        f"Refreshed from {counts['comments']} "
        f"comment{'' if counts['comments'] == 1 else 's'}: transparency page, "
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
    port = whole_number("serve", "--port", port)
    conf = load_comment_config()
    allow_site_origins(conf, port)
    # Both addresses first: a second `invoke serve` should not rebuild the
    # site under the running one only to find its ports taken.
    check_free(
        "site server", CONFIG["host"], port, "stop what runs there or pass --port"
    )
    comment_host, comment_port = listen_address_or_exit(conf)
    check_free(
        "comment server",
        comment_host,
        comment_port,
        "stop what runs there or change [server] listen",
    )
    if not no_build:
        build(c)
    comment_server = start_comment_server(conf)
    site_server = start_site_server(CONFIG["host"], port)
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
    for name, value in (
        ("title", title),
        ("--category", category),
        ("--author", author or ""),
        ("--tags", tags),
    ):
        if any(unicodedata.category(char) == "Cc" for char in value):
            # A line break would start a metadata line of its own ("Status: …").
            raise Exit(
                f"new-post: the {name} {value!r} holds a line break or another "
                "control character; each metadata value is one line",
                code=1,
            )
    settings = read_settings(CONFIG["settings_base"])
    slug = article_slug(title, settings)
    if not slug:
        raise Exit(f"new-post: no URL slug can be made from {title!r}", code=1)
    now = datetime.datetime.now(ZoneInfo(settings["TIMEZONE"]))
    path = CONFIG["articles_path"] / f"{now:%Y-%m-%d}-{slug}.md"
    if len(path.name.encode()) > MAX_FILE_NAME:
        raise Exit(
            f"new-post: the title makes a file name of {len(path.name.encode())} "
            f"bytes (at most {MAX_FILE_NAME}); choose a shorter title",
            code=1,
        )
    if path.exists():
        raise Exit(f"new-post: {path} exists already; choose another title", code=1)
    taken = article_with_slug(CONFIG["articles_path"], slug, now.year)
    if taken is not None:
        raise Exit(
            f"new-post: {taken.name} has the slug {slug!r} in {now.year} already "
            f"(the same URL and comment thread); choose another title",
            code=1,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        post_skeleton(title, slug, now, category, author or settings["AUTHOR"], tags),
        encoding="utf-8",
    )
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Created {shown} (a draft: set 'Status: published' to publish)")


def article_with_slug(folder, slug, year):
    """Return the article in ``folder`` whose ``Slug`` and year are these, if any
    (this project's URLs are ``{date:%Y}/{slug}/``)."""
    for path in sorted(folder.glob("*.md")):
        metadata = {}
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                key, colon, value = line.partition(":")
                if not line.strip() or not colon:
                    break  # the metadata block ends at the first other line
                metadata.setdefault(key.strip().lower(), value.strip())
        if metadata.get("slug") == slug and metadata.get("date", "")[:4] == str(year):
            return path
    return None


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
    """Run the whole test suite (installs Chromium and axe-core when missing)."""
    ensure_chromium()
    ensure_axe()
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
    """Build the Isso instance in-process for a one-off command on the
    existing comment database."""
    import sqlite3

    from comments.build.reader import unreadable_database
    from comments.config import config_file_of, database_path
    from comments.core import SetupError
    from comments.server.app import build_server

    conf = load_comment_config()
    quiet_isso_logging()
    if not guard:
        conf.set("guard", "enabled", "false")  # staff commands are not rate-limited
    db_path = database_path(conf)
    if not db_path.is_file():
        # Isso would create an empty one, and `comments.open` would then
        # report "no open comments" from it.
        raise Exit(
            f"comment server: {db_path}: comment database not found; check "
            f"[general] dbpath in {config_file_of(conf)}",
            code=1,
        )
    try:
        return build_server(conf)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=1) from None
    except sqlite3.DatabaseError as error:
        problem = unreadable_database(db_path, error)
        raise Exit(f"comment server: {problem}", code=1) from None


def staff_directory(server):
    """Return the staff accounts and sessions of this comment server."""
    from comments.config import config_file_of, database_path
    from comments.staff.accounts import StaffDirectory, staff_file

    return StaffDirectory(
        staff_file(config_file_of(server.conf)), database_path(server.conf)
    )


def login_name():
    """The login this command runs under ($USER, $LOGNAME, the account), or ""."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such variable and no passwd entry
        return ""


def quiet_isso_logging():
    """Show warnings only: importing Isso sets the root logger to INFO, and a
    one-off command prints its own summary (else it shows up twice)."""
    logging.getLogger().setLevel(logging.WARNING)


def whole_number(prefix, name, value):
    """Return ``value`` (an argument typed on the command line) as a whole
    number; exit with one line naming ``name`` when it is none."""
    text = str(value).strip()
    if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
        raise Exit(f"{prefix}: {name} {value!r} is not a whole number", code=1)
    number = int(text)
    if not -(2**63) <= number < 2**63:  # SQLite's INTEGER
        raise Exit(f"{prefix}: {name} {value!r} is out of range", code=1)
    return number


def comment_id_argument(prefix, value):
    """A comment id typed on the command line, checked (``whole_number``)."""
    return whole_number(prefix, "comment id", value)


def backups_to_keep(keep):
    """How many backups to keep: ``--keep``, else BLOG_BACKUP_KEEP, else 14;
    read when a backup runs (a wrong value spoils that command only)."""
    if keep is not None:
        return whole_number("backup", "--keep", keep)
    return whole_number(
        "backup", "BLOG_BACKUP_KEEP", os.environ.get("BLOG_BACKUP_KEEP", "14")
    )


def fail_on_setup_error(prefix, action, *args, **kwargs):
    """Run ``action``; a SetupError becomes a one-line exit."""
    from comments.core import SetupError

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
def reply(c, comment_id, text, as_=""):
    """Answer a comment as a verified staff member."""
    from comments.staff.replies import post_staff_reply

    if not as_:
        raise Exit(
            "reply: say who answers with --as ACCOUNT (see staff.cfg; "
            "'redaktion' for the shared one)",
            code=1,
        )
    comment_id = comment_id_argument("reply", comment_id)
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
        "reply", post_staff_reply, server, comment_id, text, member
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
    from comments.staff.removal import remove_comment
    from comments.store.schema import REMOVAL_REASONS

    if reason not in REMOVAL_REASONS:
        raise Exit(
            f"remove: --reason {reason!r} is not one of {', '.join(REMOVAL_REASONS)}",
            code=1,
        )
    comment_id = comment_id_argument("remove", comment_id)
    server = open_comment_server()
    removed_by = by or login_name()
    uri = fail_on_setup_error(
        "remove", remove_comment, server, comment_id, reason, note, removed_by
    )
    print(f"Removed comment {comment_id} from {uri} (reason: {reason}); logged.")


@task(help={"keep": "how many backups to keep (default 14)"})
def backup(c, keep=None):
    """Write a consistent backup of the comment database (safe while it runs)."""
    from comments.config import database_path
    from comments.store.backup import backup_database

    conf = load_comment_config()
    quiet_isso_logging()
    db_path = database_path(conf)
    written = fail_on_setup_error(
        "backup",
        backup_database,
        db_path,
        db_path.parent / "backups",
        keep=backups_to_keep(keep),
    )
    print(f"Backup written: {written}")


@task(help={"file": "the backup to restore (see comments/backups/)"})
def restore(c, file):
    """Check a backup, keep the live database aside, then restore the backup."""
    from comments.config import database_path
    from comments.store.backup import restore_database

    conf = load_comment_config()
    quiet_isso_logging()
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
        "email": "address for mails about the comments they own ('' removes it)",
    },
)
def staff_add(c, account, name, email=None):
    """Add or update a staff account (asks for the password; stored hashed);
    a new password ends the account's sessions."""
    import getpass

    from comments.config import config_file_of, database_path
    from comments.staff.accounts import add_account, end_sessions, staff_file

    conf = load_comment_config()
    path = staff_file(config_file_of(conf))
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {account}: ")
        if getpass.getpass("Again: ") != password:
            raise Exit("staff-add: the passwords differ", code=1)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    fail_on_setup_error(
        "staff-add", add_account, path, account, name, password, email=email
    )
    print(f"Staff account {account} ({name}) saved in {path}.")
    ended = end_sessions(database_path(conf), account)
    if ended:
        print(f"Ended {account}'s {ended} session(s): log in with the new password.")


@task(
    name="staff-logout",
    help={"account": "staff account, or 'redaktion' for Isso's admin login"},
)
def staff_logout(c, account):
    """End every login session of a staff account (or 'redaktion')."""
    from comments.config import config_file_of, database_path
    from comments.staff.accounts import (
        ISSO_ADMIN,
        end_sessions,
        read_accounts,
        staff_file,
    )

    conf = load_comment_config()
    path = staff_file(config_file_of(conf))
    known = fail_on_setup_error("staff-logout", read_accounts, path)
    if account not in known and account != ISSO_ADMIN.account:
        names = ", ".join(sorted(known) + [ISSO_ADMIN.account])
        raise Exit(
            f"staff-logout: no staff account {account!r} in {path} (known: {names})",
            code=1,
        )
    ended = end_sessions(database_path(conf), account)
    print(f"Ended {ended} session(s) of {account}.")


def desk_config(code=1):
    """Load the comment server config for a desk command, with Isso's logging
    quiet; a config that cannot be used exits with ``code``."""
    from comments.config import load_config
    from comments.core import SetupError

    try:
        conf, _ = load_config(create_secrets=False)
    except SetupError as error:
        raise Exit(f"comment server: {error}", code=code) from None
    quiet_isso_logging()  # after the import of Isso that load_config makes
    return conf


DESK_STATUS = {"overdue": "overdue", "due_soon": "due soon", "on_time": "on time"}
OWNER_RULES = {
    "metadata": "set in the article",
    "author": "article author",
    "category": "category",
    "fallback": "fallback",
    "handed_over": "handed over",
}
# Who `invoke comments.open --mine` and `comments.assign` take you for.
STAFF_ACCOUNT_VARIABLE = "BLOG_STAFF_ACCOUNT"


def owner_line(owner):
    """Return 'owner: Anna Schmidt (article author)', with the last hand-over."""
    if owner is None:
        return ""
    line = f"owner: {owner.name} ({OWNER_RULES[owner.rule]}"
    if owner.rule == "handed_over":
        last = owner.handovers[-1]
        line += f" by {last.by_name}, {last.at:%Y-%m-%d %H:%M} UTC"
    return line + ")"


def desk_report(queue, owner_name=""):
    """Return the open comments and a summary line as text for people."""
    from comments.staff.desk import format_duration, format_hours

    settings, summary = queue.settings, queue.summary
    lines = []
    for entry in queue.entries:
        waiting = " [awaiting moderation]" if entry.awaiting_moderation else ""
        lines.append(
            f"{DESK_STATUS[entry.status]:<9} {format_duration(entry.age_seconds):>12}"
            f"  {entry.article_title} — {entry.author or '(no name)'}{waiting}"
        )
        if entry.first_line:
            lines.append(f"{'':24}{entry.first_line}")
        if entry.owner:
            lines.append(f"{'':24}{owner_line(entry.owner)}")
        lines.append(f"{'':24}{entry.link}")
    target = format_hours(settings.target_hours)
    owned = f" owned by {owner_name}" if owner_name else ""
    if not queue.entries:
        lines.append(f"No open reader comments{owned} (target {target} h).")
        return "\n".join(lines)
    pending = summary["awaiting_moderation"]
    lines.append(
        f"\n{summary['open']} open{owned}: {summary['overdue']} past the target, "
        f"{summary['due_soon']} due within "
        f"{format_hours(settings.remind_before_hours)} h, {summary['on_time']} "
        f"on time (target {target} h)"
        + (f"; {pending} awaiting moderation" if pending else "")
        + "."
    )
    return "\n".join(lines)


def staff_identity(prefix, roster, name, what):
    """Return the staff account for ``name``, or exit naming the known ones."""
    account = roster.resolve(name)
    if account is None:
        raise Exit(
            f"{prefix}: {what} {name!r} is no staff account "
            f"(known: {roster.describe()})",
            code=2,
        )
    return account


@task(
    name="open",
    help={
        "json": "print the queue as JSON",
        "owner": "only the comments this staff account (or display name) owns",
        "mine": f"only your comments (your account in ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def comments_open(c, json_=False, owner="", mine=False):
    """List open reader comments, oldest first; exit 1 if one is past the target."""
    import json

    from comments.build import reader
    from comments.core import SetupError
    from comments.staff import owners

    conf = desk_config(code=2)  # 1 means "overdue" to monitoring
    now = datetime.datetime.now(datetime.UTC)
    try:
        roster = owners.roster_for(conf)
        queue, _ = owners.read_queue(conf, now, roster)
    except (reader.SourceUnavailable, SetupError) as error:
        raise Exit(f"open: {error}", code=2) from None
    if mine and owner:
        raise Exit("open: give --owner NAME or --mine, not both", code=2)
    if mine:
        owner = os.environ.get(STAFF_ACCOUNT_VARIABLE, "")
        if not owner:
            raise Exit(
                f"open: --mine needs your staff account in {STAFF_ACCOUNT_VARIABLE} "
                f"(e.g. {STAFF_ACCOUNT_VARIABLE}=anna), or use --owner NAME",
                code=2,
            )
    account = staff_identity("open", roster, owner, "owner") if owner else ""
    if account:
        queue = queue.for_owner(account)
    if json_:
        print(json.dumps(queue.to_json(), ensure_ascii=False, indent=2))
    else:
        print(desk_report(queue, roster.display_name(account) if account else ""))
    if queue.any_overdue:
        raise Exit(code=1)


@task
def remind(c):
    """Mail staff the comments due soon or overdue (hourly), and send queued mails."""
    from comments.config import database_path
    from comments.staff.notify import flush_outbox, mail_enabled
    from comments.staff.reminders import send_reminders
    from comments.store.schema import ensure_schema

    conf = desk_config()
    db_path = database_path(conf)
    if not db_path.is_file():
        raise Exit(
            f"remind: {db_path} does not exist; start the comment server once", code=1
        )
    if not mail_enabled(conf):
        print("Mail is off ([smtp] host or to is empty): nothing sent.")
        return
    ensure_schema(db_path)
    flushed = fail_on_setup_error("remind", flush_outbox, conf, os.environ)
    reminded = fail_on_setup_error("remind", send_reminders, conf, os.environ)
    if flushed.sent:
        print(f"Sent {len(flushed.sent)} queued mail(s) about new comments.")
    if reminded.reminded:
        ids = ", ".join(str(entry.id) for entry in reminded.reminded)
        print(f"Reminder sent about comments {ids}.")
    elif not reminded.error:
        print("Nothing newly due: no reminder sent.")
    problems = []
    if flushed.failed:
        problems.append(
            f"{len(flushed.failed)} mail(s) about new comments not sent "
            f"({flushed.error}), kept for the next run"
        )
    if reminded.error:
        problems.append(f"reminder not sent ({reminded.error}), tried on the next run")
    if problems:
        raise Exit("remind: " + "; ".join(problems), code=1)


def publish_target(prefix, settings_file, **overrides):
    """Read the PUBLISH_… settings; return them and the deploy target."""
    from pelican.settings import read_settings

    from publishing.deploy import target_for
    from publishing.settings import publish_settings

    try:
        settings = read_settings(settings_file, override=overrides or None)
    except (OSError, ValueError, SyntaxError) as error:
        raise Exit(f"{prefix}: {settings_file}: {error}", code=1) from None
    options = fail_on_setup_error(prefix, publish_settings, settings, settings_file)
    return options, fail_on_setup_error(prefix, target_for, options)


def publish_site(settings_file, dry_run=False, **overrides):
    """Build once into a temporary folder, check for leaks, then deploy it."""
    import tempfile

    from comments.core import SetupError
    from publishing.build import watch_build
    from publishing.leaks import find_leaks

    options, target = publish_target("publish", settings_file, **overrides)
    with tempfile.TemporaryDirectory(prefix="blog-publish-") as work:
        output = Path(work) / "output"
        try:
            with watch_build() as watch:
                # Its own cache too: the local build's refresh state (and
                # cache) stay the local site's, so `invoke refresh` still works.
                pelican_build(
                    settings_file,
                    **{"CACHE_PATH": str(Path(work) / "cache"), **overrides},
                    OUTPUT_PATH=str(output),
                )
        except (SetupError, Exit) as error:
            reason = error.message if isinstance(error, Exit) else error
            raise Exit(f"publish: nothing deployed: {reason}", code=1) from None
        leaks = find_leaks(output, options.email_allowlist, watch.unpublished)
        refusal = ""
        if leaks:
            more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
            refusal = f"publish: leak check, nothing deployed: {leaks[0]}{more}"
        if dry_run:
            changes = fail_on_setup_error("publish", target.preview, output)
            print(f"Dry run for {options.target}; nothing was changed.")
            for line in [*changes.lines(), *(f"leak     {leak}" for leak in leaks)]:
                print(f"  {line}")
            print(f"Would publish: {changes.summary()}.")
        if refusal:
            raise Exit(refusal, code=1)
        if dry_run:
            return
        deployment = fail_on_setup_error("publish", target.deploy, output)
    if not deployment.new_release:
        print(f"Nothing changed; {deployment.target} stays at {deployment.release}.")
    elif deployment.release:
        print(
            f"Published {deployment.target}: release {deployment.release} is live "
            f"({deployment.changes.summary()}); `invoke rollback` undoes it."
        )
    else:
        print(f"Published {deployment.target} ({deployment.changes.summary()}).")


@task(help={"dry_run": "list what would be added, changed, removed; change nothing"})
def publish(c, dry_run=False):
    """Build once with publishconf.py, check for leaks, deploy to PUBLISH_TARGET."""
    publish_site(CONFIG["settings_publish"], dry_run=dry_run)


def rollback_site(settings_file, **overrides):
    """Point the target's current release back at the one before it."""
    options, target = publish_target("rollback", settings_file, **overrides)
    previous, abandoned = fail_on_setup_error("rollback", target.rollback)
    print(
        f"Rolled back {options.target}: release {previous} is live again "
        f"({abandoned} is kept as {abandoned}.rolled-back until the next publish)."
    )


@task
def rollback(c):
    """Make the previous release live again (local PUBLISH_TARGET only)."""
    rollback_site(CONFIG["settings_publish"])


@task(
    name="assign",
    help={
        "comment_id": "the open comment to hand over",
        "name": "the new owner: staff account or display name",
        "by": f"who hands it over (default: ${STAFF_ACCOUNT_VARIABLE}, else $USER)",
    },
)
def comments_assign(c, comment_id, name, by=""):
    """Hand an open comment over to another owner; recorded with time and by whom."""
    from comments.core import SetupError
    from comments.staff import owners

    comment_id = comment_id_argument("assign", comment_id)
    conf = desk_config()
    handed_by = by or os.environ.get(STAFF_ACCOUNT_VARIABLE, "") or login_name()
    try:
        roster = owners.roster_for(conf)
        before, after = owners.assign(
            conf, roster, comment_id, name, handed_by, owners.CLI
        )
    except SetupError as error:
        raise Exit(f"assign: {error}", code=1) from None
    if before == after:
        print(f"Comment {comment_id} is owned by {after.name} already.")
        return
    print(
        f"Comment {comment_id} handed over from {before.name} to {after.name} "
        f"(by {after.handovers[-1].by_name})."
    )


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


def ensure_axe():
    """Install axe-core (tests/e2e/package-lock.json) for the browser tests."""
    e2e = ROOT / "tests" / "e2e"
    if (e2e / "node_modules" / "axe-core").is_dir():
        return
    if shutil.which("npm") is None:
        raise Exit("npm is missing; run: sudo apt-get install -y nodejs npm", code=1)
    print("axe-core is missing; installing it for the browser tests (npm ci).")
    npm_ci = ["npm", "ci", "--prefix", str(e2e), "--no-audit", "--no-fund"]
    if subprocess.run(npm_ci).returncode:
        raise Exit("could not install axe-core; run: npm ci --prefix tests/e2e", code=1)


comments = Collection("comments")
for comment_task in (
    comments_run,
    reply,
    remove,
    backup,
    restore,
    staff_add,
    staff_logout,
    comments_open,
    remind,
    comments_assign,
):
    comments.add_task(comment_task)

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
    rollback,
    comments,
)
