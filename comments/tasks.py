"""The ``comments.*`` commands (`invoke --list comments`): each parses its
arguments and calls one function in ``comments/commands.py``. tasks.py adds
this collection to the project's commands.
"""

from invoke import Collection, task

from comments.commands import STAFF_ACCOUNT_VARIABLE


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
