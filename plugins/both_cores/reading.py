"""Convert the Markdown sources on every core, through Pelican's public hooks.

Pelican reads a site's sources one after another on one core, and converting
Markdown is most of that (5 s of a 13 s build at 1,000 realistic articles).
Here forked helpers convert sources ahead while the build process converts
the ones Pelican asks for; their results reach Pelican through a reader class
of this plugin's own, registered for Markdown at ``readers_init`` (Pelican's
documented way to add a reader): ``PooledMarkdownReader.read`` returns a
helper's result when there is one, else converts as ``MarkdownReader`` does.
No Pelican method is replaced.

Which sources: at a generator's first ``*_generator_preread``, the Markdown
files it will read (its ``get_files``, in the same order) that neither of
Pelican's caches holds up to date. The build process claims them from the
front as Pelican asks for them, the helpers from the back (claims under one
lock), so neither waits for the other until they meet. A helper's result is
a pickle in a temporary file of its own; the settings that Category, Tag and
Author objects carry travel as a reference to the build's own settings. A
source a helper could not convert is converted again by the build process,
which then logs the problem as Pelican always does.

The pool is only started by a process without threads (forking one that has
them is unsafe) and for at least ``MIN_SOURCES`` sources; ``BUILD_HELPERS``
(see ``helpers``) says how many helpers.
"""

import contextlib
import io
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import tempfile
import threading
import time
import weakref

from pelican.readers import MarkdownReader

from .helpers import helper_count

logger = logging.getLogger(__name__)

MIN_SOURCES = 16  # fewer are converted faster than a helper is forked
HEADER = struct.Struct("<iI")  # source number, pickle length (0: failed)
FREE, BUILD, HELPER = 0, 1, 2  # who converts a source
POOLS = weakref.WeakKeyDictionary()  # generator -> its Pool (None: no pool)
ACTIVE = []  # the Pool whose sources are being read


class SettingsPickler(pickle.Pickler):
    """Pickles the build's settings as a reference, not a copy."""

    def __init__(self, file, settings):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.settings = settings

    def persistent_id(self, obj):
        return "settings" if obj is self.settings else None


class SettingsUnpickler(pickle.Unpickler):
    """Puts the build's own settings where the reference was."""

    def __init__(self, file, settings):
        super().__init__(file)
        self.settings = settings

    def persistent_load(self, pid):
        if pid != "settings":
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.settings


