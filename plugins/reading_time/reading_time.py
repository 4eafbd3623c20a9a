"""Reading time of articles and pages, in whole minutes, for "4 Min. Lesezeit".

Counts the words of the rendered text (tags and entities are not words) and
stores ``reading_minutes``, a plain int of at least 1, on every article,
draft and page. Minutes are rounded up, as Hugo's ``ReadingTime`` does, so a
reader never gets less time than promised.

The pelican-readtime package was not used: it counts HTML tags as words,
rounds 150 words down to "0 minutes" and keeps its settings from the first
build of a process.

Signals: ``initialized`` (checks the settings), ``content_object_init``
(counts one article or page).
"""

import html
import logging
import math
import re

from pelican import signals
from pelican.contents import Article, Page
from pelican.plugins._utils import plugin_enabled

from comments.core import SetupError

logger = logging.getLogger(__name__)

PLUGIN_NAME = "reading_time"

DEFAULTS = {
    "READING_TIME_ENABLED": True,
    # Non-fiction silent reading, conservatively for German's longer words.
    "READING_TIME_WORDS_PER_MINUTE": 200,
}

TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"\w+(?:[-'’.]\w+)*")


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


class ReadingTimeSettingError(SetupError):
    """A READING_TIME_* setting is wrong; the message names it and the fix."""


def reading_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    speed = values["READING_TIME_WORDS_PER_MINUTE"]
    if isinstance(speed, bool) or not isinstance(speed, int) or speed < 1:
        raise ReadingTimeSettingError(
            f"READING_TIME_WORDS_PER_MINUTE={speed!r} must be a whole number of "
            "words per minute, e.g. 200"
        )
    return values


def count_words(content_html):
    """Return the number of words in an HTML fragment's text."""
    text = html.unescape(TAG.sub(" ", content_html or ""))
    return len(WORD.findall(text))


def reading_minutes(words, words_per_minute):
    """Return whole minutes to read ``words``, rounded up, at least 1."""
    return max(1, math.ceil(words / words_per_minute))


def configure(pelican):
    """Check the settings once, so a mistake stops the build at its start."""
    if is_listed(pelican.settings):
        reading_settings(pelican.settings)


def attach_reading_time(content):
    """Store ``reading_minutes`` on an article, draft or page."""
    if not isinstance(content, (Article, Page)) or not is_listed(content.settings):
        return
    settings = reading_settings(content.settings)
    if not settings["READING_TIME_ENABLED"]:
        return
    # _content is the text before Pelican resolves {filename} links; resolving
    # them here would log every broken link a second time.
    words = count_words(content._content)
    content.reading_minutes = reading_minutes(
        words, settings["READING_TIME_WORDS_PER_MINUTE"]
    )


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.content_object_init.connect(attach_reading_time)
