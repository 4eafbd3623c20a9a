"""The reminder digest: staff hear about comments before and when they pass the target.

``send_reminders`` (run hourly by ``invoke comments.remind``) mails one digest
of the open comments that are due soon or overdue (``comments.desk``). The
window: a comment is named at most once per stage — once when it becomes due
soon, once when it becomes overdue — recorded in ``blog_reminders`` only after
the digest was accepted by the mail server, so a failed digest is simply sent
again on the next run. Nothing is sent when nothing new is due. The full,
current queue is always on the desk and in ``invoke comments.open``.
"""

import logging
import time
from dataclasses import dataclass, field

from comments import desk, mails
from comments.config import database_path
from comments.notify import (
    DIGEST,
    connect,
    links,
    log_refused,
    mail_enabled,
    now_utc,
    read_queue,
    who_is_notified,
)

logger = logging.getLogger(__name__)


@dataclass
class ReminderResult:
    """What one reminder run did."""

    reminded: list = field(default_factory=list)  # desk entries in the digest
    error: str = ""  # class of the sending error, when it failed


def reminded_stages(db_path):
    """Return {(comment id, creation timestamp, stage)} already reminded about."""
    connection = connect(db_path)
    with connection:
        rows = connection.execute(
            "SELECT comment_id, comment_created, stage FROM blog_reminders"
        ).fetchall()
    connection.close()
    return set(rows)


def reminder_key(entry):
    """Return the blog_reminders key of a desk entry at its current stage."""
    return entry.id, entry.created.timestamp(), entry.status


def due_for_reminder(queue, already):
    """Return the entries due soon or overdue that were not reminded at this stage."""
    return [
        entry
        for entry in queue.entries
        if entry.status in (desk.DUE_SOON, desk.OVERDUE)
        and reminder_key(entry) not in already
    ]


def record_reminders(db_path, entries):
    """Remember that ``entries`` were reminded about at their current stage."""
    connection = connect(db_path)
    with connection:
        connection.executemany(
            "INSERT OR IGNORE INTO blog_reminders VALUES (?, ?, ?, ?)",
            [(*reminder_key(entry), time.time()) for entry in entries],
        )
    connection.close()


def send_reminders(conf, environ, now=None):
    """Send the digest of newly due comments, if any; return a ReminderResult."""
    result = ReminderResult()
    if not mail_enabled(conf):
        return result
    db_path = database_path(conf)
    smtp = mails.SmtpSettings.from_conf(conf, environ)
    queue, _ = read_queue(conf, now or now_utc())
    due = due_for_reminder(queue, reminded_stages(db_path))
    if not due:
        return result
    message = mails.digest_message(
        smtp, who_is_notified(conf, DIGEST, due), due, queue, links(conf), now_utc()
    )
    try:
        with mails.SmtpSession(smtp) as session:
            log_refused(session.send(message), "reminder digest")
    except mails.MAIL_ERRORS as error:
        result.error = mails.describe_error(error)
        logger.warning(
            "mail: could not send the reminder digest via %s:%s (%s); "
            "it is tried again on the next run",
            smtp.host,
            smtp.port,
            result.error,
        )
        return result
    record_reminders(db_path, due)
    result.reminded = due
    logger.info("mail: reminded staff of comments %s", [entry.id for entry in due])
    return result
