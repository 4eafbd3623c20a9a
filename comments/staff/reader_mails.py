"""Readers' mails: the confirmation of an opt-in and the news of a reply.

Both are German plain text from templates in ``comments/templates/``, built
when they are sent from what ``blog_mail_outbox`` names (a comment and a
subscriber, ``comments.staff.subscriptions``). Every reply mail carries a
visible unsubscribe link and the RFC 8058 headers ``List-Unsubscribe`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. Names, titles and texts
come from readers: headers get them on one line only (``mails.one_line``),
and ``EmailMessage`` refuses any header with a line break besides. The reply
is sent as plain text: HTML tags removed, addresses and phone numbers masked.

``ReaderMailSender`` runs in the comment server: a background thread that
every ``[blog] notification-interval`` seconds, and at once after a new or
approved comment in this process, deletes expired addresses, queues mails
for new replies and sends what is queued. So a staff answer made anywhere
(the site, ``invoke comments.reply``, another worker) goes out within the
interval. Log lines name ids and error classes, never addresses.
"""

import contextlib
import email.errors
import email.utils
import html
import logging
import threading
import weakref
from email.headerregistry import Address
from email.message import EmailMessage
from html.parser import HTMLParser

from comments.build.masking import mask_personal_data
from comments.config import database_path
from comments.staff import mails
from comments.staff import subscriptions as rules
from comments.staff.desk import article_url
from comments.staff.notify import now_utc
from comments.store import outbox
from comments.store import subscriptions as store
from comments.store.connections import connect

logger = logging.getLogger(__name__)

STAFF_WORDS = "Redaktion"  # the staff badge's words (theme: msgid "Staff")
TITLE_LIMIT = 80


class TextOnly(HTMLParser):
    """Collect the text of an HTML fragment, dropping every tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(text):
    """Return a comment's text without HTML tags and with personal data masked."""
    parser = TextOnly()
    parser.feed(text or "")
    parser.close()
    return mask_personal_data("".join(parser.parts).strip())


def reader_line(text, limit=TITLE_LIMIT):
    """Return a reader-given name or title on one line, unescaped, masked."""
    return mails.one_line(mask_personal_data(html.unescape(text or "")), limit)


