"""Run Pelican in-process, as the tasks.py that pelican-quickstart generates does.

Pelican's own command prints a traceback for any exception. Here a setup
mistake (``SetupError``), two pages for one file, a settings file that fails
and any other failure exit with one line (``invoke build --debug`` re-raises
the last kind). Used by ``invoke build``, ``serve``, ``refresh`` and
``publish``.
"""

import sys
import time
from pathlib import Path

from invoke import Exit

from comments.command_errors import one_line_errors
from comments.core import SetupError
from publishing.build import reasons_in_error_lines
from publishing.build_log import init_build_logging
from publishing.output_paths import check_output_paths
from publishing.plugin_setup import check_theme_plugins

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


def pelican_build(settings_file, debug=False, **overrides):
    """Build the site in-process; a mistake exits with one line.

    A "Could not process FILE" error line gets its reason appended (Pelican
    logs it only with ``DEBUG``).
    """
    from pelican import Pelican
    from pelican.writers import FileOverwriteFailedError

    init_build_logging()
    settings = read_build_settings("build failed", settings_file, **overrides)
    with reasons_in_error_lines(), one_line_errors("build failed"):
        try:
            pelican = Pelican(settings)
            check_theme_plugins(pelican.settings)
            check_output_paths(pelican.settings)
            pelican.run()
        except SetupError:
            raise  # one_line_errors names it
        except FileOverwriteFailedError as error:
            raise Exit(
                f"build failed: {one_line(error)}: two pages are saved to this "
                "file; give one of them another Slug (or save_as)",
                code=1,
            ) from None
        except Exception as error:  # noqa: BLE001 - one line, as promised
            if debug or is_fatal_log_line(error):
                raise  # a fatal log line (invoke publish): its watch names it
            raise Exit(f"build failed: {unexpected(error)}", code=1) from None


def refresh_pages(settings_file):
    """Re-render the comment pages from new comments; return the summary line."""
    sys.path.insert(0, str(PLUGINS))  # the name Pelican loads it under
    from comment_refresh.refresh import refresh_comment_pages

    init_build_logging()
    started = time.perf_counter()
    site_settings = read_build_settings("refresh failed", settings_file)
    with one_line_errors("refresh failed"):
        counts = refresh_comment_pages(site_settings)
    return (
        f"Refreshed from {counts['comments']} "
        f"comment{'' if counts['comments'] == 1 else 's'}: transparency page, "
        f"{counts['pages_rendered']} commented page(s) rendered "
        f"in {time.perf_counter() - started:.2f} s."
    )


def read_build_settings(prefix, settings_file, **overrides):
    """Read a Pelican settings file; any mistake in it exits with one line."""
    from pelican.settings import read_settings

    try:
        return read_settings(str(settings_file), override=overrides or None)
    except Exception as error:  # noqa: BLE001 - the settings file is Python
        # Pelican reports its own setting mistakes as ValueError.
        raise Exit(f"{prefix}: {settings_file}: {one_line(error)}", code=1) from None


def is_fatal_log_line(error):
    """Whether Pelican's logger raised ``error`` for a line made fatal."""
    return isinstance(error, RuntimeError) and str(error) == (
        "Warning or error encountered"  # pelican.log.FatalLogger
    )


def one_line(error):
    """An exception's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def unexpected(error):
    """One line for a failure no check foresaw, with how to see where it was."""
    return (
        f"{type(error).__name__}: {one_line(error)} "
        "(`invoke build --debug` shows the traceback)"
    )
