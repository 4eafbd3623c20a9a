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

Once the articles' and pages' own files are written, Pelican's memo of their
HTML with links filled in (``Content.get_content``, a second copy of every
article written by the build process: 34 MiB at 5,000 articles) is emptied:
the listings read the summaries, memoised apart, and a later reader of
``content`` gets it made again.
"""

from pelican import signals
from pelican.contents import Content

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
    if not getattr(writer, "keeps_content", False):
        Content.get_content.cache.clear()  # Pelican's memoized: its own attribute


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