class Pool:
    """Helpers converting ``paths`` (absolute, in Pelican's order)."""

    def __init__(self, paths, settings, helpers):
        self.settings = settings
        self.number = {path: index for index, path in enumerate(paths)}
        self.paths = paths
        self.owner = multiprocessing.RawArray("b", len(paths))
        self.lock = multiprocessing.Lock()
        self.results = {}  # source number -> pickle (or b"" if it failed)
        self.taken = 0  # results the build process took from helpers
        self.files, self.offsets, self.pids = [], [], []
        self.parent = os.getpid()
        for _ in range(helpers):
            handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish
            pid = os.fork()
            if pid == 0:  # the helper
                self.convert_from_back(handle)
            self.files.append(handle)
            self.offsets.append(0)
            self.pids.append(pid)

    def convert_from_back(self, handle):
        """In a helper: convert unclaimed sources from the back, then exit."""
        status = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            reader = MarkdownReader(self.settings)
            out = io.BufferedWriter(io.FileIO(handle.fileno(), "wb", closefd=False))
            index = len(self.paths)
            while os.getppid() == self.parent:  # the build ended: stop too
                with self.lock:
                    index -= 1
                    while index >= 0 and self.owner[index] != FREE:
                        index -= 1
                    if index < 0:
                        break
                    self.owner[index] = HELPER
                try:
                    result = reader.read(self.paths[index])
                    buffer = io.BytesIO()
                    SettingsPickler(buffer, self.settings).dump(result)
                    data = buffer.getvalue()
                except Exception:  # noqa: BLE001 - the build converts it again
                    data = b""
                out.write(HEADER.pack(index, len(data)) + data)
                out.flush()
        except BaseException:  # noqa: BLE001 - never return into the build
            status = 1
        finally:
            os._exit(status)

    def take(self, path):
        """Return a helper's (content, metadata) for ``path``, or None when
        the build process converts it itself."""
        index = self.number.get(path)
        if index is None:
            return None
        with self.lock:
            if self.owner[index] == FREE:
                self.owner[index] = BUILD
                return None
            if self.owner[index] == BUILD:
                return None
        while index not in self.results:
            if not self.collect() and not self.helpers_running():
                self.collect()
                break
            if index not in self.results:
                time.sleep(0.001)
        data = self.results.pop(index, b"")
        if not data:
            return None
        self.taken += 1
        return SettingsUnpickler(io.BytesIO(data), self.settings).load()

    def collect(self):
        """Read the helpers' finished results; return True if any were new."""
        new = False
        for position, handle in enumerate(self.files):
            offset = self.offsets[position]
            while True:
                header = os.pread(handle.fileno(), HEADER.size, offset)
                if len(header) < HEADER.size:
                    break
                index, length = HEADER.unpack(header)
                data = os.pread(handle.fileno(), length, offset + HEADER.size)
                if len(data) < length:
                    break
                self.results[index] = data
                offset += HEADER.size + length
                new = True
            self.offsets[position] = offset
        return new

    def helpers_running(self):
        """True while a helper has not exited."""
        running = False
        for position, pid in enumerate(self.pids):
            if pid and os.waitpid(pid, os.WNOHANG) == (0, 0):
                running = True
            elif pid:
                self.pids[position] = 0
        return running

    def finish(self):
        """End and reap the helpers (all done unless a source was skipped)."""
        if self.files:
            logger.info(
                "both_cores: %d of %d Markdown sources converted by %d helper(s)",
                self.taken,
                len(self.paths),
                len(self.files),
            )
        for pid in self.pids:
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        self.pids = []
        for handle in self.files:
            handle.close()
        self.files, self.results = [], {}


class PooledMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, taking a helper's result when there is one."""

    def read(self, source_path):
        result = ACTIVE[-1].take(source_path) if ACTIVE else None
        return result if result is not None else super().read(source_path)


def register_reader(readers):
    """Read Markdown with ``PooledMarkdownReader`` (``readers_init``)."""
    if helper_count(readers.settings) < 1:
        return
    for extension, cls in list(readers.reader_classes.items()):
        if cls is MarkdownReader:
            readers.reader_classes[extension] = PooledMarkdownReader


def stale_sources(generator, paths_setting, excludes_setting):
    """The Markdown sources ``generator`` will convert, in its order."""
    readers = generator.readers
    sources = []
    for path in generator.get_files(
        generator.settings[paths_setting],
        exclude=generator.settings[excludes_setting],
    ):
        extension = path.rpartition(".")[2]
        if readers.reader_classes.get(extension) is not PooledMarkdownReader:
            continue
        if generator.get_cached_data(path, None) is not None:
            continue  # the generator's cache holds the whole object
        full = os.path.abspath(os.path.join(generator.path, path))
        if readers.get_cached_data(full, (None, None))[0] is None:
            sources.append(full)
    return sources


def starter(paths_setting, excludes_setting):
    """Return the preread receiver that starts a generator's pool once."""

    def start(generator):
        if generator in POOLS:
            return
        POOLS[generator] = None
        finish_pools()
        helpers = helper_count(generator.settings)
        if helpers < 1 or threading.active_count() > 1:
            return
        sources = stale_sources(generator, paths_setting, excludes_setting)
        if len(sources) < MIN_SOURCES:
            return
        pool = Pool(sources, generator.settings, min(helpers, len(sources) // 2))
        POOLS[generator] = pool
        ACTIVE.append(pool)

    return start


def finish_pools(*_args, **_kwargs):
    """End the pool of the generator that finished reading."""
    while ACTIVE:
        ACTIVE.pop().finish()


start_articles = starter("ARTICLE_PATHS", "ARTICLE_EXCLUDES")
start_pages = starter("PAGE_PATHS", "PAGE_EXCLUDES")
