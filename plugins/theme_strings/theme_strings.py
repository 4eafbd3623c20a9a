"""Give templates the theme's user-facing strings in the site's language.

The theme keeps one folder per language, ``<THEME>/strings/<lang>/``, with one
JSON file per part of the site (``site.json``, ``answered.json``, …), merged
in name order. Templates call ``t("key")`` or ``t("key", count=n)``.
``DEFAULT_LANG`` picks the folder; a key missing there falls back to German.

Signals: ``generator_init`` (installs ``t``, ``LANG_STRINGS`` and the
``duration`` filter — seconds said as "3 Std." — into every generator's Jinja
environment).
"""

import functools
import json
import logging
from pathlib import Path

from pelican import signals

from comments.errors import SetupError

logger = logging.getLogger(__name__)

FALLBACK_LANG = "de"


class ThemeStringsError(SetupError):
    """A strings file is missing or not valid JSON."""


def load_strings(theme_path, lang):
    """Return the merged strings for ``lang``, German filling any gaps."""
    strings_dir = Path(theme_path) / "strings"
    merged = {}
    for code in dict.fromkeys([FALLBACK_LANG, lang]):
        folder = strings_dir / code
        if not folder.is_dir():
            if code == lang and code != FALLBACK_LANG:
                logger.warning(
                    "theme_strings: no %s for DEFAULT_LANG=%r; using German strings",
                    folder,
                    lang,
                )
                continue
            raise ThemeStringsError(f"{folder}: missing; the theme needs it")
        for path in sorted(folder.glob("*.json")):
            merged.update(read_strings_file(path))
    return merged


def read_strings_file(path):
    """Read one strings file; a JSON mistake names the file and line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ThemeStringsError(
            f"{path}: not valid JSON (line {error.lineno}: {error.msg})"
        ) from None


def plural_form(count):
    """Return the plural category German and English share: one or other."""
    return "one" if count == 1 else "other"


def translate(strings, key, **values):
    """Look up ``key`` and fill in ``values``; a plural entry picks by ``count``."""
    text = strings.get(key)
    if text is None:
        logger.warning("theme_strings: no string for key %r", key)
        return key
    if isinstance(text, dict):
        text = text[plural_form(values.get("count", 0))]
    return text.format(**values) if values else text


def duration(strings, seconds):
    """Say a duration: minutes, hours or days, rounded down; below 10 hours
    to the nearest tenth of an hour (16,200 s: "4,5 Std."), not cut down."""
    if seconds is None:
        return translate(strings, "duration.none")
    minutes = int(seconds) // 60
    if minutes < 1:
        return translate(strings, "duration.under_a_minute")
    if minutes < 120:
        return translate(strings, "duration.minutes", count=minutes)
    tenths = (int(seconds) + 180) // 360
    if tenths < 100:
        whole, tenth = divmod(tenths, 10)
        separator = translate(strings, "number.decimal_separator")
        count = f"{whole}{separator}{tenth}" if tenth else whole
        return translate(strings, "duration.hours", count=count)
    hours = max(10, minutes // 60)
    if hours < 48:
        return translate(strings, "duration.hours", count=hours)
    return translate(strings, "duration.days", count=hours // 24)


class Translator:
    """Callable ``t(key, **values)`` bound to one language's strings."""

    def __init__(self, strings):
        self.strings = strings

    def __call__(self, key, **values):
        return translate(self.strings, key, **values)


def install_translator(generator):
    """Add ``t`` and the language code to the generator's Jinja globals."""
    settings = generator.settings
    lang = settings.get("DEFAULT_LANG", FALLBACK_LANG)
    if not (Path(settings["THEME"]) / "strings").is_dir():
        return  # a theme without strings files (e.g. Pelican's own) needs no t()
    strings = load_strings(settings["THEME"], lang)
    generator.env.globals["t"] = Translator(strings)
    generator.env.globals["LANG_STRINGS"] = strings
    generator.env.filters["duration"] = functools.partial(duration, strings)


def register():
    """Connect the receiver."""
    signals.generator_init.connect(install_translator)
