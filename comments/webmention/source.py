"""What a mention's source page says: does it link to the target, and its h-entry.

Pure functions over the fetched HTML. A source links to the target when an
``<a>``/``<area>`` ``href`` or an ``<img>``/``<video>``/``<audio>`` ``src``
resolves to the target's address (``same_address``: scheme and host in any
case, default ports, a trailing slash and the fragment do not matter). The
entry's name, author, published date and summary come from its microformats
(mf2py, the first ``h-entry``); a page without them gives its ``<title>``.
Every value is one line of plain text, shortened to a length a page can show.
"""

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

LINKING_ATTRIBUTES = (("a", "href"), ("area", "href"), ("img", "src"))
LINKING_ATTRIBUTES += (("video", "src"), ("audio", "src"), ("source", "src"))
HTML_TYPES = ("text/html", "application/xhtml+xml")
LIMITS = {"title": 200, "author": 100, "published": 40, "summary": 300}
SPACES = re.compile(r"\s+")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s")


@dataclass(frozen=True)
class Entry:
    """What a source page tells about itself (each "" when it says nothing)."""

    title: str = ""
    author: str = ""
    published: str = ""
    summary: str = ""


def same_address(url):
    """Return ``url`` in a form two spellings of one page share (or None)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.removeprefix("www.")
    if port and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return urlunsplit(("", host, parts.path.rstrip("/"), parts.query, ""))


def is_html(content_type):
    """True for a media type a browser shows as a page."""
    return content_type in HTML_TYPES


def linked_address(html, base_url, target):
    """Return the address as the page ``html`` (fetched from ``base_url``) links
    to ``target`` (another spelling of it, perhaps), or None when it does not."""
    from bs4 import BeautifulSoup

    wanted = same_address(target)
    soup = BeautifulSoup(html, "html.parser")
    base = soup.find("base", href=True)
    base_url = urljoin(base_url, base["href"]) if base else base_url
    for name, attribute in LINKING_ATTRIBUTES:
        for element in soup.find_all(name, **{attribute: True}):
            address = urljoin(base_url, element[attribute])
            if same_address(address) == wanted:
                return address
    return None


def links_to(html, base_url, target):
    """True when the page ``html`` (fetched from ``base_url``) links to ``target``."""
    return linked_address(html, base_url, target) is not None


def one_line(value, limit):
    """Return ``value`` as one line of text, at most ``limit`` characters."""
    text = SPACES.sub(" ", str(value or "")).strip()
    text = "".join(char for char in text if char.isprintable())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_sentence(text):
    """Return the first sentence of ``text``."""
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0] if text else ""


def first_value(properties, name):
    """Return the first value of an mf2 property as text ("" when absent)."""
    values = properties.get(name) or [""]
    value = values[0]
    if isinstance(value, dict):  # an embedded h-card, or e-content
        nested = value.get("properties", {})
        return (
            first_value(nested, "name")
            if nested.get("name")
            else value.get("value") or value.get("html", "")
        )
    return str(value)


def find_entry(items):
    """Return the first h-entry among mf2 items and their children, or None."""
    for item in items:
        if "h-entry" in item.get("type", ()):
            return item
        found = find_entry(item.get("children", ()))
        if found:
            return found
    return None


def entry_of(html, url):
    """Return the Entry of a source page: its first h-entry, else its <title>."""
    import mf2py
    from bs4 import BeautifulSoup

    parsed = mf2py.parse(doc=html, url=url, html_parser="html.parser")
    entry = find_entry(parsed.get("items", ()))
    properties = entry.get("properties", {}) if entry else {}
    title = first_value(properties, "name")
    summary = first_value(properties, "summary") or first_value(properties, "content")
    if not title or (summary and one_line(title, 400) == one_line(summary, 400)):
        # mf2's implied name of an entry without p-name is all its text.
        page_title = BeautifulSoup(html, "html.parser").title
        title = page_title.get_text() if page_title else title
    return Entry(
        title=one_line(title, LIMITS["title"]),
        author=one_line(first_value(properties, "author"), LIMITS["author"]),
        published=one_line(first_value(properties, "published"), LIMITS["published"]),
        summary=one_line(first_sentence(one_line(summary, 2000)), LIMITS["summary"]),
    )
