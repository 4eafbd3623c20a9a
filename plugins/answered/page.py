"""What the transparency page and answered.json show, assembled from the figures.

Pure functions over a ``BuildFigures`` (answered.py) and the build's content
index: the open comments with their excerpts, the per-article rows, the
removal log, the page's values and the JSON document.
"""

import datetime
import json
import re
from collections.abc import Sequence
from typing import NamedTuple

from comments.answers import waited_seconds
from comments.build import data
from comments.build.masking import mask_personal_data
from comments.store.schema import WITHDRAWN as WITHDRAWN_REASON
from comments.target_calendar import WEEKDAYS
from publishing.plugin_setup import plugin_module

from . import chart, figures

contracts = plugin_module("contracts", __file__)

MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
MARKDOWN_BLOCK_MARKS = re.compile(r"(^|\s)[#>]+\s")  # headings, quotes
EMPHASIS_MARKS = "*_`~"
WITHOUT_EMPHASIS = str.maketrans("", "", EMPHASIS_MARKS)


class OpenComment(NamedTuple):
    """One open comment as the page lists it (a NamedTuple, not a dict: Jinja
    finds ``item.id`` at its first try; 12,000 items render 0.09 s faster)."""

    id: int
    article_title: str
    article_url: str
    link: str
    created: datetime.datetime
    age_seconds: int
    awaiting_moderation: bool
    author: str
    excerpt: str


class ArticleRow(NamedTuple):
    """One article with reader comments, as the page's table lists it."""

    title: str
    url: str
    summary: figures.Summary
    waiting: object = None  # waiting.Waiting: due, within target, Kaplan–Meier


class RemovalRow(NamedTuple):
    """One entry of the public removal log, as the page lists it."""

    comment_id: int
    removed_at: datetime.datetime
    reason: str
    note: str
    article_title: str
    article_url: str


def excerpt(markdown_text, limit):
    """Return a comment's plain text, cut at a word near ``limit``.

    Made from the Markdown as written, not from rendered HTML: rendering costs
    a millisecond a comment, and the page prints the excerpt as escaped text
    anyway (a link shows its words, never its target). Links become their
    words, heading and quote marks go, then every emphasis mark. Each step
    runs only when its characters occur (a regular expression's substitution
    costs microseconds per comment even when it finds nothing). The reader
    masked addresses and phone numbers in the Markdown; dropping the marks can
    join one together again ("a*@*b.example"), so the excerpt is masked too.
    """
    text = markdown_text
    if "[" in text:
        text = MARKDOWN_LINK.sub(r"\1", text)
    if "#" in text or ">" in text:
        text = MARKDOWN_BLOCK_MARKS.sub(r"\1", text)
    text = mask_personal_data(" ".join(text.translate(WITHOUT_EMPHASIS).split()))
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:–-") + "…"


# (title, url) of a thread without a published article or page: the page
# says "an address without a published page" and links nowhere.
UNPUBLISHED = ("", "")


def content_index(context):
    """Map thread paths to (title, url) of the articles and pages that embed them."""
    index = {}
    for item in [*context.get("articles", ()), *context.get("pages", ())]:
        thread = getattr(item, contracts.ISSO, None)
        if thread:
            index[thread["thread"]] = (item.title, item.url)
    return index


def siteurl_join(siteurl, url):
    """Return ``url`` on the site: absolute when SITEURL is set, else /path."""
    return f"{siteurl}/{url.lstrip('/')}" if siteurl else "/" + url.lstrip("/")


class Rows(Sequence):
    """A read-only sequence whose rows are made as they are read.

    The transparency page and answered.json each go through the open comments
    once; made all at once, 12,000 rows and their strings, then the JSON's
    dicts, took 7 MiB at the end of the build, when its memory peaks
    (benchmarks/FINDINGS.md).
    """

    def __init__(self, sources, make):
        self.sources, self.make = sources, make

    def __len__(self):
        return len(self.sources)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.make(source) for source in self.sources[index]]
        return self.make(self.sources[index])

    def __iter__(self):
        return map(self.make, self.sources)


def open_items(build, index, siteurl, limit):
    """Describe every open comment for the page, oldest first (made as read)."""

    def item(comment):
        title, url = index.get(comment.thread_uri, UNPUBLISHED)
        pending = comment.state == data.PENDING
        article_url = siteurl_join(siteurl, url) if url else ""
        # a pending comment is not on its page yet: the link goes to the page
        link = article_url if pending or not url else f"{article_url}#isso-{comment.id}"
        return OpenComment(
            id=comment.id,
            article_title=title,
            article_url=article_url,
            link=link,
            created=comment.created,
            age_seconds=waited_seconds(comment, build.as_of),
            awaiting_moderation=pending,
            author="" if pending else comment.author,
            excerpt="" if pending else excerpt(comment.text, limit),
        )

    return Rows(build.digest.open, item)


