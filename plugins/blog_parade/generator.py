"""The generator of blog parade pages and files, and the data it gives articles.

ParadeGenerator runs after Pelican's articles generator: ``generate_context``
reads the published articles' metadata (metadata.py), groups them into parades
(parades.py), finds the participants of the parades we host (participants.py)
and gives every contributing article its banner data; ``generate_output``
writes the pages through Pelican's writer and the JSON and iCalendar files as
they are (Jinja would turn iCalendar's CRLF line endings into LF).
"""

import gettext
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican.generators import Generator
from pelican.utils import sanitised_join, slugify, strftime

from comments.core import build_now
from comments.webmention.calls import write_calls
from publishing.plugin_setup import plugin_module

from .ical import deadline_calendar
from .links import is_web_url, site_host
from .metadata import HOST, KEYS, parse_metadata
from .parades import (
    Contribution,
    Parade,
    Status,
    call_link,
    deadline_status,
    group,
    index_key,
    parade_record,
    participant_record,
)
from .participants import (
    completed,
    counts_as_entry,
    from_comments,
    from_mentions,
    parse_manual,
    unique,
)

logger = logging.getLogger(__name__)

# Sibling plugins, loaded whatever their place in PLUGINS (plugin_setup).
contracts = plugin_module("contracts", __file__)
thread_id = plugin_module("isso_comments.isso_comments", __file__).thread_id
comment_data_plugin = plugin_module("comment_data.comment_data", __file__)

PER_PARADE_PATHS = (
    "PARADE_URL",
    "PARADE_SAVE_AS",
    "PARADE_JSON_SAVE_AS",
    "PARADE_ICS_SAVE_AS",
)


@dataclass(frozen=True)
class ParadePage:
    """One parade with what its page and files need."""

    parade: Parade
    status: Status
    participants: tuple
    url: str
    save_as: str
    json_save_as: str
    ics_save_as: str  # "" unless we host the parade and it has a deadline
    deadline_text: str


def ascii_slug(text, regex_subs, use_unicode):
    """Slugify with the site's rules; whatever is left non-ASCII is transliterated."""
    slug = slugify(text, regex_subs=regex_subs, use_unicode=use_unicode)
    if not slug.isascii():
        slug = slugify(slug, regex_subs=regex_subs, use_unicode=False)
    return slug


def banner_data(page, contribution):
    """Return the plain dict (picklable, as Pelican caches articles) for a banner."""
    parade = page.parade
    return {
        "title": parade.title,
        "slug": parade.slug,
        "host": parade.host,
        "role": parade.role,
        "is_call": parade.call is not None
        and parade.call.source_path == contribution.source_path,
        "call_url": parade.url,
        "call_path": parade.call.url if parade.call else "",
        "page_url": page.url,
        "deadline": parade.deadline.isoformat() if parade.deadline else "",
        "deadline_text": page.deadline_text,
        "status": {"state": page.status.state, "days_left": page.status.days_left},
        "ics_url": page.ics_save_as,
        "summary_url": parade.summary_url,
        "participants": [participant_record(item) for item in page.participants],
    }


def call_thread(call):
    """Return the comment thread (site path) of a call Contribution."""
    return (call.isso or {}).get("thread") or thread_id(call.url)


