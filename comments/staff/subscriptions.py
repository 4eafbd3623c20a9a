"""Readers' reply notifications: double opt-in, what is mailed, unsubscribing.

A reader who ticks "Benachrichtigen Sie mich per E-Mail …" (the Isso widget's
``notification`` field, or the no-JavaScript form) asks for a subscription;
``request_opt_in`` records the wish and queues exactly one confirmation mail
for a new address (at most one per address and 24 hours, and a few per
client). Nothing else is mailed to the address until its owner presses the
button behind the link (a POST: mail scanners fetch every GET link). A
confirmed address stays confirmed for later opt-ins until it unsubscribes.

``queue_replies`` then finds published replies in the conversations confirmed
addresses watch (verified staff answers only, when the reader chose "nur
Antworten des Teams") and queues one mail per reply and address in
``blog_mail_outbox``; ``comments.staff.reader_mails`` sends them. A comment
awaiting moderation is found only once it is approved.

Tokens: the confirmation link carries a random token stored as its SHA-256;
unsubscribe links carry an HMAC (Isso's signing secret) of the subscriber and,
for one thread, its path, so every mail can carry them without storing them.
Addresses are never logged; log lines name subscriber and comment ids.
"""

import hashlib
import hmac
import html
import logging
import secrets
import sqlite3
import time
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote

from isso.utils import anonymize

from comments.staff.accounts import is_email
from comments.store import outbox
from comments.store import subscriptions as store
from comments.store.connections import connect

logger = logging.getLogger(__name__)

CONFIRM_KIND = "reader-confirm"
REPLY_KIND = "reader-reply"
READER_KINDS = (CONFIRM_KIND, REPLY_KIND)
CONFIRM_SECONDS = 48 * 3600  # the link's validity; waiting addresses then go
ADDRESS_CONFIRMATIONS = 1  # confirmation mails per address in 24 hours
CLIENT_CONFIRMATIONS = 5  # … and per client (anonymised address)
SCAN_DAYS = 25  # replies this recent are mailed (the outbox remembers 30 days)
LONGEST_ADDRESS = 254  # RFC 5321

# What request_opt_in did.
QUEUED = "queued"  # a new address: the confirmation mail is queued
WAITING = "waiting"  # waiting for confirmation already: no second mail
SUBSCRIBED = "subscribed"  # confirmed before: the new comment is watched too
LIMITED = "limited"  # too many confirmations for this address or client
INVALID = "invalid"  # no mail address, or no such comment in that thread


@dataclass(frozen=True)
class NotificationSettings:
    """Whether reader notifications are on, and how they run."""

    enabled: bool
    interval: float  # seconds between looks for new replies
    retention_seconds: float
    endpoint: str  # the comment server's public address, for the links
    site_url: str

    @classmethod
    def from_conf(cls, conf):
        """Read ``[blog]``, ``[smtp]`` and ``[server] public-endpoint``."""
        # A sender address, not Isso's default "Ich schrei sonst! <>".
        sender = parseaddr(conf.get("smtp", "from"))[1]
        mail = conf.get("smtp", "host").strip() and "@" in sender
        endpoint = conf.get("server", "public-endpoint").rstrip("/")
        return cls(
            enabled=bool(
                conf.getboolean("blog", "reader-notifications") and mail and endpoint
            ),
            interval=float(conf.get("blog", "notification-interval")),
            retention_seconds=float(conf.get("blog", "notification-retention-days"))
            * 86400,
            endpoint=endpoint,
            site_url=conf.get("blog", "site-url").rstrip("/"),
        )


def keyed_hash(key, text):
    """Return the hex HMAC-SHA256 of ``text`` under ``key``."""
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def address_hash(key, address):
    """Return the keyed hash an address is looked up by (case-insensitive)."""
    return keyed_hash(key, "address:" + address.strip().casefold())


