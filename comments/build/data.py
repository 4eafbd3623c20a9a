"""Comments as read from the source: plain, typed, read-only, no personal data.

A build sees them digested (``comments.build.digest``); snapshots, the export and
the answer desk hold them whole.

No field here can hold an email or IP address: the reader never selects them.
Text and author of comments awaiting moderation are blanked too, so nothing
unapproved can reach a page by mistake.
"""

import contextlib
import datetime
import gc
from dataclasses import dataclass, field
from typing import NamedTuple

PUBLISHED = "published"
PENDING = "pending"  # awaiting moderation (Isso mode 2)
WITHDRAWN = "withdrawn"  # deleted by its author, kept for its replies (Isso mode 4)
REMOVED = "removed"  # blanked by staff with a recorded reason, kept for its replies

STATES = (PUBLISHED, PENDING, WITHDRAWN, REMOVED)

# 2: each comment is a list in COMMENT_FIELDS order (a third of the size and
#    time of format 1's objects); 1 (read only): each comment an object.
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)


@contextlib.contextmanager
def many_objects():
    """Pause the cyclic garbage collector while making 100,000s of objects.

    Each run over a large heap (a Pelican build's) costs time and frees nothing
    here: comments hold no reference cycles. Reading 100,000 comments and
    classifying them takes a third less time this way.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def utc_from_timestamp(seconds):
    """Return an aware UTC datetime for Unix seconds."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def microseconds(moment):
    """Return an aware datetime as whole microseconds since 1970 (exact)."""
    return (moment - EPOCH) // MICROSECOND


def comment_key(comment):
    """Identify a comment across reads and tables: its id and exact creation
    time in microseconds (Isso gives the highest id again after a deletion)."""
    return comment.id, microseconds(comment.created)


def stored_comment_key(comment_id, created):
    """Return the ``comment_key`` of a comment a ``blog_*`` table recorded by
    its id and creation time (Unix seconds, a float), converted as the
    comment's own time is (``datetime.fromtimestamp``): ``round(created *
    1_000_000)`` differs from it by a microsecond for one time in eight."""
    moment = datetime.datetime.fromtimestamp(created, datetime.UTC)
    return comment_id, microseconds(moment)


def parse_utc(text):
    """Parse an ISO 8601 timestamp written by ``to_json``."""
    return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)


def format_utc(moment):
    """Write a UTC datetime as ISO 8601 with a Z."""
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


class Comment(NamedTuple):
    """One comment as the site may see it.

    A NamedTuple, not a dataclass: a site has 100,000s of comments and a
    frozen dataclass takes five times as long to make (0.13 s per 100,000).
    """

    id: int
    thread_uri: str
    thread_title: str
    parent: int | None
    created: datetime.datetime
    modified: datetime.datetime | None
    state: str
    author: str
    website: str
    text: str  # Markdown as written; render with Digest.text_html
    likes: int
    staff_name: str | None = None  # display name when verified staff

    @property
    def is_staff(self):
        """True when the server recorded this comment as written by staff."""
        return self.staff_name is not None


def oldest_first(comment):
    """Sort key: creation time, then id (two comments can share a moment)."""
    return comment.created, comment.id


class Mention(NamedTuple):
    """An approved Webmention whose source links to one of our pages
    (``comments.store.webmentions``): a parade participant when the target
    is a call."""

    source: str
    target_path: str
    title: str
    author: str
    published: str  # as the source's h-entry says it, "" when it does not
    joined_at: float  # Unix time the source was first found linking
    summary: str = ""  # the first sentence of its summary, "" when none


@dataclass(frozen=True, slots=True)
class Removal:
    """One entry of the public removal log: no content, no personal data."""

    comment_id: int
    thread_uri: str | None
    removed_at: datetime.datetime
    reason: str
    note: str = ""


