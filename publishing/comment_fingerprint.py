"""Has anything a comment-only publish reads changed since the last one?

``invoke publish --comments`` runs every minute from a timer; mostly no
comment changed since the minute before. Reading 100,000 comments, writing a
snapshot and rendering the transparency page only to find that is most of a
publish, so the publish first compares a fingerprint of what it reads with
the one it remembered after its last run, without opening the data:

- the live release (a full publish or rollback makes another one; the one
  this publish made is remembered),
- the comment database (size, time, inode) and its write-ahead log (size and
  header: SQLite appends every transaction there, Isso and the staff tools
  alike, and a log begun anew gets new salts in its header; its time is left
  out, as a reader's opening touches it),
- the comment server's config file, the settings file and the values the
  publish was called with (``overrides``), ``SOURCE_DATE_EPOCH``.

A comment source other than the local database (``COMMENTS_SOURCE`` =
"export" or "snapshot") has no fingerprint: every publish reads it.

The transparency page says "as of" when its figures were made and counts
waiting hours up to then: after ``PUBLISH_COMMENTS_MAX_AGE`` seconds (default
3600) a publish runs in full even without a change, so the page moves on.
The fingerprint is taken before the data is read: a comment written while
the publish runs changes it for the next run.
"""

import hashlib
import json
import os
import time
from pathlib import Path

FILE_NAME = "comments-publish-fingerprint.json"
MAX_AGE_SETTING = "PUBLISH_COMMENTS_MAX_AGE"
DEFAULT_MAX_AGE = 3600


def file_identity(path):
    """Return what tells a file's versions apart without reading it."""
    try:
        status = os.stat(path)
    except OSError:
        return None  # missing (e.g. no write-ahead log right now)
    return [str(path), status.st_ino, status.st_size, status.st_mtime_ns]


def fingerprint(parts):
    """Return the fingerprint of ``parts`` (anything JSON can write)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def database_files(database):
    """Return the SQLite database's files: itself and its rollback journal
    (its write-ahead log: ``log_identity``)."""
    database = Path(database)
    return [database, Path(f"{database}-journal")]


def log_identity(database):
    """Return what tells the database's write-ahead log's versions apart:
    its size and header (None when it is missing or empty)."""
    path = Path(f"{database}-wal")
    try:
        with path.open("rb") as stream:
            header = stream.read(32)
            size = os.fstat(stream.fileno()).st_size
    except OSError:
        return None
    return [size, header.hex()] if size else None


def publish_fingerprint(files, values):
    """Return the fingerprint of a comment-only publish's inputs: the
    ``files`` it reads (paths) and other ``values``."""
    return fingerprint(
        {
            "files": [file_identity(path) for path in files],
            "values": values,
            "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        }
    )


def remembered_path(cache):
    """Return where the last publish's fingerprint is kept."""
    return Path(cache) / FILE_NAME


def unchanged_since_last(cache, current, live, max_age, now=None):
    """True when the last publish remembered ``current`` and the release
    ``live`` less than ``max_age`` seconds ago."""
    try:
        remembered = json.loads(remembered_path(cache).read_text(encoding="utf-8"))
        age = (time.time() if now is None else now) - remembered["at"]
        return (
            remembered["fingerprint"] == current
            and remembered["live"] == live
            and 0 <= age < max_age
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False  # none yet, or unreadable: publish in full


def remember(cache, current, live, now=None):
    """Remember ``current`` as the fingerprint of the publish just done, and
    the release ``live`` it left live."""
    path = remembered_path(cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    at = time.time() if now is None else now
    record = {"fingerprint": current, "live": live, "at": at}
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, path)


def forget(cache):
    """Forget the last fingerprint (the next publish runs in full)."""
    remembered_path(cache).unlink(missing_ok=True)