def token_hash(token):
    """Return the SHA-256 a confirmation token is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


def usable_address(email):
    """Return the address when it can be mailed safely, else ""."""
    email = (email or "").strip()
    if len(email) > LONGEST_ADDRESS or not email.isprintable() or not is_email(email):
        return ""
    return email


def request_opt_in(db_path, email, thread_uri, comment_id, team_only, client=""):
    """Ask for mails about replies to comment ``comment_id``; return what happened.

    ``email`` is the address the reader typed, ``thread_uri`` the comment's
    thread path (checked against the comment), ``team_only`` True for "nur
    Antworten des Teams", ``client`` the sender's IP address (only a keyed hash
    of its /24 or /48 is kept, 24 hours, for the per-client limit). Returns
    QUEUED, WAITING, SUBSCRIBED, LIMITED or INVALID. Queues the confirmation
    mail; whoever runs the reader mail sender sends it (``wake`` it, or it
    looks on its own every ``[blog] notification-interval`` seconds).
    """
    address = usable_address(email)
    row = store.comment_row(db_path, comment_id)
    if not address or row is None or row[4] != thread_uri:
        return INVALID
    comment_id, created, parent, _, uri, _ = row
    now = time.time()
    with connect(db_path, timeout=store.TIMEOUT) as connection:
        connection.execute("BEGIN IMMEDIATE")  # one opt-in at a time decides
        key = store.secret_key(connection)
        store.prune(connection, now, CONFIRM_SECONDS)
        hashed = address_hash(key, address)
        found = store.subscriber_by_hash(connection, hashed)
        if found is not None:
            subscriber_id, confirmed_at = found
            store.touch(connection, subscriber_id, now)
            result = WAITING if confirmed_at is None else SUBSCRIBED
        else:
            subscriber_id = new_address(connection, key, address, hashed, client, now)
            if subscriber_id is None:
                return LIMITED
            outbox.queue_in(
                connection, CONFIRM_KIND, comment_id, created, subscriber_id
            )
            result = QUEUED
        store.add_subscription(
            connection,
            subscriber_id,
            uri,
            comment_id,
            parent or comment_id,
            team_only,
            now,
        )
    logger.info(
        "notifications: opt-in for comment %s: %s (subscriber %s)",
        comment_id,
        result,
        subscriber_id,
    )
    return result


def new_address(connection, key, address, hashed, client, now):
    """Add a waiting address unless it or the client used up its confirmation
    mails of the last 24 hours; return its id, or None when limited."""
    limits = [
        (keyed_hash(key, "limit:" + hashed), ADDRESS_CONFIRMATIONS),
        (keyed_hash(key, "client:" + anonymize(client or "")), CLIENT_CONFIRMATIONS),
    ]
    if any(store.limited(connection, name, now, allowed) for name, allowed in limits):
        return None
    store.count_confirmation(connection, [name for name, _ in limits], now)
    return store.add_subscriber(connection, address, hashed, now)


def signed_token(key, purpose, subscriber_id, extra):
    """Return the token of an unsubscribe link: ``<id>-<hmac>``."""
    mac = keyed_hash(key, f"{purpose}:{subscriber_id}:{extra}")[:32]
    return f"{subscriber_id}-{mac}"


def unsubscribe_token(key, subscriber_id, hashed_address):
    """Return the token that stops every mail to one address."""
    return signed_token(key, "unsubscribe", subscriber_id, hashed_address)


def thread_token(key, subscriber_id, uri):
    """Return the token that stops the mails about one thread."""
    return signed_token(key, "thread", subscriber_id, uri)


def subscriber_of_token(db_path, token, purpose, uri=""):
    """Return the subscriber id an unsubscribe token names, or None (forged,
    or the address is gone)."""
    number, _, mac = (token or "").partition("-")
    if not (number.isascii() and number.isdigit() and len(number) < 19 and mac):
        return None
    row = store.subscriber(db_path, int(number))
    if row is None:
        return None
    key = store.read_secret_key(db_path)
    extra = row[2] if purpose == "unsubscribe" else uri
    if not hmac.compare_digest(signed_token(key, purpose, row[0], extra), token):
        return None
    return row[0]


def new_confirm_token(db_path, subscriber_id):
    """Make the confirmation token for the mail about to be sent; return it."""
    token = secrets.token_urlsafe(24)
    store.set_confirm_token(
        db_path, subscriber_id, token_hash(token), time.time() + CONFIRM_SECONDS
    )
    return token


# What a confirmation link is worth now.
LIVE, CONFIRMED, EXPIRED, UNKNOWN = "live", "confirmed", "expired", "unknown"


def confirm_state(db_path, token):
    """Return LIVE, CONFIRMED (used already), EXPIRED or UNKNOWN for a token."""
    row = store.by_confirm_token(db_path, token_hash(token or ""))
    if row is None:
        return UNKNOWN
    _, confirmed_at, expires = row
    if confirmed_at is not None:
        return CONFIRMED
    return LIVE if expires and expires > time.time() else EXPIRED


def confirm(db_path, token):
    """Confirm the address of a live token; return True if it was confirmed now."""
    subscriber_id = store.confirm(db_path, token_hash(token or ""), time.time())
    if subscriber_id is not None:
        logger.info("notifications: subscriber %s confirmed", subscriber_id)
    return subscriber_id is not None


def unsubscribe(db_path, subscriber_id):
    """Delete an address and all it watches, at once."""
    if store.delete_subscriber(db_path, subscriber_id):
        logger.info("notifications: subscriber %s unsubscribed", subscriber_id)


def stop_thread(db_path, subscriber_id, uri):
    """Stop the mails to one address about one thread."""
    ended = store.delete_thread(db_path, subscriber_id, uri)
    logger.info(
        "notifications: subscriber %s left a thread (%s subscriptions)",
        subscriber_id,
        ended,
    )


def expire(db_path, retention_seconds):
    """Delete unconfirmed addresses after 48 h and idle confirmed ones."""
    with connect(db_path, timeout=store.TIMEOUT) as connection:
        store.prune(connection, time.time(), CONFIRM_SECONDS, retention_seconds)


def queue_replies(db_path):
    """Queue one mail per new published reply and watching address; return
    how many were queued now."""
    key = store.read_secret_key(db_path)
    rows = store.replies_to_watched(db_path, time.time() - SCAN_DAYS * 86400)
    queued = 0
    with connect(db_path, timeout=store.TIMEOUT) as connection:
        for reply_id, created, email, subscriber_id, hashed, team_only, staff in rows:
            if team_only and not staff:
                continue
            if email and address_hash(key, html.unescape(email)) == hashed:
                continue  # the reader's own reply
            queued += outbox.queue_in(
                connection, REPLY_KIND, reply_id, created, subscriber_id
            )
    return queued


def reader_notified(db_path):
    """Return {comment id: "confirmed" | "waiting"} for the desk: whether the
    reader of that comment will be mailed our answer (or once confirmed)."""
    try:
        return store.watched_comment_ids(db_path)
    except sqlite3.Error:
        return {}


def links(settings, key, subscriber_id, hashed_address, uri):
    """Return the unsubscribe links of one mail: everything, and this thread."""
    endpoint = settings.endpoint
    everything = unsubscribe_token(key, subscriber_id, hashed_address)
    thread = thread_token(key, subscriber_id, uri)
    return {
        "unsubscribe_url": f"{endpoint}/notify/unsubscribe/{everything}",
        "thread_url": f"{endpoint}/notify/thread/{thread}?uri={quote(uri, safe='/')}",
    }
