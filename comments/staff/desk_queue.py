"""The open queue read with SQL: filtered, paged, and only the shown comments whole.

``comments.store.open_queue`` lists every open reader comment as a small row,
oldest first. Here each row gets its owner (``comments.staff.owners``) and its
status, and only the comments a page, a mail or a reminder needs become
``desk.QueueEntry`` objects with their text:

- statuses and reminder stages come from *cut-offs*: rows are oldest first,
  and the counted hours of a comment only shrink with its creation time, so
  the first rows up to one cut-off are overdue, the next up to another due
  soon (found by bisection: a few calendar look-ups, not one per comment);
- the desk page shows 50 a page (``PAGE_SIZE``), filtered by owner, status and
  article, and per owner and status the counts over all open comments;
- each shown comment carries Isso's rendered, sanitised HTML of its (masked)
  text, the comment it answers, and the article's title as the last build
  wrote it into the thread-owners file (``owners.ThreadOwners.titles``); a
  thread no page of the site has shows its path only, never the title its
  first poster's browser sent.
"""

import bisect
import datetime
import functools
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from comments import target_calendar
from comments.build import data, reader
from comments.config import database_path
from comments.core import SetupError
from comments.staff import desk
from comments.store import open_queue
from comments.store.subscriptions import watched_comment_ids

PAGE_SIZE = 50
DETAILS_AT_ONCE = 500  # ids per query (SQLite limits a statement's parameters)
PENDING_FILTER = "pending"  # a status filter beside desk.STATUSES


def row_key(comment_id, created):
    """Return ``data.comment_key`` of a comment by its stored id and creation
    time: through the datetime, as the tables that record comments by
    ``created.timestamp()`` (hand-overs, reminders) were written."""
    return comment_id, data.microseconds(data.utc_from_timestamp(created))


class OpenRow(NamedTuple):
    """One open reader comment as the queue knows it before reading its text."""

    id: int
    created: float  # Unix seconds, as stored
    thread_uri: str
    pending: bool
    owner: str  # account


class CommentRef(NamedTuple):
    """What ``owners.OwnerBook.owner_of`` needs of a comment."""

    id: int
    created: datetime.datetime
    thread_uri: str
    stored_created: float | None = None  # exactly as stored (Unix seconds)


@dataclass(frozen=True)
class AnsweredComment:
    """The comment an open reply answers: its id, author and rendered text."""

    id: int
    author: str
    text_html: str
    is_staff: bool = False
    removed: bool = False


@dataclass(frozen=True)
class Cutoffs:  # frozen, with a cached_property: needs a __dict__ (no slots)
    """How many of the oldest open comments are past each threshold."""

    overdue: int
    due_soon: int  # overdue or due soon
    escalated: int  # waited more than half the target
    # (start in counted seconds, order, stage): as desk.reminder_stage, the
    # stage that started latest wins (escalation may come after "due soon")
    starts: tuple = ()

    def status(self, index):
        """Return the status of the row at ``index`` (oldest first)."""
        if index < self.overdue:
            return desk.OVERDUE
        return desk.DUE_SOON if index < self.due_soon else desk.ON_TIME

    def stage(self, index):
        """Return the latest reminder stage of the row at ``index``, or None."""
        ends, stages = self.segments
        return stages[bisect.bisect_right(ends, index)]

    @functools.cached_property
    def segments(self):
        """(ends, stages): rows before ends[0] are at stages[0], and so on; the
        stage is constant between two cut-offs."""
        counts = {
            desk.ESCALATED: self.escalated,
            desk.DUE_SOON: self.due_soon,
            desk.OVERDUE: self.overdue,
        }
        ends = sorted(set(counts.values()))
        stages = []
        for first in [0, *ends]:  # each segment by its first row
            reached = [start for start in self.starts if first < counts[start[2]]]
            stages.append(max(reached)[2] if reached else None)
        return ends, stages


def past(rows, calendar, as_of, threshold):
    """Return how many leading rows have more than ``threshold`` counted seconds."""
    return bisect.bisect_left(
        range(len(rows)),
        True,
        key=lambda i: calendar.counted_seconds(rows[i].created, as_of) <= threshold,
    )


