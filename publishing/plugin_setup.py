"""The project's plugins: one loading another, and what each one needs.

Pelican loads a plugin from ``PLUGIN_PATHS`` without putting that folder on
``sys.path``, one after the other in ``PLUGINS`` order. A plugin that imports
another one by name therefore works only when that one was loaded before it;
otherwise Pelican logs "Cannot load plugin" and builds on without it, so the
pages it makes silently go missing. ``plugin_module`` loads the other plugin
from the folder beside the calling one, under the very name Pelican gives it,
so ``PLUGINS`` may list the plugins in any order.

A plugin that needs another one to be *enabled* (its receivers running, its
data in the context) says so with ``require_plugins`` when Pelican is
initialised: one line naming the missing plugin and the fix, instead of a
traceback halfway through the build. The theme needs ``theme_translations``
for its texts and ``theme_assets`` for its asset URLs (``check_theme_plugins``).

This module sits in the installed ``publishing`` package so that every plugin
can import it, whatever the order.
"""

import importlib
from pathlib import Path

from pelican.plugins._utils import load_legacy_plugin, plugin_enabled

from comments.core import SetupError

PROJECT_THEME = Path(__file__).resolve().parent.parent / "theme"
THEME_NEEDS = ("theme_translations", "theme_assets")  # texts; asset URLs


def plugin_module(module, plugin_file):
    """Import ``module`` (``"plugin"`` or ``"plugin.submodule"``) of the plugin
    that sits in the same folder as the plugin whose file is ``plugin_file``,
    under the name Pelican loads it with; return the module."""
    plugins_folder = Path(plugin_file).resolve().parents[1]
    load_legacy_plugin(module.partition(".")[0], [str(plugins_folder)])
    return importlib.import_module(module)


def missing_plugins(settings, needed):
    """Return the plugins of ``needed`` this build has not loaded, in order."""
    return [name for name in needed if not plugin_enabled(name, settings["PLUGINS"])]


def require_plugins(settings, plugin, needed):
    """Raise a one-line ``SetupError`` unless every plugin in ``needed`` is loaded.

    Pelican leaves a plugin it could not load out of ``PLUGINS``, so "not
    loaded" covers both a plugin not listed and one whose import failed (its
    own error is logged above ours).
    """
    missing = missing_plugins(settings, needed)
    if missing:
        raise SetupError(
            f"PLUGINS: the plugin {plugin} needs {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not loaded; list "
            f"{'it' if len(missing) == 1 else 'them'} in PLUGINS in the settings "
            "file (pelicanconf.py lists every plugin of the project), or remove "
            f"{plugin}"
        )


def check_theme_plugins(settings):
    """Raise a one-line ``SetupError`` when the project's theme is used
    without the plugins its templates need."""
    theme = settings.get("THEME")
    if not theme or Path(theme).resolve() != PROJECT_THEME:
        return
    missing = missing_plugins(settings, THEME_NEEDS)
    if missing:
        raise SetupError(
            f"PLUGINS: the theme in {PROJECT_THEME.name}/ needs the plugin "
            f"{' and '.join(missing)} for its texts, which is not loaded; "
            "list it in PLUGINS in the settings file (as pelicanconf.py does)"
        )
