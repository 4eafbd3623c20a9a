"""What the plugins hand each other, in one place.

Like Datasette's ``hookspecs.py``: every name one part of the build sets for
another to read — context keys, Jinja globals, settings a plugin computes,
attributes of articles and pages, files left beside the comment database —
with who writes it, who reads it and its shape. Plugins import the names from
here (``contracts = plugin_module("contracts", __file__)``: Pelican puts no
plugin folder on ``sys.path``) instead of repeating the literals.
"""

# Jinja globals -----------------------------------------------------------------

THEME_TRANSLATIONS = "THEME_TRANSLATIONS"
"""The site language's gettext translations (``babel.support.Translations``).
Writer: theme_translations (``generator_init``, every generator's Jinja
globals, beside ``_``/``ngettext`` and the ``duration`` filter). Reader:
blog_parade (the texts of ``deadline.ics``)."""