@dataclass
class OpenQueue:
    """Every open reader comment as of one moment, with owners and cut-offs."""

    as_of: datetime.datetime
    settings: desk.DeskSettings
    rows: list
    book: object  # owners.OwnerBook
    titles: dict  # thread path → the title the last build gave it
    calendar: object = None
    cutoffs: Cutoffs = None

    def __post_init__(self):
        self.calendar = target_calendar.TargetCalendar(self.settings.calendar)
        as_of, settings = self.as_of.timestamp(), self.settings
        starts = {
            desk.ESCALATED: settings.escalate_after_seconds,
            desk.DUE_SOON: settings.target_seconds - settings.remind_before_seconds,
            desk.OVERDUE: settings.target_seconds,
        }
        counts = {
            stage: past(self.rows, self.calendar, as_of, start)
            for stage, start in starts.items()
        }
        self.cutoffs = Cutoffs(
            overdue=counts[desk.OVERDUE],
            due_soon=counts[desk.DUE_SOON],
            escalated=counts[desk.ESCALATED],
            starts=tuple(
                (start, order, stage)
                for order, (stage, start) in enumerate(starts.items())
            ),
        )

    def select(self, owner=None, status=None, article=None):
        """Return the indexes of the rows matching every filter given."""
        cutoffs = self.cutoffs
        if status == desk.OVERDUE:
            indexes = range(cutoffs.overdue)
        elif status == desk.DUE_SOON:
            indexes = range(cutoffs.overdue, cutoffs.due_soon)
        elif status == desk.ON_TIME:
            indexes = range(cutoffs.due_soon, len(self.rows))
        else:
            indexes = range(len(self.rows))
        rows = self.rows
        return [
            i
            for i in indexes
            if (owner is None or rows[i].owner == owner)
            and (article is None or rows[i].thread_uri == article)
            and (status != PENDING_FILTER or rows[i].pending)
        ]

    def summary(self, indexes):
        """Counts over the rows ``indexes`` (ascending), as ``desk.Queue.summary``."""
        overdue = bisect.bisect_left(indexes, self.cutoffs.overdue)
        due = bisect.bisect_left(indexes, self.cutoffs.due_soon)
        return {
            "open": len(indexes),
            desk.OVERDUE: overdue,
            desk.DUE_SOON: due - overdue,
            desk.ON_TIME: len(indexes) - due,
            "awaiting_moderation": sum(1 for i in indexes if self.rows[i].pending),
        }

    def per_owner(self):
        """Return {account: open comments it owns}."""
        return Counter(row.owner for row in self.rows)

    def per_article(self):
        """Return [(thread path, title, open comments)], most waiting first."""
        counts = Counter(row.thread_uri for row in self.rows)
        return sorted(
            ((uri, self.title_of(uri), n) for uri, n in counts.items()),
            key=lambda item: (-item[2], item[1].casefold()),
        )

    def title_of(self, uri):
        """The article's title from the build, else its path."""
        return self.titles.get(uri) or uri


def first_stage_cutoff(settings, now):
    """Return the epoch seconds a comment must be created by to have reached
    any reminder stage as of ``now``: counted time never runs faster than the
    clock, so a younger comment is at none."""
    earliest = min(
        settings.escalate_after_seconds,
        settings.target_seconds - settings.remind_before_seconds,
        settings.target_seconds,
    )
    return now.timestamp() - max(earliest, 0)


def read_open_queue(conf, now, book, titles=None, cache=None, reminding=False):
    """Return the OpenQueue of the comment server configured by ``conf``
    (``cache``: an ``open_queue.OpenRowsCache``, for the server's requests;
    ``reminding``: only the comments that may have reached a reminder stage,
    without those reminded about as overdue)."""
    db_path = database_path(conf)
    settings = desk.DeskSettings.from_conf(conf)
    before = first_stage_cutoff(settings, now) if reminding else None

    def gather(connection):
        uris = open_queue.thread_uris(connection)
        return [
            (comment_id, created, uris[tid], mode == 2)
            for comment_id, created, tid, mode in open_queue.open_rows(
                connection, before
            )
            if tid in uris  # as Isso's joins: a comment needs its thread
        ]

    if not db_path.is_file():
        raise reader.SourceUnavailable(f"{db_path} does not exist (yet)")
    try:
        if cache is None:
            found = open_queue.read_open(db_path, gather)
        else:
            found = cache.rows(db_path, gather)
    except open_queue.DATABASE_ERRORS as error:
        raise reader.unreadable_database(db_path, error) from None
    for comment_id, created, uri, _ in found:
        if not reader.EARLIEST <= created < reader.LATEST:
            try:  # one line naming the comment, as a build says it
                reader.utc_time(created, comment_id, uri)
            except reader.UnusableTime as error:
                raise reader.unreadable_database(db_path, error) from None
    owner_of = book.account_of
    rows = [
        OpenRow(comment_id, created, uri, pending, owner_of(comment_id, created, uri))
        for comment_id, created, uri, pending in found
    ]
    return OpenQueue(
        as_of=now,
        settings=settings,
        rows=rows,
        book=book,
        titles=book.thread_owners.titles if titles is None else titles,
    )


