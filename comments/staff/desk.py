"""The answer desk's queue: open reader comments, oldest first, with their deadline.

Pure functions over ``CommentData``; shared by ``invoke comments.open``, the
staff page ``/desk`` and the staff mails. Which comments are open is decided
by ``comments.answers`` alone. Each open comment gets a status against the
promise (``[blog] answer-target-hours``, ``remind-before-hours``), its hours
counted in the promise's calendar (``[blog] answer-target-days`` and the like,
``comments.target_calendar``: a Saturday comment is not overdue on Monday):

- ``overdue``: it has waited longer than the target;
- ``due_soon``: it passes the target within remind-before-hours;
- ``on_time``: otherwise.

Reminders (``comments.staff.reminders``) come in stages by age: ``escalated`` once a
comment has waited more than half the target (then its owner *and* every staff
member hear about it), ``due_soon`` and ``overdue`` as above; each entry carries
the latest stage it reached. With an ``OwnerBook`` (``comments.staff.owners``) each
entry also carries its owner.

Comments awaiting moderation are open too; they are not on the page yet, so
their link goes to the article without an anchor.
"""

import datetime
import re
from dataclasses import dataclass
from urllib.parse import quote

from comments import answers, target_calendar
from comments.build import data

ON_TIME = "on_time"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
STATUSES = (OVERDUE, DUE_SOON, ON_TIME)
ESCALATED = "escalated"
STAGES = (ESCALATED, DUE_SOON, OVERDUE)  # equal start times: the later counts

FIRST_LINE_LIMIT = 100


@dataclass(frozen=True)
class DeskSettings:
    """The promise and where the blog lives, from the ``[blog]`` section."""

    target_hours: float
    remind_before_hours: float
    site_url: str
    # Which hours count towards the target (``comments.target_calendar``);
    # the config's [blog] answer-target-* options, clock hours when not given.
    calendar: target_calendar.CalendarSpec = target_calendar.EVERY_HOUR

    @classmethod
    def from_conf(cls, conf):
        """Read the settings from a loaded comment server config."""
        return cls(
            target_hours=float(conf.get("blog", "answer-target-hours")),
            remind_before_hours=float(conf.get("blog", "remind-before-hours")),
            site_url=conf.get("blog", "site-url").rstrip("/"),
            calendar=target_calendar.spec_of_conf(conf),
        )

    @property
    def target_seconds(self):
        """The target in whole seconds (as the transparency page counts it)."""
        return round(self.target_hours * 3600)

    @property
    def remind_before_seconds(self):
        """The reminder window in whole seconds."""
        return round(self.remind_before_hours * 3600)

    @property
    def escalate_after_seconds(self):
        """Half the target in whole seconds: after it, every staff member hears."""
        return self.target_seconds // 2


@dataclass(frozen=True)
class QueueEntry:
    """One open reader comment as the desk shows it."""

    id: int
    thread_uri: str
    article_title: str
    author: str
    first_line: str
    created: datetime.datetime
    due: datetime.datetime  # when the target passes
    age_seconds: int  # on the clock
    status: str  # by the hours the target counts
    awaiting_moderation: bool
    link: str
    stage: str | None = None  # the latest reminder stage reached (STAGES)
    escalated: bool = False  # open longer than half the target
    owner: object = None  # comments.staff.owners.Ownership, when owners are known
    # Whether our answer reaches the reader by mail: "confirmed", "waiting"
    # (for the reader's confirmation) or "" (comments.staff.subscriptions).
    reader_notified: str = ""
    text: str = ""  # the whole text as written (masked), for mails
    text_html: str = ""  # Isso's rendered, sanitised HTML of it, for the desk
    answers: object = None  # desk_queue.AnsweredComment it replies to, if any

    @property
    def key(self):
        """(id, creation time): identifies a comment even after id reuse."""
        return self.id, self.created

    def to_json(self):
        """Return the entry as a JSON-ready dict."""
        return {
            "id": self.id,
            "thread": self.thread_uri,
            "article": self.article_title,
            "author": self.author,
            "first_line": self.first_line,
            "created": data.format_utc(self.created),
            "due": data.format_utc(self.due),
            "age_seconds": self.age_seconds,
            "status": self.status,
            "awaiting_moderation": self.awaiting_moderation,
            "link": self.link,
            "escalated": self.escalated,
            "owner": self.owner.to_json() if self.owner else None,
            "reader_notified": self.reader_notified or None,
            "answers": self.answers.id if self.answers else None,
        }


