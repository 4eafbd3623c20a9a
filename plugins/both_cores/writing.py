"""Write the site's pages on every core.

``ParallelWriter`` is Pelican's ``Writer``, handed to Pelican through the
``get_writer`` signal (Pelican's hook for a writer of one's own). It keeps
each ``write_file`` call instead of rendering it; the build process and
forked helpers then take the kept calls one by one from a shared counter and
run Pelican's own ``write_file`` on them: the articles' and pages' own files
at ``page_writer_finalized`` (``flush(content_only=True)``), so that the
search index can start on them, and everything else (listings, the plugins'
pages) at ``finalized``, before any other plugin's ``finalized`` work reads
the output (the plugin is listed before ``pagefind_search`` and
``sitemap_robots``; listed after them, pages are written at once, on one
core). A child process the build already runs (Pagefind, started on the
articles' files) takes one helper's place: the helper would only take turns
with it on the core, and its copy of the build's memory would add to
Pagefind's.

What Pelican checks still holds: the helpers report the files they wrote and
the build process refuses a file written by two processes
(``FileOverwriteFailedError``, as Pelican refuses one written twice without
``override``); a helper's error is raised in the build process. A
``content_written`` receiver runs in the process that wrote the file (none
of this project's plugins has one).
"""

import contextlib
import io
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from pathlib import Path

from jinja2 import meta
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from .helpers import helper_count

logger = logging.getLogger(__name__)

MIN_CALLS = 32  # fewer are written faster than a helper is forked
CONTENT = ("article", "page")  # write_file arguments of an article's or page's own file
MUST_FOLLOW = ("pagefind_search", "sitemap_robots")  # they read written pages
WRITERS = []  # the build's ParallelWriter, for the finalized flush


def listed_in_order(settings):
    """True when both_cores comes before the plugins that read written pages."""
    names = [
        getattr(plugin, "__name__", str(plugin)).rpartition(".")[2]
        for plugin in settings.get("PLUGINS") or ()
    ]
    if "both_cores" not in names:
        return True
    first = names.index("both_cores")
    return all(names.index(name) > first for name in MUST_FOLLOW if name in names)


def templates_used(environment, name, found=None):
    """The names of ``name`` and every template it extends, includes or
    imports (None among them for a name only known when rendering)."""
    found = set() if found is None else found
    if name in found:
        return found
    found.add(name)
    if name is None:
        return found
    source = environment.loader.get_source(environment, name)[0]
    for used in meta.find_referenced_templates(environment.parse(source)):
        templates_used(environment, used, found)
    return found


def running_children():
    """How many child processes of this process are running (Linux /proc)."""
    count = 0
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            count += len(children.read_text().split())
    return count


class HelperFailed(RuntimeError):
    """A helper could not write a page; the message holds its error."""


