"""Build the site's search index with Pagefind at the end of every build.

Pagefind reads the written HTML and writes its index and its UI files into
``<OUTPUT_PATH>/<PAGEFIND_BUNDLE_DIR>/``; nothing is fetched at run time (the
``pagefind[bin]`` package ships the binary). What gets indexed is decided by
the theme: only elements marked ``data-pagefind-body`` — the text of published
articles and pages — and the language comes from ``<html lang>``, so a German
site gets German stemming. Running here rather than in tasks.py means every
build (``invoke build``, ``pelican``, autoreload, the tests) has its index.

A missing or failing Pagefind is logged as an error: the site is still
written, only its search page finds nothing.

Signals: ``initialized`` (checks settings), ``finalized`` (runs Pagefind).
"""

import importlib.util
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments.errors import SetupError

logger = logging.getLogger(__name__)

PLUGIN_NAME = "pagefind_search"

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    # Folder of the index and UI files inside the output; the theme links it.
    "PAGEFIND_BUNDLE_DIR": "pagefind",
    # CSS selectors inside indexed text that are not part of it.
    "PAGEFIND_EXCLUDE_SELECTORS": [],
    # Seconds; a few thousand pages take Pagefind a few seconds.
    "PAGEFIND_TIMEOUT": 300,
}
INDEXED_PAGES = re.compile(r"Indexed (\d+) pages?")


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


class PagefindSettingError(SetupError):
    """A PAGEFIND_* setting is wrong; the message names it and the fix."""


def pagefind_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong one."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    bundle = values["PAGEFIND_BUNDLE_DIR"]
    if (
        not isinstance(bundle, str)
        or not bundle.strip("/")
        or bundle.startswith("/")
        or ".." in Path(bundle).parts
    ):
        raise PagefindSettingError(
            f"PAGEFIND_BUNDLE_DIR={bundle!r} must be a folder inside the output, "
            "e.g. 'pagefind'"
        )
    selectors = values["PAGEFIND_EXCLUDE_SELECTORS"]
    if isinstance(selectors, str) or not all(isinstance(s, str) for s in selectors):
        raise PagefindSettingError(
            f"PAGEFIND_EXCLUDE_SELECTORS={selectors!r} must be a list of CSS "
            "selectors, e.g. ['.answered-line']"
        )
    return values


def pagefind_command(output_path, bundle_dir, exclude_selectors=()):
    """Return the command line that indexes ``output_path``."""
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(output_path),
        "--output-subdir",
        bundle_dir,
    ]
    if exclude_selectors:
        command += ["--exclude-selectors", ", ".join(exclude_selectors)]
    return command


def indexed_pages(report):
    """Return how many pages Pagefind says it indexed, or None."""
    match = INDEXED_PAGES.search(report or "")
    return int(match.group(1)) if match else None


def configure(pelican):
    """Check the settings once, so a mistake stops the build at its start."""
    if is_listed(pelican.settings):
        pagefind_settings(pelican.settings)


def build_index(pelican):
    """Run Pagefind over the written site; log what it did or why it failed."""
    if not is_listed(pelican.settings):
        return
    settings = pagefind_settings(pelican.settings)
    if not settings["PAGEFIND_ENABLED"]:
        return
    if importlib.util.find_spec("pagefind") is None:
        logger.error(
            "pagefind_search: the pagefind package is missing "
            "(pip install -e .); the site has no search index"
        )
        return
    output_path = Path(pelican.output_path)
    bundle = output_path / settings["PAGEFIND_BUNDLE_DIR"]
    # Pagefind names its files by content hash; drop the last build's files
    # so that the bundle holds exactly one index.
    shutil.rmtree(bundle, ignore_errors=True)
    command = pagefind_command(
        output_path,
        settings["PAGEFIND_BUNDLE_DIR"],
        settings["PAGEFIND_EXCLUDE_SELECTORS"],
    )
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=settings["PAGEFIND_TIMEOUT"],
            check=False,
        )
    except subprocess.TimeoutExpired:
        logger.error(
            "pagefind_search: Pagefind did not finish within %s s "
            "(PAGEFIND_TIMEOUT); the site has no search index",
            settings["PAGEFIND_TIMEOUT"],
        )
        return
    if result.returncode != 0:
        logger.error(
            "pagefind_search: Pagefind failed (exit %s); the site has no search "
            "index:\n%s",
            result.returncode,
            (result.stderr or result.stdout).strip()[-2000:],
        )
        return
    logger.info(
        "pagefind_search: indexed %s pages into %s",
        indexed_pages(result.stdout),
        bundle,
    )


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.finalized.connect(build_index)
