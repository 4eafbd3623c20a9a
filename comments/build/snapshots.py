"""Snapshots of comment data: the last good read, for builds when the source is away.

One JSON file per successful read, named by its time, written atomically, plus
``known-comments.json``: the identities of the comments in the newest read, so
that the next read can tell which vanished without loading a whole snapshot.
They hold what pages may show (no email, no IP address) and are git-ignored.
"""

import atexit
import datetime
import functools
import gc
import json
import logging
import os
import re
import tempfile
import threading
from array import array
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from comments.build import data
from comments.build.data import comment_key
from comments.store.schema import UNRECORDED

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = re.compile(r"^comments-\d{8}T\d{6}\.\d{6}Z\.json$")
KNOWN_NAME = "known-comments.json"
KNOWN_FORMAT = 2  # flat lists; 1 (read only): [id, created_us, thread] each
CHUNK = 5_000  # items encoded at a time when streaming a snapshot


def snapshot_name(read_at):
    """Return the file name of the snapshot read at ``read_at``."""
    return f"comments-{read_at.astimezone(datetime.UTC):%Y%m%dT%H%M%S.%f}Z.json"


@dataclass(frozen=True)
class KnownComments:
    """What the previous read saw: enough to notice a comment vanishing."""

    database_id: str
    comments: dict  # comment_key → thread path
    unrecorded: tuple  # Removal entries found earlier, kept for good


def list_snapshots(directory):
    """Return the snapshot files in ``directory``, newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        (path for path in directory.iterdir() if SNAPSHOT_NAME.match(path.name)),
        reverse=True,
    )


def compact(value):
    """Encode one value as compact JSON (json.dumps uses the C encoder)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_atomically(path, header, lists):
    """Write a JSON object to a temporary file, then move it into place.

    ``lists`` maps keys to (items, encode): items may be any iterable, read
    once, in order; each chunk of them is encoded and written on its own, so
    a site's comments never exist whole in memory as JSON.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(compact(header)[:-1])
            for key, (items, encode) in lists.items():
                stream.write(f",{compact(key)}:[")
                # Chunks: the C encoder works on whole lists, memory stays small.
                items, separator = iter(items), ""
                while chunk := [encode(item) for item in islice(items, CHUNK)]:
                    stream.write(separator)
                    stream.write(compact(chunk)[1:-1])
                    separator = ","
                stream.write("]")
            stream.write("}")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_snapshot(comment_data, directory, keep=10):
    """Write ``comment_data`` as the newest snapshot; keep the newest ``keep``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / snapshot_name(comment_data.read_at)
    write_atomically(
        target,
        data.to_json_header(comment_data),
        {
            "comments": (comment_data.comments, data.to_json_comment),
            "removals": (comment_data.removals, data.to_json_removal),
        },
    )
    write_known_comments(comment_data, directory)
    for old in list_snapshots(directory)[keep:]:
        old.unlink()
    return target


def write_known_comments(comment_data, directory):
    """Write the identities of the comments read (flat lists: quick to load)."""
    keylog = KeyLog()
    for comment in comment_data.comments:
        keylog.add(comment)
    write_known_keys(keylog, comment_data.database_id, comment_data.removals, directory)


class KeyLog:
    """The identities of the comments a streamed read went past, for the
    known-comments file and the vanish check: 24 bytes a comment."""

    def __init__(self):
        self.ids, self.created_us = array("q"), array("q")
        self.thread_index = array("q")
        self.threads = {}

    def add(self, comment):
        """Note one comment."""
        self.note(*comment_key(comment), comment.thread_uri)

    def note(self, comment_id, created_us, thread_uri):
        """Note one comment by its identity (``comment_key``) and thread."""
        self.ids.append(comment_id)
        self.created_us.append(created_us)
        self.thread_index.append(self.threads.setdefault(thread_uri, len(self.threads)))

    def keys(self):
        """Return the set of ``comment_key``s noted."""
        return set(zip(self.ids, self.created_us, strict=True))


