"""The warm site: full builds kept in memory, and one page rendered from its source.

A full build runs Pelican into a staging folder (``CACHE_PATH/preview-site``,
kept between builds) with the reader cache, so unchanged sources are not
converted again, and is copied into the served folder file by file (``sync``)
once it built without an error: a failed build leaves the last good site
served. Its generators stay in memory; ``render_source`` reads one changed
Markdown file with their readers (Pelican's ``Readers.read_file``, the
generator's signals included) and writes its page with Pelican's
``Writer.write_file`` through the same template and context, then renames it
into place.

What other pages give an article (older/newer links, answer figures, the
parade banner) is set when a build has read every article; the first render
carries it over from the article's previous version, and the full build that
follows sets it anew.
"""

import logging
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from pelican import Pelican, signals
from pelican.contents import Article, Page, SkipStub
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.settings import read_settings
from pelican.writers import Writer

from comments.core import SetupError
from publishing.live.problems import Problem, source_problem, template_problem
from publishing.live.sync import (
    page_url,
    remove_stale_pages,
    replace_file,
    sync_folder,
)
from publishing.output_paths import check_output_paths
from publishing.page_writing import write_content_page
from publishing.plugin_setup import check_theme_plugins, plugin_module

STAGING_FOLDER = "preview-site"
PAGE_FOLDER = "preview-page"
# Set on an article once every article is read (plugins/contracts.py: the
# article_neighbors plugin, ANSWERED, BLOG_PARADE).
CARRIED_OVER = ("prev_article", "next_article", "answered", "blog_parade")
UNREADABLE_SOURCE = "Could not process %s"  # Pelican's generators log it
CONTENT_CLASSES = ((ArticlesGenerator, Article), (PagesGenerator, Page))


class ErrorLines(logging.Handler):
    """Collects the errors logged meanwhile as Problems."""

    def __init__(self, content_path, root):
        super().__init__(level=logging.ERROR)
        self.content_path, self.root = Path(content_path), root
        self.problems = []

    def emit(self, record):
        reason = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == UNREADABLE_SOURCE and args and reason is not None:
            self.problems.append(
                source_problem(self.content_path / args[0], reason, self.root)
            )
        else:
            message = " ".join(record.getMessage().split())
            self.problems.append(Problem("", None, message))


@contextmanager
def recording_errors(content_path, root):
    """Yield the list of Problems logged as errors while the block runs."""
    handler = ErrorLines(content_path, root)
    logging.getLogger().addHandler(handler)
    try:
        yield handler.problems
    finally:
        logging.getLogger().removeHandler(handler)


class BuildResult:
    """What a full build did: the URL paths that changed, or its problems."""

    def __init__(self, changed=(), problems=(), superseded=False):
        self.changed = list(changed)
        self.problems = list(problems)
        self.superseded = superseded


