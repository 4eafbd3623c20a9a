"""Remember what a full build made, so ``invoke refresh`` can redo the comment pages.

Comments change far more often than articles. After every full build this
plugin writes a small state file (see refresh.py); ``invoke refresh`` then
re-renders only what comments change — the transparency page, its JSON, the
pages of the blog parades we host, and the articles and pages whose answered
line or comment thread changed — through the same theme, templates and
generators, in well under the time of a build.

Signals: ``initialized`` (checks that ``comment_data`` and ``answered`` are
loaded), ``all_generators_finalized`` (every generator has its context; nothing
is written yet), ``page_writer_finalized`` (the articles and pages are written).
"""

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from publishing.plugin_setup import require_plugins

from .pages import save_pages
from .refresh import save_state

NEEDS = ("comment_data", "answered")  # the comments, the pages it refreshes


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled("comment_refresh", settings.get("PLUGINS"))


def configure(pelican):
    """Check once that the plugins a refresh stands on are loaded."""
    if is_listed(pelican.settings):
        require_plugins(pelican.settings, "comment_refresh", NEEDS)


def remember_build(generators):
    """Write the refresh state of this build."""
    if not generators or not is_listed(generators[0].settings):
        return
    save_state(generators[0].context, generators[0].settings)


def remember_pages(generator, writer=None):
    """Pickle the articles and pages once written: every plugin has given them
    what it gives (some at ``all_generators_finalized``, after this one)."""
    if is_listed(generator.settings):
        save_pages(generator.context, generator.settings)


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(remember_build)
    signals.page_writer_finalized.connect(remember_pages)