def base_message(smtp, address, subject, body, now):
    """Return a plain-text message to one reader."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = Address(addr_spec=address)
    message["Date"] = email.utils.format_datetime(now)
    domain = email.utils.parseaddr(smtp.sender)[1].rpartition("@")[2]
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content(body)
    return message


def confirmation_message(smtp, address, title, team_only, confirm_url, site_url, now):
    """Return the one confirmation mail of a new address."""
    title = reader_line(title)
    body = mails.TEMPLATES.get_template("mail_reader_confirm.txt").render(
        title=title, team_only=team_only, confirm_url=confirm_url, site_url=site_url
    )
    subject = f"Bitte bestätigen: Benachrichtigung zu „{mails.one_line(title)}“"
    return base_message(smtp, address, subject, body, now)


def reply_message(smtp, address, reply, links, now):
    """Return the mail about one reply (``reply`` as ``read_reply`` returns it)."""
    title = reader_line(reply["title"])
    author = reply["author"]
    body = mails.TEMPLATES.get_template("mail_reader_reply.txt").render(
        title=title,
        author=author,
        staff_words=STAFF_WORDS if reply["staff"] else "",
        text=plain_text(reply["text"]),
        comment_url=reply["url"],
        **links,
    )
    who = f"{author} ({STAFF_WORDS})" if reply["staff"] else author
    subject = f"{mails.one_line(who, 40)} hat geantwortet: „{mails.one_line(title)}“"
    message = base_message(smtp, address, subject, body, now)
    message["List-Unsubscribe"] = f"<{links['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def read_reply(db_path, reply_id, created, site_url):
    """Return a published reply as a dict (author, staff, text, title, uri,
    url), or None when it is no longer published."""
    with connect(db_path, read_only=True, timeout=store.TIMEOUT) as connection:
        row = connection.execute(
            "SELECT c.author, c.text, t.uri, t.title, s.display_name "
            "FROM comments AS c JOIN threads AS t ON t.id = c.tid "
            "LEFT JOIN blog_staff_comments AS s "
            "ON s.comment_id = c.id AND s.comment_created = c.created "
            "WHERE c.id = ? AND c.created = ? AND c.mode = 1",
            (reply_id, created),
        ).fetchone()
    if row is None:
        return None
    author, text, uri, title, staff_name = row
    return {
        # A staff answer is signed with the verified display name only.
        "author": mails.one_line(staff_name, 40)
        if staff_name
        else reader_line(author, 40) or "Jemand ohne Namen",
        "staff": staff_name is not None,
        "text": text,
        "title": title or uri,
        "uri": uri,
        "url": f"{article_url(site_url, uri)}#isso-{reply_id}",
    }


def watched_team_only(db_path, subscriber_id, comment_id):
    """Whether the subscription of ``comment_id`` asked for team answers only."""
    with connect(db_path, read_only=True, timeout=store.TIMEOUT) as connection:
        row = connection.execute(
            "SELECT team_only FROM blog_subscriptions "
            "WHERE subscriber_id = ? AND comment_id = ?",
            (subscriber_id, comment_id),
        ).fetchone()
    return bool(row and row[0])


def message_for(conf, settings, smtp, row, now):
    """Return the message an outbox row asks for, or None (nothing to send)."""
    db_path = database_path(conf)
    _, comment_id, created, kind, subscriber_id = row
    subscriber = store.subscriber(db_path, subscriber_id)
    if subscriber is None:  # unsubscribed or expired meanwhile
        return None
    _, address, hashed, confirmed_at = subscriber
    if kind == rules.CONFIRM_KIND:
        if confirmed_at is not None:
            return None
        comment = store.comment_row(db_path, comment_id)
        title = (comment[5] or comment[4]) if comment else ""
        token = rules.new_confirm_token(db_path, subscriber_id)
        return confirmation_message(
            smtp,
            address,
            title,
            watched_team_only(db_path, subscriber_id, comment_id),
            f"{settings.endpoint}/notify/confirm/{token}",
            settings.site_url,
            now,
        )
    reply = read_reply(db_path, comment_id, created, settings.site_url)
    if (
        confirmed_at is None
        or reply is None
        or not store.still_watching(db_path, subscriber_id, comment_id)
    ):
        return None
    key = store.read_secret_key(db_path)
    links = rules.links(settings, key, subscriber_id, hashed, reply["uri"])
    return reply_message(smtp, address, reply, links, now)


def flush_reader_outbox(conf, environ, settings):
    """Send every queued reader mail; return (sent, failed) counts."""
    db_path = database_path(conf)
    smtp = mails.SmtpSettings.from_conf(conf, environ)
    sent = failed = 0
    session = None
    last_id = 0
    with contextlib.ExitStack() as stack:
        while (
            row := outbox.claim_next(db_path, last_id, rules.READER_KINDS)
        ) is not None:
            last_id = row[0]
            try:
                message = message_for(conf, settings, smtp, row, now_utc())
            except (ValueError, TypeError, email.errors.MessageError) as error:
                # An address or text no mail can carry: never sendable.
                logger.warning(
                    "notifications: dropped the %s mail about comment %s (%s)",
                    row[3],
                    row[1],
                    type(error).__name__,
                )
                message = None
            if message is None:
                outbox.settle(db_path, row[0], "dropped")
                continue
            try:
                if session is None:
                    session = stack.enter_context(mails.SmtpSession(smtp))
                session.send(message)
            except mails.MAIL_ERRORS as error:
                failed += 1
                outbox.settle(db_path, row[0], "queued", mails.describe_error(error))
                logger.warning(
                    "notifications: could not send the %s mail about comment %s "
                    "(%s); it stays queued",
                    row[3],
                    row[1],
                    mails.describe_error(error),
                )
                if isinstance(error, mails.MESSAGE_ERRORS):
                    continue
                break
            outbox.settle(db_path, row[0], "sent")
            sent += 1
            logger.info(
                "notifications: sent the %s mail about comment %s to subscriber %s",
                row[3],
                row[1],
                row[4],
            )
    return sent, failed


def deliver(conf, environ, settings):
    """One pass: expire addresses, queue mails for new replies, send them."""
    db_path = database_path(conf)
    rules.expire(db_path, settings.retention_seconds)
    rules.queue_replies(db_path)
    return flush_reader_outbox(conf, environ, settings)


def deliver_while_wanted(sender_ref):
    """The sender's thread: deliver, then sleep until woken or the interval has
    passed; end with the sender (a server that was dropped, as in tests)."""
    sender = sender_ref()
    if sender is not None:
        logger.info(
            "notifications: readers' reply mails every %s s",
            sender.settings.interval,
        )
    while sender is not None:
        sender.deliver_once()
        woken, interval = sender.woken, sender.settings.interval
        del sender  # held only while delivering
        woken.wait(interval)
        sender = sender_ref()


class ReaderMailSender:
    """Background thread delivering readers' mails every ``interval`` seconds,
    and at once when woken (a new or approved comment, an opt-in)."""

    def __init__(self, conf, environ, settings):
        self.conf = conf
        self.environ = environ
        self.settings = settings
        self.woken = threading.Event()
        self.worker = None
        self.lock = threading.Lock()

    def wake(self):
        """Deliver soon; start the thread on first use."""
        with self.lock:
            # None before the first wake; dead in a process forked after it.
            if self.worker is None or not self.worker.is_alive():
                self.worker = threading.Thread(
                    target=deliver_while_wanted,
                    args=(weakref.ref(self),),
                    name="blog-reader-mail",
                    daemon=True,
                )
                self.worker.start()
        self.woken.set()

    def deliver_once(self):
        """One pass; errors are logged (the next pass retries)."""
        self.woken.clear()
        try:
            deliver(self.conf, self.environ, self.settings)
        except Exception:  # a thread must not die silently
            logger.exception("notifications: delivering reader mails failed")

    def __iter__(self):
        """Isso signals after which a reply may need a mail."""
        yield "comments.new:finish", self.comment_event
        yield "comments.activate", self.comment_event

    def comment_event(self, *args):
        """A new or approved comment: look for mails to send now."""
        self.wake()
