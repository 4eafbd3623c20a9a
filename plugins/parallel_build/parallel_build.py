"""Use every core for a build: Markdown read ahead, pages rendered in parallel.

Pelican builds on one core, and most of a build is two loops: Python Markdown
converting each source, and Jinja rendering each page. This plugin forks
helpers for both (``prefetch``: children convert the Markdown sources while
Pelican reads them in order; ``writer``: children and the build process
render the pages together). Everything else, every signal and every other
plugin, still runs in the build process in Pelican's order, and the output is
the same files with the same bytes.

``BUILD_WORKERS`` is the number of processes to use, by default the cores this
process may run on; 1 builds in one process as Pelican does. Builds inside a
process that runs other threads (where forking is unsafe) use one process.

Signals: ``initialized`` (check the setting), ``article_generator_init`` and
``page_generator_init`` (start reading ahead), ``article_generator_finalized``
and ``page_generator_finalized`` (end the readers), ``get_writer`` (the
parallel writer), ``all_generators_finalized`` (write what a generator's output
kept once it is done).
"""

import logging

from pelican import signals
from pelican.plugins._utils import plugin_enabled
from pelican.readers import MarkdownReader

from .prefetch import Prefetch, read_ahead, sources_to_read
from .workers import build_workers, may_fork
from .writer import ParallelWriter

logger = logging.getLogger(__name__)

PLUGIN_NAME = "parallel_build"
SMALLEST_PREFETCH = 32  # fewer sources are read here, without forking
PREFETCHES = {}  # generator → its Prefetch, until the generator has read


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


def configure(pelican):
    """Check the setting at the start; end helpers a failed build left behind."""
    stop_all_reading()
    if is_listed(pelican.settings):
        build_workers(pelican.settings)


def start_reading(generator, paths_setting, excludes_setting):
    """Have children convert the Markdown sources ``generator`` will read."""
    settings = generator.settings
    if not is_listed(settings):
        return
    workers = may_fork(settings)
    if workers < 2:
        return
    sources = sources_to_read(
        generator, settings[paths_setting], settings[excludes_setting]
    )
    if len(sources) < SMALLEST_PREFETCH:
        return
    prefetch = Prefetch(generator.readers, sources, workers)
    for reader in generator.readers.readers.values():
        if isinstance(reader, MarkdownReader):
            read_ahead(reader, prefetch)
    PREFETCHES[generator] = prefetch


def start_reading_articles(generator):
    """article_generator_init: read the articles ahead."""
    start_reading(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")


def start_reading_pages(generator):
    """page_generator_init: read the pages ahead."""
    start_reading(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def stop_reading(generator, *args, **kwargs):
    """A generator has read everything: end its children."""
    prefetch = PREFETCHES.pop(generator, None)
    if prefetch is not None:
        prefetch.close()


def stop_all_reading():
    """End every child still reading ahead (after a build that failed)."""
    while PREFETCHES:
        PREFETCHES.popitem()[1].close()


def parallel_writer(pelican):
    """get_writer: the ParallelWriter when more than one process may be used."""
    if is_listed(pelican.settings) and may_fork(pelican.settings) > 1:
        return ParallelWriter
    return None


def flush_after_output(generators):
    """Make each generator's output end with writing what the writer kept."""
    for generator in generators:
        if not is_listed(generator.settings):
            return
        if hasattr(generator, "generate_output"):
            generator.generate_output = flushing(generator.generate_output)


def flushing(generate_output):
    """Wrap ``generate_output`` so the kept pages are written before it returns."""

    def generate_output_and_flush(writer):
        generate_output(writer)
        if isinstance(writer, ParallelWriter):
            writer.flush()

    return generate_output_and_flush


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.article_generator_init.connect(start_reading_articles)
    signals.page_generator_init.connect(start_reading_pages)
    signals.article_generator_finalized.connect(stop_reading)
    signals.page_generator_finalized.connect(stop_reading)
    signals.get_writer.connect(parallel_writer)
    signals.all_generators_finalized.connect(flush_after_output)