def write_known_keys(keylog, database_id, removals, directory):
    """Write the known-comments file: flat lists, quick to load."""
    write_atomically(
        Path(directory) / KNOWN_NAME,
        {"format": KNOWN_FORMAT, "database_id": database_id},
        {
            "threads": (list(keylog.threads), lambda uri: uri),
            "ids": (keylog.ids, int),
            "created_us": (keylog.created_us, int),
            "thread_index": (keylog.thread_index, int),
            "unrecorded": (
                [r for r in removals if r.reason == UNRECORDED],
                data.to_json_removal,
            ),
        },
    )


def save_streamed(header, comments, removals, keylog, directory, keep=10):
    """Write a snapshot while reading it (``comments`` streamed, any iterable),
    with its ``removals`` and the known-comments file from ``keylog`` (the same
    comments' identities); keep the newest ``keep``. Return the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / snapshot_name(data.parse_utc(header["read_at"]))
    write_atomically(
        target,
        header,
        {
            "comments": (comments, data.to_json_comment),
            "removals": (removals, data.to_json_removal),
        },
    )
    write_known_keys(keylog, header["database_id"], removals, directory)
    for old in list_snapshots(directory)[keep:]:
        old.unlink()
    return target


class SnapshotWrite:
    """A snapshot being written by a forked child; ``wait`` reports its end.

    Writing 100,000 comments as JSON takes ~0.5 s of one core; a build or a
    refresh has the second core idle meanwhile. The child shares the parent's
    memory copy-on-write, so nothing is copied or encoded twice. When the
    data is completed in the child first, ``report`` returns what that found.
    """

    def __init__(self, pid, errors, target, reports=None):
        self.pid, self.errors, self.target = pid, errors, target
        self.reports, self.reported = reports, None
        atexit.register(self.wait)

    def report(self):
        """Return the child's report (JSON-ready), or None when it ended without
        sending one; waits for the report only, not for the snapshot."""
        if self.reports is not None:
            with os.fdopen(self.reports, "rb") as pipe:
                sent = pipe.read()  # ends when the child has sent it, or exited
            self.reports = None
            self.reported = decode_report(sent)
        return self.reported

    def wait(self, quiet=False):
        """Wait for the child; log one error line if it failed, unless
        ``quiet`` (the caller reports the same cause). Idempotent."""
        if self.pid is None:
            return self.target
        atexit.unregister(self.wait)
        self.report()  # a child still sending its report cannot end
        with os.fdopen(self.errors, encoding="utf-8", errors="replace") as pipe:
            why = pipe.read().strip()  # ends when the child has exited
        try:
            _, status = os.waitpid(self.pid, 0)
            failed = os.waitstatus_to_exitcode(status) != 0
        except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored)
            status, failed = "unknown", bool(why) or not self.target.is_file()
        self.pid = None
        if failed and not quiet:
            logger.error(
                "comment_data: the snapshot %s was not written (%s); the next "
                "read writes one",
                self.target.name,
                why or f"exit status {status}",
            )
        return self.target


class SnapshotWritten:
    """A snapshot written in this process already (the same ``wait``, ``report``)."""

    def __init__(self, target, reported=None):
        self.target, self.reported = target, reported

    def report(self):
        """Return what completing the data found here."""
        return self.reported

    def wait(self, quiet=False):
        """Return the snapshot's path (written already: nothing to report)."""
        return self.target


PENDING = []  # snapshot writes this process started and has not waited for


def wait_for_snapshots(quiet=False):
    """Wait for every snapshot this process started writing (``quiet``: log
    no failure of theirs; the caller reports the cause)."""
    while PENDING:
        PENDING.pop().wait(quiet=quiet)


def decode_report(sent):
    """Return a child's report from the bytes it sent; None if it sent none whole."""
    try:
        return json.loads(sent) if sent else None
    except ValueError:  # cut off: the child ended while sending
        return None


