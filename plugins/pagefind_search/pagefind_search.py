"""Build the site's search index with Pagefind at the end of every build.

Pagefind reads the written HTML and writes its index and its UI files into
``<OUTPUT_PATH>/<PAGEFIND_BUNDLE_DIR>/``; nothing is fetched at run time (the
``pagefind[bin]`` package ships the binary). What gets indexed is decided by
the theme: only elements marked ``data-pagefind-body`` — the text of published
articles and pages — and the language comes from ``<html lang>``, so a German
site gets German stemming. Running here rather than in tasks.py means every
build (``invoke build``, ``pelican``, autoreload, the tests) has its index.

Pagefind would otherwise read and parse every HTML file, listings included,
to find the marked ones; it is given a glob that names only the files of
published articles and pages (from their ``*_SAVE_AS`` settings, plus the
paths of any that are saved elsewhere), which halves its work at 5,000
articles.

A missing or failing Pagefind is logged as an error: the site is still
written, only its search page finds nothing.

Pagefind holds its whole index in memory while it works: about 0.3 MiB per
indexed page of 800 words, 1.4 GiB at 5,000 articles. Beyond
``PAGEFIND_PAGES_PER_INDEX`` pages the site gets several indexes, one after
the other (``<bundle>/``, ``<bundle>/teil-2/``, …), so Pagefind never holds more
than one share; the search page merges them in the browser (Pagefind UI's
``mergeIndex``, ``PAGEFIND_MERGED_BUNDLES`` in the template context).

Pagefind runs on one core. It starts as soon as the articles and pages are
written (``page_writer_finalized``), so the rest of the build (the other
generators' pages, static files, the sitemap) goes on beside it; ``finalized``
waits for it and logs what it did.

Signals: ``initialized`` (checks settings, ends a Pagefind a failed build
left), ``all_generators_finalized`` (notes which files carry indexed text),
``page_writer_finalized`` (starts Pagefind), ``finalized`` (waits for it).
"""

import importlib.util
import logging
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments.core import SetupError
from publishing.plugin_setup import plugin_module

from . import reuse

logger = logging.getLogger(__name__)
contracts = plugin_module("contracts", __file__)

