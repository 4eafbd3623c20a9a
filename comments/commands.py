"""The ``invoke comments.*`` commands: one function each, called by tasks.py.

Each reads the comment server config, does its one job through the package
(``replies``, ``removal``, ``backup``, ``staff``, ``owners``, ``reminders``)
and prints a summary line for people; a mistake exits with one line. Every
line speaks German, the site's language, as the desk does; the desk's commands
(open, reply, remove, assign, no-answer) act as the staff account given with
``--as`` or in ``BLOG_STAFF_ACCOUNT`` — never as the operating system's user.
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
    open_comment_server,
    quiet_isso_logging,
    staff_directory,
    start_comment_server,
)
from comments.command_errors import one_line_errors

# Who the desk's commands take you for, unless --as says otherwise.
STAFF_ACCOUNT_VARIABLE = "BLOG_STAFF_ACCOUNT"


def acting_account(prefix, given, roster):
    """Return the staff account acting: ``--as``, else BLOG_STAFF_ACCOUNT; exit
    with one line when neither names a staff account."""
    name = (given or os.environ.get(STAFF_ACCOUNT_VARIABLE, "")).strip()
    if not name:
        raise Exit(
            f"{prefix}: wer handelt? --as KONTO angeben oder "
            f"{STAFF_ACCOUNT_VARIABLE}=KONTO setzen (bekannt: {roster.describe()})",
            code=1,
        )
    account = roster.resolve(name)
    if account is None:
        raise Exit(
            f"{prefix}: {name!r} ist kein Redaktionskonto (bekannt: "
            f"{roster.describe()})",
            code=1,
        )
    return account


def run_comment_server():
    """Run the comment server in the foreground until Ctrl-C or SIGTERM."""
    from comments.server.serve import serve_until_interrupted

    conf = load_comment_config()
    server = start_comment_server(conf)
    print(f"Kommentarserver auf {conf.get('server', 'listen')} — Strg-C beendet ihn.")
    print(f"Datenbank: {conf.get('general', 'dbpath')}")
    serve_until_interrupted([server])


@one_line_errors("reply")
def reply_as_staff(comment_id, text, account):
    """Answer comment ``comment_id`` as the staff ``account``."""
    from comments.staff import owners
    from comments.staff.replies import post_staff_reply

    comment_id = comment_id_argument("reply", comment_id)
    server = open_comment_server(guard=False)
    account = acting_account("reply", account, owners.roster_for(server.conf))
    member = staff_directory(server).member(account)
    new_id = post_staff_reply(server, comment_id, text, member)
    print(
        f"Kommentar {comment_id} beantwortet als {member.display_name}: "
        f"Kommentar {new_id}"
    )


@one_line_errors("remove")
def remove_with_reason(comment_id, reason, note="", account=""):
    """Remove a comment and log the reason, as the staff ``account``."""
    from comments.staff import owners
    from comments.staff.removal import remove_comment
    from comments.store.schema import REMOVAL_REASONS

    if reason not in REMOVAL_REASONS:
        raise Exit(
            f"remove: --reason {reason!r} ist keiner von {', '.join(REMOVAL_REASONS)}",
            code=1,
        )
    comment_id = comment_id_argument("remove", comment_id)
    server = open_comment_server()
    account = acting_account("remove", account, owners.roster_for(server.conf))
    uri = remove_comment(server, comment_id, reason, note, account)
    print(
        f"Kommentar {comment_id} auf {uri} entfernt (Grund: {reason}); "
        "im Protokoll vermerkt."
    )


@one_line_errors("no-answer")
def no_answer_needed(comment_id, reason, note="", account=""):
    """Record that a reader comment needs no answer, as the staff ``account``."""
    from comments.config import database_path
    from comments.staff import owners
    from comments.staff.no_answer import decide_no_answer
    from comments.store.schema import ensure_schema

    comment_id = comment_id_argument("no-answer", comment_id)
    conf = desk_config()
    account = acting_account("no-answer", account, owners.roster_for(conf))
    db_path = database_path(conf)
    if not db_path.is_file():
        raise Exit(f"no-answer: {db_path} gibt es nicht (noch nicht)", code=1)
    ensure_schema(db_path)
    uri = decide_no_answer(db_path, comment_id, reason, note, account, owners.CLI)
    print(
        f"Kommentar {comment_id} auf {uri}: keine Antwort nötig (Grund: {reason}); "
        "vermerkt und auf der Transparenzseite gezählt."
    )


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
    print(f"Sicherung geschrieben: {written}")


@one_line_errors("restore")
def restore_backup(file):
    """Check the backup ``file``, keep the live database aside, restore."""
    from comments.config import database_path
    from comments.store.backup import restore_database

    conf = load_comment_config()
    quiet_isso_logging()
    db_path = database_path(conf)
    kept = restore_database(Path(file), db_path, db_path.parent / "backups")
    print(f"{file} nach {db_path} zurückgespielt.")
    if kept:
        print(f"Die ersetzte Datenbank liegt aufbewahrt unter {kept}.")


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
        password = getpass.getpass(f"Passwort für {account}: ")
        if getpass.getpass("Noch einmal: ") != password:
            raise Exit("staff-add: die Passwörter sind verschieden", code=1)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    add_account(path, account, name, password, email=email)
    print(f"Redaktionskonto {account} ({name}) in {path} gespeichert.")
    ended = end_sessions(database_path(conf), account)
    if ended:
        print(
            f"{ended} Sitzung(en) von {account} beendet: mit dem neuen Passwort "
            "anmelden."
        )


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
            f"staff-logout: {account!r} ist kein Redaktionskonto in {path} "
            f"(bekannt: {names})",
            code=1,
        )
    ended = end_sessions(database_path(conf), account)
    print(f"{ended} Sitzung(en) von {account} beendet.")


def staff_identity(prefix, roster, name, what):
    """Return the staff account for ``name``, or exit naming the known ones."""
    account = roster.resolve(name)
    if account is None:
        raise Exit(
            f"{prefix}: {what} {name!r} ist kein Redaktionskonto "
            f"(bekannt: {roster.describe()})",
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
        raise Exit("open: --owner NAME oder --mine, nicht beides", code=2)
    if mine:
        owner = os.environ.get(STAFF_ACCOUNT_VARIABLE, "")
        if not owner:
            raise Exit(
                f"open: --mine braucht Ihr Redaktionskonto in {STAFF_ACCOUNT_VARIABLE} "
                f"(z. B. {STAFF_ACCOUNT_VARIABLE}=anna), oder --owner NAME",
                code=2,
            )
    account = staff_identity("open", roster, owner, "zuständig") if owner else ""
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
            f"remind: {db_path} gibt es nicht; den Kommentarserver einmal starten",
            code=1,
        )
    if not mail_enabled(conf):
        print("Mail ist aus ([smtp] host oder to ist leer): nichts gesendet.")
        return
    ensure_schema(db_path)
    flushed = flush_outbox(conf, os.environ)
    reminded = send_reminders(conf, os.environ)
    if flushed.sent:
        print(f"{len(flushed.sent)} wartende Mail(s) zu neuen Kommentaren gesendet.")
    if reminded.reminded:
        ids = ", ".join(str(entry.id) for entry in reminded.reminded)
        print(f"Erinnerung gesendet zu den Kommentaren {ids}.")
    elif not reminded.error:
        print("Nichts neu fällig: keine Erinnerung gesendet.")
    problems = []
    if flushed.failed:
        problems.append(
            f"{len(flushed.failed)} Mail(s) zu neuen Kommentaren nicht gesendet "
            f"({flushed.error}), beim nächsten Lauf wieder versucht"
        )
    if reminded.error:
        problems.append(
            f"Erinnerung nicht gesendet ({reminded.error}), beim nächsten Lauf "
            "wieder versucht"
        )
    if problems:
        raise Exit("remind: " + "; ".join(problems), code=1)


@one_line_errors("assign")
def hand_over(comment_id, name, account=""):
    """Hand an open comment over to ``name``; recorded with time and by whom."""
    from comments.staff import owners

    comment_id = comment_id_argument("assign", comment_id)
    conf = desk_config()
    roster = owners.roster_for(conf)
    handed_by = acting_account("assign", account, roster)
    before, after = owners.assign(conf, roster, comment_id, name, handed_by, owners.CLI)
    if before == after:
        print(f"Für Kommentar {comment_id} ist {after.name} schon zuständig.")
        return
    print(
        f"Kommentar {comment_id} von {before.name} an {after.name} übergeben "
        f"(durch {after.handovers[-1].by_name})."
    )
