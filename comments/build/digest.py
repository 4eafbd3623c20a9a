"""What a build shows of the comments, gathered one comment at a time.

A site's 100,000 comments take ~60 MiB as objects; its pages need far less:

- counts and response times per article, per month and per staff member (the
  transparency page and the answered line under each article);
- the open reader comments, as much as the transparency page lists of each
  (``OpenComments``);
- the published reader comments that may link a blog-parade participant;
- the title Isso recorded for each thread, for threads no page of the site has;
- every thread's published comments and placeholders, for the static thread
  under each article (``comments.build.thread``).

``Digester.add`` takes one comment at a time, so the database reader streams its
rows through it and no list of every comment exists in a build
(``reader.digest_database``). Who is a reader comment and who is answered is
``comments.answers``' definition, the same as the answer desk's.
"""

import dataclasses
import datetime
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from comments.answers import StaffAnswerIndex, response_seconds
from comments.build import data


def may_link(text):
    """True unless the comment text surely renders to no http(s) link.

    Isso's renderers (misaka, mistune) link only "http(s)://" and "www."
    addresses; an entity (``&#104;ttp``) or raw HTML (``ht<!-- -->tp``, which
    the sanitiser drops) can spell one too. Without any of these there is none.
    """
    if "&" in text or "<" in text:
        return True
    lowered = text.lower()
    return "http" in lowered or "www." in lowered


OPEN = -1  # the "response time" a tally holds for an open reader comment
# A tally's entries are 32-bit: a response time is counted up to 68 years.
LONGEST_RESPONSE = 2**31 - 1


def tally():
    """Return an empty tally: one entry per reader comment, its response time in
    whole seconds, or OPEN (an array: 4 bytes a comment)."""
    return array("i")


def created_times():
    """Return an empty list of creation times, aligned with a tally: whole
    seconds since the Unix epoch (an array: 8 bytes a comment)."""
    return array("q")


def answered_times(entries):
    """Return the response times of a tally's answered comments."""
    return [seconds for seconds in entries if seconds != OPEN]


class OpenReaderComment(NamedTuple):
    """One open reader comment, as much of it as a build shows."""

    id: int
    thread_uri: str
    thread_title: str
    created: datetime.datetime  # aware, UTC
    state: str  # data.PUBLISHED, or data.PENDING (author and text blank)
    author: str
    text: str  # Markdown as written


def open_reader_comment(comment):
    """Return what a build keeps of an open reader comment (a data.Comment)."""
    return OpenReaderComment(
        comment.id,
        comment.thread_uri,
        comment.thread_title,
        comment.created,
        comment.state,
        comment.author,
        comment.text,
    )


MICROSECOND = datetime.timedelta(microseconds=1)