class ParallelWriter(Writer):
    """Keeps the articles generator's pages until ``flush``; see the module."""

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self.kept = []
        self.used = {}  # template name -> the names it uses
        self.keeping = helper_count(self.settings) > 0
        if self.keeping and not listed_in_order(self.settings):
            logger.warning(
                "both_cores: listed after %s in PLUGINS; pages are written on "
                "one core (list both_cores first)",
                " or ".join(MUST_FOLLOW),
            )
            self.keeping = False
        WRITERS[:] = [self]

    @property
    def keeps_content(self):
        """True while an article's or page's own file is kept unwritten."""
        return any(set(CONTENT) & set(kwargs) for *_, kwargs in self.kept)

    def write_file(self, name, template, context, *args, **kwargs):
        if self.keeping and name:
            self.kept.append((name, template, context, args, kwargs))
            return None
        if name and self.kept_as_is((name, template, context, args, kwargs)):
            return None
        return super().write_file(name, template, context, *args, **kwargs)

    def flush(self, content_only=False):
        """Write the kept pages on every core: the articles' and pages' own
        files only, or all (and write at once from then on)."""
        if content_only:
            calls = [call for call in self.kept if set(CONTENT) & set(call[4])]
            self.kept = [call for call in self.kept if not set(CONTENT) & set(call[4])]
        else:
            self.keeping = False
            calls, self.kept = self.kept, []
        self.write_all(calls)

    def write_all(self, calls):
        """Write ``calls`` in this process and its helpers."""
        calls = [call for call in calls if not self.kept_as_is(call)]
        # each running child (Pagefind) takes a helper's core
        helpers = min(
            helper_count(self.settings) - running_children(), len(calls) // MIN_CALLS
        )
        if helpers < 1 or threading.active_count() > 1:
            for name, template, context, args, kwargs in calls:
                super().write_file(name, template, context, *args, **kwargs)
            return
        counter = multiprocessing.RawValue("i", 0)
        parent = os.getpid()
        lock = multiprocessing.Lock()
        reports, pids = [], []
        for _ in range(helpers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # a helper
                os.close(read_end)
                self.write_share(calls, counter, lock, write_end, parent)
            os.close(write_end)
            reports.append(read_end)
            pids.append(pid)
        try:
            self.write_calls(calls, counter, lock)
        finally:
            results = []
            for read_end, pid in zip(reports, pids, strict=True):
                report = io.BytesIO()
                with os.fdopen(read_end, "rb") as stream:
                    report.write(stream.read())
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                results.append(report.getvalue())
        before = len(self._written_files)
        for data in results:
            self.merge_report(data)
        logger.info(
            "both_cores: %d of %d files written by %d helper(s)",
            len(self._written_files) - before,
            len(self._written_files),
            helpers,
        )

    def kept_as_is(self, call):
        """True for an article's or page's own file left as the last build
        wrote it: only the templates in ``BUILD_CHANGED_TEMPLATES`` changed
        (the live preview says so), the file exists and its template uses
        none of them. Its file
        is touched, so a sweep of files older than the build keeps it."""
        changed = self.settings.get("BUILD_CHANGED_TEMPLATES")
        name, template, _, args, kwargs = call
        if not changed or args or not set(CONTENT) & set(kwargs):
            return False  # listings may be paginated into files not named here
        path = Path(sanitised_join(self.output_path, name))
        if not path.is_file():
            return False
        if template.name not in self.used:  # parsing costs ms: once a build
            self.used[template.name] = templates_used(
                template.environment, template.name
            )
        used = self.used[template.name]
        if None in used or used & set(changed):
            return False
        os.utime(path)
        self._written_files.add(str(path))
        return True

    def write_calls(self, calls, counter, lock, parent=None):
        """Write the kept calls this process draws from the counter (in a
        helper: until the build process ``parent`` has ended)."""
        while parent is None or os.getppid() == parent:
            with lock:
                index = counter.value
                counter.value += 1
            if index >= len(calls):
                return
            name, template, context, args, kwargs = calls[index]
            super().write_file(name, template, context, *args, **kwargs)

    def write_share(self, calls, counter, lock, write_end, parent):
        """In a helper: write a share, report the files written, exit."""
        status = 0
        self._written_files, self._overridden_files = set(), set()
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                self.write_calls(calls, counter, lock, parent)
                error = None
            except Exception as problem:  # noqa: BLE001 - raised in the build
                error = problem
            try:
                data = pickle.dumps(
                    (self._written_files, self._overridden_files, error)
                )
            except Exception:  # noqa: BLE001 - an error that does not pickle
                error = f"{type(error).__name__}: {error}"
                data = pickle.dumps(
                    (self._written_files, self._overridden_files, error)
                )
            with os.fdopen(write_end, "wb") as stream:
                stream.write(data)
        except BaseException:  # noqa: BLE001 - never return into the build
            status = 1
        finally:
            os._exit(status)

    def merge_report(self, data):
        """Take a helper's written files; refuse one written twice."""
        if not data:
            raise HelperFailed("a page-writing helper ended without a report")
        written, overridden, error = pickle.loads(data)  # noqa: S301 - our child
        if isinstance(error, Exception):
            raise error  # as the build process would have raised it
        if error:
            raise HelperFailed(f"a page-writing helper failed: {error}")
        twice = written & self._written_files
        if twice:  # which write wins would depend on timing: refuse both
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{min(twice)}": two pages are written to '
                "it (BUILD_HELPERS = 0 builds in one process, as Pelican does)"
            )
        self._written_files |= written
        self._overridden_files |= overridden
