"""Parse the blog parade metadata of one article into a ParadeInfo.

An article joins a parade through its metadata (Pelican lowercases the keys)::

    Parade: Social Media im Kundenservice – was zählt?
    Parade_host: Beispiel Bank
    Parade_url: https://example.org/aufruf-blogparade
    Parade_deadline: 2026-12-15
    Parade_role: guest            (default; "host" when the article is our call)
    Parade_summary: https://example.org/blogparade-zusammenfassung
    Parade_hashtag: KundenserviceParade
    Parade_slug: social-media-kundenservice

Only ``Parade`` is needed; any other ``Parade…`` key is reported as a typo.
The call of a parade we host is the host article
itself, so a host article needs no ``Parade_url``. A value that cannot be used
becomes a ``Problem`` (metadata key and message) and is left out; the article
still joins.
"""

import datetime
import difflib
import re
from dataclasses import dataclass

from .links import is_web_url

GUEST = "guest"
HOST = "host"
ROLE_NAMES = {
    "guest": GUEST,
    "gast": GUEST,
    "host": HOST,
    "gastgeber": HOST,
    "gastgeberin": HOST,
}
# Field of ParadeInfo → the metadata key as authors write it (for messages).
KEYS = {
    "title": "Parade",
    "host": "Parade_host",
    "url": "Parade_url",
    "deadline": "Parade_deadline",
    "role": "Parade_role",
    "summary_url": "Parade_summary",
    "hashtag": "Parade_hashtag",
    "slug": "Parade_slug",
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HASHTAG = re.compile(r"\w+")


@dataclass(frozen=True)
class Problem:
    """A metadata value that cannot be used: its key and what is wrong."""

    key: str
    message: str


@dataclass(frozen=True)
class ParadeInfo:
    """What one article's metadata says about its parade."""

    title: str
    slug: str
    host: str = ""
    url: str = ""  # the call; empty for a host article (the call is the article)
    deadline: datetime.date | None = None
    role: str = GUEST
    summary_url: str = ""
    hashtag: str = ""  # without the "#"


def text_value(value):
    """Return a metadata value as stripped text ("" when absent)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    return str(value).strip()


def parse_deadline(text):
    """Return the date of a YYYY-MM-DD text, or None."""
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:  # e.g. 2026-02-30
        return None


def same_path(url, article_path):
    """True when ``url`` points at the article with site path ``article_path``."""
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", url, flags=re.IGNORECASE)
    return path.split("#")[0].split("?")[0].strip("/") == article_path.strip("/")


def usable(slug):
    """``slug``, or "" when it has no letter or digit ("---" slugifies to "-")."""
    return slug if any(char.isalnum() for char in slug) else ""


def unknown_keys(metadata):
    """Return a Problem for each ``Parade…`` key that is none of ``KEYS``
    (a typo would otherwise drop its value without a word)."""
    known = {key.lower(): key for key in KEYS.values()}
    problems = []
    for key in sorted(metadata):
        if not key.startswith("parade") or key in known:
            continue
        guess = difflib.get_close_matches(key, known, n=1)
        hint = (
            f"did you mean {known[guess[0]]}?"
            if guess
            else (f"the keys are {', '.join(KEYS.values())}")
        )
        problems.append(
            Problem(key.capitalize(), f"is not a parade key, ignored; {hint}")
        )
    return problems


def parse_metadata(metadata, slugify, article_path=""):
    """Return ``(ParadeInfo or None, [Problem, …])`` for one article's metadata."""
    values = {name: text_value(metadata.get(key.lower())) for name, key in KEYS.items()}
    problems = unknown_keys(metadata)
    if not values["title"]:
        if KEYS["title"].lower() in metadata:
            problems.append(
                Problem(KEYS["title"], "is empty; the article joins no parade")
            )
        problems.extend(
            Problem(KEYS[name], "is set but Parade is not; it is ignored")
            for name in KEYS
            if name != "title" and values[name]
        )
        return None, problems

    role = ROLE_NAMES.get(values["role"].casefold()) if values["role"] else GUEST
    if role is None:
        problems.append(
            Problem(
                KEYS["role"], f"{values['role']!r} is not guest or host; using guest"
            )
        )
        role = GUEST

    deadline = None
    if values["deadline"]:
        deadline = parse_deadline(values["deadline"])
        if deadline is None:
            problems.append(
                Problem(
                    KEYS["deadline"],
                    f"{values['deadline']!r} is not a date like 2026-12-15; "
                    "the parade has no deadline",
                )
            )

    links = {}
    for name in ("url", "summary_url"):
        value = values[name]
        if value and not is_web_url(value):
            problems.append(
                Problem(KEYS[name], f"{value!r} is not an http(s) address; not linked")
            )
            value = ""
        links[name] = value
    if role == HOST and links["url"]:
        if not same_path(links["url"], article_path):
            problems.append(
                Problem(
                    KEYS["url"],
                    f"{links['url']!r} is ignored: the call of a parade we host "
                    "is the host article itself",
                )
            )
        links["url"] = ""

    hashtag = values["hashtag"].lstrip("#")
    if values["hashtag"] and not HASHTAG.fullmatch(hashtag):
        problems.append(
            Problem(
                KEYS["hashtag"],
                f"{values['hashtag']!r} is not one word (letters, digits, _); "
                "it is left out",
            )
        )
        hashtag = ""

    slug = ""
    if values["slug"]:
        slug = usable(slugify(values["slug"]))
        if not slug:
            problems.append(
                Problem(
                    KEYS["slug"],
                    f"{values['slug']!r} leaves no letters or digits; "
                    "using the title instead",
                )
            )
    slug = slug or usable(slugify(values["title"]))
    if not slug:
        problems.append(
            Problem(
                KEYS["title"],
                f"{values['title']!r} leaves no letters or digits for a slug; "
                "set Parade_slug (the article joins no parade until then)",
            )
        )
        return None, problems

    info = ParadeInfo(
        title=values["title"],
        slug=slug,
        host=values["host"],
        url=links["url"],
        deadline=deadline,
        role=role,
        summary_url=links["summary_url"],
        hashtag=hashtag,
    )
    return info, problems
