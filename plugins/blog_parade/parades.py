"""Parades as plain data: grouping, deadline status, overview order, JSON record.

Articles with the same parade slug form one parade: the call article (or else
the oldest article) decides, the others fill gaps, and a value that contradicts
it becomes a ``Conflict`` naming both files.
"""

import datetime
from dataclasses import dataclass, field

from .links import site_link
from .metadata import GUEST, HOST, KEYS, ParadeInfo

OPEN = "open"
CLOSED = "closed"
# Fields the articles of one parade must agree on.
SHARED_FIELDS = ("title", "host", "url", "deadline", "summary_url", "hashtag")


@dataclass(frozen=True)
class Contribution:
    """One of our articles in a parade."""

    info: ParadeInfo
    title: str
    url: str  # site path as Pelican gives it, e.g. "2026/slug/"
    author: str
    date: datetime.date
    date_text: str  # the date as the theme shows it
    summary: str  # HTML from our own content
    source_path: str
    # The article's comment thread (plugins/isso_comments) for the count link.
    isso: dict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Parade:
    """One parade with all our contributions to it."""

    slug: str
    title: str
    role: str
    contributions: tuple[Contribution, ...]
    host: str = ""
    url: str = ""  # the external call of a parade we join
    deadline: datetime.date | None = None
    summary_url: str = ""
    hashtag: str = ""
    call: Contribution | None = None  # our call, for a parade we host


@dataclass(frozen=True)
class Conflict:
    """Two articles of one parade disagree; the first one's value is used."""

    slug: str
    key: str
    first_path: str
    other_path: str
    used: object
    ignored: object


@dataclass(frozen=True)
class Status:
    """Open or closed as of the build; days left when open with a deadline."""

    state: str
    days_left: int | None = None


def group(contributions):
    """Return ``(parades sorted by slug, conflicts)`` for all contributions."""
    by_slug = {}
    for contribution in sorted(contributions, key=lambda c: (c.date, c.source_path)):
        by_slug.setdefault(contribution.info.slug, []).append(contribution)
    parades, conflicts = [], []
    for slug in sorted(by_slug):
        parade, found = merge(slug, by_slug[slug])
        parades.append(parade)
        conflicts.extend(found)
    return parades, conflicts


def merge(slug, members):
    """Merge the contributions of one parade, oldest first, into a Parade."""
    calls = [member for member in members if member.info.role == HOST]
    call = calls[0] if calls else None
    lead = call or members[0]
    conflicts = [
        Conflict(slug, KEYS["role"], call.source_path, other.source_path, HOST, HOST)
        for other in calls[1:]
    ]
    values = {name: getattr(lead.info, name) for name in SHARED_FIELDS}
    sources = dict.fromkeys(SHARED_FIELDS, lead.source_path)
    for member in members:
        if member is lead:
            continue
        for name in SHARED_FIELDS:
            value = getattr(member.info, name)
            # Our own posts in a parade we host link to our call: no conflict.
            if not value or (call and name == "url"):
                continue
            if not values[name]:
                values[name], sources[name] = value, member.source_path
            elif value != values[name]:
                conflicts.append(
                    Conflict(
                        slug,
                        KEYS[name],
                        sources[name],
                        member.source_path,
                        values[name],
                        value,
                    )
                )
    if call:
        values["url"] = ""
    parade = Parade(
        slug=slug,
        role=HOST if call else GUEST,
        contributions=tuple(members),
        call=call,
        **values,
    )
    return parade, conflicts


def deadline_status(now, deadline, timezone):
    """Return the Status at ``now``: the deadline day is open until its end."""
    if deadline is None:
        return Status(OPEN)
    days_left = (deadline - now.astimezone(timezone).date()).days
    return Status(OPEN, days_left) if days_left >= 0 else Status(CLOSED)


def index_key(parade, status):
    """Sort key for the overview: open first, then the latest deadline first."""
    return (
        status.state != OPEN,
        parade.deadline is None,
        -parade.deadline.toordinal() if parade.deadline else 0,
        parade.slug,
    )


def call_link(parade, site_url):
    """Return the address of the call: external, or our host article."""
    if parade.call:
        return site_link(site_url, parade.call.url)
    return parade.url


def parade_record(parade, status, participants, site_url):
    """Return the parade as the dict written to ``parade.json``."""
    return {
        "title": parade.title,
        "slug": parade.slug,
        "host": parade.host,
        "url": call_link(parade, site_url),
        "deadline": parade.deadline.isoformat() if parade.deadline else None,
        "status": status.state,
        "role": parade.role,
        "contributions": [
            {
                "title": contribution.title,
                "url": site_link(site_url, contribution.url),
                "author": contribution.author,
                "date": contribution.date.isoformat(),
            }
            for contribution in parade.contributions
        ],
        "participants": [participant_record(item) for item in participants],
    }


def participant_record(participant):
    """Return one participant for ``parade.json``: name, url, source, and the
    title, date, late mark and summary where a Webmention told them."""
    record = {
        "name": participant.name,
        "url": participant.url,
        "source": participant.source,
    }
    if participant.title:
        record["title"] = participant.title
    if participant.date:
        record["date"] = participant.date.isoformat()
    if participant.late:
        record["late"] = True
    if participant.summary:
        record["summary"] = participant.summary
    return record
