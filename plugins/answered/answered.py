"""Publish the "we answer every comment" page and its JSON, and a line per article.

Thin glue over ``figures`` (the arithmetic), ``page`` (what the page and the
JSON show) and ``chart`` (the SVG geometry). The figures are computed once per
build from ``COMMENT_DATA`` (plugins/comment_data: a ``comments.build.digest.Digest``,
not the comments themselves) and kept in the build's
context; articles and pages get a small plain dict ``answered`` for the line
under their title; a Generator
writes ``answered/index.html`` through ``theme/templates/answered.html``, its
follow-up pages (the rest of the open comments and of the per-article table)
through ``answered_list.html``, and ``answered/answered.json`` beside it.
"As of" is the build's time, or ``SOURCE_DATE_EPOCH`` when set.

Signals: ``initialized`` (settings; the promise follows the comment server's
``[blog] answer-target-hours`` unless set), ``content_object_init`` (declares the
line's attribute), ``article_generator_finalized`` and
``page_generator_finalized`` (per-article lines), ``get_generators`` (the page).
"""

import contextlib
import logging
import math
import os

from pelican import signals
from pelican.contents import Article, Page
from pelican.generators import Generator
from pelican.plugins._utils import plugin_enabled

from comments import config, target_calendar
from comments.build.digest import Digest
from comments.core import SetupError, build_now
from publishing.plugin_setup import plugin_module
from publishing.streamed import write_streamed

from . import figures, waiting
from .page import json_document, json_pieces, list_page_values, page_values

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

DEFAULTS = {
    "ANSWERED_ENABLED": True,
    "ANSWERED_TARGET_HOURS": 24,
    # Which hours count towards the target: a comments.target_calendar
    # CalendarSpec, or a dict of the [blog] options' texts ({"days": "Mo-Fr",
    # "hours-of-day": "", "holidays": "DE-NW", "timezone": "Europe/Berlin"});
    # None: the comment server's [blog] answer-target-* options, else the policy's.
    "ANSWERED_TARGET_CALENDAR": None,
    "ANSWERED_URL": "answered/",
    "ANSWERED_SAVE_AS": "answered/index.html",
    "ANSWERED_JSON_SAVE_AS": "answered/answered.json",
    "ANSWERED_EXCERPT_CHARS": 160,
    # The main page stays small when many comments wait: it shows the oldest
    # open comments and the articles with the most open ones; every other one
    # is listed on follow-up pages of ANSWERED_LIST_PAGE_SIZE, linked from it.
    "ANSWERED_OPEN_FIRST_PAGE": 100,
    "ANSWERED_ARTICLES_FIRST_PAGE": 100,
    "ANSWERED_LIST_PAGE_SIZE": 1000,
    "ANSWERED_OPEN_PAGE_URL": "answered/offen/{number}/",
    "ANSWERED_OPEN_PAGE_SAVE_AS": "answered/offen/{number}/index.html",
    "ANSWERED_ARTICLES_PAGE_URL": "answered/beitraege/{number}/",
    "ANSWERED_ARTICLES_PAGE_SAVE_AS": "answered/beitraege/{number}/index.html",
    "ANSWERED_CHART_MONTHS": 12,
    # "Who answered": answers and median response time per staff display name.
    "ANSWERED_SHOW_STAFF": True,
}


class AnsweredSettingError(SetupError):
    """An ANSWERED_* setting is wrong; the message names it and the fix."""


def check_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    target = values["ANSWERED_TARGET_HOURS"]
    if (
        isinstance(target, bool)
        or not isinstance(target, (int, float))
        or not 0 < target < math.inf  # nan and inf are no promise
    ):
        raise AnsweredSettingError(
            f"ANSWERED_TARGET_HOURS={target!r} must be a positive number of hours"
        )
    for key in (
        "ANSWERED_EXCERPT_CHARS",
        "ANSWERED_CHART_MONTHS",
        "ANSWERED_OPEN_FIRST_PAGE",
        "ANSWERED_ARTICLES_FIRST_PAGE",
        "ANSWERED_LIST_PAGE_SIZE",
    ):
        if not isinstance(values[key], int) or values[key] < 1:
            raise AnsweredSettingError(
                f"{key}={values[key]!r} must be a whole number ≥ 1"
            )
    values["ANSWERED_TARGET_CALENDAR"] = checked_calendar(
        values["ANSWERED_TARGET_CALENDAR"]
    )
    if not isinstance(values["ANSWERED_SHOW_STAFF"], bool):
        raise AnsweredSettingError(
            f"ANSWERED_SHOW_STAFF={values['ANSWERED_SHOW_STAFF']!r} must be True "
            "or False"
        )
    for key in (
        "ANSWERED_SAVE_AS",
        "ANSWERED_JSON_SAVE_AS",
        "ANSWERED_OPEN_PAGE_SAVE_AS",
        "ANSWERED_ARTICLES_PAGE_SAVE_AS",
    ):
        if not values[key] or values[key].startswith("/") or ".." in values[key]:
            raise AnsweredSettingError(
                f"{key}={values[key]!r} must be a path inside the output folder"
            )
    for key in (
        "ANSWERED_OPEN_PAGE_URL",
        "ANSWERED_OPEN_PAGE_SAVE_AS",
        "ANSWERED_ARTICLES_PAGE_URL",
        "ANSWERED_ARTICLES_PAGE_SAVE_AS",
    ):
        if "{number}" not in values[key]:
            raise AnsweredSettingError(
                f"{key}={values[key]!r} must hold {{number}}, the page's number"
            )
    return values


