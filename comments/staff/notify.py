"""Tell staff about new reader comments by mail, without ever slowing down posting.

Mails follow ownership (``comments.staff.owners``): ``who_is_notified`` is the one
place that decides who hears about what. A new reader comment goes to its
owner only; a reminder too, until the comment has waited half the target —
from then on to the owner and every staff member (escalation).

``NewCommentNotifier`` listens to Isso's ``comments.new:finish`` signal. For a
reader comment (not one sent with a verified staff session) it only adds a row
to ``blog_mail_outbox`` and wakes ``OutboxSender``, which sends from a
background thread: a slow or unreachable mail server never delays or breaks
posting. What could not be sent stays queued and is retried with the next new
comment and by every ``invoke comments.remind``.

The reminder digest lives in ``comments.staff.reminders``.

Mail is off when ``[smtp] host`` or ``[smtp] to`` is empty: nothing is queued.
``[smtp] to`` is the team's address: it gets what is meant for an owner
without an ``email`` in staff.cfg, and every escalation.
Log lines name comment ids and error classes, never addresses or text.
"""

import contextlib
import datetime
import logging
import sqlite3
import threading
from dataclasses import dataclass, field

from comments.build import data
from comments.config import database_path
from comments.staff import mails, owners
from comments.staff.accounts import current_staff
from comments.store import outbox

logger = logging.getLogger(__name__)

NEW_COMMENT = "new-comment"
DIGEST = "digest"


def staff_recipients(conf):
    """Return the staff addresses of ``[smtp] to`` (comma or line separated)."""
    return [
        address
        for line in conf.get("smtp", "to").replace(",", "\n").splitlines()
        if (address := line.strip())
    ]


def owner_addresses(conf, entry, roster):
    """Return the owner's address (staff.cfg ``email``), else the staff recipients."""
    email = roster.emails.get(entry.owner.account) if entry.owner else None
    return [email] if email else staff_recipients(conf)


def everyone(conf, roster):
    """Return every staff address: the staff recipients and each account's email."""
    return [*staff_recipients(conf), *roster.emails.values()]


def who_is_notified(conf, reason, entries, roster=None):
    """Return the addresses told about ``entries`` (desk entries) for ``reason``.

    The one place that decides who gets which mail. NEW_COMMENT: the owner of
    each entry. DIGEST: the owner, and for an entry open longer than half the
    target (``escalated``) also every staff member. An owner without an email
    in staff.cfg, or an entry without a known owner, means the staff recipients
    (``[smtp] to``). ``roster`` (``comments.staff.owners.StaffRoster``) is read from
    staff.cfg when not given. Each address once, sorted.
    """
    roster = roster or owners.roster_for(conf)
    addresses = set()
    for entry in entries:
        addresses.update(owner_addresses(conf, entry, roster))
        if reason == DIGEST and entry.escalated:
            addresses.update(everyone(conf, roster))
    return sorted(addresses, key=str.casefold)


def mail_enabled(conf):
    """True when staff mails are configured (``[smtp] host`` and ``to`` set)."""
    return bool(conf.get("smtp", "host").strip() and staff_recipients(conf))


def links(conf):
    """Return the comment server's desk and admin URLs (when its address is known)."""
    endpoint = conf.get("server", "public-endpoint").rstrip("/")
    admin = endpoint and conf.getboolean("admin", "enabled")
    return {
        "desk_url": f"{endpoint}/desk" if endpoint else "",
        "admin_url": f"{endpoint}/admin/" if admin else "",
    }


def now_utc():
    """Return the current time as an aware UTC datetime."""
    return datetime.datetime.now(datetime.UTC)


def queue_notification(db_path, comment_id, created):
    """Queue the staff mail about a new reader comment."""
    outbox.queue(db_path, NEW_COMMENT, comment_id, created)


@dataclass
class FlushResult:
    """What one pass over the outbox did (comment ids)."""

    sent: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    error: str = ""  # class of the last sending error


class OpenComments:
    """The open comments, read when first needed and again for newer comments."""

    def __init__(self, conf, roster):
        self.conf = conf
        self.roster = roster
        self.queue = None
        self.entries = {}
        self.texts = {}

    def read(self, comment_id):
        """Read the one comment wanted, if it is open (SQL: one row)."""

        self.queue = owners.read_queue(
            self.conf, now_utc(), self.roster, only=comment_id
        )
        for entry in self.queue.entries:
            self.entries[entry.key] = entry

    def find(self, comment_id, created):
        """Return (desk entry, full text) of an open comment, or None."""
        key = (comment_id, created)
        if key not in self.entries:
            self.read(comment_id)
        if key not in self.entries:
            return None
        return self.entries[key], self.entries[key].text