@dataclass(frozen=True)
class Queue:
    """The open reader comments as of one moment, oldest first."""

    as_of: datetime.datetime
    settings: DeskSettings
    entries: tuple[QueueEntry, ...]
    owner: str = ""  # the account the entries were filtered by, if any
    # the counts over every open comment when ``entries`` are only some
    # (``comments.staff.desk_queue``: only those a mail or page needs whole)
    totals: dict | None = None

    def count(self, status):
        """Return how many entries have ``status``."""
        return sum(1 for entry in self.entries if entry.status == status)

    @property
    def summary(self):
        """Counts: open, overdue, due soon, on time, awaiting moderation."""
        if self.totals is not None:
            return self.totals
        return {
            "open": len(self.entries),
            OVERDUE: self.count(OVERDUE),
            DUE_SOON: self.count(DUE_SOON),
            ON_TIME: self.count(ON_TIME),
            "awaiting_moderation": sum(
                1 for entry in self.entries if entry.awaiting_moderation
            ),
        }

    def for_owner(self, account):
        """Return the same queue with only the comments ``account`` owns."""
        return Queue(
            as_of=self.as_of,
            settings=self.settings,
            entries=tuple(
                entry
                for entry in self.entries
                if entry.owner and entry.owner.account == account
            ),
            owner=account,
        )

    @property
    def any_overdue(self):
        """True when a comment has waited past the target."""
        return any(entry.status == OVERDUE for entry in self.entries)

    def to_json(self):
        """Return the queue as a JSON-ready dict (``comments.open --json``)."""
        return {
            "as_of": data.format_utc(self.as_of),
            "answer_target_hours": self.settings.target_hours,
            "remind_before_hours": self.settings.remind_before_hours,
            "owner": self.owner or None,
            "summary": self.summary,
            "comments": [entry.to_json() for entry in self.entries],
        }


def status_for(age_seconds, settings):
    """Return overdue, due_soon or on_time for a comment of this age."""
    if age_seconds > settings.target_seconds:
        return OVERDUE
    if age_seconds > settings.target_seconds - settings.remind_before_seconds:
        return DUE_SOON
    return ON_TIME


def reminder_stage(age_seconds, settings):
    """Return the latest reminder stage a comment of this age reached, or None."""
    starts = {
        ESCALATED: settings.escalate_after_seconds,
        DUE_SOON: settings.target_seconds - settings.remind_before_seconds,
        OVERDUE: settings.target_seconds,
    }
    reached = [
        (start, order, stage)
        for order, (stage, start) in enumerate(starts.items())
        if age_seconds > start
    ]
    return max(reached)[2] if reached else None


def first_line(text, limit=FIRST_LINE_LIMIT):
    """Return the first non-empty line of a comment, cut at a word near ``limit``."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = re.sub(r"\s+", " ", line).strip()
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:–-") + "…"


def article_url(site_url, thread_uri):
    """Return the article's address on the site for a thread path.

    Thread paths come from the commenting browser: one that does not start
    with "/" (".evil.example/", "@evil.example/") must not become a host.
    """
    path = thread_uri if thread_uri.startswith("/") else "/" + thread_uri
    return site_url + quote(path, safe="/%:@!$&'()*+,;=~")


def comment_link(site_url, comment):
    """Return where a comment is answered: its anchor, or the article if pending."""
    article = article_url(site_url, comment.thread_uri)
    if comment.state == data.PENDING:
        return article
    return f"{article}#isso-{comment.id}"


def open_queue(comment_data, as_of, settings, owners=None):
    """Return the Queue of open reader comments in ``comment_data`` as of ``as_of``.

    ``owners`` (a ``comments.staff.owners.OwnerBook``) gives each entry its owner.
    """
    calendar = target_calendar.TargetCalendar(settings.calendar)
    entries = []
    for reader in answers.open_comments(answers.classify(comment_data.comments)):
        comment = reader.comment
        # status and reminders go by the hours the promise counts
        counted = calendar.counted_seconds(comment.created, as_of)
        entries.append(
            QueueEntry(
                id=comment.id,
                thread_uri=comment.thread_uri,
                article_title=comment.thread_title or comment.thread_uri,
                author=comment.author,
                first_line=first_line(comment.text),
                created=comment.created,
                due=calendar.deadline(comment.created, settings.target_seconds),
                age_seconds=reader.age_seconds(as_of),
                status=status_for(counted, settings),
                awaiting_moderation=comment.state == data.PENDING,
                link=comment_link(settings.site_url, comment),
                stage=reminder_stage(counted, settings),
                escalated=counted > settings.escalate_after_seconds,
                owner=owners.owner_of(comment) if owners else None,
            )
        )
    return Queue(as_of=as_of, settings=settings, entries=tuple(entries))


def format_duration(seconds):
    """Return whole seconds as '35 min' or '26 h 3 min' (German and English alike)."""
    minutes = max(0, int(seconds)) // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def format_hours(hours):
    """Return a number of hours without a needless '.0'."""
    return f"{hours:g}"
