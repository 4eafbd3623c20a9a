"""Two settings that name the same output file: refused before anything is written.

Pelican's writer refuses to write one file twice, but the project's plugins
write several files themselves (``robots.txt``, ``sitemap.xml``,
``answered.json``, each parade's ``parade.json`` and ``deadline.ics``), and
those replaced a page without a word: ``ROBOTS_SAVE_AS = "index.html"`` made
the home page a robots file. ``check_output_paths`` compares the settings that
name one file each, and the per-parade patterns with one another, once the
plugins have filled in their defaults.
"""

import os

from comments.core import SetupError

# One file each (an empty value writes nothing).
SINGLE_FILES = (
    "INDEX_SAVE_AS",
    "ARCHIVES_SAVE_AS",
    "AUTHORS_SAVE_AS",
    "CATEGORIES_SAVE_AS",
    "TAGS_SAVE_AS",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "SEARCH_SAVE_AS",
    "SITEMAP_SAVE_AS",
    "ROBOTS_SAVE_AS",
    "ANSWERED_SAVE_AS",
    "ANSWERED_JSON_SAVE_AS",
    "PARADE_INDEX_SAVE_AS",
)
# One file per parade, by its {slug}.
PER_PARADE = ("PARADE_SAVE_AS", "PARADE_JSON_SAVE_AS", "PARADE_ICS_SAVE_AS")


def check_output_paths(settings):
    """Raise a one-line SetupError when two settings name the same file."""
    named = {}
    for name in (*SINGLE_FILES, *PER_PARADE):
        value = settings.get(name)
        if not isinstance(value, str) or not value:
            continue
        path = os.path.normpath(value)
        if path in named:
            raise SetupError(
                f"{named[path]} and {name} both name {value!r}: one would "
                "replace the other's file; give one of them another path"
            )
        named[path] = name
