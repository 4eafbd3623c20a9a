"""Translate the theme's texts with gettext catalogs in the site's language.

The templates are written with English message ids (``{{ _("Archive") }}``,
``ngettext``, ``pgettext``; ``jinja2.ext.i18n`` with new-style ``%(name)s``
placeholders). Each language has a catalog,
``<THEME>/translations/<lang>/LC_MESSAGES/messages.po``, compiled in memory at
build time (no ``.mo`` file in git). ``DEFAULT_LANG`` picks it; German (``de``,
the site's language) stands in when the language has none; a message its
catalog lacks is shown as its English id. ``babel.cfg`` and the README say how
to update the catalogs.

Signals: ``generator_init`` (installs the translations, the ``duration``
filter — seconds said as "3 Std." or, below 10 hours, "4,5 Std." — and
``THEME_TRANSLATIONS`` for plugins into every generator's Jinja environment).
"""

import functools
import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from pelican import signals

from comments.core import SetupError
from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

FALLBACK_LANG = "de"
I18N_EXTENSION = "jinja2.ext.InternationalizationExtension"

contracts = plugin_module("contracts", __file__)


class CatalogError(SetupError):
    """A catalog is missing or cannot be read."""


def catalog_path(theme_path, lang):
    """Return the path of the ``.po`` catalog for ``lang`` in the theme."""
    return Path(theme_path) / "translations" / lang / "LC_MESSAGES" / "messages.po"


def compile_catalog(path):
    """Read a ``.po`` catalog and return it compiled, as gettext translations."""
    try:
        with path.open("rb") as file:
            catalog = read_po(file, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError(f"{path}: missing; the theme needs it") from None
    except Exception as error:  # Babel's PoFileError, or a UnicodeDecodeError
        raise CatalogError(f"{path}: not a valid catalog ({error})") from None
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # untranslated and fuzzy entries are left out
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def load_translations(theme_path, lang):
    """Return the translations for ``lang``; German when it has no catalog."""
    path = catalog_path(theme_path, lang)
    if lang != FALLBACK_LANG and not path.is_file():
        logger.warning(
            "theme_translations: no %s for DEFAULT_LANG=%r; using German texts",
            path,
            lang,
        )
        path = catalog_path(theme_path, FALLBACK_LANG)
    return compile_catalog(path)


def duration(translations, seconds):
    """Say a duration: minutes, hours or days, rounded down; below 10 hours
    to the nearest tenth of an hour (16,200 s: "4,5 Std."), not cut down."""
    if seconds is None:
        return translations.gettext("–")
    minutes = int(seconds) // 60
    if minutes < 1:
        return translations.gettext("under 1 min")
    if minutes < 120:
        text = translations.ngettext("%(num)d min", "%(num)d min", minutes)
        return text % {"num": minutes}
    tenths = (int(seconds) + 180) // 360
    if tenths < 100 and tenths % 10:
        whole, tenth = divmod(tenths, 10)
        separator = translations.pgettext("decimal separator", ".")
        return translations.gettext("%(num)s h") % {"num": f"{whole}{separator}{tenth}"}
    hours = max(10, minutes // 60) if tenths >= 100 else tenths // 10
    if hours < 48:
        return translations.ngettext("%(num)d h", "%(num)d h", hours) % {"num": hours}
    days = hours // 24
    return translations.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def install_translations(generator):
    """Install the site language's translations into the generator's Jinja."""
    settings = generator.settings
    if not (Path(settings["THEME"]) / "translations").is_dir():
        return  # a theme without catalogs (e.g. Pelican's own) needs none
    translations = load_translations(
        settings["THEME"], settings.get("DEFAULT_LANG", FALLBACK_LANG)
    )
    env = generator.env
    if I18N_EXTENSION not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations, newstyle=True)
    env.globals[contracts.THEME_TRANSLATIONS] = translations
    env.filters["duration"] = functools.partial(duration, translations)


def register():
    """Connect the receiver."""
    signals.generator_init.connect(install_translations)