def article_rows(build, index, siteurl):
    """Return one row per article with reader comments, most open first, and
    last one row (no title, no address) for all threads without a published
    article or page: drafts, pages taken down, addresses made up by whoever
    posted to the comment server. Their comments count in every figure, but
    their paths and Isso's titles (sent by the poster) are never shown."""
    rows, elsewhere = [], []
    for uri, summary in build.by_thread.items():
        if uri not in index:
            elsewhere.append(uri)
            continue
        title, url = index[uri]
        rows.append(
            ArticleRow(
                title,
                siteurl_join(siteurl, url),
                summary,
                build.waiting_by_thread.get(uri),
            )
        )
    rows.sort(
        key=lambda row: (-row.summary.open, -row.summary.reader_comments, row.title)
    )
    if elsewhere:
        entries = [
            entry for uri in sorted(elsewhere) for entry in build.digest.by_thread[uri]
        ]
        created = [
            made
            for uri in sorted(elsewhere)
            for made in build.digest.created_by_thread[uri]
        ]
        rows.append(
            ArticleRow(
                "",
                "",
                figures.summarize(entries, build.target_seconds),
                build.waiting_of(entries, created),
            )
        )
    return rows


class ListPage(NamedTuple):
    """One follow-up page of a long list: its number (2, 3, …), the numbers of
    its first and last item (counted from 1 over the whole list), its address."""

    number: int
    first: int
    last: int
    url: str
    save_as: str


def list_pages(total, shown_first, page_size, url, save_as):
    """Return the follow-up pages of a list of ``total`` items whose first
    ``shown_first`` are on the main page: ``page_size`` items each, numbered
    from 2, addresses from the patterns' ``{number}``."""
    pages = []
    for number, start in enumerate(range(shown_first, total, page_size), start=2):
        pages.append(
            ListPage(
                number,
                start + 1,
                min(start + page_size, total),
                url.format(number=number),
                save_as.format(number=number),
            )
        )
    return pages


def removal_rows(build, index, siteurl):
    """Return the public removal log, newest first (no content, no names).

    Authors withdrawing their own comments are counted apart, not listed here.
    """
    rows = []
    for removal in build.digest.removals:
        if removal.reason == WITHDRAWN_REASON:
            continue
        title, url = index.get(removal.thread_uri or "", UNPUBLISHED)
        rows.append(
            RemovalRow(
                comment_id=removal.comment_id,
                removed_at=removal.removed_at,
                reason=removal.reason,
                note=removal.note,
                article_title=title,
                article_url=siteurl_join(siteurl, url) if url else "",
            )
        )
    rows.sort(key=lambda row: (row.removed_at, row.comment_id), reverse=True)
    return rows


def page_values(build, context, settings):
    """Assemble what answered.html shows."""
    index = content_index(context)
    siteurl = settings.get("SITEURL", "")
    months = figures.by_month(
        build.digest.by_month,
        build.as_of,
        settings["ANSWERED_CHART_MONTHS"],
        build.due_by_month,
    )
    summary = build.summary
    opened = open_items(build, index, siteurl, settings["ANSWERED_EXCERPT_CHARS"])
    articles = article_rows(build, index, siteurl)
    open_first = settings["ANSWERED_OPEN_FIRST_PAGE"]
    articles_first = settings["ANSWERED_ARTICLES_FIRST_PAGE"]
    page_size = settings["ANSWERED_LIST_PAGE_SIZE"]
    return {
        "as_of": build.as_of,
        "target_hours": settings["ANSWERED_TARGET_HOURS"],
        "summary": summary,
        "waiting": build.waiting,
        "calendar": calendar_words(build.calendar_spec),
        "within_target_percent": None
        if not summary.answered
        else summary.answered_within_target * 100 // summary.answered,
        "oldest_open_seconds": opened[0].age_seconds if opened else None,
        "open_comments": opened,
        # The main page shows the oldest open comments and the articles with
        # the most open ones; every other item is on a follow-up page.
        "open_first": opened[:open_first],
        "open_pages": list_pages(
            len(opened),
            open_first,
            page_size,
            settings["ANSWERED_OPEN_PAGE_URL"],
            settings["ANSWERED_OPEN_PAGE_SAVE_AS"],
        ),
        "articles": articles,
        "articles_first": articles[:articles_first],
        "article_pages": list_pages(
            len(articles),
            articles_first,
            page_size,
            settings["ANSWERED_ARTICLES_PAGE_URL"],
            settings["ANSWERED_ARTICLES_PAGE_SAVE_AS"],
        ),
        # None when ANSWERED_SHOW_STAFF is off: no section, no JSON key.
        "staff": build.staff if settings["ANSWERED_SHOW_STAFF"] else None,
        "months": months,
        "chart": chart.build_chart(months),
        "awaiting_moderation": build.pending,
        "withdrawn": build.withdrawn,
        "removed": build.removed,
        "removals": removal_rows(build, index, siteurl),
        "data_source": build.digest.source,
        "data_read_at": build.digest.read_at,
    }


