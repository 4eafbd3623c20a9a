"""Load the comment data for a build: the configured source, else the last snapshot.

Every successful read is saved as a snapshot. When the source cannot be reached
the build goes on with the newest snapshot and one warning saying how old it
is; with no snapshot at all it goes on without comments, and says so. Comments
that vanished since the previous read without a removal record are added to the
removal log as "unrecorded", and stay there in every later snapshot.
"""

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path

from comments import data, reader, snapshots
from comments.errors import SetupError
from comments.schema import UNRECORDED

logger = logging.getLogger(__name__)

SOURCES = ("database", "http")


@dataclass(frozen=True)
class SourceSettings:
    """Where the comment data comes from and where snapshots go."""

    source: str  # "database" or "http"
    database: Path | None
    export_url: str
    export_token: str
    snapshot_dir: Path
    snapshot_keep: int = 10


def check_settings(settings):
    """Raise a SetupError naming the setting when the source cannot work."""
    if settings.source not in SOURCES:
        raise SetupError(
            f"COMMENTS_SOURCE={settings.source!r} must be 'database' or 'http'"
        )
    if settings.source == "http" and not settings.export_token:
        raise SetupError(
            "COMMENTS_SOURCE='http' needs the export token: set BLOG_EXPORT_TOKEN "
            "to the comment server's token"
        )
    if settings.snapshot_keep < 1:
        raise SetupError(
            f"COMMENTS_SNAPSHOT_KEEP={settings.snapshot_keep} must be at least 1"
        )


def read_source(settings, read_at, renderer):
    """Read from the configured source (may raise SourceUnavailable)."""
    if settings.source == "http":
        return reader.read_export(
            settings.export_url, settings.export_token, read_at, renderer
        )
    return reader.read_database(settings.database, read_at, renderer)


def add_unrecorded_removals(current, known):
    """Record comments the previous read saw that vanished from ``current`` unlogged."""
    if known is None or known.database_id != current.database_id:
        return current
    with data.many_objects():
        present = {snapshots.comment_key(comment) for comment in current.comments}
    logged = {removal.comment_id for removal in current.removals}
    carried = [r for r in known.unrecorded if r.comment_id not in logged]
    carried_ids = {removal.comment_id for removal in carried}
    vanished = [
        data.Removal(key[0], uri, current.read_at, UNRECORDED)
        for key, uri in known.comments.items()
        if key not in present and key[0] not in logged and key[0] not in carried_ids
    ]
    if vanished:
        logger.warning(
            "comment_data: %d comment(s) vanished from the database without a "
            "removal record (ids %s); logged as removed without a reason",
            len(vanished),
            ", ".join(str(removal.comment_id) for removal in vanished),
        )
    if not carried and not vanished:
        return current
    return current.replace(removals=current.removals + tuple(carried + vanished))


def describe_age(age):
    """Say how old something is, in the largest fitting unit."""
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def load_comment_data(settings, renderer=None, now=None, background=False):
    """Return the site's comment data for one build (read once, snapshot saved).

    ``background=True`` writes the snapshot in a forked child while the caller
    goes on; call ``snapshots.wait_for_snapshots()`` when done (exit does too).
    """
    check_settings(settings)
    snapshots.wait_for_snapshots()  # the previous read's, before comparing
    read_at = now or datetime.datetime.now(datetime.UTC)
    try:
        fresh = read_source(settings, read_at, renderer)
    except reader.SourceUnavailable as why:
        previous = snapshots.latest_snapshot(settings.snapshot_dir, renderer)
        if previous is None:
            logger.warning(
                "comment_data: comment source unavailable (%s) and no snapshot in "
                "%s; building without comments",
                why,
                settings.snapshot_dir,
            )
            return data.CommentData(read_at, "none", renderer=renderer)
        logger.warning(
            "comment_data: comment source unavailable (%s); using the snapshot "
            "of %s, %s old",
            why,
            data.format_utc(previous.read_at),
            describe_age(read_at - previous.read_at),
        )
        return previous.replace(source="snapshot")
    fresh = add_unrecorded_removals(
        fresh, snapshots.known_comments(settings.snapshot_dir)
    )
    save = (
        snapshots.save_snapshot_in_background if background else snapshots.save_snapshot
    )
    save(fresh, settings.snapshot_dir, settings.snapshot_keep)
    return fresh
