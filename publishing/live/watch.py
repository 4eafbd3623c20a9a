"""The watcher and the worker: saved files in, pages and events out.

Two watcher threads (``watchfiles``, which Pelican already uses) put batches
of changes on a queue: one watches folders with everything below them
(content, theme, plugins), one watches single files in their folder (the
settings file, the comment server's config and staff accounts). One worker
takes the batches in order: stylesheets are copied and swapped in the open
tabs without a build; each saved Markdown source is rendered first and its
tab reloads; then the whole site is built and every tab whose page changed
reloads again. A build that newer changes overtook is dropped, not copied,
and is owed: the next batch builds, whatever it holds. Changes of the comment
files alone overtake no build (the build's own read of the database touches
them): they are refreshed once the build is in.
"""

import logging
import queue
import threading
import time
from pathlib import Path

import watchfiles

from publishing.live.changes import plan_changes
from publishing.live.site import SourceProblem
from publishing.live.sync import replace_file

logger = logging.getLogger(__name__)

KINDS = {
    watchfiles.Change.added: "added",
    watchfiles.Change.modified: "modified",
    watchfiles.Change.deleted: "deleted",
}
STEP_MS = 30  # a batch ends once no change came for this long
# A burst of comment writes (an answer and its notification rows, a removal and
# its log entry) makes one refresh: wait this long for the rest of it.
COMMENT_SETTLE_SECONDS = 0.2