def claimed_rows(db_path):
    """Yield queued outbox rows one by one, each claimed just before it is used."""
    last_id = 0
    while (row := outbox.claim_next(db_path, last_id, (NEW_COMMENT,))) is not None:
        last_id = row[0]
        yield row[:3]


def flush_outbox(conf, environ):
    """Send every queued staff mail; return a FlushResult. SMTP errors are logged."""
    result = FlushResult()
    if not mail_enabled(conf):
        return result
    db_path = database_path(conf)
    smtp = mails.SmtpSettings.from_conf(conf, environ)
    roster = owners.roster_for(conf, environ)
    open_now = OpenComments(conf, roster)
    with contextlib.ExitStack() as stack:
        session = None
        for row_id, comment_id, created in claimed_rows(db_path):
            found = open_now.find(comment_id, data.utc_from_timestamp(created))
            if found is None:  # answered, removed or withdrawn meanwhile
                outbox.settle(db_path, row_id, "dropped")
                result.dropped.append(comment_id)
                continue
            entry, text = found
            message = mails.new_comment_message(
                smtp,
                who_is_notified(conf, NEW_COMMENT, [entry], roster),
                entry,
                text,
                links(conf),
                open_now.queue.settings,
                now_utc(),
            )
            try:
                if session is None:
                    session = stack.enter_context(mails.SmtpSession(smtp))
                refused = session.send(message)
            except mails.MAIL_ERRORS as error:
                result.error = mails.describe_error(error)
                result.failed.append(comment_id)
                outbox.settle(db_path, row_id, "queued", result.error)
                if isinstance(error, mails.MESSAGE_ERRORS):
                    continue
                break  # the server cannot be used now: the rest waits too
            log_refused(refused, f"mail about comment {comment_id}")
            outbox.settle(db_path, row_id, "sent")
            result.sent.append(comment_id)
    log_flush(result, smtp)
    return result


def log_refused(refused, what):
    """Warn when some recipients refused a mail (without naming them)."""
    if refused:
        logger.warning("mail: %s recipient(s) refused the %s", len(refused), what)


def log_flush(result, smtp):
    """Log what a pass over the outbox did."""
    if result.sent:
        logger.info("mail: sent the staff mails about comments %s", result.sent)
    if result.failed:
        logger.warning(
            "mail: could not send the staff mails about comments %s via %s:%s (%s); "
            "they stay queued for the next run",
            result.failed,
            smtp.host,
            smtp.port,
            result.error,
        )


class OutboxSender:
    """Flush the outbox in a background thread, woken by each new comment.

    The thread ends when nothing more is wanted, so an idle server runs none.
    """

    def __init__(self, conf, environ):
        self.conf = conf
        self.environ = environ
        self.lock = threading.Lock()
        self.wanted = False
        self.worker = None

    def wake(self):
        """Ask for a flush soon; start the thread if none runs."""
        with self.lock:
            self.wanted = True
            if self.worker is None:
                self.worker = threading.Thread(
                    target=self.run, name="blog-mail", daemon=True
                )
                self.worker.start()

    def run(self):
        """Flush until no new comment asked for another flush."""
        while True:
            with self.lock:
                if not self.wanted:
                    self.worker = None
                    return
                self.wanted = False
            try:
                flush_outbox(self.conf, self.environ)
            except Exception:  # a thread must not die silently; next wake retries
                logger.exception("mail: sending the queued staff mails failed")


class NewCommentNotifier:
    """Isso signal subscriber: queue a staff mail for every new reader comment."""

    def __init__(self, conf, environ):
        self.db_path = database_path(conf)
        self.sender = OutboxSender(conf, environ)

    def __iter__(self):
        yield "comments.new:finish", self.created

    def created(self, thread, comment):
        """Queue the mail (staff's own comments excepted) and wake the sender."""
        if current_staff.get() is not None:
            return
        try:
            queue_notification(self.db_path, comment["id"], comment["created"])
        except sqlite3.Error as error:
            # The comment is saved; losing its mail must not fail the request.
            logger.warning(
                "mail: could not queue the staff mail about comment %s (%s)",
                comment["id"],
                error,
            )
            return
        self.sender.wake()


def notifiers(conf, environ):
    """Return the signal subscribers for staff mails: none when mail is off."""
    if not mail_enabled(conf):
        logger.info("mail: staff mails are off ([smtp] host or to is empty)")
        return ()
    smtp = mails.SmtpSettings.from_conf(conf, environ)  # wrong options stop here
    if smtp.username and not smtp.password:
        logger.warning(
            "mail: [smtp] username is set but %s is empty",
            mails.PASSWORD_VARIABLE,
        )
    logger.info(
        "mail: staff mails to %s recipient(s) via %s:%s",
        len(staff_recipients(conf)),
        smtp.host,
        smtp.port,
    )
    return (NewCommentNotifier(conf, environ),)