def one_open_queue(conf, now, book, comment_id):
    """Return the OpenQueue of one open comment, or None when it is not open
    (a new comment's mail needs no other)."""
    db_path = database_path(conf)
    if not db_path.is_file():
        raise reader.SourceUnavailable(f"{db_path} does not exist (yet)")
    try:
        comment, pending = open_comment(db_path, comment_id)
    except NotOpen:
        return None
    row = OpenRow(
        comment.id,
        comment.stored_created,
        comment.thread_uri,
        pending,
        book.account_of(comment.id, comment.stored_created, comment.thread_uri),
    )
    return OpenQueue(
        as_of=now,
        settings=desk.DeskSettings.from_conf(conf),
        rows=[row],
        book=book,
        titles=book.thread_owners.titles,
    )


def answered_comment(row, render):
    """Return the AnsweredComment of a details row's parent columns, or None."""
    _, _, _, _, _, _, _, parent_id, mode, author, text, staff_name = row
    if parent_id is None:
        return None
    if mode == 4:
        return AnsweredComment(parent_id, "", "", removed=True)
    if mode == 2:  # awaiting moderation: not on the page yet, so not shown
        return AnsweredComment(parent_id, "", "")
    author, _, text = reader.reader_fields(author, "", text, staff_name)
    return AnsweredComment(
        parent_id, author, render(text) if text else "", staff_name is not None
    )


def entries_for(queue, indexes, render, db_path):
    """Return the desk.QueueEntry of each row at ``indexes``, with its text."""
    rows = [queue.rows[i] for i in indexes]
    ids = [row.id for row in rows]

    def read(connection):
        found = {}
        for start in range(0, len(ids), DETAILS_AT_ONCE):
            chunk = ids[start : start + DETAILS_AT_ONCE]
            found.update(open_queue.details(connection, chunk))
        return found

    found = open_queue.read_open(db_path, read)
    settings, calendar, as_of = queue.settings, queue.calendar, queue.as_of
    notified = watched_comment_ids(db_path)
    entries = []
    for index, row in zip(indexes, rows, strict=True):
        detail = found.get(row.id)
        if detail is None:  # deleted since the queue was read
            continue
        author, _, text = reader.reader_fields(detail[3], "", detail[4], None)
        created = data.utc_from_timestamp(row.created)
        comment = CommentRef(row.id, created, row.thread_uri)
        status, stage = queue.cutoffs.status(index), queue.cutoffs.stage(index)
        article = desk.article_url(settings.site_url, row.thread_uri)
        entries.append(
            desk.QueueEntry(
                id=row.id,
                thread_uri=row.thread_uri,
                article_title=queue.title_of(row.thread_uri),
                author=author,
                first_line=desk.first_line(text),
                created=created,
                due=calendar.deadline(created, settings.target_seconds),
                age_seconds=max(0, int((as_of - created).total_seconds())),
                status=status,
                awaiting_moderation=row.pending,
                link=article if row.pending else f"{article}#isso-{row.id}",
                stage=stage,
                escalated=index < queue.cutoffs.escalated,
                owner=queue.book.owner_of(comment),
                text=text,
                text_html=render(text) if text else "",
                answers=answered_comment(detail, render),
                reader_notified=notified.get(row.id, ""),
            )
        )
    return entries


def plain_text(text):
    """The renderer for places that show no HTML (mails, the command line)."""
    return text


class NotOpen(SetupError):
    """The comment is no open reader comment (any more); the message says why."""


def open_comment(db_path, comment_id, created=None):
    """Return (CommentRef, pending) of open reader comment ``comment_id``; raise
    NotOpen when it is none. ``created`` (an aware datetime, from the desk's
    form) makes sure the id still means the same comment."""
    try:
        row = open_queue.read_open(
            db_path, lambda connection: open_queue.one_comment(connection, comment_id)
        )
    except open_queue.DATABASE_ERRORS as error:
        raise NotOpen(f"{db_path}: {error}") from None
    if row is None:
        raise NotOpen(f"Kommentar {comment_id} gibt es nicht (mehr).")
    _, stored, uri, mode, is_open = row
    when = data.utc_from_timestamp(stored)
    if created is not None and data.microseconds(when) != data.microseconds(created):
        raise NotOpen(
            f"Kommentar {comment_id} ist nicht mehr der, den die Seite zeigte; "
            "bitte neu laden."
        )
    if not is_open:
        raise NotOpen(
            f"Kommentar {comment_id} ist schon erledigt (beantwortet, entfernt "
            "oder ohne nötige Antwort)."
        )
    return CommentRef(comment_id, when, uri, stored), mode == 2