@dataclass(frozen=True)
class CommentData:
    """Every comment and removal of the site, read at one moment."""

    read_at: datetime.datetime
    source: str  # "database", "http", "snapshot" or "none"
    comments: tuple[Comment, ...] = ()
    removals: tuple[Removal, ...] = ()
    database_id: str = ""  # fingerprint of the database, never its secret
    # ``comment_key``s of the reader comments staff decided need no answer
    # (``blog_no_answer_needed``): neither answered nor open.
    no_answer_needed: frozenset = frozenset()
    # Isso's renderer, handed on to the build's digest (``Digest.text_html``)
    renderer: object = field(default=None, compare=False, repr=False)
    mentions: tuple = ()  # approved Webmentions (Mention), in the header

    def replace(self, **changes):
        """Return a copy with some fields changed."""
        values = {
            name: getattr(self, name)
            for name in (
                "read_at",
                "source",
                "comments",
                "removals",
                "database_id",
                "mentions",
                "no_answer_needed",
            )
        }
        return CommentData(**{**values, "renderer": self.renderer, **changes})


COMMENT_FIELDS = list(Comment._fields)
CREATED, MODIFIED = COMMENT_FIELDS.index("created"), COMMENT_FIELDS.index("modified")


def to_json_comment(comment):
    """Return one comment as a JSON-ready list, in COMMENT_FIELDS order."""
    row = list(comment)
    row[CREATED] = format_utc(comment.created)
    row[MODIFIED] = format_utc(comment.modified) if comment.modified else None
    return row


def from_json_comment(row):
    """Rebuild one comment from ``to_json_comment`` output."""
    if len(row) != len(COMMENT_FIELDS):
        raise ValueError(f"a comment has {len(row)} fields, not {len(COMMENT_FIELDS)}")
    values = list(row)
    values[CREATED] = parse_utc(row[CREATED])
    values[MODIFIED] = parse_utc(row[MODIFIED]) if row[MODIFIED] else None
    return Comment._make(values)


def from_json_comment_v1(item):
    """Rebuild one comment from format 1's object."""
    return Comment(
        **{
            **item,
            "created": parse_utc(item["created"]),
            "modified": parse_utc(item["modified"]) if item["modified"] else None,
        }
    )


def to_json_header(data):
    """Return everything of ``data`` but its comments and removals (the
    approved Webmentions, few and small, only when there are any)."""
    header = {
        "format": FORMAT_VERSION,
        "read_at": format_utc(data.read_at),
        "source": data.source,
        "database_id": data.database_id,
        "comment_fields": COMMENT_FIELDS,
        "no_answer_needed": sorted([*key] for key in data.no_answer_needed),
    }
    if data.mentions:
        header["mentions"] = [list(mention) for mention in data.mentions]
    return header


def to_json(data):
    """Return ``data`` as a JSON-ready dict (timestamps as ISO 8601 UTC)."""
    return {
        **to_json_header(data),
        "comments": [to_json_comment(comment) for comment in data.comments],
        "removals": [to_json_removal(removal) for removal in data.removals],
    }


def from_json(values, renderer=None):
    """Rebuild CommentData from ``to_json`` output; raise ValueError if malformed."""
    version = values.get("format")
    if version not in READABLE_FORMATS:
        raise ValueError(f"unknown format {version!r}")
    if version == 2 and values.get("comment_fields") != COMMENT_FIELDS:
        raise ValueError(f"unknown comment fields {values.get('comment_fields')!r}")
    make = from_json_comment if version == 2 else from_json_comment_v1
    try:
        with many_objects():
            comments = tuple(make(item) for item in values["comments"])
        removals = tuple(from_json_removal(item) for item in values["removals"])
        mentions = tuple(Mention(*item) for item in values.get("mentions", ()))
        return CommentData(
            mentions=mentions,
            read_at=parse_utc(values["read_at"]),
            source=values["source"],
            comments=comments,
            removals=removals,
            database_id=values.get("database_id", ""),
            no_answer_needed=frozenset(
                (int(key[0]), int(key[1])) for key in values.get("no_answer_needed", ())
            ),
            renderer=renderer,
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"missing or unexpected field {error}") from None


def to_json_removal(removal):
    """Return one removal as a JSON-ready dict."""
    return {
        "comment_id": removal.comment_id,
        "thread_uri": removal.thread_uri,
        "removed_at": format_utc(removal.removed_at),
        "reason": removal.reason,
        "note": removal.note,
    }


def from_json_removal(item):
    """Rebuild one removal from ``to_json_removal`` output."""
    return Removal(**{**item, "removed_at": parse_utc(item["removed_at"])})
