"""Publish the "we answer every comment" page and its JSON, and a line per article.

Thin glue over ``figures`` (the definitions and arithmetic) and ``chart`` (the
SVG geometry). The figures are computed once per build from ``COMMENT_DATA``
(plugins/comment_data) and kept in the build's context; articles and pages get
a small plain dict ``answered`` for the line under their title; a Generator
writes ``answered/index.html`` through ``theme/templates/answered.html`` and
``answered/answered.json`` beside it. "As of" is the build's time, or
``SOURCE_DATE_EPOCH`` when set.

Signals: ``initialized`` (settings), ``article_generator_finalized`` and
``page_generator_finalized`` (per-article lines), ``get_generators`` (the page).
"""

import json
import logging
import os
import re

from pelican import signals
from pelican.generators import Generator

from comments import data
from comments.clock import build_now
from comments.errors import SetupError

from . import chart, figures

logger = logging.getLogger(__name__)

DEFAULTS = {
    "ANSWERED_ENABLED": True,
    "ANSWERED_TARGET_HOURS": 24,
    "ANSWERED_URL": "answered/",
    "ANSWERED_SAVE_AS": "answered/index.html",
    "ANSWERED_JSON_SAVE_AS": "answered/answered.json",
    "ANSWERED_EXCERPT_CHARS": 160,
    "ANSWERED_CHART_MONTHS": 12,
    # "Who answered": answers and median response time per staff display name.
    "ANSWERED_SHOW_STAFF": True,
}
CONTEXT_KEY = "ANSWERED_FIGURES"


class AnsweredSettingError(SetupError):
    """An ANSWERED_* setting is wrong; the message names it and the fix."""


def check_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    target = values["ANSWERED_TARGET_HOURS"]
    if isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0:
        raise AnsweredSettingError(
            f"ANSWERED_TARGET_HOURS={target!r} must be a positive number of hours"
        )
    for key in ("ANSWERED_EXCERPT_CHARS", "ANSWERED_CHART_MONTHS"):
        if not isinstance(values[key], int) or values[key] < 1:
            raise AnsweredSettingError(
                f"{key}={values[key]!r} must be a whole number ≥ 1"
            )
    if not isinstance(values["ANSWERED_SHOW_STAFF"], bool):
        raise AnsweredSettingError(
            f"ANSWERED_SHOW_STAFF={values['ANSWERED_SHOW_STAFF']!r} must be True "
            "or False"
        )
    for key in ("ANSWERED_SAVE_AS", "ANSWERED_JSON_SAVE_AS"):
        if not values[key] or values[key].startswith("/") or ".." in values[key]:
            raise AnsweredSettingError(
                f"{key}={values[key]!r} must be a path inside the output folder"
            )
    return values


MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
MARKDOWN_MARKS = re.compile(r"(^|\s)[#>]+\s|[*_`~]{1,3}")


