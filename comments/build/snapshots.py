"""Snapshots of comment data: the last good read, for builds when the source is away.

One JSON file per successful read, named by its time, written atomically, plus
``known-comments.json``: the identities of the comments in the newest read, so
that the next read can tell which vanished without loading a whole snapshot.
They hold what pages may show (no email, no IP address) and are git-ignored.
"""

import datetime
import json
import logging
import os
import re
import tempfile
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
    once, in order, or a function returning one, called when its key is
    written; each chunk is encoded and written on its own, so a site's
    comments never exist whole in memory as JSON.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(compact(header)[:-1])
            for key, (items, encode) in lists.items():
                stream.write(f",{compact(key)}:[")
                # Chunks: the C encoder works on whole lists, memory stays small.
                items = items() if callable(items) else items
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


def save_streamed(header, comments, removal_log, keylog, directory, keep=10):
    """Write a snapshot while reading it (``comments`` streamed, any iterable),
    then its removals, returned by ``removal_log()`` once every comment has
    passed, and the known-comments file from ``keylog`` (the same comments'
    identities); keep the newest ``keep``. Return the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / snapshot_name(data.parse_utc(header["read_at"]))
    removals = []

    def removals_once_read():
        removals.extend(removal_log())
        return removals

    write_atomically(
        target,
        header,
        {
            "comments": (comments, data.to_json_comment),
            "removals": (removals_once_read, data.to_json_removal),
        },
    )
    write_known_keys(keylog, header["database_id"], removals, directory)
    for old in list_snapshots(directory)[keep:]:
        old.unlink()
    return target


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
