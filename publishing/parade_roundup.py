"""``invoke parades.roundup SLUG``: a Markdown draft of a hosted parade's round-up.

The participants are the ones the parade page lists (comments, the YAML
file, approved Webmentions), read from the ``parade.json`` of a fresh local
build into a temporary folder. The draft (``Status: draft``) links the
call, lists every participant with title, author, link, date and the first
sentence of its summary, grouped by date (undated ones last), marks late
ones, and leaves the intro and the closing words to the host. It joins the
parade (``Parade``/``Parade_slug``), so publishing it sends each participant
a Webmention (``webmention_send``).
"""

import datetime
import json
import re
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from invoke import Exit

from publishing.new_post import article_slug, read_metadata
from publishing.site_build import pelican_build

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
UNDATED = "Weitere Beiträge"
HOST_ROLES = ("host", "gastgeber", "gastgeberin")  # blog_parade's metadata.py


def markdown_text(text):
    """Return plain text that Markdown shows exactly as written."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def markdown_link(url):
    """Return an address that ends a Markdown link nowhere but at its end."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def german_date(iso):
    """Return an ISO date as 10.12.2026."""
    day = datetime.date.fromisoformat(iso)
    return f"{day:%d.%m.%Y}"


def participant_line(participant):
    """Return one participant as a Markdown list item."""
    title = participant.get("title") or participant["name"]
    line = f"- [{markdown_text(title)}]({markdown_link(participant['url'])})"
    if participant.get("title"):
        line += f" von {markdown_text(participant['name'])}"
    if participant.get("late"):
        line += " *(nach dem Einsendeschluss)*"
    if participant.get("summary"):
        line += f": {markdown_text(participant['summary'])}"
    return line


def by_date(participants):
    """Return ``[(heading, [participant, …]), …]``: dated ones by day, oldest
    first, then the undated ones in the page's order."""
    days = {}
    for participant in participants:
        days.setdefault(participant.get("date") or "", []).append(participant)
    groups = [(german_date(day), days[day]) for day in sorted(days) if day]
    if "" in days:
        groups.append((UNDATED, days[""]))
    return groups


def call_article(content, record):
    """Return ``(path relative to content, metadata)`` of the call of the parade
    ``record`` among the Markdown files under ``content``, or (None, {})."""
    for path in sorted(Path(content).rglob("*.md")):
        metadata = read_metadata(path)
        if metadata.get("parade_role", "").casefold() in HOST_ROLES and (
            record["slug"] == metadata.get("parade_slug")
            or record["title"] == metadata.get("parade")
        ):
            return path.relative_to(content).as_posix(), metadata
    return None, {}


def roundup_markdown(record, now, author, category, call_link=None):
    """Return the draft's Markdown text for the parade ``record`` (parade.json);
    ``call_link`` (e.g. ``{filename}/articles/aufruf.md``) links the call."""
    title = f"Zusammenfassung der Blogparade „{record['title']}“"
    participants = record["participants"]
    lines = [
        f"Title: {title}",
        f"Date: {now:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        "Tags: Blogparade",
        f"Authors: {author}",
        f"Summary: Alle Beiträge zur Blogparade „{record['title']}“ im Überblick.",
        f"Parade: {record['title']}",
        f"Parade_slug: {record['slug']}",
        "Status: draft",
        "",
        "<!-- Einleitung: Worum ging es, was hat uns überrascht? -->",
        "",
        f"Unsere Blogparade [„{markdown_text(record['title'])}“]"
        f"({call_link or markdown_link(record['url'])}) ist vorbei: "
        + (
            f"{len(participants)} Beiträge haben teilgenommen."
            if len(participants) != 1
            else "ein Beitrag hat teilgenommen."
        ),
    ]
    for heading, group in by_date(participants):
        lines += ["", f"## {heading}", "", *map(participant_line, group)]
    lines += ["", "<!-- Schluss: Dank an alle, und wie es weitergeht. -->", ""]
    return "\n".join(lines)


def parade_record(settings_file, slug):
    """Build the site into a temporary folder; return the parade's parade.json."""
    from pelican.settings import read_settings

    settings = read_settings(str(settings_file))
    with tempfile.TemporaryDirectory(prefix="blog-roundup-") as work:
        output = Path(work) / "output"
        pelican_build(
            settings_file,
            OUTPUT_PATH=str(output),
            CACHE_PATH=str(Path(work) / "cache"),
        )
        # The plugin's default (its defaults join the settings only in a build).
        pattern = settings.get("PARADE_JSON_SAVE_AS", "blogparade/{slug}/parade.json")
        path = output / pattern.format(slug=slug)
        if not path.is_file():
            raise Exit(
                f"roundup: keine Parade mit dem Slug {slug!r}; die Slugs sind die "
                "Ordnernamen unter blogparade/ (invoke build)",
                code=1,
            )
        return settings, json.loads(path.read_text(encoding="utf-8"))


def write_roundup(settings_file, folder, slug, now=None):
    """Write the round-up draft of parade ``slug`` into ``folder``; return its path."""
    settings, record = parade_record(settings_file, slug)
    if record["role"] != "host":
        raise Exit(
            f"roundup: {record['title']!r} ist eine Parade, an der wir teilnehmen, "
            "nicht eine, die wir ausrichten; die Zusammenfassung schreibt ihr "
            "Gastgeber",
            code=1,
        )
    now = now or datetime.datetime.now(ZoneInfo(settings["TIMEZONE"]))
    # Pelican links {filename} to the call wherever the site lives.
    call_file, call_metadata = call_article(settings["PATH"], record)
    text = roundup_markdown(
        record,
        now,
        settings["AUTHOR"],
        call_metadata.get("category") or "Allgemein",
        f"{{filename}}/{markdown_link(call_file)}" if call_file else None,
    )
    slug_text = article_slug(f"Zusammenfassung {record['title']}", settings)
    path = Path(folder) / f"{now:%Y-%m-%d}-{slug_text}.md"
    if path.exists():
        raise Exit(
            f"roundup: {path} gibt es schon; sie bearbeiten oder beiseitelegen", code=1
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, len(record["participants"])


PROJECT = Path(__file__).resolve().parents[1]


def roundup_command(slug, project=PROJECT):
    """`invoke parades.roundup SLUG`: write the draft among the project's
    articles (built with its pelicanconf.py) and say where, in German."""
    path, count = write_roundup(
        project / "pelicanconf.py", project / "content" / "articles", slug
    )
    shown = path.relative_to(project) if path.is_relative_to(project) else path
    entries = f"{count} Beiträgen" if count != 1 else "1 Beitrag"
    print(f"{shown} angelegt, mit {entries} (ein Entwurf: die Einleitung schreiben)")
