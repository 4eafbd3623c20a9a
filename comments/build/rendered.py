"""Comment texts rendered by Isso's own renderer, kept between builds.

Isso renders and sanitises a comment's Markdown on every read (mistune and
bleach: about 0.3 ms a comment here, 30 s for 100,000). The static threads
show every published comment, so a build renders each text once and keeps
the HTML in ``CACHE_PATH`` by the text's hash: the next build renders only
new and edited texts. The cache is tied to Isso's version and the comment
server's ``[markup]`` options, which decide what the renderer makes.
"""

import contextlib
import hashlib
import logging
import os
import pickle
from pathlib import Path

logger = logging.getLogger(__name__)

CACHE_FILE = "comment-html.pickle"
CACHE_FORMAT = 1


def text_key(text):
    """Return the cache key of a comment text (its hash, 16 bytes)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def renderer_identity(config_file):
    """Return what decides the rendered HTML: Isso's version and the config's
    ``[markup]`` options (an unreadable config gives an identity of its own)."""
    import configparser
    from importlib.metadata import version

    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
        parser.read(config_file or (), encoding="utf-8")
    markup = sorted(parser.items("markup")) if parser.has_section("markup") else []
    return repr((version("isso"), markup))


class RenderCache:
    """Rendered comment texts by text hash; renders what it does not hold."""

    def __init__(self, path, identity, renderer):
        self.path, self.identity, self.renderer = Path(path), identity, renderer
        self.kept, self.used = self.load(), {}

    def load(self):
        """Return the entries a previous build left, or none."""
        try:
            with open(self.path, "rb") as stream:
                stored = pickle.load(stream)
        except FileNotFoundError:
            return {}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError) as error:
            logger.warning(
                "comment_thread: %s unreadable (%s); rendering anew", self.path, error
            )
            return {}
        if not isinstance(stored, dict) or stored.get("identity") != (
            CACHE_FORMAT,
            self.identity,
        ):
            return {}
        return stored.get("entries", {})

    def render(self, text):
        """Return the comment text rendered and sanitised as Isso shows it."""
        if not text or self.renderer is None:
            return ""
        key = text_key(text)
        rendered = self.used.get(key)
        if rendered is None:
            rendered = self.kept.get(key)
            if rendered is None:
                rendered = self.renderer.render(text)
            self.used[key] = rendered
        return rendered

    def save(self, prune=True):
        """Keep the texts rendered for the next build: only this build's when
        it rendered every thread (``prune``), else the earlier ones too."""
        entries = self.used if prune else {**self.kept, **self.used}
        if not entries or entries.keys() == self.kept.keys():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "wb") as stream:
            pickle.dump(
                {"identity": (CACHE_FORMAT, self.identity), "entries": entries},
                stream,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        os.replace(temporary, self.path)
        self.kept = entries
