"""Participants of a parade we host: links left in comments, plus manual entries.

The classic way to join a parade is to leave the link to one's post in a
comment on the call. Every external http(s) link in a published reader comment
on the call article counts, found in the comment's sanitised HTML (what Isso
shows) as a link or as a bare address in the text. Staff comments, comments
awaiting moderation, withdrawn and removed ones count for nothing, so a
participant whose comment is removed disappears with the next build.

Entries that came by mail or pingback live in ``<slug>.yml``, a YAML list::

    - name: Blog von Eva Beispiel
      url: https://blog.example.net/2026/offenheit/

Posts that sent the call a Webmention count once staff approved them
(``comments.store.webmentions``, in ``COMMENT_DATA.mentions``); they bring
their title, author and date, and one dated after the deadline is marked
late, not dropped.

Addresses are normalised (links.normalise_url) and each is listed once: the
first comment with it wins, comments before manual entries before
Webmentions; a Webmention's title and date complete an entry found first
elsewhere.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass

import yaml

from comments.build.data import PUBLISHED

from .links import normalise_url, site_host
from .metadata import Problem

COMMENT = "comment"
MANUAL = "manual"
WEBMENTION = "webmention"

BARE_URL = re.compile(r"""https?://[^\s<>"'“”„«»]+""", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,:;!?'\"…)]}"
MANUAL_FIELDS = ("name", "url")


@dataclass(frozen=True)
class Participant:
    """A post that joined the parade: who wrote it, where, and how we know."""

    name: str
    url: str  # normalised
    source: str  # COMMENT, MANUAL or WEBMENTION
    title: str = ""  # the post's title, when a Webmention told it
    date: datetime.date | None = None  # its date, when a Webmention told it
    late: bool = False  # dated after the parade's deadline
    summary: str = ""  # its first sentence, when a Webmention told it


def counts_as_entry(comment, thread_uri):
    """True for a published reader comment on the call article."""
    return (
        comment.thread_uri == thread_uri
        and comment.state == PUBLISHED
        and not comment.is_staff
    )


def trim_bare_url(text):
    """Drop punctuation that ends the sentence rather than the address."""
    while text and text[-1] in TRAILING_PUNCTUATION:
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break  # e.g. https://de.wikipedia.org/wiki/Blog_(Begriff)
        text = text[:-1]
    return text


def links_in(html):
    """Return the link targets and bare addresses in an HTML fragment, in order.

    BeautifulSoup is imported here, when a comment on a call is parsed: its
    import takes 50 ms, most of the work `invoke refresh` has with parades.
    """
    from bs4 import BeautifulSoup, NavigableString, Tag

    found = []
    for node in BeautifulSoup(html, "html.parser").descendants:
        if isinstance(node, Tag) and node.name == "a" and node.get("href"):
            found.append(node["href"])
        elif type(node) is NavigableString and node.find_parent("a") is None:
            found.extend(trim_bare_url(match) for match in BARE_URL.findall(node))
    return found


def from_comments(entries, thread_uri, own_hosts):
    """Return participants from ``(comment, sanitised html)`` pairs, oldest first."""
    own = {host.removeprefix("www.") for host in own_hosts if host}
    participants = []
    for comment, html in entries:
        if not counts_as_entry(comment, thread_uri):
            continue
        for link in links_in(html):
            url = normalise_url(link)
            if url is None or site_host(url) in own:
                continue
            name = comment.author.strip() or site_host(url)
            participants.append(Participant(name, url, COMMENT))
    return unique(participants)


def parse_manual(text):
    """Return ``([Participant, …], [Problem, …])`` for a ``<slug>.yml`` text."""
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        reason = getattr(error, "problem", None) or "not YAML"
        return [], [Problem("YAML", f"does not parse ({where}{reason})")]
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        return [], [
            Problem(
                "YAML",
                f"is a {type(entries).__name__}, not a list of entries "
                "with name and url",
            )
        ]
    participants, problems = [], []
    for number, entry in enumerate(entries, start=1):
        participant, problem = manual_entry(number, entry)
        if participant:
            participants.append(participant)
        if problem:
            problems.append(problem)
    return unique(participants), problems


def manual_entry(number, entry):
    """Return ``(Participant or None, Problem or None)`` for one list entry."""
    where = f"entry {number}"
    if not isinstance(entry, dict):
        return None, Problem(where, "is not a mapping with name and url; skipped")
    unknown = sorted(str(key) for key in entry if key not in MANUAL_FIELDS)
    name, url = entry.get("name"), entry.get("url")
    if not isinstance(name, str) or not name.strip():
        return None, Problem(f"{where}: name", "is missing or not text; skipped")
    if not isinstance(url, str) or normalise_url(url) is None:
        return None, Problem(
            f"{where}: url", f"{url!r} is not an http(s) address; skipped"
        )
    participant = Participant(name.strip(), normalise_url(url), MANUAL)
    if unknown:
        return participant, Problem(
            f"{where}: {', '.join(unknown)}", "unknown key(s), ignored (name, url)"
        )
    return participant, None


def mention_date(mention, timezone):
    """Return the date a mention's post names (ISO ``published``), else the day
    it was first found linking, in ``timezone``."""
    try:
        return datetime.date.fromisoformat(mention.published[:10])
    except ValueError:
        moment = datetime.datetime.fromtimestamp(mention.joined_at, datetime.UTC)
        return moment.astimezone(timezone).date()


def from_mentions(mentions, call_path, deadline, timezone):
    """Return participants from approved Webmentions (``data.Mention``) of the
    call at site path ``call_path``, oldest first; late ones marked."""
    wanted = call_path.strip("/")
    participants = []
    for mention in mentions:
        url = normalise_url(mention.source)
        if url is None or mention.target_path.strip("/") != wanted:
            continue
        date = mention_date(mention, timezone)
        participants.append(
            Participant(
                name=mention.author or site_host(url),
                url=url,
                source=WEBMENTION,
                title=mention.title,
                date=date,
                late=deadline is not None and date > deadline,
                summary=mention.summary,
            )
        )
    return unique(participants)


def completed(participants, mentioned):
    """Return ``participants`` with title and date from the Webmention of the
    same address, where one came (``mentioned``: Participants by url)."""
    result = []
    for participant in participants:
        mention = mentioned.get(participant.url)
        if mention and participant.source != WEBMENTION:
            participant = dataclasses.replace(
                participant,
                title=participant.title or mention.title,
                date=participant.date or mention.date,
                late=participant.late or mention.late,
                summary=participant.summary or mention.summary,
            )
        result.append(participant)
    return result


def unique(participants, *more):
    """Return the participants with each address once, the first one winning."""
    seen = {}
    for group in (participants, *more):
        for participant in group:
            seen.setdefault(participant.url, participant)
    return list(seen.values())
