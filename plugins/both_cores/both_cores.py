"""Build on every core through Pelican's public hooks: Markdown read by forked
helpers into a reader class of this plugin's own (``reading``), the articles'
pages and listings written by the build process and helpers together
(``writing``). No Pelican method is replaced at run time.

Signals: ``readers_init`` (the reader), ``article_generator_preread`` and
``page_generator_preread`` (start a pool of readers once per generator),
``article_generator_finalized``, ``page_generator_finalized`` and
``finalized`` (end it), ``get_writer`` (the writer), ``article_writer_finalized``
(write the kept pages).
"""

from pelican import signals

from .reading import finish_pools, register_reader, start_articles, start_pages
from .writing import ParallelWriter


def writer_class(pelican):
    """Hand Pelican the ParallelWriter (``get_writer``)."""
    return ParallelWriter


def write_kept(generator, writer=None):
    """Write the pages the articles generator left with the writer."""
    if isinstance(writer, ParallelWriter):
        writer.flush()


def register():
    """Connect the receivers."""
    signals.readers_init.connect(register_reader)
    signals.article_generator_preread.connect(start_articles)
    signals.page_generator_preread.connect(start_pages)
    signals.article_generator_finalized.connect(finish_pools)
    signals.page_generator_finalized.connect(finish_pools)
    signals.finalized.connect(finish_pools)
    signals.get_writer.connect(writer_class)
    signals.article_writer_finalized.connect(write_kept)
