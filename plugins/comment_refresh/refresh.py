"""Refresh what comments change without rebuilding the site (``invoke refresh``).

A full build leaves a small state file in ``CACHE_PATH``: every article and
page that embeds comments (title, URL, output file, thread, the answered line
it got and its static thread's fingerprint), what the blog parade generator
reads of contributing articles, the pages and categories the theme's
navigation needs; beside it the pickled articles and pages (``pages``).
``refresh_comment_pages`` reads the comment data once, runs the transparency
page's and the parades' generators on that state, and writes every commented
article or page whose answered line or thread changed again through its own
template (``article.html``, ``page.html``): one rendering path, no HTML
patched. With the same data, the result is the same bytes a full build writes.

It reads the comments itself, before the generators run, in the one pass a
build makes (comments.build.source.load_for_build); the collector stays paused
meanwhile. Then the transparency page (its figures, pages and JSON: nothing
else reads them) is written by a forked child (``beside``) while this process
works out which threads changed and writes their pages, the parades and the
feeds; the articles' answered lines come from the per-thread summaries alone
(``answered.ThreadLines``), the same objects the figures hold.
"""

import datetime
import json
import logging
import os
from pathlib import Path
from types import SimpleNamespace

from pelican import Pelican
from pelican.plugins._utils import plugin_enabled
from pelican.writers import Writer

from comments.build.data import many_objects
from comments.core import SetupError, build_now
from publishing.page_writing import write_content_page
from publishing.plugin_setup import check_theme_plugins, plugin_module

from . import beside
from .pages import load_pages, pages_path

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

STATE_FORMAT = 5  # 5: thread fingerprints of the comments as read
# The command that makes the state and pages a refresh starts from; a
# comment-only publish names its own (`invoke publish`).
REBUILD = "invoke build"
# Settings that shape the refreshed pages: a refresh with other values would
# write pages that link and read unlike the rest of the site.
SHAPING_SETTINGS = ("SITEURL", "RELATIVE_URLS", "DEFAULT_LANG", "THEME")


def state_path(settings):
    """Return where a full build leaves the refresh state."""
    return Path(settings["CACHE_PATH"]) / contracts.REFRESH_STATE_FILE


def thread_fingerprint_of(context):
    """Return a function giving the fingerprint of an ``isso`` dict's static
    thread in this build (None without static threads)."""
    rendering = context.get(contracts.COMMENT_THREAD_RENDERING)
    if rendering is None:
        return lambda isso: None
    return rendering.fingerprint


def content_entry(item, kind, line_for, thread_of):
    """Describe one article or page: what the comment-driven pages read of it
    (its answered line as ``line_for`` gives it, its static thread's
    fingerprint as ``thread_of`` gives it)."""
    isso = getattr(item, contracts.ISSO, None)
    entry = {
        "kind": kind,
        "title": item.title,
        "url": item.url,
        "save_as": item.save_as,
        "isso": isso,
        "answered": line_for(getattr(item, contracts.ANSWERED, None)),
        "thread": thread_of(isso) if isso and isso["state"] != "off" else None,
        "metadata": {},
        "source_path": item.source_path,
    }
    if getattr(item, "date", None):  # the date of an empty comment feed
        entry["date"] = item.date.isoformat()
    parade_keys = {
        key: str(value)
        for key, value in getattr(item, "metadata", {}).items()
        if key.startswith("parade")
    }
    if parade_keys and kind == "article":  # what the parade generator reads
        entry.update(
            metadata=parade_keys,
            authors=[author.name for author in getattr(item, "authors", ())],
            date=item.date.isoformat(),
            locale_date=item.locale_date,
            summary=item.summary,
        )
    return entry