def checked_calendar(value):
    """Return ANSWERED_TARGET_CALENDAR as a CalendarSpec; raise naming the fix."""
    if value is None:
        return target_calendar.PROMISED
    if isinstance(value, target_calendar.CalendarSpec):
        return value
    options = ("days", "hours-of-day", "holidays", "timezone")
    if not isinstance(value, dict) or set(value) - set(options):
        raise AnsweredSettingError(
            f"ANSWERED_TARGET_CALENDAR={value!r} must be a dict with the keys "
            f"{', '.join(options)} (the [blog] answer-target-* options), or None"
        )
    defaults = target_calendar.PROMISED_OPTIONS
    try:
        return target_calendar.spec_of_options(
            *(value.get(option, defaults[option]) for option in options)
        )
    except ValueError as error:
        raise AnsweredSettingError(f"ANSWERED_TARGET_CALENDAR: {error}") from None


class BuildFigures:
    """Everything the page, the JSON and the article lines show, for one build."""

    def __init__(self, digest, as_of, settings):
        """``digest``: the build's ``comments.build.digest.Digest``."""
        self.digest = digest
        self.as_of = as_of
        self.target_seconds = round(settings["ANSWERED_TARGET_HOURS"] * 3600)
        self.summary = figures.summarize(
            digest.total, self.target_seconds, digest.no_answer_needed_total
        )
        self.by_thread = thread_summaries(digest, self.target_seconds)
        self.calendar_spec = settings["ANSWERED_TARGET_CALENDAR"]
        self.calendar = calendar = target_calendar.TargetCalendar(self.calendar_spec)
        self.as_of_epoch = as_of_epoch = int(as_of.timestamp())
        observed = {
            uri: waiting.observe(
                entries, digest.created_by_thread[uri], as_of_epoch, calendar
            )
            for uri, entries in digest.by_thread.items()
        }
        self.waiting_by_thread = {
            uri: waiting.waiting_figures(observations, self.target_seconds)
            for uri, observations in observed.items()
        }
        everything = waiting.concatenated(observed.values())
        self.waiting = waiting.waiting_figures(everything, self.target_seconds)
        self.due_by_month = waiting.due_by_month(everything, self.target_seconds)
        within_by_name = {
            name: waiting.answered_within_target(
                times, digest.created_by_staff[name], self.target_seconds, calendar
            )
            for name, times in digest.by_staff.items()
        }
        self.staff = figures.by_staff(digest.by_staff, within_by_name)
        self.pending, self.withdrawn, self.removed = figures.state_counts(digest)

    def waiting_of(self, entries, created):
        """Return the Waiting figures of some reader comments' tally."""
        observations = waiting.observe(
            entries, created, self.as_of_epoch, self.calendar
        )
        return waiting.waiting_figures(observations, self.target_seconds)


def thread_summaries(digest, target_seconds):
    """Return each thread's ``Summary``: what its answered line shows."""
    return {
        uri: figures.summarize(
            entries, target_seconds, digest.no_answer_needed.get(uri, 0)
        )
        for uri, entries in digest.by_thread.items()
    }


class ThreadLines:
    """The part of ``BuildFigures`` an article's or page's answered line is
    drawn from (``digest`` and ``by_thread``): a refresh that writes the
    transparency page in a child of its own needs no more."""

    def __init__(self, digest, settings):
        self.digest = digest
        self.by_thread = thread_summaries(
            digest, round(settings["ANSWERED_TARGET_HOURS"] * 3600)
        )


def figures_for_build(context, settings):
    """Compute the figures once per build; later calls get the same object."""
    if contracts.ANSWERED_FIGURES not in context:
        now = build_now()
        digest = context.get(contracts.COMMENT_DATA) or Digest(now, "none")
        context[contracts.ANSWERED_FIGURES] = BuildFigures(digest, now, settings)
    return context[contracts.ANSWERED_FIGURES]


def line_for(summary):
    """Return the plain dict an article's "answered" line is drawn from (what
    ``invoke refresh`` keeps and compares)."""
    if summary is None:
        return None
    return {
        "reader_comments": summary.reader_comments,
        "answered": summary.answered,
        "open": summary.open,
        "median_response_seconds": summary.median_response_seconds,
    }


def attach_lines(items, build):
    """Give each article or page with comments its thread's ``Summary`` (or
    None), which the answered line is drawn from: the figures' own object, no
    dict per article (0.9 MiB at 5,000 articles)."""
    for item in items:
        thread = getattr(item, contracts.ISSO, None)
        if thread and thread["state"] != "off":
            item.answered = build.by_thread.get(thread["thread"])


