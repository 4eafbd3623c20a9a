"""Who owns which comment: the default from the build, hand-overs on the server.

Every reader comment has one *owner*, the staff account responsible for
answering it. Anyone on the staff may answer; the first verified staff answer
closes it for everyone (``comments.answers``). The owner is, in this order:

1. the account it was last handed over to (``invoke comments.assign``, the
   desk), kept in ``blog_owner_handovers`` with time and by whom;
2. else the owner of its thread as the last build resolved it
   (plugins/comment_owners: ``Comments_owner`` metadata, the article's author,
   its category, the fallback account), read from the *thread-owners file*: a
   small JSON the build writes beside the comment database, never into
   output/. ``[blog] owners-file`` names another place, e.g. when the build
   runs on another machine and the file is copied over;
3. else that file's fallback account (for a thread the last build did not
   know), else the shared account ``redaktion``.

A name that is no staff account (staff.cfg) falls through to the next rule, so
every comment always has an owner. Here are account and display names only:
the staff mail addresses in the roster are for ``comments.staff.notify`` alone.
"""

import datetime
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from comments.build import data
from comments.build.data import comment_key, stored_comment_key
from comments.config import config_file_of, database_path
from comments.core import SetupError
from comments.staff import desk
from comments.staff.accounts import ISSO_ADMIN, read_accounts, staff_file
from comments.store import handovers
from comments.store.schema import ensure_schema

logger = logging.getLogger(__name__)

OWNERS_FILE_NAME = "thread-owners.json"
OWNERS_FORMAT = 1

# How an owner was found (the first four are also in the thread-owners file).
METADATA = "metadata"
AUTHOR = "author"
CATEGORY = "category"
FALLBACK = "fallback"
HANDED_OVER = "handed_over"

DESK = "desk"
CLI = "cli"


class OwnerError(SetupError):
    """A hand-over cannot be done; the message says why."""


@dataclass(frozen=True)
class StaffRoster:
    """The staff accounts as owners: display names, and mail addresses if set."""

    names: dict  # account → display name; the shared account is always there
    emails: dict  # account → mail address, for accounts that have one

    @classmethod
    def from_accounts(cls, accounts):
        """Make the roster from ``comments.staff.accounts.read_accounts`` output."""
        names = {ISSO_ADMIN.account: ISSO_ADMIN.display_name}
        names.update({account: entry.name for account, entry in accounts.items()})
        emails = {account: entry.email for account, entry in accounts.items()}
        return cls(
            names, {account: email for account, email in emails.items() if email}
        )

    def resolve(self, name):
        """Return the account for an account or display name (any case), else None."""
        wanted = str(name or "").strip().casefold()
        if not wanted:
            return None
        for account, display_name in self.names.items():
            if wanted in (account.casefold(), display_name.casefold()):
                return account
        return None

    def display_name(self, account):
        """Return the display name of an account (the name itself if unknown)."""
        return self.names.get(account, account)

    def describe(self):
        """Return the accounts as 'anna (Anna Schmidt), …' for error messages."""
        return ", ".join(f"{account} ({name})" for account, name in self.names.items())


def roster_for(conf, environ=None):
    """Return the staff roster of the comment server configured by ``conf``."""
    return StaffRoster.from_accounts(
        read_accounts(staff_file(config_file_of(conf), environ))
    )


def owners_file(conf):
    """Return where the comment server reads the thread-owners file."""
    configured = conf.get("blog", "owners-file")
    if configured:
        return Path(configured)
    return database_path(conf).with_name(OWNERS_FILE_NAME)


@dataclass(frozen=True)
class ThreadOwners:
    """The build's decision: thread path → (owner name, rule), and the fallback."""

    fallback: str = ISSO_ADMIN.account
    threads: dict = field(default_factory=dict)
    closed: frozenset = frozenset()  # threads whose article says Comments: closed
    titles: dict = field(default_factory=dict)  # thread → its article's title

    def get(self, uri):
        """Return (owner name, rule) of a thread, or None."""
        return self.threads.get(uri)


