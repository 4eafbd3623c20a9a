"""Pelican's Writer, with the pages rendered by several processes at once.

Rendering templates is most of the time Pelican spends writing. The
``ParallelWriter`` keeps each ordinary ``write_file`` call (a page that may not
replace another one) until its generator has finished, then forks
``workers - 1`` children; they and the build process take the kept calls one
at a time from a shared counter and run Pelican's own ``write_file`` for them.

What stays as in Pelican:
- A call that may replace other output (``override_output``, a page with
  ``save_as`` metadata) runs at once, in order. A kept call that would write
  the same file later therefore finds it taken and is skipped, and one that
  was made earlier is overwritten by it: the same file ends up on disk.
- Two kept calls writing the same file stop the build with Pelican's own
  "is to be overwritten" error, found when the written names come together.
- Errors and log records from a child reach the build process and are raised
  or logged there.
What differs: ``content_written`` receivers run in the process that wrote the
file, so a receiver that collects state sees only that process's files (no
plugin of this project listens to it).
"""

import logging
import multiprocessing
import os

from pelican.writers import FileOverwriteFailedError, Writer

from .forks import collect_logs, replay_logs, start_child
from .workers import build_workers

logger = logging.getLogger(__name__)

SMALLEST_BATCH = 64  # fewer kept calls are written here, without forking


class ParallelWriter(Writer):
    """Writes like Pelican's Writer, rendering on BUILD_WORKERS processes."""

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self.workers = build_workers(self.settings)
        self.kept = []

    def write_file(self, name, template, context, *args, **kwargs):
        """Keep an ordinary call for ``flush``; run any other at once."""
        # override_output is Writer.write_file's 7th parameter (4th after context)
        override = kwargs.get("override_output", len(args) > 3 and args[3])
        if not name or override or self.workers < 2:
            return super().write_file(name, template, context, *args, **kwargs)
        self.kept.append((name, template, context, args, kwargs))
        return None

    def flush(self):
        """Run the kept calls on all workers; return once all are written."""
        calls, self.kept = self.kept, []
        if len(calls) < SMALLEST_BATCH:
            self.run_calls(calls, iter(range(len(calls))))
            return
        try:
            counter = multiprocessing.get_context("fork").Value("q", 0)
        except OSError as error:  # no shared memory here (/dev/shm)
            logger.warning("parallel_build: writing in one process (%s)", error)
            self.run_calls(calls, iter(range(len(calls))))
            return
        children = []
        for _ in range(self.workers - 1):
            try:
                children.append(
                    start_child(
                        lambda send: self.write_in_child(calls, counter, send),
                        {"settings": self.settings},
                    )
                )
            except OSError as error:  # no more processes allowed: go on with fewer
                logger.warning(
                    "parallel_build: a writing helper failed to start "
                    "(%s); writing with fewer processes",
                    error,
                )
                break
        try:
            self.run_calls(calls, claim(counter, len(calls)))
        finally:
            results = [collect(child) for child in children]
        for written, records in results:
            replay_logs(records)
            self.merge(written)

    def run_calls(self, calls, indexes):
        """Run the kept calls at ``indexes`` with Pelican's write_file."""
        for index in indexes:
            name, template, context, args, kwargs = calls[index]
            super().write_file(name, template, context, *args, **kwargs)

    def write_in_child(self, calls, counter, send):
        """In a child: write claimed calls, then send the names written."""
        logs = collect_logs()
        before = set(self._written_files)
        self.run_calls(calls, claim(counter, len(calls)))
        send(("written", sorted(self._written_files - before), logs.take()))

    def merge(self, written):
        """Add a child's written files to this writer's, checked as Pelican's
        ``_open_w`` checks them (a kept call never overrides)."""
        for path in written:
            if path == os.devnull:  # a skipped write
                continue
            if path in self._written_files:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
            self._written_files.add(path)


def claim(counter, total):
    """Yield call indexes from the shared ``counter`` until all are taken."""
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= total:
            return
        yield index


def collect(child):
    """Wait for a writing child's report; raise what it raised."""
    try:
        message = child.receive()
    except Exception as error:  # noqa: BLE001 - EOF: the child died
        child.wait()
        raise RuntimeError(
            f"parallel_build: a writing helper ended without a report "
            f"(exit code {child.exit_code}, {error or 'no output'}); "
            "set BUILD_WORKERS = 1 to write in one process"
        ) from None
    child.wait()
    if message[0] == "error":
        raise message[1]
    return message[1:]