def save_state(context, settings):
    """Write the state a later refresh needs (called by every full build)."""
    from answered.answered import line_for

    thread_of = thread_fingerprint_of(context)
    commented = (  # made one entry at a time as the state is written
        content_entry(item, kind, line_for, thread_of)
        for kind, items in (
            ("article", context.get("articles", ())),
            ("page", context.get("pages", ())),
        )
        for item in items
        if getattr(item, contracts.ISSO, None)
        or (
            kind == "article"  # pages join no parade
            and any(key.startswith("parade") for key in getattr(item, "metadata", {}))
        )
    )
    state = {
        "format": STATE_FORMAT,
        "output_path": str(Path(settings["OUTPUT_PATH"]).resolve()),
        "settings": shaping_settings(settings),
        "content": commented,
        "pages": [
            {"title": page.title, "url": page.url, "slug": page.slug}
            for page in context.get("pages", ())
        ],
        "categories": [
            {
                "name": category.name,
                "url": category.url,
                "page_name": category.page_name,
            }
            for category, _ in context.get("categories", ())
        ],
    }
    write_state(settings, state)


def retarget_state(settings, served, resolve=True):
    """Say that the last build's site is now served from ``served``: the
    preview server (``invoke serve``) builds into a staging folder and copies
    the site over, and a later ``invoke refresh`` must find it there; a
    publish deploys it to ``PUBLISH_TARGET/current`` (kept as it is written,
    ``resolve=False``: the link moves on with every release)."""
    path = state_path(settings)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # no state (yet): refresh says so itself
    state["output_path"] = str(Path(served).resolve() if resolve else Path(served))
    write_state(settings, state)


def write_state(settings, state, path=None):
    """Write the refresh state (a dict, or the pieces ``state_pieces`` made
    of one) atomically, to ``path`` or where the next refresh reads it."""
    path = Path(path) if path else state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.writelines(state_pieces(state) if isinstance(state, dict) else state)
    os.replace(temporary, path)


def state_pieces(state):
    """Yield the state as JSON: the small parts at once, the content (any
    iterable) entry by entry. Whole, its text and the entries behind it took
    7 MiB at 5,000 articles, at the end of the build's reading."""
    rest = {key: value for key, value in state.items() if key != "content"}
    head = json.dumps(rest, ensure_ascii=False)
    yield head[:-1] + (', "content": [' if rest else '"content": [')
    separator = ""
    for entry in state["content"]:
        yield separator + json.dumps(entry, ensure_ascii=False)
        separator = ", "
    yield "]}"


def unreadable_state(settings, rebuild=REBUILD):
    """The SetupError for a refresh state that is not one a build wrote;
    ``rebuild``: the command that writes it again."""
    return SetupError(f"{state_path(settings)}: unreadable; run `{rebuild}` again")


def shaping_settings(settings):
    """The values of ``SHAPING_SETTINGS`` in ``settings``, as JSON keeps them."""
    return {name: settings.get(name) for name in SHAPING_SETTINGS}


def load_state(settings, site=None, rebuild=REBUILD):
    """Read the state of the last full build into the output folder in use
    (or into ``site``, as ``retarget_state`` named it), made with the same site
    settings, its site still there; errors name ``rebuild``, the command that
    makes it."""
    path = state_path(settings)
    unreadable = unreadable_state(settings, rebuild)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(
            f"{path}: no full build to refresh; run `{rebuild}` first"
        ) from None
    except (OSError, ValueError):  # a folder in its place, bad JSON or UTF-8
        raise unreadable from None
    if not isinstance(state, dict):
        raise unreadable
    output = Path(site) if site else Path(settings["OUTPUT_PATH"]).resolve()
    if state.get("format") != STATE_FORMAT or state.get("output_path") != str(output):
        raise SetupError(
            f"{path}: made by a build into another folder or version; "
            f"run `{rebuild}` again"
        )
    built_with = state.get("settings", {})
    for name, value in shaping_settings(settings).items():
        if built_with.get(name) != value:
            raise SetupError(
                f"{path}: the last build had {name} = {built_with.get(name)!r}, "
                f"these settings {value!r}; refresh with the last build's settings "
                "file (--settings) or run a full build"
            )
    index = output / settings["INDEX_SAVE_AS"]
    if not index.is_file():
        raise SetupError(
            f"{output}: the last build's site is gone ({index.name} is missing); "
            f"run `{rebuild}` first"
        )
    return state


