"""Write ``sitemap.xml`` and ``robots.txt`` from the pages the build wrote.

After every build, each written HTML page is read up to ``</head>``: a page
whose ``<meta name="robots">`` says ``noindex`` is left out (drafts, hidden
pages such as 404, the search page); every other page is listed by its
``<link rel="canonical">`` and, where the page states one, with its
``article:modified_time`` (else ``article:published_time``) as ``lastmod``.
So the sitemap lists exactly what the theme lets search engines index, pages
written by other plugins included, and two builds of the same content write
the same file. ``robots.txt`` allows everything and names the sitemap (an
absolute URL when ``SITEURL`` is).

The pelican-sitemap package was not used: it gives pages without a date and
all listings the time its module was imported as ``lastmod`` (no reproducible
build) and keeps its queue in module state, so after one failed build a
process never writes a sitemap again.

Signals: ``initialized`` (checks settings), ``finalized`` (writes both files).
"""

import logging
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments.core import SetupError

logger = logging.getLogger(__name__)

PLUGIN_NAME = "sitemap_robots"

DEFAULTS = {
    "SITEMAP_ENABLED": True,
    "SITEMAP_SAVE_AS": "sitemap.xml",
    # An empty value leaves robots.txt to the web server.
    "ROBOTS_SAVE_AS": "robots.txt",
}
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


class SitemapSettingError(SetupError):
    """A SITEMAP_*/ROBOTS_* setting is wrong; the message names it and the fix."""


@dataclass(frozen=True)
class PageHead:
    """What a page's ``<head>`` says about indexing it."""

    noindex: bool = False
    canonical: str | None = None
    modified: str | None = None
    published: str | None = None


class SitemapEntry(NamedTuple):
    """One ``<url>`` of the sitemap (a NamedTuple: one per page of the site)."""

    loc: str
    lastmod: str | None = None


class HeadParser(HTMLParser):
    """Collect the robots, canonical and article time tags of one ``<head>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "meta" and attributes.get("name", "").lower() == "robots":
            if "noindex" in attributes.get("content", "").lower():
                self.values["noindex"] = True
        elif tag == "link" and "canonical" in attributes.get("rel", "").split():
            self.values.setdefault("canonical", attributes.get("href"))
        elif tag == "meta" and attributes.get("property") == "article:modified_time":
            self.values.setdefault("modified", attributes.get("content"))
        elif tag == "meta" and attributes.get("property") == "article:published_time":
            self.values.setdefault("published", attributes.get("content"))


HEAD_TAGS = re.compile(r"<(?:meta|link)\b[^>]*>", re.IGNORECASE)
# Words one of the tags HeadParser reads must contain: a cheap pre-filter (a
# head has ~20 tags, usually four of them relevant).
RELEVANT_WORDS = (
    "robots",
    "canonical",
    "article:modified_time",
    "article:published_time",
)
HEAD_CHUNK = 8192


def read_head(html):
    """Return what the ``<head>`` of an HTML document says about indexing."""
    end = html.find("</head>")
    head = html if end < 0 else html[:end]
    tags = [
        tag
        for tag in HEAD_TAGS.findall(head)
        if any(word in tag.lower() for word in RELEVANT_WORDS)
    ]
    parser = HeadParser()
    parser.feed("".join(tags))
    parser.close()
    return PageHead(**parser.values)


def head_text(path):
    """Return the text of a page up to its ``</head>`` (the whole page if none)."""
    with open(path, "rb") as page:
        head = page.read(HEAD_CHUNK)
        while b"</head>" not in head:
            more = page.read(HEAD_CHUNK)
            if not more:
                break
            head += more
    return head.decode("utf-8", errors="replace")


def html_files(output_path, skip):
    """Return the sorted paths (relative, with /) of the HTML files written."""
    found = []
    for folder, subfolders, files in os.walk(output_path):
        relative = os.path.relpath(folder, output_path)
        if relative == ".":
            subfolders[:] = [name for name in subfolders if name not in skip]
            prefix = ""
        else:
            prefix = relative.replace(os.sep, "/") + "/"
        found += [prefix + name for name in files if name.endswith(".html")]
    return sorted(found)


def page_url(siteurl, relative_path):
    """Return the URL of a written file, a folder's index.html as the folder."""
    url = relative_path.replace(os.sep, "/")
    if url == "index.html" or url.endswith("/index.html"):
        url = url[: -len("index.html")]
    return f"{siteurl}/{url}"