def json_text(record):
    """Return a stable JSON text: sorted keys, real umlauts, final newline."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


class ParadeGenerator(Generator):
    """Collect the parades from the articles, then write their pages and files."""

    def generate_context(self):
        """Group the articles into parades and attach each one's banner data."""
        self.now = build_now()
        timezone = ZoneInfo(self.settings["PARADE_TIMEZONE"])
        for page in self.context.get("pages", ()):
            if any(key.startswith("parade") for key in page.metadata):
                logger.warning(
                    "blog_parade: %s: Parade metadata on a page is ignored; only "
                    "articles join a parade",
                    page.source_path,
                )
        articles = {item.source_path: item for item in self.context.get("articles", ())}
        contributions = [
            contribution
            for contribution in map(self.contribution, articles.values())
            if contribution
        ]
        parades, conflicts = group(contributions)
        for conflict in conflicts:
            log_conflict(conflict)
        hosted = {parade.slug for parade in parades if parade.role == HOST}
        manual = self.manual_participants(hosted)
        comment_data = self.context.get(contracts.COMMENT_DATA)
        if comment_data is None and hosted:
            logger.warning(
                "blog_parade: no comment data in this build (is comment_data in "
                "PLUGINS?); parades we host list their manual entries only"
            )
        self.pages = []
        for parade in parades:
            participants = ()
            if parade.role == HOST:
                mentioned = self.mention_participants(comment_data, parade, timezone)
                participants = tuple(
                    completed(
                        unique(
                            self.comment_participants(comment_data, parade.call),
                            manual.get(parade.slug, ()),
                            mentioned,
                        ),
                        {item.url: item for item in mentioned},
                    )
                )
            status = deadline_status(self.now, parade.deadline, timezone)
            page = self.page(parade, status, participants)
            self.pages.append(page)
            for contribution in parade.contributions:
                articles[contribution.source_path].blog_parade = banner_data(
                    page, contribution
                )
        self.pages.sort(key=lambda item: index_key(item.parade, item.status))
        self.tell_server_the_calls(parades, comment_data)

    def tell_server_the_calls(self, parades, comment_data):
        """Write which pages are our calls beside the comment database, for
        the server's Webmention check (``contracts.PARADE_CALLS_FILE``)."""
        if comment_data is None or comment_data.source != "database":
            return
        source, _ = comment_data_plugin.build_source(self.settings)
        if not source.database.is_file():
            return
        found = {
            call_thread(parade.call): parade.slug for parade in parades if parade.call
        }
        path = source.database.with_name(contracts.PARADE_CALLS_FILE)
        try:
            write_calls(path, found)
        except OSError as error:
            logger.warning("blog_parade: cannot write %s (%s)", path, error)

    def slugify(self, text):
        """Return the ASCII slug of ``text`` by the site's slug rules."""
        return ascii_slug(
            text,
            self.settings.get("SLUG_REGEX_SUBSTITUTIONS", ()),
            self.settings.get("SLUGIFY_USE_UNICODE", False),
        )

    def contribution(self, article):
        """Return the article as a Contribution, or None; warn about bad metadata."""
        info, problems = parse_metadata(article.metadata, self.slugify, article.url)
        for problem in problems:
            logger.warning(
                "blog_parade: %s: %s %s",
                article.source_path,
                problem.key,
                problem.message,
            )
        if info is None:
            return None
        return Contribution(
            info=info,
            title=article.title,
            url=article.url,
            author=", ".join(author.name for author in getattr(article, "authors", ())),
            date=article.date.date(),
            date_text=article.locale_date,
            summary=article.summary,
            source_path=article.source_path,
            isso=getattr(article, contracts.ISSO, None),
        )

    def comment_participants(self, comment_data, call):
        """Return the participants linked in reader comments on the call."""
        if comment_data is None:
            return []
        thread = call_thread(call)
        entries = [
            (comment, comment_data.text_html(comment))
            for comment in comment_data.linking_comments(thread)
            if counts_as_entry(comment, thread)
        ]
        return from_comments(entries, thread, [site_host(self.settings["SITEURL"])])

    def mention_participants(self, comment_data, parade, timezone):
        """Return the participants whose approved Webmentions reached the call."""
        if comment_data is None:
            return []
        return from_mentions(
            getattr(comment_data, "mentions", ()),
            call_thread(parade.call),
            parade.deadline,
            timezone,
        )

    def manual_participants(self, hosted):
        """Return ``{slug: [Participant, …]}`` from the parade data folder."""
        folder = Path(self.path) / self.settings["PARADE_DATA_PATH"]
        found = {}
        if not folder.is_dir():
            return found
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix != ".yml" or path.stem not in hosted:
                logger.warning(
                    "blog_parade: %s: not used: no article with Parade_role: host "
                    "has the slug %r (the file must be named <slug>.yml)",
                    path,
                    path.stem,
                )
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                logger.warning("blog_parade: %s: YAML cannot be read: %s", path, error)
                continue
            participants, problems = parse_manual(text)
            for problem in problems:
                logger.warning(
                    "blog_parade: %s: %s %s", path, problem.key, problem.message
                )
            found[path.stem] = participants
        return found

    def page(self, parade, status, participants):
        """Return the ParadePage: paths from the settings, the deadline as shown."""
        paths = {
            key: self.settings[key].format(slug=parade.slug) for key in PER_PARADE_PATHS
        }
        hosted_with_deadline = parade.role == HOST and parade.deadline is not None
        return ParadePage(
            parade=parade,
            status=status,
            participants=participants,
            url=paths["PARADE_URL"],
            save_as=paths["PARADE_SAVE_AS"],
            json_save_as=paths["PARADE_JSON_SAVE_AS"],
            ics_save_as=paths["PARADE_ICS_SAVE_AS"] if hosted_with_deadline else "",
            deadline_text=strftime(
                parade.deadline, self.settings["DEFAULT_DATE_FORMAT"]
            )
            if parade.deadline
            else "",
        )

    def generate_output(self, writer):
        """Write each parade's page, JSON and calendar, then the overview."""
        relative_urls = self.settings["RELATIVE_URLS"]
        site_url = self.settings["SITEURL"]
        for page in self.pages:
            writer.write_file(
                page.save_as,
                self.get_template("parade"),
                self.context,
                relative_urls=relative_urls,
                parade_page=page,
                parade=page.parade,
                status=page.status,
                participants=page.participants,
                absolute_site_url=site_url,
            )
            record = parade_record(
                page.parade, page.status, page.participants, site_url
            )
            self.write_data(page.json_save_as, json_text(record))
            if page.ics_save_as:
                self.write_data(page.ics_save_as, self.calendar(page))
        writer.write_file(
            self.settings["PARADE_INDEX_SAVE_AS"],
            self.get_template("parades"),
            self.context,
            relative_urls=relative_urls,
            parade_pages=self.pages,
        )

    def calendar(self, page):
        """Return the iCalendar text for the deadline of a parade we host."""
        parade = page.parade
        # English when the theme has no catalogs (e.g. Pelican's own theme)
        translations = self.env.globals.get(
            contracts.THEME_TRANSLATIONS, gettext.NullTranslations()
        )
        site_url = self.settings["SITEURL"]
        call = call_link(parade, site_url)
        call = call if is_web_url(call) else ""  # a local build has no address yet
        description = translations.gettext(
            "Posts for the blog parade “%(title)s” until and including %(date)s."
        ) % {"title": parade.title, "date": page.deadline_text}
        return deadline_calendar(
            uid=f"{parade.slug}-deadline@{site_host(site_url) or 'localhost'}",
            stamp=self.now,
            deadline=parade.deadline,
            summary=translations.gettext("Deadline: blog parade “%(title)s”")
            % {"title": parade.title},
            description=f"{description}\n{call}" if call else description,
            url=call,
            product=self.settings["SITENAME"],
        )

    def write_data(self, name, text):
        """Write a data file as it is (newline="" keeps iCalendar's CRLF)."""
        path = Path(sanitised_join(self.output_path, name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as file:
            file.write(text)
        logger.debug("blog_parade: wrote %s", path)


def log_conflict(conflict):
    """Warn about two articles of one parade that disagree, naming both files."""
    if conflict.key == KEYS["role"]:
        logger.warning(
            "blog_parade: parade %r has two calls (Parade_role: host): %s and %s; "
            "the first one is the call",
            conflict.slug,
            conflict.first_path,
            conflict.other_path,
        )
        return
    logger.warning(
        "blog_parade: parade %r: %s differs: %r in %s (used), %r in %s (ignored)",
        conflict.slug,
        conflict.key,
        str(conflict.used),
        conflict.first_path,
        str(conflict.ignored),
        conflict.other_path,
    )