def list_page_values(values, kind):
    """Yield (ListPage, what answered_list.html shows) for each follow-up page
    of the open comments (``kind`` "open") or of the articles ("articles")."""
    items = values["open_comments"] if kind == "open" else values["articles"]
    pages = values["open_pages"] if kind == "open" else values["article_pages"]
    for index, page in enumerate(pages):
        yield (
            page,
            {
                "kind": kind,
                "page": page,
                "total": len(items),
                "entries": items[page.first - 1 : page.last],
                "as_of": values["as_of"],
                "previous": pages[index - 1] if index else None,
                "next": pages[index + 1] if index + 1 < len(pages) else None,
            },
        )


def calendar_words(spec):
    """Return what the page says of the target's calendar: days, hours of the
    day, holidays, time zone (None for parts that do not limit it)."""
    start_end = spec.hours_of_day
    return {
        "every_hour": spec.counts_every_hour,
        "days": " ".join(WEEKDAYS[day] for day in spec.days),
        "hours_of_day": None
        if start_end is None
        else "–".join(f"{m // 60:02d}:{m % 60:02d}" for m in start_end),
        "holidays": spec.holidays or None,
        "timezone": spec.timezone,
    }


def waiting_json(waiting):
    """The figures that count the comments still waiting, for answered.json."""
    return {
        "due": waiting.due,
        "due_answered_within_target": waiting.due_answered_within_target,
        "km_median_response_seconds": waiting.km_median_response_seconds,
        "km_p90_response_seconds": waiting.km_p90_response_seconds,
        "counted_km_median_response_seconds": (
            waiting.counted_km_median_response_seconds
        ),
        "counted_km_p90_response_seconds": waiting.counted_km_p90_response_seconds,
        "longest_observed_seconds": waiting.longest_observed_seconds,
    }


def json_document(values, settings):
    """Return answered.json: the page's figures, no text, no personal data."""
    summary = values["summary"]
    document = {
        **waiting_json(values["waiting"]),
        "target_calendar": values["calendar"],
        "months": [
            {
                "month": f"{month.year:04d}-{month.month:02d}",
                "reader_comments": month.reader_comments,
                "answered": month.answered,
                "open": month.open,
                "median_response_seconds": month.median_response_seconds,
                "due": month.due,
                "due_answered_within_target": month.due_answered_within_target,
            }
            for month in values["months"]
        ],
        "as_of": data.format_utc(values["as_of"]),
        "target_hours": settings["ANSWERED_TARGET_HOURS"],
        "reader_comments": summary.reader_comments,
        "answered": summary.answered,
        "open": summary.open,
        "no_answer_needed": summary.no_answer_needed,
        "answered_within_target": summary.answered_within_target,
        "median_response_seconds": summary.median_response_seconds,
        "p90_response_seconds": summary.p90_response_seconds,
        "awaiting_moderation": values["awaiting_moderation"],
        "withdrawn": values["withdrawn"],
        "removed": values["removed"],
        "articles": [
            {
                "url": row.url or None,  # None: threads without a published page
                "title": row.title or None,
                "reader_comments": row.summary.reader_comments,
                "answered": row.summary.answered,
                "open": row.summary.open,
                "no_answer_needed": row.summary.no_answer_needed,
                "median_response_seconds": row.summary.median_response_seconds,
                **waiting_json(row.waiting),
            }
            for row in values["articles"]
        ],
        "open_comments": Rows(values["open_comments"], open_comment_json),
        # The page's follow-up pages, which list the same items as HTML.
        "list_pages": {
            "open_comments": [page.url for page in values["open_pages"]],
            "articles": [page.url for page in values["article_pages"]],
        },
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
                "answered_within_target": row.answered_within_target,
            }
            for row in values["staff"]
        ]
    return document


def open_comment_json(item):
    """One open comment as answered.json lists it (no text, no name)."""
    return {
        "id": item.id,
        "article_url": item.article_url or None,  # None: no published page
        "created": data.format_utc(item.created),
        "age_seconds": item.age_seconds,
        "awaiting_moderation": item.awaiting_moderation,
    }


# One encoder for every line: json.dumps with options makes a new one per call.
COMPACT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def compact(value):
    """One value as compact JSON, keys sorted (the C encoder: it has no indent)."""
    return COMPACT.encode(value)


def json_pieces(document):
    """Yield ``document`` as JSON text, piece by piece: one key per line, each
    list item on a line of its own, so it stays readable and diffable.

    Each line is made by the C encoder; ``json.dump(indent=2)`` encodes in
    Python and takes about twice as long. Written as they come, the pieces
    never exist as one text (2.7 MB at 12,000 open comments), and the items
    of ``Rows`` are made one at a time.
    """
    yield "{\n"
    separator = ""
    for key in sorted(document):
        value = document[key]
        yield f"{separator}  {json.dumps(key)}: "
        separator = ",\n"
        if isinstance(value, (list, Rows)) and value:
            item_separator = "[\n"
            for item in value:
                yield f"{item_separator}    {compact(item)}"
                item_separator = ",\n"
            yield "\n  ]"
        elif isinstance(value, Rows):
            yield "[]"
        else:
            yield compact(value)
    yield "\n}\n"