class WarmSite:
    """The site of ``settings_file``, served from its OUTPUT_PATH."""

    def __init__(self, settings_file, root):
        self.settings_file = str(settings_file)
        self.root = Path(root)
        settings = read_settings(self.settings_file)
        self.settings = settings
        self.output = Path(settings["OUTPUT_PATH"])
        self.staging = Path(settings["CACHE_PATH"]) / STAGING_FOLDER
        self.page_staging = Path(settings["CACHE_PATH"]) / PAGE_FOLDER
        self.generators = []  # of the last good build
        self.index_run = None  # Pagefind after a comment refresh, in the background

    def build(self, superseded=lambda: False, templates=None):
        """Build the whole site and copy it into the served folder unless it
        failed or ``superseded()`` says newer changes wait (checked after the
        build); return a BuildResult. ``templates``: see ``build_staging``."""
        problems = self.build_staging(templates)
        if problems:
            return BuildResult(problems=problems)
        if superseded():
            return BuildResult(superseded=True)
        return BuildResult(changed=self.publish_staging())

    def build_staging(self, templates=None):
        """Build the whole site into the staging folder; return its Problems
        (none: the generators are kept for ``render_source``). ``templates``:
        when only these theme templates changed, pages whose templates use
        none of them are kept as they are (``BUILD_CHANGED_TEMPLATES``, the
        plugin both_cores)."""
        self.end_index_run()  # its index would be copied over anyway
        try:
            settings = read_settings(
                self.settings_file,
                override={
                    "OUTPUT_PATH": str(self.staging),
                    "DELETE_OUTPUT_DIRECTORY": False,  # remove_stale_pages
                    "BUILD_CHANGED_TEMPLATES": templates,
                },
            )
        except Exception as error:  # noqa: BLE001 - the settings file is Python
            reason = " ".join(str(error).split()) or type(error).__name__
            return [self.settings_problem(reason)]
        generators = []
        started = time.time() - 1  # file systems keep whole seconds (some)
        with recording_errors(settings["PATH"], self.root) as problems:
            try:
                with signals.all_generators_finalized.connected_to(generators.extend):
                    pelican = Pelican(settings)
                    check_theme_plugins(pelican.settings)
                    check_output_paths(pelican.settings)
                    pelican.run()
            except Exception as error:  # noqa: BLE001 - shown, not raised
                problems.append(
                    template_problem(error, self.root)
                    or Problem("", None, " ".join(str(error).split()))
                )
        if not problems:
            self.generators = generators
            remove_stale_pages(self.staging, started, kept_folders(settings))
        return list(problems)

    def publish_staging(self):
        """Copy the last build into the served folder; return the changed URL
        paths. The refresh state then names the served folder."""
        changed = [page_url(path) for path in sync_folder(self.staging, self.output)]
        if "comment_refresh" in self.settings["PLUGINS"]:
            plugins = Path(self.settings["PLUGIN_PATHS"][0])
            refresh = plugin_module(
                "comment_refresh.refresh", plugins / "comment_refresh" / "x.py"
            )
            refresh.retarget_state(self.settings, self.output)
        return changed

    def refresh_comments(self):
        """Render what changed comments change (``invoke refresh``: the
        commented pages through their templates, the transparency and parade
        pages, the search index) straight into the served folder; return the
        changed URL paths, or raise SourceProblem."""
        refresh = plugin_module(
            "comment_refresh.refresh",
            Path(self.settings["PLUGIN_PATHS"][0]) / "comment_refresh" / "x.py",
        )
        refresh.retarget_state(self.settings, self.output)  # built in staging
        self.end_index_run()
        started = time.time_ns()
        with recording_errors(self.settings["PATH"], self.root) as problems:
            try:
                counts = refresh.refresh_comment_pages(
                    read_settings(self.settings_file), index=False
                )
            except SetupError as error:
                problems.append(Problem("", None, str(error)))
        if problems:
            raise SourceProblem(problems[0])
        changed = sorted(
            page_url(path.relative_to(self.output))
            for path in self.output.rglob("*.html")
            if path.stat().st_mtime_ns >= started
        )
        if counts["pages_rendered"]:
            self.start_index_run()
        return changed

    def start_index_run(self):
        """Index the served site for search in the background: the pages are
        there already; the next refresh does not wait for Pagefind."""
        pagefind = plugin_module(
            "pagefind_search.pagefind_search",
            Path(self.settings["PLUGIN_PATHS"][0]) / "pagefind_search" / "x.py",
        )
        self.index_run = pagefind.start_index(self.settings, self.output)

    def end_index_run(self):
        """Finish the last background index run, or stop it when it still
        runs (a new refresh indexes again)."""
        run, self.index_run = self.index_run, None
        if run is not None and run.process.poll() is None:
            run.stop()
        elif run is not None:
            run.finish()

    def settings_problem(self, reason):
        """Return the Problem of a settings file that does not load."""
        file = Path(self.settings_file)
        shown = file.relative_to(self.root) if file.is_relative_to(self.root) else file
        return Problem(str(shown), None, reason)

    def generator_for(self, source):
        """Return the warm generator that reads ``source`` and its content class."""
        for generator_class, content_class in CONTENT_CLASSES:
            for generator in self.generators:
                if isinstance(generator, generator_class):
                    folders = generator.settings[
                        "ARTICLE_PATHS" if content_class is Article else "PAGE_PATHS"
                    ]
                    base = Path(generator.path)
                    if any(source.is_relative_to(base / f) for f in folders):
                        return generator, content_class
        return None, None

    def render_source(self, source):
        """Render the page of one Markdown ``source`` into the served folder;
        return its URL path, or None when no warm build reads it. A file that
        does not read raises ``SourceProblem``."""
        source = Path(source).resolve()
        generator, content_class = self.generator_for(source)
        if generator is None:
            return None
        relative = str(source.relative_to(generator.path))
        with recording_errors(generator.path, self.root) as problems:
            try:
                item = generator.readers.read_file(
                    base_path=generator.path,
                    path=relative,
                    content_class=content_class,
                    context=generator.context,
                    **signal_arguments(generator, content_class),
                )
            except Exception as error:  # noqa: BLE001 - the author's file
                raise SourceProblem(source_problem(source, error, self.root)) from None
            if isinstance(item, SkipStub):
                return None
            if not item.is_valid() or problems:
                raise SourceProblem(
                    problems[0]
                    if problems
                    else source_problem(source, "not a valid page", self.root)
                )
        previous = generator.context["generated_content"].get(relative)
        carry_over(previous, item)
        generator.context["generated_content"][relative] = item
        if not item.save_as:
            return None
        try:
            self.write(generator, item)
        except Exception as error:  # noqa: BLE001 - a template the author edits
            raise SourceProblem(
                template_problem(error, self.root)
                or source_problem(source, error, self.root)
            ) from None
        return page_url(item.save_as)

    def write(self, generator, item):
        """Write ``item``'s page as its generator does, then rename it into place."""
        writer = Writer(str(self.page_staging), settings=generator.settings)
        if isinstance(item, Article):
            signals.article_generator_write_article.send(generator, content=item)
        write_content_page(generator, writer, item, override_output=True)
        replace_file(self.page_staging / item.save_as, self.output / item.save_as)


def kept_folders(settings):
    """Return the output folders of copied files: theme and content statics,
    the search bundle."""
    return [
        Path(settings["THEME_STATIC_DIR"]),
        *(Path(path) for path in settings["STATIC_PATHS"]),
        Path(settings.get("PAGEFIND_BUNDLE_DIR", "pagefind")),
    ]


class SourceProblem(Exception):
    """A source that does not render; ``problem`` says why."""

    def __init__(self, problem):
        super().__init__(str(problem))
        self.problem = problem


def signal_arguments(generator, content_class):
    """Return the signals ``read_file`` sends, as the generator's own reading does."""
    if content_class is Article:
        return {
            "preread_signal": signals.article_generator_preread,
            "preread_sender": generator,
            "context_signal": signals.article_generator_context,
            "context_sender": generator,
        }
    return {
        "preread_signal": signals.page_generator_preread,
        "preread_sender": generator,
        "context_signal": signals.page_generator_context,
        "context_sender": generator,
    }


def carry_over(previous, item):
    """Give ``item`` what only a full build sets, from its ``previous`` version."""
    if previous is None:
        return
    for name in CARRIED_OVER:
        if getattr(item, name, None) is None and getattr(previous, name, None):
            setattr(item, name, getattr(previous, name))
