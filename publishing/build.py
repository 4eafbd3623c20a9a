"""Watch a production build: which content stays private, and whether it went wrong.

``watch_build()`` wraps one in-process Pelican run (``site_build.pelican_build``):

- it records every draft and hidden article the build read, with the output
  path and URL it would have, from the generators themselves
  (``all_generators_finalized``); the leak check looks for exactly those;
- it makes logged errors fatal, as ``pelican --fatal errors`` does. Pelican
  logs a content file it cannot read, or a plugin it cannot load, and carries
  on without it; a production build must stop instead. The first error
  becomes a ``SetupError`` with one line. Warnings (such as building from the
  last comment snapshot) stay warnings.

Every build (``invoke build`` too) runs inside ``reasons_in_error_lines()``:
Pelican's error lines say why, "Could not process articles/x.md: 'gestern'
is not a valid date", where Pelican alone prints the first half.

Signals: ``all_generators_finalized``, connected only while the block runs.
"""

import logging
import sys
from contextlib import contextmanager

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.log import FatalLogger

from comments.core import SetupError
from publishing.build_log import init_build_logging
from publishing.leaks import Unpublished

# (generator class, attribute, what the items are). Hidden pages are not here:
# they are published on purpose, reachable by URL only (the 404 page is one).
UNPUBLISHED_LISTS = (
    (ArticlesGenerator, "drafts", "draft article"),
    (ArticlesGenerator, "drafts_translations", "draft article"),
    (ArticlesGenerator, "hidden_articles", "hidden article"),
    (ArticlesGenerator, "hidden_translations", "hidden article"),
    (PagesGenerator, "draft_pages", "draft page"),
    (PagesGenerator, "draft_translations", "draft page"),
)


class BuildWatch:
    """What one build kept private, and the errors it logged."""

    def __init__(self):
        self.unpublished = []
        self.errors = []

    def record_unpublished(self, generators):
        """Receive ``all_generators_finalized``: note drafts and hidden articles."""
        for generator in generators:
            for kind, attribute, label in UNPUBLISHED_LISTS:
                if not isinstance(generator, kind):
                    continue
                for item in getattr(generator, attribute, ()):
                    self.unpublished.append(
                        Unpublished(
                            what=f"{label} {item.title!r} "
                            f"({item.get_relative_source_path()})",
                            save_as=item.save_as or "",
                            url=item.url or "",
                        )
                    )


class ErrorRecorder(logging.Handler):
    """Keep the message of every error logged during the build, in one line."""

    def __init__(self, watch):
        super().__init__(level=logging.ERROR)
        self.watch = watch

    def emit(self, record):
        self.watch.errors.append(" ".join(with_reason(record).split()))


def with_reason(record):
    """Return a log record's message with the reason of the exception being
    handled appended, unless the message says it already.

    Pelican logs "Could not process FILE" inside its except block and leaves
    the reason out unless DEBUG is set; it is the exception being handled.
    """
    message = record.getMessage()
    reason = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
    if reason is not None and str(reason) and str(reason) not in message:
        message = f"{message}: {reason}"
    return message


class ReasonFilter(logging.Filter):
    """Append the reason to Pelican's error lines logged while it handles an
    exception (the project's own lines name their reasons themselves)."""

    def filter(self, record):
        if (
            record.levelno >= logging.ERROR
            and not record.exc_info
            and record.name.partition(".")[0] == "pelican"
        ):
            message = with_reason(record)
            record.msg, record.args = message, None
        return True


@contextmanager
def reasons_in_error_lines():
    """While the block runs, error lines of the root logger's handlers say why
    (``with_reason``): "Could not process articles/x.md: 'gestern' is not a
    valid date" instead of the bare first half."""
    reason_filter = ReasonFilter()
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(reason_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(reason_filter)


@contextmanager
def watch_build():
    """Record unpublished content and stop at the first logged error."""
    watch = BuildWatch()
    recorder = ErrorRecorder(watch)
    # Pelican's log output first, as pelican_build sets it up: its
    # basicConfig does nothing once the root logger has a handler (ours).
    init_build_logging()
    root = logging.getLogger()
    fatal_level = FatalLogger.fatal_lvl
    FatalLogger.fatal_lvl = logging.ERROR
    root.addHandler(recorder)
    try:
        # connected_to holds a strong reference and disconnects at the end,
        # so the bound method neither vanishes nor outlives this build.
        with signals.all_generators_finalized.connected_to(watch.record_unpublished):
            yield watch
    except RuntimeError:
        if not watch.errors:
            raise
        raise SetupError(f"build failed: {watch.errors[0]}") from None
    finally:
        root.removeHandler(recorder)
        FatalLogger.fatal_lvl = fatal_level
    if watch.errors:  # logged by a logger made before Pelican's logger class
        raise SetupError(f"build failed: {watch.errors[0]}")
