"""What removed comments said, as found once: old snapshots are read once for it.

``comments.build.removed`` finds a removed comment's text in the newest
snapshot read before its removal: a 17 MB JSON file at 100,000 comments,
loaded again by every publish for as long as snapshots that old are kept (one
more file for each removal in that window). The answer cannot change: later
snapshots are read after the removal and never hold the comment, earlier ones
are only ever deleted. So each removal's fragment (or "none to look for") is
kept beside the snapshots in ``removed-fragments.json``, with the renderer's
identity (another Isso version or ``[markup]`` renders the texts anew).
It holds what the snapshots beside it hold: the start of texts pages showed.
"""

import datetime
import json
import logging
import os
import tempfile
from pathlib import Path

from comments.build import data

logger = logging.getLogger(__name__)

FILE_NAME = "removed-fragments.json"
# A removal found in no snapshot is taken as final only this long after it: a
# build that read before the removal may still be writing its snapshot.
NOT_FOUND_AFTER = datetime.timedelta(hours=1)


def removal_key(removal):
    """Return the key of one removal log entry: its comment and time."""
    return f"{removal.comment_id}@{data.format_utc(removal.removed_at)}"


def renderer_of(renderer):
    """Return the identity of the renderer fragments were made with."""
    return getattr(renderer, "identity", None)


def known_fragments(snapshot_dir, renderer):
    """Return {removal_key: fragment or None} found earlier with this renderer."""
    path = Path(snapshot_dir) / FILE_NAME
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        logger.warning("leak check: ignoring unreadable %s (%s)", path, error)
        return {}
    if not isinstance(stored, dict) or stored.get("renderer") != renderer_of(renderer):
        return {}
    fragments = stored.get("fragments")
    return fragments if isinstance(fragments, dict) else {}


def is_final(removal, fragment, now):
    """True when what was found of ``removal`` (``fragment``, or None for
    nothing to look for) can be kept for good."""
    return fragment is not None or now - removal.removed_at > NOT_FOUND_AFTER


def remember_fragments(snapshot_dir, renderer, fragments):
    """Keep ``fragments`` ({removal_key: fragment or None}); a failure is one
    warning (the next check reads the snapshots again)."""
    directory = Path(snapshot_dir)
    temporary = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".fragments-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(
                {"renderer": renderer_of(renderer), "fragments": fragments},
                stream,
                ensure_ascii=False,
            )
        os.replace(temporary, directory / FILE_NAME)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        logger.warning("leak check: %s not written (%s)", directory / FILE_NAME, error)
