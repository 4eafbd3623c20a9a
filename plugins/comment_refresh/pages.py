"""Re-render a commented article or page through its own template, as a build does.

A full build pickles what its article and page templates read — the articles
and pages themselves (Pelican's objects, with their neighbours, tags,
authors and parade banners) and the rest of the build's context — into
``CACHE_PATH``. ``invoke refresh`` loads it only when some thread changed and
writes those pages with Pelican's ``Writer`` and the same template and
arguments as ``ArticlesGenerator``/``PagesGenerator``: the thread and the
answered line come from the same template in a build and in a refresh.

The build's context dict and its settings are not pickled (the objects point
to them): a refresh hands in its own context and settings in their place.
The comment data and its figures are not kept: a refresh reads them anew.

The pickle goes straight to its file, and long non-ASCII texts (the
articles' HTML) are pickled as UTF-8 bytes: pickling a ``str`` makes CPython
keep a UTF-8 copy inside the string for as long as the string lives — for
every article, until the build ends.
"""

import os
import pickle
from pathlib import Path

from pelican.contents import Content

from publishing.plugin_setup import plugin_module

contracts = plugin_module("contracts", __file__)

PAGES_FILE = "comment-refresh-pages.pickle"
PAGES_FORMAT = 3
# What a refresh computes anew: the comments, their figures, the threads.
NOT_KEPT = (
    contracts.COMMENT_DATA,
    contracts.ANSWERED_FIGURES,
    contracts.COMMENT_THREAD_RENDERING,
)
CONTEXT, SETTINGS = "build-context", "build-settings"
TEXT = "text"  # a long non-ASCII string, pickled as its UTF-8 bytes
LONG_TEXT = 256  # characters; shorter strings cost little as a UTF-8 copy


def pages_path(settings):
    """Return where a full build leaves the pickled pages."""
    return Path(settings["CACHE_PATH"]) / PAGES_FILE


def built_keys(context, settings):
    """Return the context keys the build made (not copied from the settings)."""
    return [
        key
        for key, value in context.items()
        if key not in NOT_KEPT and not (key in settings and value is settings[key])
    ]


def contents_of(kept):
    """Return every article and page the kept context lists, once each."""
    found = {}
    for value in kept.values():
        if isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, Content):
                    found.setdefault(id(item), item)
    return list(found.values())


class BuildPickler(pickle.Pickler):
    """Pickles the build's objects, leaving out its context and settings, and
    naming each article or page by its number: their neighbour links
    (``prev_article``…) would otherwise nest one pickle call per article."""

    def __init__(self, stream, context, settings, contents):
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.context, self.settings = context, settings
        self.numbers = {id(item): number for number, item in enumerate(contents)}

    def persistent_id(self, obj):
        if type(obj) is str:
            if len(obj) < LONG_TEXT or obj.isascii():
                return None  # an ASCII string is its own UTF-8: no copy kept
            return TEXT, obj.encode("utf-8", "surrogatepass")
        if obj is self.context:
            return CONTEXT
        if obj is self.settings:
            return SETTINGS
        number = self.numbers.get(id(obj))
        return None if number is None else number


class RefreshUnpickler(pickle.Unpickler):
    """Loads the pickled pages into a refresh's context and settings."""

    def __init__(self, stream, context, settings, contents=()):
        super().__init__(stream)
        self.context, self.settings, self.contents = context, settings, contents

    def persistent_load(self, pid):
        if isinstance(pid, int):
            return self.contents[pid]
        if isinstance(pid, tuple) and pid[0] == TEXT:
            return pid[1].decode("utf-8", "surrogatepass")
        return {CONTEXT: self.context, SETTINGS: self.settings}[pid]


def save_pages(context, settings):
    """Pickle the build's articles and pages and what their templates read:
    first each article's and page's class and attributes, then the context."""
    kept = {key: context[key] for key in built_keys(context, settings)}
    contents = contents_of(kept)
    path = pages_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as stream:
        pickler = BuildPickler(stream, context, settings, contents)
        pickler.dump(PAGES_FORMAT)
        pickler.dump([type(item) for item in contents])
        for item in contents:
            pickler.dump(item.__dict__)
        pickler.dump(kept)
    os.replace(temporary, path)


def load_pages(settings, context):
    """Put the last build's pickled context into ``context``; return its
    articles and pages by output path, or None when there is no usable file."""
    try:
        with open(pages_path(settings), "rb") as stream:
            unpickler = RefreshUnpickler(stream, context, settings)
            if unpickler.load() != PAGES_FORMAT:
                return None
            contents = [cls.__new__(cls) for cls in unpickler.load()]
            unpickler.contents = contents
            for item in contents:
                item.__dict__.update(unpickler.load())
            kept = unpickler.load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    context.update(kept)
    return {
        item.save_as: item
        for item in (*context.get("articles", ()), *context.get("pages", ()))
    }
