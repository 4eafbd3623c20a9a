"""The reminder digest: staff hear about comments before and when they pass the target.

``send_reminders`` (run hourly by ``invoke comments.remind``) mails a digest of
the open comments that reached a new reminder stage (``comments.staff.desk``): a
comment is named at most once per stage — once when it has waited half the
target (escalated), once when it becomes due soon, once when it becomes
overdue — recorded in ``blog_reminders`` only after the digest was accepted by
the mail server, so a failed digest is simply sent again on the next run.

Who gets a digest is ``notify.who_is_notified``: the owner, and once a comment
is escalated every staff member too. Comments with the same recipients share
one digest, which names each comment's owner and how long it has waited.
Nothing is sent when nothing new is due. The full, current queue is always on
the desk and in ``invoke comments.open``.
"""

import dataclasses
import logging
import time
from dataclasses import dataclass, field

from comments.build.data import comment_key, stored_comment_key
from comments.config import database_path
from comments.staff import mails, owners
from comments.staff.desk_queue import row_key
from comments.staff.notify import (
    DIGEST,
    links,
    log_refused,
    mail_enabled,
    now_utc,
    who_is_notified,
)
from comments.store import reminders as store_reminders

logger = logging.getLogger(__name__)


@dataclass
class ReminderResult:
    """What one reminder run did."""

    reminded: list = field(default_factory=list)  # desk entries in the digest
    error: str = ""  # class of the sending error, when it failed


def reminded_stages(db_path):
    """Return {(comment id, creation timestamp, stage)} already reminded about."""
    return {
        (*stored_comment_key(comment_id, created), stage)
        for comment_id, created, stage in store_reminders.reminded(db_path)
    }


def reminder_key(entry):
    """Return the blog_reminders key of a desk entry at its current stage."""
    return *comment_key(entry), entry.stage


def due_for_reminder(queue, already):
    """Return the entries that reached a stage they were not reminded at."""
    return [
        entry
        for entry in queue.entries
        if entry.stage is not None and reminder_key(entry) not in already
    ]


def by_recipients(conf, entries, roster):
    """Group due entries by who is told about them: {(addresses…): [entries]}."""
    groups = {}
    for entry in entries:
        recipients = tuple(who_is_notified(conf, DIGEST, [entry], roster))
        groups.setdefault(recipients, []).append(entry)
    return groups


def record_reminders(db_path, entries):
    """Remember that ``entries`` were reminded about at their current stage."""
    now = time.time()
    store_reminders.add_reminded(
        db_path,
        [(entry.id, entry.created.timestamp(), entry.stage, now) for entry in entries],
    )


def send_reminders(conf, environ, now=None):
    """Send the digests of newly due comments, if any; return a ReminderResult."""
    result = ReminderResult()
    if not mail_enabled(conf):
        return result
    db_path = database_path(conf)
    smtp = mails.SmtpSettings.from_conf(conf, environ)
    roster = owners.roster_for(conf, environ)
    already = set()

    def newly_due(queue):
        """Rows at a stage not reminded about: only these are read whole. The
        reminders recorded are read for the rows at a stage alone (the exact
        key only for ids reminded about before: most rows have none)."""
        staged = [
            row.id
            for index, row in enumerate(queue.rows)
            if queue.cutoffs.stage(index) is not None
        ]
        recorded = store_reminders.reminded_for(db_path, staged)
        already.update(
            (*stored_comment_key(i, created), stage) for i, created, stage in recorded
        )
        reminded_ids = {comment_id for comment_id, _, _ in recorded}
        return [
            index
            for index, row in enumerate(queue.rows)
            if (stage := queue.cutoffs.stage(index)) is not None
            and (
                row.id not in reminded_ids
                or (*row_key(row.id, row.created), stage) not in already
            )
        ]

    queue = owners.read_queue(conf, now or now_utc(), roster, newly_due, reminding=True)
    due = due_for_reminder(queue, already)
    if not due:
        return result  # the hourly run's usual end: one query, nothing whole
    # The digest's summary counts every open comment, those left out above too.
    every = owners.read_queue(conf, queue.as_of, roster, lambda _: [])
    queue = dataclasses.replace(queue, totals=every.summary)
    try:
        with mails.SmtpSession(smtp) as session:
            for recipients, entries in by_recipients(conf, due, roster).items():
                message = mails.digest_message(
                    smtp, recipients, entries, queue, links(conf), now_utc()
                )
                log_refused(session.send(message), "reminder digest")
                record_reminders(db_path, entries)
                result.reminded.extend(entries)
    except mails.MAIL_ERRORS as error:
        result.error = mails.describe_error(error)
        logger.warning(
            "mail: could not send the reminder digest via %s:%s (%s); "
            "it is tried again on the next run",
            smtp.host,
            smtp.port,
            result.error,
        )
    if result.reminded:
        logger.info(
            "mail: reminded staff of comments %s",
            [entry.id for entry in result.reminded],
        )
    return result