class OpenComments(Sequence):
    """The open reader comments, oldest first, kept column by column.

    The transparency page lists every open comment, and a site can have
    12,000 of them. Kept as ``data.Comment`` tuples with their datetimes and
    every row's own copy of the author's name, they took 4.3 MiB of a build's
    peak (benchmarks/FINDINGS.md); here a comment costs 17 bytes in arrays and
    three list slots (24 bytes), plus its text and, once per distinct name,
    its author.
    Items (``OpenReaderComment``) are made as they are read.
    """

    def __init__(self, titles):
        self.titles = titles  # thread path → Isso's title (the Digest's)
        self.ids = array("q")
        self.micros = array("q")  # creation time, µs since the Unix epoch
        self.pending = bytearray()
        self.uris, self.authors, self.texts = [], [], []
        self.names = {}  # one string per distinct author name

    def append(self, comment):
        """Keep an open reader comment (a data.Comment), in any order."""
        self.ids.append(comment.id)
        self.micros.append((comment.created - data.EPOCH) // MICROSECOND)
        self.pending.append(comment.state == data.PENDING)
        self.uris.append(comment.thread_uri)
        self.authors.append(self.names.setdefault(comment.author, comment.author))
        self.texts.append(comment.text)

    def sort(self):
        """Order the comments oldest first (``data.oldest_first``)."""
        order = sorted(range(len(self.ids)), key=self.sort_key)
        self.ids = array("q", (self.ids[i] for i in order))
        self.micros = array("q", (self.micros[i] for i in order))
        self.pending = bytearray(self.pending[i] for i in order)
        self.uris = [self.uris[i] for i in order]
        self.authors = [self.authors[i] for i in order]
        self.texts = [self.texts[i] for i in order]
        self.names = {}

    def sort_key(self, index):
        """Sort key of the comment at ``index``: creation time, then id."""
        return self.micros[index], self.ids[index]

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        uri = self.uris[index]
        return OpenReaderComment(
            self.ids[index],
            uri,
            self.titles.get(uri),
            data.EPOCH + self.micros[index] * MICROSECOND,
            data.PENDING if self.pending[index] else data.PUBLISHED,
            self.authors[index],
            self.texts[index],
        )

    def __eq__(self, other):
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None

    def __repr__(self):
        return f"<OpenComments: {len(self)}>"


@dataclass(frozen=True)
class Digest:
    """Everything a build shows of the site's comments, read at one moment."""

    read_at: object  # aware UTC datetime
    source: str  # "database", "http", "snapshot" or "none"
    database_id: str = ""
    removals: tuple = ()
    comment_count: int = 0  # every comment read, of every state
    pending: int = 0  # awaiting moderation
    withdrawn: int = 0  # rows withdrawn by their authors (placeholders)
    by_thread: dict = field(default_factory=dict)  # thread path → tally
    by_month: dict = field(default_factory=dict)  # (year, month) → tally
    by_staff: dict = field(default_factory=dict)  # display name → response times
    # The same keys → the creation times of those comments (``created_times``),
    # in the same order: what "due" and the waiting times are counted from.
    created_by_thread: dict = field(default_factory=dict)
    created_by_month: dict = field(default_factory=dict)
    created_by_staff: dict = field(default_factory=dict)
    open: Sequence = ()  # OpenComments: every open reader comment, oldest first
    # thread path → reader comments staff decided need no answer (not answered
    # since): in no tally, neither answered nor open (``comments.answers``)
    no_answer_needed: dict = field(default_factory=dict)
    linking: dict = field(default_factory=dict)  # thread path → Comments, oldest first
    titles: dict = field(default_factory=dict)  # thread path → Isso's title
    # Approved Webmentions (data.Mention), read from the database only.
    mentions: tuple = ()
    # thread path → its published comments and placeholders (data.Comment),
    # in reading order; never one awaiting moderation
    threads: dict = field(default_factory=dict)
    renderer: object = field(default=None, compare=False, repr=False)
    rendered: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def total(self):
        """Return the tally of every reader comment (made from the threads')."""
        return array("i", chain.from_iterable(self.by_thread.values()))

    @property
    def no_answer_needed_total(self):
        """Return how many reader comments need no answer, by staff's decision."""
        return sum(self.no_answer_needed.values())

    @property
    def created_total(self):
        """Return the creation times of ``total``'s comments, in its order."""
        return array("q", chain.from_iterable(self.created_by_thread.values()))

    def linking_comments(self, uri):
        """Return the published reader comments of one thread whose text may
        render to a link (``may_link``), oldest first."""
        return self.linking.get(uri, ())

    def published_comments(self, uri):
        """Return the published comments of one thread, staff's too, oldest
        first (the thread's comments without placeholders: the feeds')."""
        return tuple(
            sorted(
                (
                    comment
                    for comment in self.threads.get(uri, ())
                    if comment.state == data.PUBLISHED
                ),
                key=data.oldest_first,
            )
        )

    def text_html(self, comment):
        """Return the comment's text rendered and sanitised as Isso does (memoised)."""
        if comment.id not in self.rendered:
            self.rendered[comment.id] = (
                self.renderer.render(comment.text) if comment.text else ""
            )
        return self.rendered[comment.id]

    def thread_comments(self, uri):
        """Return the published comments and placeholders of one thread."""
        return self.threads.get(uri, ())

    def with_removals(self, removals):
        """Return a copy whose removal log also holds ``removals``."""
        if not removals:
            return self
        return dataclasses.replace(
            self, removals=self.removals + tuple(removals), rendered={}
        )


class Digester:
    """Gather a Digest from comments added one by one, in any order.

    ``staff_answers`` (``comments.answers.StaffAnswerIndex``) holds every published
    staff comment of the site: they decide which reader comments are answered,
    so they come first.
    """

    def __init__(self, staff_answers, no_answer_needed=frozenset()):
        self.first_after = staff_answers.first_after
        self.no_answer_keys = no_answer_needed  # comment_keys (data.comment_key)
        self.no_answer_needed = {}
        self.comment_count = self.pending = self.withdrawn = 0
        self.by_thread, self.by_month, self.by_staff = {}, {}, {}
        self.created_by_thread, self.created_by_month = {}, {}
        self.created_by_staff = {}
        self.linking, self.titles, self.threads = {}, {}, {}
        self.open = OpenComments(self.titles)

    def add(self, comment):
        """Take one comment into the figures (the hot loop of every build)."""
        self.comment_count += 1
        state = comment.state
        if state != data.PENDING:  # shown in the static thread (or a placeholder)
            thread = self.threads.get(comment.thread_uri)
            if thread is None:
                thread = self.threads[comment.thread_uri] = []
            thread.append(comment)
        if state != data.PUBLISHED:
            if state != data.PENDING:
                self.withdrawn += state == data.WITHDRAWN
                return
            self.pending += 1
        if comment.staff_name is not None:
            return
        uri, created = comment.thread_uri, comment.created
        epoch = int(created.timestamp())
        answered = self.first_after(comment)
        if (
            answered is None
            and self.no_answer_keys
            and data.comment_key(comment) in self.no_answer_keys
        ):
            # decided "no answer needed" (an answer would still count)
            self.no_answer_needed[uri] = self.no_answer_needed.get(uri, 0) + 1
            if uri not in self.by_thread:  # the article's row shows it too
                self.by_thread[uri] = tally()
                self.created_by_thread[uri] = created_times()
                self.titles[uri] = comment.thread_title
            if state == data.PUBLISHED and may_link(comment.text):
                self.linking.setdefault(uri, []).append(comment)
            return
        if answered is None:
            seconds = OPEN
            self.open.append(comment)
        else:
            answer, name = answered
            seconds = min(response_seconds(created, answer), LONGEST_RESPONSE)
            times = self.by_staff.get(name)
            if times is None:
                times = self.by_staff[name] = tally()
                self.created_by_staff[name] = created_times()
            times.append(seconds)
            self.created_by_staff[name].append(epoch)
        thread = self.by_thread.get(uri)
        if thread is None:
            thread = self.by_thread[uri] = tally()
            self.created_by_thread[uri] = created_times()
            self.titles[uri] = comment.thread_title
        thread.append(seconds)
        self.created_by_thread[uri].append(epoch)
        month = self.by_month.get((created.year, created.month))
        if month is None:
            month = self.by_month[created.year, created.month] = tally()
            self.created_by_month[created.year, created.month] = created_times()
        month.append(seconds)
        self.created_by_month[created.year, created.month].append(epoch)
        if state == data.PUBLISHED and may_link(comment.text):
            self.linking.setdefault(uri, []).append(comment)

    def digest(self, read_at, source, database_id="", removals=(), renderer=None):
        """Return the Digest of every comment added."""
        self.open.sort()
        for comments in self.linking.values():
            comments.sort(key=data.oldest_first)
        return Digest(
            read_at=read_at,
            source=source,
            database_id=database_id,
            removals=tuple(removals),
            comment_count=self.comment_count,
            pending=self.pending,
            withdrawn=self.withdrawn,
            by_thread=self.by_thread,
            by_month=self.by_month,
            by_staff=self.by_staff,
            created_by_thread=self.created_by_thread,
            created_by_month=self.created_by_month,
            created_by_staff=self.created_by_staff,
            open=self.open,
            no_answer_needed=self.no_answer_needed,
            linking={uri: tuple(items) for uri, items in self.linking.items()},
            titles=self.titles,
            threads=self.threads,
            renderer=renderer,
        )


def digest_of(comment_data):
    """Return the Digest of a CommentData held whole (a snapshot, an export)."""
    comments = comment_data.comments
    with data.many_objects():
        digester = Digester(
            StaffAnswerIndex.of_comments(comments), comment_data.no_answer_needed
        )
        for comment in comments:
            digester.add(comment)
    digest = digester.digest(
        comment_data.read_at,
        comment_data.source,
        comment_data.database_id,
        comment_data.removals,
        comment_data.renderer,
    )
    return dataclasses.replace(digest, mentions=comment_data.mentions)