def sitemap_entry(siteurl, relative_path, head):
    """Return the sitemap entry of one page, or None when it is not indexable."""
    if head.noindex:
        return None
    return SitemapEntry(
        loc=head.canonical or page_url(siteurl, relative_path),
        lastmod=head.modified or head.published,
    )


def collect_entries(output_path, siteurl, skip=()):
    """Return the sorted entries of all indexable HTML pages under output_path."""
    entries = {}
    for relative in html_files(output_path, skip):
        head = read_head(head_text(os.path.join(output_path, relative)))
        entry = sitemap_entry(siteurl, relative, head)
        if entry:
            entries.setdefault(entry.loc, entry)
    return [entries[loc] for loc in sorted(entries)]


def sitemap_pieces(entries):
    """Yield the sitemap XML of ``entries`` piece by piece, one ``<url>`` each.

    Written as they come, the pieces never exist as one document, nor as an
    element tree (5 MiB at 8,000 pages, at the end of the build, when its
    memory peaks). The text is what ElementTree writes, indented.
    """
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    start = f'<urlset xmlns="{SITEMAP_NAMESPACE}"'
    for entry in entries:
        if start:
            yield f"{start}>\n"
            start = None
        lastmod = (
            f"\n    <lastmod>{escape(entry.lastmod)}</lastmod>" if entry.lastmod else ""
        )
        yield f"  <url>\n    <loc>{escape(entry.loc)}</loc>{lastmod}\n  </url>\n"
    yield f"{start} />\n" if start else "</urlset>\n"


def robots_document(sitemap_url):
    """Return robots.txt allowing every crawler and naming the sitemap."""
    lines = ["User-agent: *", "Disallow:"]
    if sitemap_url:
        lines += ["", f"Sitemap: {sitemap_url}"]
    return "\n".join(lines) + "\n"


def sitemap_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    for key in ("SITEMAP_SAVE_AS", "ROBOTS_SAVE_AS"):
        value = values[key]
        if value and (value.startswith("/") or ".." in Path(value).parts):
            raise SitemapSettingError(
                f"{key}={value!r} must be a path inside the output folder"
            )
    return values


def configure(pelican):
    """Check the settings once, so a mistake stops the build at its start."""
    if is_listed(pelican.settings):
        sitemap_settings(pelican.settings)


def write_files(pelican):
    """Write the sitemap and robots.txt into the finished output."""
    if not is_listed(pelican.settings):
        return
    settings = sitemap_settings(pelican.settings)
    if not settings["SITEMAP_ENABLED"]:
        return
    output_path = Path(pelican.output_path)
    siteurl = pelican.settings.get("SITEURL", "").rstrip("/")
    # Pagefind's bundle holds no pages; reading it would only cost time.
    skip = {pelican.settings.get("PAGEFIND_BUNDLE_DIR", "pagefind")}
    sitemap_url = None
    if settings["SITEMAP_SAVE_AS"]:
        entries = collect_entries(output_path, siteurl, skip)
        target = output_path / settings["SITEMAP_SAVE_AS"]
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(sitemap_pieces(entries))
        sitemap_url = f"{siteurl}/{settings['SITEMAP_SAVE_AS']}"
        logger.info("sitemap_robots: %d pages in %s", len(entries), target)
    if settings["ROBOTS_SAVE_AS"]:
        target = output_path / settings["ROBOTS_SAVE_AS"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(robots_document(sitemap_url), encoding="utf-8")


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.finalized.connect(write_files)
