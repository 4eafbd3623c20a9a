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
What differs:
- ``content_written`` receivers run in the process that wrote the file, so a
  receiver that collects state sees only that process's files (no plugin of
  this project listens to it).
- A page that lists every article on one page (the archive: ``dates`` given,
  its template not paginated) is written piece by piece with
  ``write_streamed``: the same bytes, without the whole page held as one
  string and again as its UTF-8 bytes. With its comment counts the archive of
  5,000 articles is 2.2 MB of HTML, and rendering it whole set the build's
  peak memory (benchmarks/FINDINGS.md).
"""

import logging
import multiprocessing
import os

from pelican.writers import FileOverwriteFailedError, Writer

from publishing.streamed import write_streamed

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
        if not name or write_arguments(*args, **kwargs)["override_output"]:
            return super().write_file(name, template, context, *args, **kwargs)
        if self.workers < 2:
            return self.write_call(name, template, context, args, kwargs)
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
        """Run the kept calls at ``indexes`` (``write_call``)."""
        for index in indexes:
            self.write_call(*calls[index])

    def write_call(self, name, template, context, args, kwargs):
        """Write one call that replaces nothing: a page listing every article
        piece by piece, any other with Pelican's write_file."""
        call = write_arguments(*args, **kwargs)
        if not lists_every_article(call, self.settings):
            super().write_file(name, template, context, *args, **kwargs)
            return
        write_streamed(
            self,
            name,
            template,
            context,
            relative_urls=call["relative_urls"],
            **call["values"],
        )

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


def write_arguments(
    relative_urls=False,
    paginated=None,
    template_name=None,
    override_output=False,
    url=None,
    **values,
):
    """Name the arguments of a ``Writer.write_file`` call that follow
    ``context``, as Pelican's signature names them; ``values`` are the
    template variables."""
    return {
        "relative_urls": relative_urls,
        "paginated": paginated,
        "template_name": template_name,
        "override_output": override_output,
        "url": url,
        "values": values,
    }


def lists_every_article(call, settings):
    """Whether a ``write_file`` call (``write_arguments``) writes one page
    listing a whole article list: ``dates`` given and not paginated."""
    listed = call["values"]
    if "dates" not in listed:
        return False
    paginated = call["paginated"]
    if paginated is None:
        paginated = {key: listed[key] for key in ("articles", "dates") if key in listed}
    paginated_templates = settings.get("PAGINATED_TEMPLATES", {})
    return not (paginated and call["template_name"] in paginated_templates)


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