def watch_paths(changes, stop, folders, files):
    """Start the watcher threads; they put lists of (kind, path) on ``changes``."""
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # a line per batch
    threads = []
    if folders:
        threads.append(
            threading.Thread(
                target=watch_into,
                args=(changes, stop, folders, None, True),
                name="preview-watch-folders",
                daemon=True,
            )
        )
    if files:
        wanted = {Path(file).resolve() for file in files}
        threads.append(
            threading.Thread(
                target=watch_into,
                args=(changes, stop, sorted({f.parent for f in wanted}), wanted, False),
                name="preview-watch-files",
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    return threads


def watch_into(changes, stop, paths, wanted, recursive):
    """Put each batch of changes below ``paths`` on ``changes`` until ``stop``
    (only the files in ``wanted``, when given)."""
    for batch in watchfiles.watch(
        *paths,
        watch_filter=None,
        stop_event=stop,
        step=STEP_MS,
        recursive=recursive,
        raise_interrupt=False,
    ):
        found = [
            (KINDS[kind], Path(path))
            for kind, path in batch
            if wanted is None or Path(path).resolve() in wanted
        ]
        if found:
            changes.put(found)


def comment_files_token(files):
    """Return what tells a write to the comment database from a read: the
    database's time and size, and its write-ahead log's while it holds any
    (a reader may create or touch an empty one; a write fills it)."""
    token = []
    for path in files:
        try:
            info = path.stat()
        except OSError:
            token.append(None)
            continue
        token.append((info.st_mtime_ns, info.st_size) if info.st_size else 0)
    return tuple(token)


class PreviewWorker:
    """Turns batches of changes into pages and events, one batch at a time."""

    def __init__(self, site, broadcaster, layout, report=print):
        self.site = site
        self.broadcaster = broadcaster
        self.layout = layout
        self.report = report
        self.changes = queue.Queue()  # the watchers put batches here
        # Batches the worker took off the queue before their turn (to see
        # whether they overtake a build); handled first, in order.
        self.waiting = []
        self.comment_token = None  # comment_files_token of the last refresh
        # A dropped build still to make: False, or the templates it was for
        # (None: the whole site).
        self.owed_build = False

    def run(self, stop):
        """Handle batches until ``stop`` is set."""
        while not stop.is_set():
            if not self.waiting:
                try:
                    self.waiting.append(self.changes.get(timeout=0.2))
                except queue.Empty:
                    continue
            batch = self.pending()
            try:
                self.handle(batch)
            except Exception:  # the preview must outlive any one failure
                logger.exception("preview: handling %d change(s) failed", len(batch))

    def pending(self):
        """Return the changes waiting, in order: those taken off the queue
        already, then those still on it."""
        self.take_waiting()
        more = [change for batch in self.waiting for change in batch]
        self.waiting = []
        return more

    def take_waiting(self):
        """Move the batches on the queue to ``waiting``, keeping their order."""
        while True:
            try:
                self.waiting.append(self.changes.get_nowait())
            except queue.Empty:
                return

    def handle(self, batch):
        """Copy stylesheets, render saved sources first, then build the rest."""
        plan = plan_changes(batch, self.layout)
        started = time.perf_counter()
        for stylesheet, target in plan.stylesheets:
            replace_file(stylesheet, self.site.output / target)
            self.broadcaster.publish("css", {"href": "/" + target.as_posix()})
            self.report(f"preview: {target.as_posix()} swapped in")
        for source in plan.sources:
            try:
                url = self.site.render_source(source)
            except SourceProblem as failed:
                self.broadcaster.show_problem(failed.problem)
                self.report(f"preview: {failed.problem}")
                return  # the build would fail on it too: the last good site stays
            if url:
                self.broadcaster.show_problem(None)
                self.broadcaster.publish("reload", {"urls": [url]})
                self.report(f"preview: {url} in {time.perf_counter() - started:.2f} s")
        if plan.new_code and hasattr(self.site, "start"):
            self.site.start()  # the next request imports the changed code
        if plan.rebuild or self.owed_build is not False:
            self.rebuild(owed_templates(self.owed_build, plan))  # reads comments too
        elif plan.comments:
            self.refresh_comments()

    def overtaken(self):
        """True when a waiting change needs a build of its own (a change of
        the comment files alone is refreshed after this build)."""
        self.take_waiting()
        comment_files = self.layout.comment_files
        return any(
            Path(path) not in comment_files
            for batch in self.waiting
            for _, path in batch
        )

    def refresh_comments(self):
        """Refresh the pages of changed comments; reload the tabs showing them."""
        started = time.perf_counter()
        time.sleep(COMMENT_SETTLE_SECONDS)
        later = self.pending()
        if any(Path(path) not in self.layout.comment_files for _, path in later):
            self.waiting.append(later)  # the next batch, after this refresh
        token = comment_files_token(self.layout.comment_files)
        if token == self.comment_token:
            return  # a reader's touch (the refresh's own read), not a write
        self.comment_token = token
        try:
            changed = self.site.refresh_comments()
        except SourceProblem as failed:
            self.report(f"preview: comments not refreshed: {failed.problem}")
            return
        if changed:
            self.broadcaster.publish("reload", {"urls": changed})
        self.report(
            f"preview: comments refreshed in {time.perf_counter() - started:.2f} s, "
            f"{len(changed)} page(s) changed"
        )

    def rebuild(self, templates=None):
        """Build the whole site (only the pages that use ``templates``, when
        only they changed); reload the tabs whose pages changed."""
        started = time.perf_counter()
        self.owed_build = False
        result = self.site.build(superseded=self.overtaken, templates=templates)
        if result.superseded:
            self.owed_build = templates
            return
        if result.problems:
            self.broadcaster.show_problem(result.problems[0])
            self.report(f"preview: {result.problems[0]}")
            return
        self.broadcaster.show_problem(None)
        if result.changed:
            self.broadcaster.publish("reload", {"urls": result.changed})
        self.report(
            f"preview: site rebuilt in {time.perf_counter() - started:.2f} s, "
            f"{len(result.changed)} file(s) changed"
        )


def owed_templates(owed, plan):
    """Return the templates the next build is for: those of ``plan`` (when it
    builds) and of a build still ``owed`` (False: none); None is the whole
    site."""
    wanted = [plan.changed_templates] if plan.rebuild else []
    if owed is not False:
        wanted.append(owed)
    if any(templates is None for templates in wanted):
        return None
    return sorted({name for templates in wanted for name in templates})
