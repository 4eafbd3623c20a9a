"""Snapshots of comment data: the last good read, for builds when the source is away.

One JSON file per successful read, named by its time, written atomically. They
hold what pages may show (no email, no IP address) and are git-ignored.
"""

import datetime
import json
import logging
import os
import re
import tempfile
from pathlib import Path

from comments import data

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = re.compile(r"^comments-\d{8}T\d{6}\.\d{6}Z\.json$")


def snapshot_name(read_at):
    """Return the file name of the snapshot read at ``read_at``."""
    return f"comments-{read_at.astimezone(datetime.UTC):%Y%m%dT%H%M%S.%f}Z.json"


def list_snapshots(directory):
    """Return the snapshot files in ``directory``, newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        (path for path in directory.iterdir() if SNAPSHOT_NAME.match(path.name)),
        reverse=True,
    )


def save_snapshot(comment_data, directory, keep=10):
    """Write ``comment_data`` as the newest snapshot; keep the newest ``keep``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / snapshot_name(comment_data.read_at)
    text = json.dumps(data.to_json(comment_data), ensure_ascii=False, indent=1)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".snapshot-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for old in list_snapshots(directory)[keep:]:
        old.unlink()
    return target


def latest_snapshot(directory, renderer=None):
    """Return the newest readable snapshot, or None; skip broken ones with a warning."""
    for path in list_snapshots(directory):
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            return data.from_json(values, renderer=renderer)
        except (OSError, ValueError) as error:
            logger.warning(
                "comment_data: skipping unreadable snapshot %s (%s)", path, error
            )
    return None
