"""Commands for writing, previewing and testing the blog. `invoke --list` shows them.

Each task parses its arguments and calls one function in a package: builds in
``publishing/`` (Pelican in-process, as in the tasks.py that pelican-quickstart
generates), the comment commands in ``comments/commands.py``. The comment
server is configured by ISSO_SETTINGS or comments/isso.cfg.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from invoke import Collection, Exit, task

from comments.commands import STAFF_ACCOUNT_VARIABLE

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
def serve(c, port=CONFIG["port"], no_build=False, settings=None):
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
def stage(c, port=8000, comments_port=8001, app_port=8002, folder=None):
    """Run the production stack on loopback: production build, nginx, gunicorn."""
    from comments.cli import whole_number
    from publishing.stage import stage_site

    ports = [
        whole_number("stage", option, value)
        for option, value in (
            ("--port", port),
            ("--comments-port", comments_port),
            ("--app-port", app_port),
        )
    ]
    stage_site(CONFIG["settings_publish"], folder or CONFIG["stage_path"], *ports)


@task
def rollback(c):
    """Make the previous release live again (local PUBLISH_TARGET only)."""
    from publishing.publish import rollback_site

    rollback_site(CONFIG["settings_publish"])


@task(help={"pytest_args": "extra arguments for pytest, e.g. '-k comments -x'"})
def test(c, pytest_args=""):
    """Run the whole test suite (installs Chromium, rsync, nginx, axe-core)."""
    from publishing.system_packages import (
        ensure_axe,
        ensure_chromium,
        ensure_nginx,
        ensure_rsync,
    )

    ensure_chromium()
    ensure_rsync()
    ensure_nginx()
    ensure_axe()
    command = [sys.executable, "-m", "pytest", *pytest_args.split()]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode:
        raise Exit(code=result.returncode)


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


@task(name="run", default=True)
def comments_run(c):
    """Run the comment server alone (Isso; ISSO_SETTINGS or comments/isso.cfg)."""
    from comments.commands import run_comment_server

    run_comment_server()


@task(
    help={
        "comment_id": "the comment to answer",
        "text": "the answer (Markdown)",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    }
)
def reply(c, comment_id, text, as_=""):
    """Answer a comment as a verified staff member."""
    from comments.commands import reply_as_staff

    reply_as_staff(comment_id, text, as_)


@task(
    help={
        "comment_id": "the comment to remove",
        "reason": "spam, illegal, personal-data, author-request or other",
        "note": "a short public explanation (no personal data)",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    }
)
def remove(c, comment_id, reason, note="", as_=""):
    """Remove a comment and record the reason in the public removal log."""
    from comments.commands import remove_with_reason

    remove_with_reason(comment_id, reason, note, as_)


@task(
    name="no-answer",
    help={
        "comment_id": "the open reader comment",
        "reason": "thanks, duplicate or answered-by-readers",
        "note": "a short public explanation (optional)",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def no_answer(c, comment_id, reason, note="", as_=""):
    """Record that a reader comment needs no answer (counted on its own line)."""
    from comments.commands import no_answer_needed

    no_answer_needed(comment_id, reason, note, as_)


@task(help={"keep": "how many backups to keep (default 14)"})
def backup(c, keep=None):
    """Write a consistent backup of the comment database (safe while it runs)."""
    from comments.commands import back_up

    back_up(keep)


@task(help={"file": "the backup to restore (see comments/backups/)"})
def restore(c, file):
    """Check a backup, keep the live database aside, then restore the backup."""
    from comments.commands import restore_backup

    restore_backup(file)


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
    from comments.commands import add_staff_account

    add_staff_account(account, name, email)


@task(
    name="staff-logout",
    help={"account": "staff account, or 'redaktion' for Isso's admin login"},
)
def staff_logout(c, account):
    """End every login session of a staff account (or 'redaktion')."""
    from comments.commands import end_staff_sessions

    end_staff_sessions(account)


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
    from comments.commands import show_open_comments

    show_open_comments(as_json=json_, owner=owner, mine=mine)


@task
def remind(c):
    """Mail staff the comments due soon or overdue (hourly), and send queued mails."""
    from comments.commands import remind_staff

    remind_staff()


@task(
    name="assign",
    help={
        "comment_id": "the open comment to hand over",
        "name": "the new owner: staff account or display name",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def comments_assign(c, comment_id, name, as_=""):
    """Hand an open comment over to another owner; recorded with time and by whom."""
    from comments.commands import hand_over

    hand_over(comment_id, name, as_)


@task(name="pending")
def parades_pending(c):
    """List the parade participants (and other mentions) waiting for review."""
    from comments.parade_commands import show_pending

    show_pending()


@task(
    name="approve",
    help={
        "mention_id": "the mention, as parades.pending lists it",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def parades_approve(c, mention_id, as_=""):
    """Approve a Webmention: it joins its parade's page with the next build."""
    from comments.parade_commands import approve

    approve(mention_id, as_)


@task(
    name="reject",
    help={
        "mention_id": "the mention, as parades.pending lists it",
        "reason": "spam, off-topic, late or other",
        "as": f"your staff account (default: ${STAFF_ACCOUNT_VARIABLE})",
    },
)
def parades_reject(c, mention_id, reason, as_=""):
    """Reject a Webmention and record why."""
    from comments.parade_commands import reject

    reject(mention_id, reason, as_)


@task(name="roundup", help={"slug": "the parade's slug (its folder under blogparade/)"})
def parades_roundup(c, slug):
    """Write a Markdown draft of the round-up of a parade we host."""
    from publishing.parade_roundup import write_roundup

    path, count = write_roundup(CONFIG["settings_base"], CONFIG["articles_path"], slug)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    participants = f"{count} participant" + ("s" if count != 1 else "")
    print(f"Created {shown} listing {participants} (a draft: write the intro)")


comments = Collection("comments")
for comment_task in (
    comments_run,
    reply,
    remove,
    no_answer,
    backup,
    restore,
    staff_add,
    staff_logout,
    comments_open,
    remind,
    comments_assign,
):
    comments.add_task(comment_task)

parades = Collection("parades")
for parade_task in (parades_pending, parades_approve, parades_reject, parades_roundup):
    parades.add_task(parade_task)

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