def stand_in_context(settings, state):
    """Rebuild the parts of a build's template context the pages use."""
    context = settings.copy()
    context["generated_content"] = {}
    context["static_links"] = set()
    context["static_content"] = {}
    context["localsiteurl"] = settings["SITEURL"]
    items = {"article": [], "page": []}
    for entry in state["content"]:
        values = dict(entry)
        if "authors" in values:
            values["authors"] = [
                SimpleNamespace(name=name) for name in values["authors"]
            ]
        if "date" in values:
            values["date"] = datetime.datetime.fromisoformat(values["date"])
        items[entry["kind"]].append(SimpleNamespace(**values))
    context["articles"] = items["article"]
    context["pages"] = [SimpleNamespace(**page, isso=None) for page in state["pages"]]
    by_url = {page.url: page for page in items["page"]}
    context["pages"] = [by_url.get(page.url, page) for page in context["pages"]]
    context["categories"] = [
        (SimpleNamespace(**category), []) for category in state["categories"]
    ]
    return context


def changed_entries(state, build, line_for, thread_of):
    """Yield the state's commented articles and pages whose answered line or
    static thread differ from what their page shows, each updated in place."""
    for entry in state["content"]:
        isso = entry["isso"]
        if not isso or isso["state"] == "off":
            continue
        line = line_for(build.by_thread.get(isso["thread"]))
        thread = thread_of(isso)
        if line == entry["answered"] and thread == entry.get("thread"):
            continue
        entry["answered"], entry["thread"] = line, thread
        yield entry


def render_changed_pages(generator, writer, build, changed, rebuild=REBUILD):
    """Write every commented page of ``changed`` (``changed_entries``)
    through its own template (``publishing.page_writing``); return how many.
    ``rebuild``: the command that writes the pages' file again."""
    from answered.answered import attach_lines

    if not changed:
        return 0
    items = load_pages(generator.settings, generator.context)
    if items is None:
        raise SetupError(
            f"{pages_path(generator.settings)}: missing or unreadable; run "
            f"`{rebuild}` again"
        )
    rendered = 0
    for entry in changed:
        item = items.get(entry["save_as"])
        if item is None:
            logger.warning(
                "comment_refresh: %s is not in the last build; run `%s`",
                entry["save_as"],
                rebuild,
            )
            continue
        attach_lines([item], build)
        write_content_page(
            generator, writer, item, override_output=hasattr(item, "override_save_as")
        )
        rendered += 1
    return rendered


def index_search(context, settings, index=True):
    """Index the site for search again: the threads of the pages just
    rendered are searched (plugins/pagefind_search, as after a build); or,
    not ``index``, only note which files the next index run reads."""
    if not plugin_enabled("pagefind_search", settings.get("PLUGINS")):
        return
    pagefind = plugin_module("pagefind_search.pagefind_search", __file__)
    pagefind.note_indexed_files(
        [
            SimpleNamespace(
                articles=context["articles"],
                pages=context["pages"],
                settings=settings,
                context=context,
            )
        ]
    )
    run = pagefind.start_index(settings, settings["OUTPUT_PATH"]) if index else None
    if run is not None:
        run.finish()


def refresh_comment_pages(
    settings, site=None, index=True, rebuild=REBUILD, state_to=None
):
    """Re-render the comment-driven pages of the last full build; return counts.

    The pages go to ``OUTPUT_PATH``; ``site``: where the last build's site is
    when that is elsewhere (a comment-only publish writes only the changed
    pages into an empty folder); ``index``: index the site for search again;
    ``rebuild``: the command an error names to make the last build again;
    ``state_to``: where the new refresh state goes (default: where the next
    refresh reads it; a publish moves it there once its release is live).

    The collector is paused throughout: a refresh makes a million objects
    (comments, their classification, the page's rows) and no cycle worth
    collecting, and each collection would walk all of them again (0.15 s
    of a refresh at 100,000 comments).
    """
    from comment_data.comment_data import finish_build

    with many_objects():
        try:
            return refresh_pages(settings, site, index, rebuild, state_to)
        finally:
            finish_build()  # the heap freeze after the read


def read_comments(context, settings):
    """Read the comment data into ``context``; return a function that
    computes the transparency page's figures into it (None without comment
    data: the figures of no comments are made when asked for).

    As in a build (``comments.build.source.load_for_build``): one pass digests the
    comments, writes the snapshot and checks for vanished ones. "As of" is
    the time of the read, whenever the figures are computed.
    """
    from answered.answered import BuildFigures, check_settings
    from comment_data.comment_data import read_for_build, share

    if not plugin_enabled("comment_data", settings.get("PLUGINS")):
        return None  # the site's builds have no comment data either
    comment_data = read_for_build(settings)
    share(context, comment_data)
    as_of = build_now()

    def compute_figures():
        context[contracts.ANSWERED_FIGURES] = BuildFigures(
            comment_data, as_of, check_settings(settings)
        )

    return compute_figures