def can_fork():
    """True when a forked child can safely work beside this process: not when
    other threads run (a fork copies only the calling thread, and a lock another
    one holds would stay held in the child forever)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def save_snapshot_in_background(comment_data, directory, keep=10, complete=None):
    """Start writing the snapshot in a forked child; return its SnapshotWrite.

    ``wait_for_snapshots`` (or the process's exit) waits for it; the next
    read waits for it before it compares with the known comments.

    ``complete``, when given, runs first in the child: ``complete(comment_data)``
    returns ``(report, data to save)``. The report (JSON-ready) reaches this
    process through ``SnapshotWrite.report()`` before the snapshot is written,
    so the caller can use it while the child writes.

    Falls back to writing here when the process cannot fork (``can_fork``).
    """
    target = Path(directory) / snapshot_name(comment_data.read_at)

    def work(pinned, report):
        completed = comment_data
        if complete is not None:
            reported, completed = complete(comment_data)
            report(reported)
        save_snapshot(completed, directory, keep)

    if not can_fork():
        reports = []
        work(lambda: None, reports.append)
        return SnapshotWritten(target, reports[0] if reports else None)
    return start_child(work, target, with_report=complete is not None)


def work_in_background(work, read_at, directory):
    """Fork a child that runs ``work(pinned, report)``: it reads the source,
    calls ``pinned()`` once its read sees a fixed view, ``report(value)`` once
    with a JSON-ready value, and writes the snapshot of ``read_at``. Return
    the SnapshotWrite once pinned (or the child ended): a read this process
    starts then sees at least what the child's does. Only when ``can_fork()``.
    """
    target = Path(directory) / snapshot_name(read_at)
    pin_read, pin_write = os.pipe()
    write = start_child(work, target, with_report=True, pin=pin_write)
    with os.fdopen(pin_read, "rb") as pipe:
        pipe.read(1)  # a byte once pinned; nothing if the child ended first
    return write


def start_child(work, target, with_report=False, pin=None):
    """Fork the child that runs ``work(pinned, report)``; return its
    SnapshotWrite (also in PENDING). ``with_report``: the parent reads what
    ``report`` sends; ``pin``: the pipe end ``pinned`` writes to."""
    read_end, write_end = os.pipe()
    reports, report_end = os.pipe() if with_report else (None, None)
    pid = os.fork()
    if pid == 0:  # the child: work, report, leave without running exit hooks
        os.close(read_end)
        # The child makes only short-lived, acyclic JSON pieces and frees
        # nothing on leaving; each collection would walk the parent's whole
        # heap (0.3 s at 100,000 comments), so the collector stays off.
        gc.disable()
        code = 0
        try:
            if reports is not None:
                os.close(reports)
            work(
                functools.partial(tell_pinned, pin),
                functools.partial(send_report, report_end),
            )
        except BaseException as error:
            os.write(write_end, f"{type(error).__name__}: {error}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    if report_end is not None:
        os.close(report_end)
    if pin is not None:
        os.close(pin)
    PENDING.append(SnapshotWrite(pid, read_end, target, reports))
    return PENDING[-1]


def send_report(report_end, reported):
    """In the child: send the report (once)."""
    with os.fdopen(report_end, "wb") as pipe:
        pipe.write(compact(reported).encode())


def tell_pinned(pin):
    """In the child: tell the parent the read's view is fixed (once)."""
    if pin is not None:
        os.write(pin, b".")
        os.close(pin)


def latest_snapshot(directory, renderer=None):
    """Return the newest readable snapshot, or None; skip broken ones with a warning."""
    for path in list_snapshots(directory):
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            snapshot = data.from_json(values, renderer=renderer)
            # A streamed snapshot holds the comments in the database's order.
            ordered = tuple(sorted(snapshot.comments, key=data.oldest_first))
            return snapshot.replace(comments=ordered)
        except (OSError, ValueError) as error:
            logger.warning(
                "comment_data: skipping unreadable snapshot %s (%s)", path, error
            )
    return None


def known_comments(directory):
    """Return what the previous read saw, or None (first read, or unreadable)."""
    path = Path(directory) / KNOWN_NAME
    try:
        with data.many_objects():
            return known_from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        logger.warning("comment_data: ignoring unreadable %s (%s)", path, error)
        return None


def known_from_json(values):
    """Rebuild KnownComments from a known-comments file's contents."""
    if values.get("format") == KNOWN_FORMAT:
        threads = values["threads"]
        comments = dict(
            zip(
                zip(values["ids"], values["created_us"], strict=True),
                [threads[index] for index in values["thread_index"]],
                strict=True,
            )
        )
    else:  # format 1: [id, created_us, thread] per comment
        comments = {(key[0], key[1]): key[2] for key in values["comments"]}
    return KnownComments(
        database_id=values["database_id"],
        comments=comments,
        unrecorded=tuple(data.from_json_removal(item) for item in values["unrecorded"]),
    )
