"""``invoke new-post``: a Markdown draft with full metadata and a German slug.

The slug is the one Pelican makes with the site's settings (``Grüße`` →
``gruesse``); a title that would give a taken URL, an unusable file name or a
second metadata line is refused with one line, and nothing is written.
"""

import datetime
import unicodedata
from zoneinfo import ZoneInfo

from invoke import Exit

MAX_FILE_NAME = 255  # bytes in a file name on the usual Linux file systems


def article_slug(title, settings):
    """Return the URL slug Pelican would make for ``title`` with these settings."""
    from pelican.utils import slugify

    return slugify(
        title,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        use_unicode=settings["SLUGIFY_USE_UNICODE"],
    )


def draft_url(settings, slug, date, category, author):
    """Return the draft's URL path in the preview (``DRAFT_URL``), or None when
    the setting uses a field not known before the build."""
    fields = {
        "slug": slug,
        "date": date,
        "lang": settings["DEFAULT_LANG"],
        "category": article_slug(category, settings),
        "author": article_slug(author, settings),
    }
    try:
        return "/" + settings["DRAFT_URL"].format_map(fields).lstrip("/")
    except (KeyError, IndexError, ValueError, AttributeError):
        return None


def create_post(settings_file, folder, title, category, author, tags):
    """Write a new draft into ``folder``; return its path and preview URL path."""
    from pelican.settings import read_settings

    title = title.strip()
    if not title:
        raise Exit("new-post: the title is empty; run: invoke new-post 'Titel'", code=1)
    for name, value in (
        ("title", title),
        ("--category", category),
        ("--author", author or ""),
        ("--tags", tags),
    ):
        if any(unicodedata.category(char) == "Cc" for char in value):
            # A line break would start a metadata line of its own ("Status: …").
            raise Exit(
                f"new-post: the {name} {value!r} holds a line break or another "
                "control character; each metadata value is one line",
                code=1,
            )
    settings = read_settings(str(settings_file))
    slug = article_slug(title, settings)
    if not slug:
        raise Exit(f"new-post: no URL slug can be made from {title!r}", code=1)
    now = datetime.datetime.now(ZoneInfo(settings["TIMEZONE"]))
    path = folder / f"{now:%Y-%m-%d}-{slug}.md"
    if len(path.name.encode()) > MAX_FILE_NAME:
        raise Exit(
            f"new-post: the title makes a file name of {len(path.name.encode())} "
            f"bytes (at most {MAX_FILE_NAME}); choose a shorter title",
            code=1,
        )
    if path.exists():
        raise Exit(f"new-post: {path} exists already; choose another title", code=1)
    taken = article_with_slug(folder, slug, now.year)
    if taken is not None:
        raise Exit(
            f"new-post: {taken.name} has the slug {slug!r} in {now.year} already "
            f"(the same URL and comment thread); choose another title",
            code=1,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    author = author or settings["AUTHOR"]
    path.write_text(
        post_skeleton(title, slug, now, category, author, tags), encoding="utf-8"
    )
    return path, draft_url(settings, slug, now, category, author)


def article_with_slug(folder, slug, year):
    """Return the article in ``folder`` whose ``Slug`` and year are these, if any
    (this project's URLs are ``{date:%Y}/{slug}/``)."""
    for path in sorted(folder.glob("*.md")):
        metadata = read_metadata(path)
        if metadata.get("slug") == slug and metadata.get("date", "")[:4] == str(year):
            return path
    return None


def read_metadata(path):
    """Return the metadata block of a Markdown file, keys lower-cased."""
    metadata = {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            key, colon, value = line.partition(":")
            if not line.strip() or not colon:
                break  # the metadata block ends at the first other line
            metadata.setdefault(key.strip().lower(), value.strip())
    return metadata


def post_skeleton(title, slug, date, category, author, tags):
    """Return the Markdown text of a new draft article."""
    return (
        f"Title: {title}\n"
        f"Date: {date:%Y-%m-%d %H:%M}\n"
        f"Modified: {date:%Y-%m-%d %H:%M}\n"
        f"Category: {category}\n"
        f"Tags: {tags}\n"
        f"Slug: {slug}\n"
        f"Authors: {author}\n"
        "Summary: Ein, zwei Sätze, worum es geht.\n"
        "Status: draft\n"
        "\n"
        "Hier beginnt der Text.\n"
    )