PLUGIN_NAME = "pagefind_search"

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    # Folder of the index and UI files inside the output; the theme links it.
    "PAGEFIND_BUNDLE_DIR": "pagefind",
    # CSS selectors inside indexed text that are not part of it.
    "PAGEFIND_EXCLUDE_SELECTORS": [],
    # Seconds; a few thousand pages take Pagefind a few seconds.
    "PAGEFIND_TIMEOUT": 300,
    # Pages per index: Pagefind holds ~0.3 MiB per 800-word page (~160 MiB),
    # beside a build process of ~290 MiB at 5,000 articles (benchmarks/FINDINGS.md).
    "PAGEFIND_PAGES_PER_INDEX": 500,
}
INDEXED_PAGES = re.compile(r"Indexed (\d+) pages?")
ALL_HTML = "**/*.{html}"  # Pagefind's own default
SAVE_AS_SETTINGS = (
    "ARTICLE_SAVE_AS",
    "ARTICLE_LANG_SAVE_AS",
    "PAGE_SAVE_AS",
    "PAGE_LANG_SAVE_AS",
)
FIELD = re.compile(r"\{([^{}]*)\}")
DIGITS = {"Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2, "j": 3}
GLOB_SPECIAL = set("*?[]{},\\!")
LONGEST_GLOB = 100_000  # bytes; one argument may hold 128 KiB on Linux
INDEXED_FILES = []  # output paths of the pages the theme marks, this build
PART_FOLDER = "teil-{number}"  # a further index, inside the bundle folder
RUNNING = []  # the PagefindRun started for this build, until finalized
STARTED = []  # [True] once this build's index was looked at after the pages


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
    if not isinstance(selectors, (list, tuple)) or not all(
        isinstance(s, str) for s in selectors
    ):
        raise PagefindSettingError(
            f"PAGEFIND_EXCLUDE_SELECTORS={selectors!r} must be a list of CSS "
            "selectors, e.g. ['.answered-line']"
        )
    per_index = values["PAGEFIND_PAGES_PER_INDEX"]
    if not isinstance(per_index, int) or isinstance(per_index, bool) or per_index < 1:
        raise PagefindSettingError(
            f"PAGEFIND_PAGES_PER_INDEX={per_index!r} must be a whole number of "
            "pages of at least 1, e.g. 1000"
        )
    for selector in selectors:
        problem = selector_problem(selector)
        if problem:
            # Pagefind would panic on it (85 lines) and the site had no search.
            raise PagefindSettingError(
                f"PAGEFIND_EXCLUDE_SELECTORS: {selector!r} is not a CSS selector "
                f"({problem})"
            )
    return values


# Class, id and type selectors with combinators: the usual exclusions, checked
# without soupsieve, whose import (regular expressions compiled by the
# hundred) cost every build and refresh 0.23 s and ~3 MiB.
IDENT = r"-?[A-Za-z_][A-Za-z0-9_-]*"
COMPOUND = rf"(?:{IDENT}|\*)?(?:[.#]{IDENT})+|{IDENT}|\*"
SELECTOR = rf"\s*(?:{COMPOUND})(?:\s*[>+~]\s*(?:{COMPOUND})|\s+(?:{COMPOUND}))*\s*"
PLAIN_SELECTOR = re.compile(rf"{SELECTOR}(?:,{SELECTOR})*")  # a list of them


def selector_problem(selector):
    """Why ``selector`` is no CSS selector, or "" when it is one: plain class,
    id and type selectors at once, anything else by soupsieve (which
    BeautifulSoup brings)."""
    if PLAIN_SELECTOR.fullmatch(selector):
        return ""
    import soupsieve  # only for selectors beyond the plain ones

    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as error:
        return str(error).splitlines()[0]
    return ""


def field_glob(field):
    """Return the glob for one ``{field}`` of a SAVE_AS setting: digits for
    numeric date fields (``{date:%Y}``), else any text within one folder."""
    name, _, date_format = field.partition(":")
    codes = re.fullmatch(r"(%[A-Za-z]|[-_./ ])+", date_format or "")
    if name != "date" or not codes:
        return "*"
    parts = re.findall(r"%([A-Za-z])|(.)", date_format)
    if any(code and code not in DIGITS for code, _ in parts):
        return "*"
    return "".join("[0-9]" * DIGITS[code] if code else text for code, text in parts)


def save_as_glob(save_as):
    """Turn a SAVE_AS setting into a glob, or None if it cannot be one."""
    literal = FIELD.split(save_as)[::2]
    if any(GLOB_SPECIAL & set(part) for part in literal):
        return None
    fields = [field_glob(field) for field in FIELD.findall(save_as)]
    glob = literal[0] + "".join(
        field + text for field, text in zip(fields, literal[1:], strict=True)
    )
    return glob.replace("**", "*")


def glob_regex(glob):
    """Return a regex matching what ``glob`` matches (``*``: within a folder)."""
    return re.compile(
        "".join(
            "[^/]*" if part == "*" else part if part == "[0-9]" else re.escape(part)
            for part in re.split(r"(\*|\[0-9\])", glob)
        )
    )


def indexed_glob(paths, settings):
    """Return a Pagefind glob for exactly ``paths`` and the files their
    SAVE_AS settings describe; Pagefind's default when none can be made."""
    patterns = []
    for name in SAVE_AS_SETTINGS:
        glob = save_as_glob(settings.get(name) or "")
        if glob and glob not in patterns:
            patterns.append(glob)
    matchers = [glob_regex(glob) for glob in patterns]
    used, extra = set(), []
    for path in sorted(set(paths)):
        matched = next(
            (g for g, m in zip(patterns, matchers, strict=True) if m.fullmatch(path)),
            None,
        )
        if matched:
            used.add(matched)
        elif GLOB_SPECIAL & set(path):
            return ALL_HTML
        else:
            extra.append(path)
    alternatives = [glob for glob in patterns if glob in used] + extra
    if not alternatives:
        return ALL_HTML
    glob = "{" + ",".join(alternatives) + "}"
    return glob if len(glob.encode()) <= LONGEST_GLOB else ALL_HTML


def index_shares(paths, settings):
    """Return [(bundle folder, glob, paths)], one per index Pagefind makes of
    ``paths``: one when they fit in ``PAGEFIND_PAGES_PER_INDEX``, else shares
    of that many named path by path. One index of everything when a path
    cannot be named in a glob or a share's glob is too long."""
    values = pagefind_settings(settings)
    bundle = values["PAGEFIND_BUNDLE_DIR"]
    per_index = values["PAGEFIND_PAGES_PER_INDEX"]
    paths = sorted(set(paths))
    whole = [(bundle, indexed_glob(paths, settings) if paths else None, paths)]
    if len(paths) <= per_index or any(GLOB_SPECIAL & set(path) for path in paths):
        return whole
    shares = [
        paths[start : start + per_index] for start in range(0, len(paths), per_index)
    ]
    globs = ["{" + ",".join(share) + "}" for share in shares]
    if any(len(glob.encode()) > LONGEST_GLOB for glob in globs):
        return whole
    folders = [bundle] + [
        f"{bundle.rstrip('/')}/{PART_FOLDER.format(number=number)}"
        for number in range(2, len(shares) + 1)
    ]
    return list(zip(folders, globs, shares, strict=True))


def index_parts(paths, settings):
    """Return [(bundle folder, glob)] of ``index_shares``."""
    return [(folder, glob) for folder, glob, _ in index_shares(paths, settings)]


def note_indexed_files(generators):
    """Remember the output files of published articles and pages (what the
    theme marks ``data-pagefind-body``) for this build's Pagefind run, and
    tell the search page which further indexes it merges."""
    INDEXED_FILES.clear()
    for generator in generators:
        for name in ("articles", "translations", "pages"):
            INDEXED_FILES.extend(
                item.save_as
                for item in getattr(generator, name, ())
                if getattr(item, "status", None) == "published" and item.save_as
            )
    if generators and is_listed(generators[0].settings):
        parts = index_parts(INDEXED_FILES, generators[0].settings)
        generators[0].context[contracts.PAGEFIND_MERGED_BUNDLES] = [
            folder for folder, _ in parts[1:]
        ]


def pagefind_command(output_path, bundle_dir, exclude_selectors=(), glob=None):
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
    if glob and glob != ALL_HTML:
        command += ["--glob", glob]
    return command


# Runs Pagefind once per index, one after the other, and stops at the first
# failure: "$1" the Python, "$2" the site, "$3" the excluded selectors (may be
# empty), then a bundle folder and a glob per index.
CHAIN = (
    'py=$1 site=$2 exclude=$3; shift 3; while [ $# -gt 1 ]; do "$py" -m pagefind '
    '--site "$site" --output-subdir "$1" ${exclude:+--exclude-selectors} '
    '${exclude:+"$exclude"} --glob "$2" || exit; shift 2; done'
)


def chained_command(output_path, parts, exclude_selectors=()):
    """Return the command line that makes each of ``parts`` (bundle folder,
    glob) in turn; only one Pagefind holds its index in memory at a time."""
    if len(parts) == 1:
        bundle, glob = parts[0]
        return pagefind_command(output_path, bundle, exclude_selectors, glob)
    command = ["sh", "-c", CHAIN, "pagefind-chain", sys.executable, str(output_path)]
    command.append(", ".join(exclude_selectors))
    for bundle, glob in parts:
        command += [bundle, glob]
    return command


def indexed_pages(report):
    """Return how many pages Pagefind says it indexed (all its runs), or None."""
    counts = INDEXED_PAGES.findall(report or "")
    return sum(map(int, counts)) if counts else None


def configure(pelican):
    """Check the settings once, so a mistake stops the build at its start."""
    stop_leftovers()
    INDEXED_FILES.clear()
    STARTED.clear()
    if is_listed(pelican.settings):
        pagefind_settings(pelican.settings)


class PagefindRun:
    """Pagefind started over the output; ``finish`` waits and logs the outcome.

    Its report goes to temporary files, not pipes: nobody reads while it runs,
    and a full pipe would stop it."""

    def __init__(self, command, timeout, bundle, done=None):
        self.bundle, self.timeout, self.done = bundle, timeout, done
        # closed by finish or stop, once Pagefind has ended
        self.stdout = tempfile.TemporaryFile()  # noqa: SIM115
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.deadline = time.monotonic() + timeout
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command, stdout=self.stdout, stderr=self.stderr
        )

    def report(self, stream):
        """Return what Pagefind wrote to ``stream``."""
        stream.seek(0)
        return stream.read().decode("utf-8", errors="replace")

    def finish(self):
        """Wait for Pagefind (up to PAGEFIND_TIMEOUT from its start); log."""
        try:
            returncode = self.process.wait(
                timeout=max(0.0, self.deadline - time.monotonic())
            )
        except subprocess.TimeoutExpired:
            self.stop()
            logger.error(
                "pagefind_search: Pagefind did not finish within %s s "
                "(PAGEFIND_TIMEOUT); the site has no search index",
                self.timeout,
            )
            return
        stdout, stderr = self.report(self.stdout), self.report(self.stderr)
        self.stdout.close()
        self.stderr.close()
        if returncode != 0:
            logger.error(
                "pagefind_search: Pagefind failed (exit %s); the site has no "
                "search index:\n%s",
                returncode,
                (stderr or stdout).strip()[-2000:],
            )
            return
        logger.info(
            "pagefind_search: indexed %s pages into %s",
            indexed_pages(stdout),
            self.bundle,
        )
        if self.done:
            self.done()

    def stop(self):
        """End Pagefind now (a build that failed after starting it)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdout.close()
        self.stderr.close()


def start_index(settings, output_path):
    """Start Pagefind over ``output_path``; return its PagefindRun, or None
    when this build has no search index (logged if that is a fault)."""
    if not is_listed(settings):
        return None
    values = pagefind_settings(settings)
    if not values["PAGEFIND_ENABLED"]:
        return None
    if importlib.util.find_spec("pagefind") is None:
        logger.error(
            "pagefind_search: the pagefind package is missing "
            "(pip install -e .); the site has no search index"
        )
        return None
    output_path = Path(output_path)
    bundle = output_path / values["PAGEFIND_BUNDLE_DIR"]
    shares = index_shares(INDEXED_FILES, settings)
    command_line = [sys.executable, *values["PAGEFIND_EXCLUDE_SELECTORS"]]
    digests = {
        folder: reuse.share_digest(output_path, glob, paths, command_line)
        for folder, glob, paths in shares
    }
    state = reuse.state_file(settings)
    todo = reuse.changed_shares(output_path, shares, digests, reuse.load(state))
    reuse.clear_bundles(output_path, values["PAGEFIND_BUNDLE_DIR"], shares, todo)
    if not todo:
        logger.info(
            "pagefind_search: the pages indexed into %s are unchanged; index kept",
            bundle,
        )
        return None
    command = chained_command(
        output_path,
        [(folder, glob) for folder, glob, _ in todo],
        values["PAGEFIND_EXCLUDE_SELECTORS"],
    )
    return PagefindRun(
        command,
        values["PAGEFIND_TIMEOUT"],
        bundle,
        done=lambda: reuse.save(state, digests),
    )


def start_after_pages(generator, writer=None):
    """Start Pagefind as soon as the articles and pages are written.

    Only their files carry indexed text, and Pelican writes them first; the
    other generators' pages, the static files and the other ``finalized``
    work (the sitemap) then run while Pagefind indexes on its one core."""
    if not is_listed(generator.settings) or not INDEXED_FILES:
        return
    if getattr(writer, "keeps_content", False):
        return  # a writer still holds them: finalized starts Pagefind
    run = start_index(generator.settings, generator.output_path)
    STARTED.append(True)
    if run is not None:
        RUNNING.append(run)


def build_index(pelican):
    """Finish the build's Pagefind run (start it now if nothing did); log."""
    if RUNNING:
        run = RUNNING.pop()
    elif STARTED:
        run = None  # started after the pages: nothing needed indexing again
    else:
        run = start_index(pelican.settings, pelican.output_path)
    STARTED.clear()
    if run is not None:
        run.finish()


def stop_leftovers():
    """End a Pagefind a failed build left running."""
    while RUNNING:
        RUNNING.pop().stop()


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(note_indexed_files)
    signals.page_writer_finalized.connect(start_after_pages)
    signals.finalized.connect(build_index)
