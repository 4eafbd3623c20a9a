"""The ``invoke comments.*`` commands: one function each, called by tasks.py.

Each reads the comment server config, does its one job through the package
(``replies``, ``removal``, ``backup``, ``staff``, ``owners``, ``reminders``)
and prints a summary line for people; a mistake exits with one line.
"""

import datetime
import json
import os
import sys
from pathlib import Path

from invoke import Exit

from comments.cli import (
    backups_to_keep,
    comment_id_argument,
    desk_config,
    load_comment_config,
    login_name,
    open_comment_server,
    quiet_isso_logging,
    staff_directory,
    start_comment_server,
)
from comments.command_errors import one_line_errors

# Who `invoke comments.open --mine` and `comments.assign` take you for.
STAFF_ACCOUNT_VARIABLE = "BLOG_STAFF_ACCOUNT"


def run_comment_server():
    """Run the comment server in the foreground until Ctrl-C or SIGTERM."""
    from comments.server.serve import serve_until_interrupted

    conf = load_comment_config()
    server = start_comment_server(conf)
    print(f"Comment server on {conf.get('server', 'listen')} — Ctrl-C stops it.")
    print(f"Database: {conf.get('general', 'dbpath')}")
    serve_until_interrupted([server])


@one_line_errors("reply")
def reply_as_staff(comment_id, text, account):
    """Answer comment ``comment_id`` as the staff ``account``."""
    from comments.staff.replies import post_staff_reply

    if not account:
        raise Exit(
            "reply: say who answers with --as ACCOUNT (see staff.cfg; "
            "'redaktion' for the shared one)",
            code=1,
        )
    comment_id = comment_id_argument("reply", comment_id)
    server = open_comment_server(guard=False)
    member = staff_directory(server).member(account)
    if member is None:
        known = ", ".join(sorted(staff_directory(server).accounts())) or "none yet"
        raise Exit(
            f"reply: no staff account {account!r} (known: {known}); "
            "add one with: invoke comments.staff-add NAME 'Display Name'",
            code=1,
        )
    new_id = post_staff_reply(server, comment_id, text, member)
    print(f"Answered comment {comment_id} as {member.display_name}: comment {new_id}")


@one_line_errors("remove")
def remove_with_reason(comment_id, reason, note="", by=""):
    """Remove a comment and log the reason (``by`` defaults to the login)."""
    from comments.staff.removal import remove_comment
    from comments.store.schema import REMOVAL_REASONS

    if reason not in REMOVAL_REASONS:
        raise Exit(
            f"remove: --reason {reason!r} is not one of {', '.join(REMOVAL_REASONS)}",
            code=1,
        )
    comment_id = comment_id_argument("remove", comment_id)
    server = open_comment_server()
    uri = remove_comment(server, comment_id, reason, note, by or login_name())
    print(f"Removed comment {comment_id} from {uri} (reason: {reason}); logged.")


@one_line_errors("backup")
def back_up(keep=None):
    """Write a backup into ``backups/`` beside the database, keeping ``keep``."""
    from comments.config import database_path
    from comments.store.backup import backup_database

    conf = load_comment_config()
    quiet_isso_logging()
    db_path = database_path(conf)
    written = backup_database(
        db_path, db_path.parent / "backups", keep=backups_to_keep(keep)
    )
    print(f"Backup written: {written}")


@one_line_errors("restore")
def restore_backup(file):
    """Check the backup ``file``, keep the live database aside, restore."""
    from comments.config import database_path
    from comments.store.backup import restore_database

    conf = load_comment_config()
    quiet_isso_logging()
    db_path = database_path(conf)
    kept = restore_database(Path(file), db_path, db_path.parent / "backups")
    print(f"Restored {file} onto {db_path}.")
    if kept:
        print(f"The replaced database is kept as {kept}.")


@one_line_errors("staff-add")
def add_staff_account(account, name, email=None):
    """Add or update a staff account; the password comes from the terminal
    (asked twice) or, when piped, from the first line of stdin."""
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
    add_account(path, account, name, password, email=email)
    print(f"Staff account {account} ({name}) saved in {path}.")
    ended = end_sessions(database_path(conf), account)
    if ended:
        print(f"Ended {account}'s {ended} session(s): log in with the new password.")


@one_line_errors("staff-logout")
def end_staff_sessions(account):
    """End every login session of ``account`` (``redaktion``: the admin logins)."""
    from comments.config import config_file_of, database_path
    from comments.staff.accounts import (
        ISSO_ADMIN,
        end_sessions,
        read_accounts,
        staff_file,
    )

    conf = load_comment_config()
    path = staff_file(config_file_of(conf))
    known = read_accounts(path)
    if account not in known and account != ISSO_ADMIN.account:
        names = ", ".join(sorted(known) + [ISSO_ADMIN.account])
        raise Exit(
            f"staff-logout: no staff account {account!r} in {path} (known: {names})",
            code=1,
        )
    ended = end_sessions(database_path(conf), account)
    print(f"Ended {ended} session(s) of {account}.")


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


@one_line_errors("open", code=2)  # 1 means "overdue" to monitoring
def show_open_comments(as_json=False, owner="", mine=False):
    """Print the open comments, oldest first; exit 1 if one is past the target."""
    from comments.build import reader
    from comments.staff import owners
    from comments.staff.desk_report import desk_report

    conf = desk_config(code=2)
    now = datetime.datetime.now(datetime.UTC)
    try:
        roster = owners.roster_for(conf)
        queue = owners.read_queue(conf, now, roster)
    except reader.SourceUnavailable as error:
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
    if as_json:
        print(json.dumps(queue.to_json(), ensure_ascii=False, indent=2))
    else:
        print(desk_report(queue, roster.display_name(account) if account else ""))
    if queue.any_overdue:
        raise Exit(code=1)


@one_line_errors("remind")
def remind_staff():
    """Send queued mails and the reminder digests; exit 1 naming what failed."""
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
    flushed = flush_outbox(conf, os.environ)
    reminded = send_reminders(conf, os.environ)
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


@one_line_errors("assign")
def hand_over(comment_id, name, by=""):
    """Hand an open comment over to ``name``; recorded with time and by whom."""
    from comments.staff import owners

    comment_id = comment_id_argument("assign", comment_id)
    conf = desk_config()
    handed_by = by or os.environ.get(STAFF_ACCOUNT_VARIABLE, "") or login_name()
    roster = owners.roster_for(conf)
    before, after = owners.assign(conf, roster, comment_id, name, handed_by, owners.CLI)
    if before == after:
        print(f"Comment {comment_id} is owned by {after.name} already.")
        return
    print(
        f"Comment {comment_id} handed over from {before.name} to {after.name} "
        f"(by {after.handovers[-1].by_name})."
    )
