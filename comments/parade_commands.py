"""The ``invoke parades.*`` commands on received Webmentions: one function each.

Each reads the comment server config, does its one job through
``comments.staff.parade_review`` and prints a summary for people, in German
like the desk's commands; a mistake exits with one line. Who approves or
rejects is the staff account given with ``--as`` or in ``BLOG_STAFF_ACCOUNT``,
never the operating system's user.
"""

from invoke import Exit

from comments.cli import load_comment_config, whole_number
from comments.command_errors import one_line_errors
from comments.commands import acting_account
from comments.config import database_path
from comments.staff import owners, parade_review
from comments.store.schema import ensure_schema


@one_line_errors("parades")
def show_pending():
    """Print the pending participants, then the other mentions awaiting review."""
    db_path = database_path(load_comment_config())
    participants, others = parade_review.pending(db_path)
    if not participants and not others:
        print("Keine Erwähnung wartet auf Prüfung.")
    if participants:
        print(f"Wartende Teilnehmende ({len(participants)}):")
        for mention in participants:
            print(f"  {mention.line()}")
    if others:
        print(f"Andere Erwähnungen unserer Beiträge ({len(others)}):")
        for mention in others:
            print(f"  {mention.line()}")
    stopped = parade_review.stopped_linking(db_path)
    if stopped:
        print(
            f"Freigegeben, aber ohne Link mehr (nicht auf der Seite) ({len(stopped)}):"
        )
        for mention in stopped:
            print(f"  {mention.line()}")


def reviewed_database(prefix, account):
    """The comment database, its tables brought up to date, and the staff
    account acting (``--as`` or BLOG_STAFF_ACCOUNT)."""
    conf = load_comment_config()
    reviewer = acting_account(prefix, account, owners.roster_for(conf))
    db_path = database_path(conf)
    if not db_path.is_file():
        raise Exit(
            f"{prefix}: {db_path} gibt es nicht; noch keine Erwähnung empfangen",
            code=1,
        )
    ensure_schema(db_path)
    return db_path, reviewer


@one_line_errors("parades.approve")
def approve(mention_id, account=""):
    """Approve one mention; it joins its parade with the next build."""
    mention_id = whole_number("parades.approve", "Erwähnungs-ID", mention_id)
    db_path, reviewer = reviewed_database("parades.approve", account)
    mention = parade_review.approve(db_path, mention_id, reviewer)
    where = f"Parade {mention.parade}" if mention.parade else mention.target_path
    print(f"Erwähnung {mention_id} freigegeben ({where}): {mention.source}")
    if mention.status != "verified":
        print(
            f"  Hinweis: die letzte Prüfung fand sie {mention.status} "
            f"({mention.problem})."
        )


@one_line_errors("parades.reject")
def reject(mention_id, reason, account=""):
    """Reject one mention for a reason; recorded."""
    mention_id = whole_number("parades.reject", "Erwähnungs-ID", mention_id)
    db_path, reviewer = reviewed_database("parades.reject", account)
    mention = parade_review.reject(db_path, mention_id, reason, reviewer)
    print(f"Erwähnung {mention_id} abgelehnt ({reason}): {mention.source}; vermerkt.")
