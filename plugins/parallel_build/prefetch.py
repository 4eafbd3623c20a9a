"""Markdown sources read ahead by forked children while Pelican reads in order.

Pelican reads one source after another; nearly all of that time is Python
Markdown turning text into HTML (``MarkdownReader.read``). ``Prefetch`` splits
the sources a generator is about to read among forked children, each calling
the very same reader on its share, and the reader's ``read`` in the build
process takes a source's result from its child instead of converting it again.
Everything after ``read`` (path metadata, Pelican's reader cache, content
objects, every signal and plugin) still happens in the build process, in
Pelican's order. When a child fails or a source is not in the plan, the source
is read in the build process as usual, which also reports any error in the
usual words.
"""

import logging
import os

from pelican.readers import MarkdownReader
from pelican.utils import file_suffix

from .forks import collect_logs, replay_logs, start_child

logger = logging.getLogger(__name__)


def sources_to_read(generator, paths, excludes):
    """Return the absolute paths of the Markdown sources ``generator`` will
    convert (the ones neither its cache nor its readers' cache holds), in the
    order it will read them: ``get_files`` returns an equal set each time, and
    equal sets built alike iterate alike."""
    readers = generator.readers
    planned = []
    for relative in generator.get_files(paths, exclude=excludes):
        if generator.get_cached_data(relative, None) is not None:
            continue
        path = os.path.abspath(os.path.join(generator.path, relative))
        if not isinstance(readers.readers.get(file_suffix(path)), MarkdownReader):
            continue
        if readers.get_cached_data(path, (None, None))[0] is not None:
            continue
        planned.append(path)
    return planned


def read_share(readers, paths, send):
    """In a child: read each of ``paths`` with its reader; send each result."""
    logs = collect_logs()
    for path in paths:
        reader = readers[file_suffix(path)]
        try:
            content, metadata = reader.read(path)
        except Exception:  # noqa: BLE001 - read again by the parent, which reports it
            send(("failed", path, logs.take()))
        else:
            send(("read", path, (content, metadata), logs.take()))


class Prefetch:
    """Sources read ahead by ``workers`` forked children."""

    def __init__(self, readers, paths, workers):
        shared = {"settings": readers.settings}
        self.children, self.child_of, self.arrived = [], {}, {}
        for share in (paths[index::workers] for index in range(workers)):
            try:
                child = start_child(
                    lambda send, share=share: read_share(readers.readers, share, send),
                    shared,
                )
            except OSError as error:  # no more processes allowed
                logger.warning(
                    "parallel_build: a reading helper failed to start (%s); "
                    "its sources are read in the build process",
                    error,
                )
                break
            self.children.append(child)
            self.child_of.update(dict.fromkeys(share, child))

    def take(self, path):
        """Return ``(content, metadata)`` read ahead for ``path``, or None when
        the build process has to read it itself."""
        child = self.child_of.pop(path, None)
        if child is None:
            return None
        while path not in self.arrived:
            try:
                message = child.receive()
            except Exception as error:  # noqa: BLE001 - EOF or a broken pickle
                self.give_up(child, error)
                return None
            if message[0] == "error":
                self.give_up(child, message[1])
                return None
            self.arrived[message[1]] = message
        message = self.arrived.pop(path)
        replay_logs(message[-1])
        return message[2] if message[0] == "read" else None

    def give_up(self, child, reason):
        """Stop waiting for ``child``: its sources are read by the build process."""
        logger.warning(
            "parallel_build: a reading helper stopped (%s); "
            "its sources are read in the build process",
            reason or "no reason given",
        )
        for path in [path for path, owner in self.child_of.items() if owner is child]:
            del self.child_of[path]
        child.stop()

    def close(self):
        """End every child: wait for the ones done, stop the rest."""
        for child in self.children:
            if any(owner is child for owner in self.child_of.values()):
                child.stop()  # the build did not ask for everything planned
            else:
                child.wait()
        self.child_of.clear()
        self.arrived.clear()


def read_ahead(reader, prefetch):
    """Give ``reader`` (a MarkdownReader) a ``read`` that asks ``prefetch`` first."""
    convert = reader.read

    def read(source_path):
        result = prefetch.take(source_path)
        return convert(source_path) if result is None else result

    reader.read = read