def thread_owners_pieces(fallback, threads, closed=(), titles=None):
    """Yield the thread-owners file's text piece by piece, one thread each
    (sorted: same input, same bytes). The text is ``json.dumps`` of the whole
    document with ``indent=1, sort_keys=True``; made whole, it and the document
    took 3 MiB at 5,000 threads, at the end of the build's reading.
    ``titles`` (thread → article title) are the ones the desk shows."""
    titles = titles or {}
    head = json.dumps(
        {"closed": sorted(closed), "fallback": fallback, "format": OWNERS_FORMAT},
        ensure_ascii=False,
        indent=1,
        sort_keys=True,
    )
    if not threads:
        yield head[:-2] + ',\n "threads": {}\n}\n'
        return
    separator = ',\n "threads": {\n'
    yield head[:-2]
    for uri, (owner, rule) in sorted(threads.items()):
        yield (
            f"{separator}  {json.dumps(uri, ensure_ascii=False)}: {{\n"
            f'   "owner": {json.dumps(owner, ensure_ascii=False)},\n'
            f'   "rule": {json.dumps(rule, ensure_ascii=False)}'
            + (
                f',\n   "title": {json.dumps(titles[uri], ensure_ascii=False)}'
                if titles.get(uri)
                else ""
            )
            + "\n  }"
        )
        separator = ",\n"
    yield "\n }\n}\n"


def write_thread_owners(path, fallback, threads, closed=(), titles=None):
    """Write the thread-owners file when its content changed; True if written.

    ``closed`` lists the threads that take no new comments (the server
    refuses them); ``titles`` the articles' titles, for the desk.
    """
    path = Path(path)
    if same_text(path, thread_owners_pieces(fallback, threads, closed, titles)):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.writelines(thread_owners_pieces(fallback, threads, closed, titles))
    os.replace(temporary, path)
    return True


def same_text(path, pieces):
    """True when the file at ``path`` holds exactly the text of ``pieces``."""
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            for piece in pieces:
                if stream.read(len(piece)) != piece:
                    return False
            return stream.read(1) == ""
    except (FileNotFoundError, UnicodeDecodeError):
        return False