def excerpt(markdown_text, limit):
    """Return a comment's plain text, cut at a word near ``limit``.

    Made from the Markdown as written, not from rendered HTML: rendering costs
    a millisecond a comment, and the page prints the excerpt as escaped text
    anyway (a link shows its words, never its target).
    """
    text = MARKDOWN_LINK.sub(r"\1", markdown_text)
    text = MARKDOWN_MARKS.sub(r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:–-") + "…"


def content_index(context):
    """Map thread paths to (title, url) of the articles and pages that embed them."""
    index = {}
    for item in [*context.get("articles", ()), *context.get("pages", ())]:
        thread = getattr(item, "isso", None)
        if thread:
            index[thread["thread"]] = (item.title, item.url)
    return index


class BuildFigures:
    """Everything the page, the JSON and the article lines show, for one build."""

    def __init__(self, comment_data, as_of, settings):
        self.comment_data = comment_data
        self.as_of = as_of
        self.target_seconds = round(settings["ANSWERED_TARGET_HOURS"] * 3600)
        self.readers = figures.classify(comment_data.comments)
        self.summary = figures.summarize(self.readers, self.target_seconds)
        self.by_thread = {
            uri: figures.summarize(readers, self.target_seconds)
            for uri, readers in figures.per_thread_uri(self.readers).items()
        }
        self.staff = figures.by_staff(self.readers)
        self.pending, self.withdrawn, self.removed = figures.state_counts(
            comment_data.comments, comment_data.removals
        )


def figures_for_build(context, settings):
    """Compute the figures once per build; later calls get the same object."""
    if CONTEXT_KEY not in context:
        now = build_now()
        comment_data = context.get("COMMENT_DATA") or data.CommentData(now, "none")
        context[CONTEXT_KEY] = BuildFigures(comment_data, now, settings)
    return context[CONTEXT_KEY]


def line_for(summary):
    """Return the plain dict an article's "answered" line is drawn from."""
    if summary is None:
        return None
    return {
        "reader_comments": summary.reader_comments,
        "answered": summary.answered,
        "open": summary.open,
        "median_response_seconds": summary.median_response_seconds,
    }


def attach_lines(items, build):
    """Give each article or page with comments its ``answered`` line data."""
    for item in items:
        thread = getattr(item, "isso", None)
        if thread and thread["state"] != "off":
            item.answered = line_for(build.by_thread.get(thread["thread"]))


def siteurl_join(siteurl, url):
    """Return ``url`` on the site: absolute when SITEURL is set, else /path."""
    return f"{siteurl}/{url.lstrip('/')}" if siteurl else "/" + url.lstrip("/")


def open_items(build, index, siteurl, limit):
    """Describe every open comment for the page, oldest first."""
    items = []
    for reader in figures.open_comments(build.readers):
        comment = reader.comment
        title, url = index.get(
            comment.thread_uri, (comment.thread_title, comment.thread_uri)
        )
        pending = comment.state == data.PENDING
        article_url = siteurl_join(siteurl, url)
        items.append(
            {
                "id": comment.id,
                "article_title": title or comment.thread_uri,
                "article_url": article_url,
                "link": article_url if pending else f"{article_url}#isso-{comment.id}",
                "created": comment.created,
                "age_seconds": reader.age_seconds(build.as_of),
                "awaiting_moderation": pending,
                "author": "" if pending else comment.author,
                "excerpt": "" if pending else excerpt(comment.text, limit),
            }
        )
    return items


def article_rows(build, index, siteurl):
    """Return one row per article with reader comments, most open first."""
    rows = []
    for uri, summary in build.by_thread.items():
        title, url = index.get(uri, (None, uri))
        if title is None:
            title = (
                next(
                    (
                        c.thread_title
                        for c in build.comment_data.comments
                        if c.thread_uri == uri
                    ),
                    uri,
                )
                or uri
            )
        rows.append(
            {"title": title, "url": siteurl_join(siteurl, url), "summary": summary}
        )
    rows.sort(
        key=lambda row: (
            -row["summary"].open,
            -row["summary"].reader_comments,
            row["title"],
        )
    )
    return rows


def removal_rows(build, index, siteurl):
    """Return the public removal log, newest first (no content, no names)."""
    rows = []
    for removal in build.comment_data.removals:
        title, url = index.get(removal.thread_uri or "", (None, removal.thread_uri))
        rows.append(
            {
                "comment_id": removal.comment_id,
                "removed_at": removal.removed_at,
                "reason": removal.reason,
                "note": removal.note,
                "article_title": title or removal.thread_uri or "",
                "article_url": siteurl_join(siteurl, url) if url else "",
            }
        )
    rows.sort(key=lambda row: (row["removed_at"], row["comment_id"]), reverse=True)
    return rows


def page_values(build, context, settings):
    """Assemble what answered.html shows."""
    index = content_index(context)
    siteurl = settings.get("SITEURL", "")
    months = figures.by_month(
        build.readers, build.as_of, settings["ANSWERED_CHART_MONTHS"]
    )
    summary = build.summary
    opened = open_items(build, index, siteurl, settings["ANSWERED_EXCERPT_CHARS"])
    return {
        "as_of": build.as_of,
        "target_hours": settings["ANSWERED_TARGET_HOURS"],
        "summary": summary,
        "within_target_percent": None
        if not summary.answered
        else summary.answered_within_target * 100 // summary.answered,
        "oldest_open_seconds": opened[0]["age_seconds"] if opened else None,
        "open_comments": opened,
        "articles": article_rows(build, index, siteurl),
        # None when ANSWERED_SHOW_STAFF is off: no section, no JSON key.
        "staff": build.staff if settings["ANSWERED_SHOW_STAFF"] else None,
        "months": months,
        "chart": chart.build_chart(months, settings["ANSWERED_TARGET_HOURS"]),
        "awaiting_moderation": build.pending,
        "withdrawn": build.withdrawn,
        "removed": build.removed,
        "removals": removal_rows(build, index, siteurl),
        "data_source": build.comment_data.source,
        "data_read_at": build.comment_data.read_at,
    }


def json_document(values, settings):
    """Return answered.json: the page's figures, no text, no personal data."""
    summary = values["summary"]
    document = {
        "as_of": data.format_utc(values["as_of"]),
        "target_hours": settings["ANSWERED_TARGET_HOURS"],
        "reader_comments": summary.reader_comments,
        "answered": summary.answered,
        "open": summary.open,
        "answered_within_target": summary.answered_within_target,
        "median_response_seconds": summary.median_response_seconds,
        "p90_response_seconds": summary.p90_response_seconds,
        "awaiting_moderation": values["awaiting_moderation"],
        "withdrawn": values["withdrawn"],
        "removed": values["removed"],
        "articles": [
            {
                "url": row["url"],
                "title": row["title"],
                "reader_comments": row["summary"].reader_comments,
                "answered": row["summary"].answered,
                "open": row["summary"].open,
                "median_response_seconds": row["summary"].median_response_seconds,
            }
            for row in values["articles"]
        ],
        "open_comments": [
            {
                "id": item["id"],
                "article_url": item["article_url"],
                "created": data.format_utc(item["created"]),
                "age_seconds": item["age_seconds"],
                "awaiting_moderation": item["awaiting_moderation"],
            }
            for item in values["open_comments"]
        ],
        # When the comment source was away: the time of the snapshot used.
        "data": {
            "source": values["data_source"],
            "snapshot_of": data.format_utc(values["data_read_at"])
            if values["data_source"] == "snapshot"
            else None,
        },
    }
    if values["staff"] is not None:
        document["staff"] = [
            {
                "name": row.name,
                "answers": row.answers,
                "median_response_seconds": row.median_response_seconds,
            }
            for row in values["staff"]
        ]
    return document


class AnsweredPageGenerator(Generator):
    """Write answered/index.html and answered/answered.json."""

    def generate_output(self, writer):
        """Render the page through the theme and write the JSON beside it."""
        settings = check_settings(self.settings)
        if not settings["ANSWERED_ENABLED"]:
            return
        build = figures_for_build(self.context, settings)
        values = page_values(build, self.context, settings)
        writer.write_file(
            settings["ANSWERED_SAVE_AS"],
            self.get_template("answered"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            url=settings["ANSWERED_URL"],
            answered=values,
        )
        path = os.path.join(self.output_path, settings["ANSWERED_JSON_SAVE_AS"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(
                json_document(values, settings),
                stream,
                ensure_ascii=False,
                indent=2,
                sort_keys=True,
            )
            stream.write("\n")


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return any(
        str(plugin).rsplit(".", 1)[-1] == "answered"
        for plugin in settings.get("PLUGINS") or ()
    )


def configure(pelican):
    """Check the settings once; publish the defaults to templates."""
    if not is_listed(pelican.settings):
        return
    values = check_settings(pelican.settings)
    for key, value in values.items():
        pelican.settings.setdefault(key, value)


def attach_lines_for(generator, items):
    """Attach the answered line to ``items`` when the plugin is on."""
    if not is_listed(generator.settings):
        return
    settings = check_settings(generator.settings)
    if settings["ANSWERED_ENABLED"]:
        attach_lines(items, figures_for_build(generator.context, settings))


def lines_for_articles(generator):
    """Attach the answered line to every article (and its translations)."""
    attach_lines_for(generator, [*generator.articles, *generator.translations])


def lines_for_pages(generator):
    """Attach the answered line to every page with comments."""
    attach_lines_for(generator, [*generator.pages, *generator.hidden_pages])


def get_generators(pelican):
    """Add the page's generator to builds that list the plugin."""
    return AnsweredPageGenerator if is_listed(pelican.settings) else None


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.article_generator_finalized.connect(lines_for_articles)
    signals.page_generator_finalized.connect(lines_for_pages)
    signals.get_generators.connect(get_generators)
