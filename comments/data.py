"""The comment data every build sees: plain, typed, read-only, without personal data.

No field here can hold an email or IP address: the reader never selects them.
Text and author of comments awaiting moderation are blanked too, so nothing
unapproved can reach a page by mistake.
"""

import datetime
from dataclasses import dataclass, field

PUBLISHED = "published"
PENDING = "pending"  # awaiting moderation (Isso mode 2)
WITHDRAWN = "withdrawn"  # deleted by its author, kept for its replies (Isso mode 4)
REMOVED = "removed"  # blanked by staff with a recorded reason, kept for its replies

STATES = (PUBLISHED, PENDING, WITHDRAWN, REMOVED)

FORMAT_VERSION = 1


def utc_from_timestamp(seconds):
    """Return an aware UTC datetime for Unix seconds."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def parse_utc(text):
    """Parse an ISO 8601 timestamp written by ``to_json``."""
    return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)


def format_utc(moment):
    """Write a UTC datetime as ISO 8601 with a Z."""
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment as the site may see it."""

    id: int
    thread_uri: str
    thread_title: str
    parent: int | None
    created: datetime.datetime
    modified: datetime.datetime | None
    state: str
    author: str
    website: str
    text: str  # Markdown as written; render with CommentData.text_html
    likes: int
    staff_name: str | None = None  # display name when verified staff

    @property
    def is_staff(self):
        """True when the server recorded this comment as written by staff."""
        return self.staff_name is not None


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
    renderer: object = field(default=None, compare=False, repr=False)
    rendered: dict = field(default_factory=dict, compare=False, repr=False)

    def thread(self, uri):
        """Return the comments of one thread, oldest first."""
        return tuple(comment for comment in self.comments if comment.thread_uri == uri)

    def text_html(self, comment):
        """Return the comment's text rendered and sanitised as Isso does (memoised).

        Rendering costs about a millisecond a comment, so it happens only for
        the comments a page actually shows.
        """
        if comment.id not in self.rendered:
            self.rendered[comment.id] = (
                self.renderer.render(comment.text) if comment.text else ""
            )
        return self.rendered[comment.id]

    def replace(self, **changes):
        """Return a copy with some fields changed (the render memo starts empty)."""
        values = {
            name: getattr(self, name)
            for name in ("read_at", "source", "comments", "removals", "database_id")
        }
        return CommentData(**{**values, "renderer": self.renderer, **changes})


def to_json_comment(comment):
    """Return one comment as a JSON-ready dict (field by field: dataclasses.asdict
    deep-copies and is ten times slower)."""
    return {
        "id": comment.id,
        "thread_uri": comment.thread_uri,
        "thread_title": comment.thread_title,
        "parent": comment.parent,
        "created": format_utc(comment.created),
        "modified": format_utc(comment.modified) if comment.modified else None,
        "state": comment.state,
        "author": comment.author,
        "website": comment.website,
        "text": comment.text,
        "likes": comment.likes,
        "staff_name": comment.staff_name,
    }


def to_json_header(data):
    """Return everything of ``data`` but its comments and removals."""
    return {
        "format": FORMAT_VERSION,
        "read_at": format_utc(data.read_at),
        "source": data.source,
        "database_id": data.database_id,
    }


def to_json(data):
    """Return ``data`` as a JSON-ready dict (timestamps as ISO 8601 UTC)."""
    return {
        **to_json_header(data),
        "comments": [to_json_comment(comment) for comment in data.comments],
        "removals": [to_json_removal(removal) for removal in data.removals],
    }


def from_json(values, renderer=None):
    """Rebuild CommentData from ``to_json`` output; raise ValueError if malformed."""
    if values.get("format") != FORMAT_VERSION:
        raise ValueError(f"unknown format {values.get('format')!r}")
    try:
        comments = tuple(
            Comment(
                **{
                    **item,
                    "created": parse_utc(item["created"]),
                    "modified": parse_utc(item["modified"])
                    if item["modified"]
                    else None,
                }
            )
            for item in values["comments"]
        )
        removals = tuple(from_json_removal(item) for item in values["removals"])
        return CommentData(
            read_at=parse_utc(values["read_at"]),
            source=values["source"],
            comments=comments,
            removals=removals,
            database_id=values.get("database_id", ""),
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
