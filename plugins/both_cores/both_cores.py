"""Build on every core through Pelican's public hooks: Markdown read by forked
helpers into a reader class of this plugin's own (``reading``), the articles'
pages and listings written by the build process and helpers together
(``writing``). No Pelican method is replaced at run time.

Signals: ``readers_init`` (the reader), ``article_generator_preread`` and
``page_generator_preread`` (start a pool of readers once per generator),
``article_generator_finalized``, ``page_generator_finalized`` and
``finalized`` (end it), ``get_writer`` (the writer), ``page_writer_finalized``
(write the articles' and pages' files) and ``finalized`` (the rest). List it
before ``pagefind_search`` and ``sitemap_robots``: Pelican calls receivers in
the plugins' order.
"""

from pelican import signals

from .reading import finish_pools, register_reader, start_articles, start_pages
from .writing import WRITERS, ParallelWriter


def writer_class(pelican):
    """Hand Pelican the ParallelWriter (``get_writer``)."""
    return ParallelWriter


def write_content(generator, writer=None):
    """Write the articles' and pages' own files (``page_writer_finalized``),
    before the search index starts on them."""
    if isinstance(writer, ParallelWriter):
        writer.flush(content_only=True)


def write_rest(pelican):
    """Write every page still kept (``finalized``, before the plugins listed
    after this one read the output)."""
    while WRITERS:
        WRITERS.pop().flush()


def register():
    """Connect the receivers."""
    signals.readers_init.connect(register_reader)
    signals.article_generator_preread.connect(start_articles)
    signals.page_generator_preread.connect(start_pages)
    signals.article_generator_finalized.connect(finish_pools)
    signals.page_generator_finalized.connect(finish_pools)
    signals.finalized.connect(finish_pools)
    signals.get_writer.connect(writer_class)
    signals.page_writer_finalized.connect(write_content)
    signals.finalized.connect(write_rest)