def read_thread_owners(path):
    """Read the thread-owners file; a missing or broken one gives only the fallback."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ThreadOwners()
    except (OSError, ValueError) as error:
        logger.warning("owners: %s is unreadable (%s); using the fallback", path, error)
        return ThreadOwners()
    if not isinstance(document, dict) or document.get("format") != OWNERS_FORMAT:
        logger.warning("owners: %s has an unknown format; using the fallback", path)
        return ThreadOwners()
    threads = {
        uri: (entry.get("owner", ""), entry.get("rule", ""))
        for uri, entry in (document.get("threads") or {}).items()
        if isinstance(entry, dict)
    }
    closed = document.get("closed") or []
    titles = {
        uri: entry["title"]
        for uri, entry in (document.get("threads") or {}).items()
        if isinstance(entry, dict) and isinstance(entry.get("title"), str)
    }
    return ThreadOwners(
        str(document.get("fallback") or ISSO_ADMIN.account),
        threads,
        frozenset(uri for uri in closed if isinstance(uri, str)),
        titles,
    )


@dataclass(frozen=True)
class Handover:
    """One comment handed to another owner: when, from whom, to whom, by whom."""

    at: datetime.datetime
    owner: str
    owner_name: str
    previous_owner: str
    previous_name: str
    by: str
    by_name: str
    via: str  # "desk" or "cli"

    def to_json(self):
        """Return the hand-over as a JSON-ready dict."""
        return {
            "at": data.format_utc(self.at),
            "to": self.owner,
            "to_name": self.owner_name,
            "from": self.previous_owner,
            "from_name": self.previous_name,
            "by": self.by,
            "by_name": self.by_name,
            "via": self.via,
        }


@dataclass(frozen=True)
class Ownership:
    """Who owns one comment now, by which rule, and its hand-overs, oldest first."""

    account: str
    name: str
    rule: str
    handovers: tuple = ()

    def to_json(self):
        """Return the ownership as a JSON-ready dict."""
        return {
            "account": self.account,
            "name": self.name,
            "rule": self.rule,
            "handovers": [handover.to_json() for handover in self.handovers],
        }


def read_handovers(db_path):
    """Return {(comment id, creation timestamp): [rows]} of the hand-over history."""
    history = {}
    for comment_id, created, *row in handovers.handover_rows(db_path):
        history.setdefault(stored_comment_key(comment_id, created), []).append(
            tuple(row)
        )
    return history


class OwnerBook:
    """Answer "who owns this comment?" for one read of the comment database."""

    def __init__(self, thread_owners, roster, handover_rows):
        self.thread_owners = thread_owners
        self.roster = roster
        self.handover_rows = handover_rows
        self.defaults = {}  # thread → default account, as looked up
        self.handed_ids = {comment_id for comment_id, _ in handover_rows}

    def default_owner(self, thread_uri):
        """Return (account, rule) of a thread as the build decided it."""
        decided = self.thread_owners.get(thread_uri)
        if decided:
            account = self.roster.resolve(decided[0])
            if account:
                return account, decided[1] or FALLBACK
        return self.roster.resolve(self.thread_owners.fallback) or (
            ISSO_ADMIN.account
        ), FALLBACK

    def handovers(self, comment):
        """Return the hand-overs of one comment, oldest first."""
        names = self.roster.display_name
        return tuple(
            Handover(
                at=data.utc_from_timestamp(handed_at),
                owner=owner,
                owner_name=names(owner),
                previous_owner=previous,
                previous_name=names(previous),
                by=by,
                by_name=names(by),
                via=via,
            )
            for owner, previous, handed_at, by, via in self.handover_rows.get(
                comment_key(comment), ()
            )
        )

    def account_of(self, comment_id, created, thread_uri):
        """Return the owning account of a comment known by its stored id,
        creation time (Unix seconds) and thread (``owner_of``'s rule, fast)."""
        from comments.staff.desk_queue import row_key

        rows = None
        if comment_id in self.handed_ids:
            rows = self.handover_rows.get(row_key(comment_id, created))
        if rows and rows[-1][0] in self.roster.names:
            return rows[-1][0]
        if thread_uri not in self.defaults:
            self.defaults[thread_uri] = self.default_owner(thread_uri)[0]
        return self.defaults[thread_uri]

    def owner_of(self, comment):
        """Return the Ownership of one comment."""
        history = self.handovers(comment)
        if history and history[-1].owner in self.roster.names:
            account, rule = history[-1].owner, HANDED_OVER
        else:
            account, rule = self.default_owner(comment.thread_uri)
        return Ownership(account, self.roster.display_name(account), rule, history)


def load_owner_book(conf, roster):
    """Return the OwnerBook of the comment server configured by ``conf``."""
    return OwnerBook(
        read_thread_owners(owners_file(conf)),
        roster,
        read_handovers(database_path(conf)),
    )


def record_handover(db_path, comment, owner, previous_owner, by, via, now=None):
    """Add one hand-over of ``comment`` (a ``data.Comment``) to the history."""
    handovers.add_handover(
        db_path,
        comment.id,
        comment.created.timestamp(),
        owner,
        previous_owner,
        now or time.time(),
        by,
        via,
    )


def assign(conf, roster, comment_id, name, by, via, created=None, now=None):
    """Hand open comment ``comment_id`` over to staff member ``name``.

    ``by`` is who does it (an account or display name, else kept as given);
    ``created`` (from the desk) makes sure the id still means the same comment.
    Return (previous Ownership, new Ownership); equal when ``name`` owns it already.
    """
    from comments.staff.desk_queue import NotOpen, open_comment

    account = roster.resolve(name)
    if account is None:
        raise OwnerError(
            f"kein Redaktionskonto {name!r} (bekannt: {roster.describe()})"
        )
    now = now or datetime.datetime.now(datetime.UTC)
    db_path = database_path(conf)
    ensure_schema(db_path)
    try:
        comment, _ = open_comment(db_path, comment_id, created)
    except NotOpen as error:
        raise OwnerError(str(error)) from None
    previous = load_owner_book(conf, roster).owner_of(comment)
    if previous.account == account:
        return previous, previous
    handed_by = roster.resolve(by) or str(by).strip() or "?"
    record_handover(
        db_path, comment, account, previous.account, handed_by, via, now.timestamp()
    )
    logger.info(
        "owners: comment %s handed over from %s to %s by %s (%s)",
        comment_id,
        previous.account,
        account,
        handed_by,
        via,
    )
    return previous, load_owner_book(conf, roster).owner_of(comment)


def read_queue(conf, now, roster=None, select=None, reminding=False, only=None):
    """Return the desk Queue of open comments with owners as of ``now``.

    The one place the answer desk's command, the mails and the reminders read
    the open comments from (``comments.staff.desk_queue``: SQL, not every
    comment). ``select(OpenQueue)`` picks the indexes wanted; default: all.
    ``reminding`` leaves out comments reminded about as overdue; ``only`` (a
    comment id) reads that comment alone, if it is open.
    """
    from comments.staff import desk_queue

    book = load_owner_book(conf, roster or roster_for(conf))
    if only is not None:
        queue = desk_queue.one_open_queue(conf, now, book, only)
        if queue is None:
            return desk.Queue(
                as_of=now, settings=desk.DeskSettings.from_conf(conf), entries=()
            )
    else:
        queue = desk_queue.read_open_queue(conf, now, book, reminding=reminding)
    indexes = list(select(queue) if select else range(len(queue.rows)))
    entries = desk_queue.entries_for(
        queue, indexes, desk_queue.plain_text, database_path(conf)
    )
    return desk.Queue(
        as_of=now,
        settings=queue.settings,
        entries=tuple(entries),
        totals=queue.summary(range(len(queue.rows))) if select else None,
    )