class AnsweredPageGenerator(Generator):
    """Write answered/index.html and answered/answered.json."""

    def generate_output(self, writer):
        """Render the page through the theme and write the JSON beside it."""
        values = self.page_values()
        if values is not None:
            self.write_pages(writer, values)
            self.write_json(values)

    def page_values(self):
        """What the page and the JSON show (None: the page is off)."""
        settings = check_settings(self.settings)
        if not settings["ANSWERED_ENABLED"]:
            return None
        build = figures_for_build(self.context, settings)
        return page_values(build, self.context, settings)

    def write_pages(self, writer, values):
        """Write the page and its follow-up pages through the theme."""
        settings = check_settings(self.settings)
        write_streamed(
            writer,
            settings["ANSWERED_SAVE_AS"],
            self.get_template("answered"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            url=settings["ANSWERED_URL"],
            answered=values,
        )
        for kind in ("open", "articles"):
            pages = 0
            for page, shown in list_page_values(values, kind):
                pages += 1
                write_streamed(
                    writer,
                    page.save_as,
                    self.get_template("answered_list"),
                    self.context,
                    relative_urls=self.settings.get("RELATIVE_URLS", False),
                    url=page.url,
                    answered_list=shown,
                )
            remove_stale_pages(self.output_path, settings, kind, pages + 2)

    def write_json(self, values):
        """Write answered.json."""
        settings = check_settings(self.settings)
        path = os.path.join(self.output_path, settings["ANSWERED_JSON_SAVE_AS"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            stream.writelines(json_pieces(json_document(values, settings)))


def remove_stale_pages(output_path, settings, kind, number):
    """Remove follow-up pages from ``number`` on that an earlier build (or
    ``invoke refresh``) wrote when more comments were open."""
    key = (
        "ANSWERED_OPEN_PAGE_SAVE_AS"
        if kind == "open"
        else ("ANSWERED_ARTICLES_PAGE_SAVE_AS")
    )
    while True:
        path = os.path.join(output_path, settings[key].format(number=number))
        if not os.path.isfile(path):
            return
        os.remove(path)
        with contextlib.suppress(OSError):  # not empty: something else lives there
            os.rmdir(os.path.dirname(path))
        number += 1


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled("answered", settings.get("PLUGINS"))


def configure(pelican):
    """Check the settings once; publish the defaults to templates.

    The promise comes from the comment server's ``[blog] answer-target-hours``
    (which the desk and the reminders use) unless ANSWERED_TARGET_HOURS is set;
    set to other hours, the page would promise what staff are not reminded
    of, and a warning says so.
    """
    if not is_listed(pelican.settings):
        return
    settings = pelican.settings
    server_hours = comment_server_target_hours()
    if "ANSWERED_TARGET_HOURS" not in settings and server_hours is not None:
        settings["ANSWERED_TARGET_HOURS"] = server_hours
    if settings.get("ANSWERED_TARGET_CALENDAR") is None:
        settings["ANSWERED_TARGET_CALENDAR"] = comment_server_calendar()
    values = check_settings(settings)
    if server_hours is not None and values["ANSWERED_TARGET_HOURS"] != server_hours:
        logger.warning(
            "answered: ANSWERED_TARGET_HOURS = %s, but the comment server's "
            "[blog] answer-target-hours = %s: the page promises other hours than "
            "the desk and the reminders hold staff to; set them alike",
            values["ANSWERED_TARGET_HOURS"],
            server_hours,
        )
    for key, value in values.items():
        settings.setdefault(key, value)


def comment_server_target_hours(environ=None):
    """``[blog] answer-target-hours`` of the comment server's config (a whole
    number when it is one), or None without a usable config."""
    try:
        conf = config.read_config(environ=os.environ if environ is None else environ)
    except SetupError:  # no config here: the plugin's default promise
        return None
    hours = float(conf.get("blog", "answer-target-hours"))  # checked when read
    return int(hours) if hours.is_integer() else hours


def comment_server_calendar(environ=None):
    """The CalendarSpec of the comment server's ``[blog] answer-target-*``
    options, or None without a usable config."""
    try:
        conf = config.read_config(environ=os.environ if environ is None else environ)
    except SetupError:  # no config here: the policy's calendar
        return None
    return target_calendar.spec_of_conf(conf)  # checked when read


def attach_lines_for(generator, items):
    """Attach the answered line to ``items`` when the plugin is on."""
    if not is_listed(generator.settings):
        return
    settings = check_settings(generator.settings)
    if settings["ANSWERED_ENABLED"]:
        attach_lines(items, figures_for_build(generator.context, settings))


def declare_line(content):
    """Give each article and page its ``answered`` attribute as it is made
    (None until the figures are in). Added later, a new attribute on every
    article makes CPython give each one a dict of its own: 1.3 KB each, 6.6 MB
    at 5,000 articles (benchmarks/FINDINGS.md)."""
    if isinstance(content, (Article, Page)) and is_listed(content.settings):
        content.answered = None


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
    signals.content_object_init.connect(declare_line)
    signals.article_generator_finalized.connect(lines_for_articles)
    signals.page_generator_finalized.connect(lines_for_pages)
    signals.get_generators.connect(get_generators)