def start_transparency_page(generator, writer, context, compute_figures):
    """Start writing the transparency page (its figures first) beside the
    rest of the refresh (``beside.Beside``); return (the started work, what
    the articles' answered lines are drawn from)."""
    from answered.answered import ThreadLines, check_settings

    def work():
        compute_figures()
        values = generator.page_values()
        if values is None:
            return  # the page is off
        # The JSON in a child of its own: the pages take as long again.
        json_file = beside.Beside(lambda: generator.write_json(values), settings)
        try:
            generator.write_pages(writer, values)
        finally:
            json_file.join()

    settings = generator.settings
    if not beside.may_fork(settings):
        work()  # in this process: the lines come from the figures themselves
        return beside.Beside(lambda: None, settings), None
    started = beside.Beside(work, settings)
    return started, ThreadLines(
        context[contracts.COMMENT_DATA], check_settings(settings)
    )


def write_output(generator, writer, context, changed):
    """Let ``generator`` write its files; the comment feeds only those of
    the ``changed`` threads (and ours), when static threads tell which
    changed (the feed of a thread shows what its static thread shows)."""
    write_feeds = getattr(generator, "write_feeds", None)
    if write_feeds is None or context.get(contracts.COMMENT_THREAD_RENDERING) is None:
        generator.generate_output(writer)
        return
    write_feeds(threads=[entry["isso"]["thread"] for entry in changed])


def refresh_pages(settings, site=None, index=True, rebuild=REBUILD, state_to=None):
    """Load the plugins (reading no content), then refresh; return counts."""
    from answered.answered import AnsweredPageGenerator, figures_for_build, line_for
    from comment_data.comment_data import keep_renderings

    pelican = Pelican(settings)
    settings = pelican.settings
    check_theme_plugins(settings)
    state = load_state(settings, site, rebuild)
    try:
        context = stand_in_context(settings, state)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise unreadable_state(settings, rebuild) from None
    compute_figures = read_comments(context, settings)
    generator_classes = [AnsweredPageGenerator]
    if plugin_enabled("blog_parade", settings.get("PLUGINS")) and settings.get(
        "PARADE_ENABLED"
    ):
        from blog_parade.generator import ParadeGenerator

        generator_classes.append(ParadeGenerator)
    if plugin_enabled("comment_feeds", settings.get("PLUGINS")):
        from comment_feeds.comment_feeds import CommentFeedGenerator

        generator_classes.append(CommentFeedGenerator)
    generators = [
        cls(
            context=context,
            settings=settings,
            path=settings["PATH"],
            theme=settings["THEME"],
            output_path=settings["OUTPUT_PATH"],
        )
        for cls in generator_classes
    ]
    for generator in generators:
        if hasattr(generator, "generate_context"):
            generator.generate_context()
    writer = Writer(settings["OUTPUT_PATH"], settings=settings)
    transparency, build = None, None
    if compute_figures is not None:
        transparency, build = start_transparency_page(
            generators[0], writer, context, compute_figures
        )
    try:
        build = build or figures_for_build(context, settings)
        changed = list(
            changed_entries(state, build, line_for, thread_fingerprint_of(context))
        )
        for generator in generators[1 if transparency else 0 :]:
            write_output(generator, writer, context, changed)
        rendered = render_changed_pages(generators[0], writer, build, changed, rebuild)
        # While the transparency page's child still works: only note what
        # the search index reads (an index run reads the child's files too).
        if rendered and not index:
            index_search(context, settings, index=False)
        state_text = list(state_pieces(state))
    finally:
        if transparency is not None:
            transparency.join()
    if rendered and index:
        index_search(context, settings)
    write_state(settings, state_text, state_to)
    keep_renderings(settings, prune=False)  # it showed only the changed pages
    return {"comments": build.digest.comment_count, "pages_rendered": rendered}
