"""The ``invoke parades.*`` commands on received Webmentions: one function each.

Each reads the comment server config, does its one job through
``comments.staff.parade_review`` and prints a summary for people; a mistake
exits with one line.
"""

from invoke import Exit

from comments.cli import load_comment_config, whole_number
from comments.command_errors import one_line_errors
from comments.config import database_path
from comments.staff import parade_review
from comments.store.schema import ensure_schema


@one_line_errors("parades")
def show_pending():
    """Print the pending participants, then the other mentions awaiting review."""
    db_path = database_path(load_comment_config())
    participants, others = parade_review.pending(db_path)
    if not participants and not others:
        print("No mention is waiting for review.")
    if participants:
        print(f"Pending participants ({len(participants)}):")
        for mention in participants:
            print(f"  {mention.line()}")
    if others:
        print(f"Other mentions of our posts ({len(others)}):")
        for mention in others:
            print(f"  {mention.line()}")
    stopped = parade_review.stopped_linking(db_path)
    if stopped:
        print(f"Approved, but no longer linking (left off the page) ({len(stopped)}):")
        for mention in stopped:
            print(f"  {mention.line()}")


def reviewed_database():
    """The comment database, its tables brought up to date."""
    db_path = database_path(load_comment_config())
    if not db_path.is_file():
        raise Exit(f"parades: {db_path} does not exist; no mention received", code=1)
    ensure_schema(db_path)
    return db_path


def acting(prefix, given):
    """The staff account deciding: ``--as``, else BLOG_STAFF_ACCOUNT (never
    the operating system's user; comments.commands.acting_account)."""
    from comments.commands import acting_account
    from comments.staff import owners

    return acting_account(prefix, given, owners.roster_for(load_comment_config()))


@one_line_errors("parades.approve")
def approve(mention_id, by=""):
    """Approve one mention; it joins its parade with the next build."""
    mention_id = whole_number("parades.approve", "mention id", mention_id)
    by = acting("parades.approve", by)
    mention = parade_review.approve(reviewed_database(), mention_id, by)
    where = f"parade {mention.parade}" if mention.parade else mention.target_path
    print(f"Approved mention {mention_id} ({where}): {mention.source}")
    if mention.status != "verified":
        print(f"  Note: its last check found it {mention.status} ({mention.problem}).")


@one_line_errors("parades.reject")
def reject(mention_id, reason, by=""):
    """Reject one mention for a reason; recorded."""
    mention_id = whole_number("parades.reject", "mention id", mention_id)
    by = acting("parades.reject", by)
    mention = parade_review.reject(reviewed_database(), mention_id, reason, by)
    print(f"Rejected mention {mention_id} ({reason}): {mention.source}; recorded.")
