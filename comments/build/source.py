"""Load the comment data for a build: the configured source, else the last snapshot.

Every successful read is saved as a snapshot. When the source cannot be reached
the build goes on with the newest snapshot and one warning saying how old it
is; with no snapshot at all it goes on without comments, and says so. Comments
that vanished since the previous read without a removal record are added to the
removal log as "unrecorded", and stay there in every later snapshot.

``load_comment_data`` returns every comment (tests, tools). Builds and the
refresh use ``start_loading``: what the pages show (``comments.build.digest``) at
once, the removal log complete once the snapshot's forked child has run the
vanish check; from the database neither process holds every comment.
"""

import datetime
import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from comments.build import data, reader, snapshots
from comments.build.digest import digest_of
from comments.core import SetupError
from comments.store.schema import UNRECORDED

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
    if settings.source == "http":
        reader.check_export_url(settings.export_url)
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


def unrecorded_removals(current, known):
    """Return the unrecorded removals ``current`` lacks, as (carried, vanished):
    those earlier reads found, and comments the previous read saw that
    vanished since without a record."""
    if not same_database(known, current.database_id):
        return [], []
    with data.many_objects():
        present = {snapshots.comment_key(comment) for comment in current.comments}
    return unrecorded_among(present, current.removals, current.read_at, known)


def same_database(known, database_id):
    """True when ``known`` (or None) was read from the database ``database_id``."""
    return known is not None and known.database_id == database_id


def carried_removals(known, removals):
    """Return the unrecorded removals earlier reads found that ``removals`` lacks."""
    logged = {removal.comment_id for removal in removals}
    return [r for r in known.unrecorded if r.comment_id not in logged]


def unrecorded_among(present, removals, read_at, known):
    """``unrecorded_removals`` for a read whose comment keys are ``present``
    and whose removal log is ``removals`` (same database as ``known``)."""
    logged = {removal.comment_id for removal in removals}
    carried = carried_removals(known, removals)
    carried_ids = {removal.comment_id for removal in carried}
    vanished = [
        data.Removal(key[0], uri, read_at, UNRECORDED)
        for key, uri in known.comments.items()
        if key not in present and key[0] not in logged and key[0] not in carried_ids
    ]
    return carried, vanished


def vanish_report(carried, vanished):
    """Return a vanish check's result as the snapshot's child reports it."""
    return {
        "carried": [data.to_json_removal(removal) for removal in carried],
        "vanished": [data.to_json_removal(removal) for removal in vanished],
    }


def from_vanish_report(reported):
    """Return (carried, vanished) from a ``vanish_report``."""
    return tuple(
        [data.from_json_removal(item) for item in reported[key]]
        for key in ("carried", "vanished")
    )


def with_removals(current, carried, vanished):
    """Return ``current`` with the unrecorded removals added to its removal log."""
    if not carried and not vanished:
        return current
    return current.replace(removals=current.removals + tuple(carried + vanished))


def report_vanished(vanished):
    """Warn once about comments that vanished since the last read."""
    if vanished:
        logger.warning(
            "comment_data: %d comment(s) vanished from the database without a "
            "removal record (ids %s); logged as removed without a reason",
            len(vanished),
            ", ".join(str(removal.comment_id) for removal in vanished),
        )


def add_unrecorded_removals(current, known):
    """Record comments the previous read saw that vanished from ``current`` unlogged."""
    carried, vanished = unrecorded_removals(current, known)
    report_vanished(vanished)
    return with_removals(current, carried, vanished)


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


class Loading:
    """One read for a build: what the build shows at once (``digest``), its
    removal log completed by the vanish check (``result``).

    The check compares every comment with the previous read and only ever adds
    to the removal log; the snapshot's forked child runs it. Should the child
    end without telling, the removals earlier reads found are carried here and
    the comments that vanished since are found by the next read: the known
    comments it compares with stay those of the last written snapshot.
    """

    def __init__(self, digest, write=None, directory=None):
        self.digest, self.write, self.directory = digest, write, directory
        self.checked = None if write else digest

    def result(self):
        """Return the complete digest; wait for the check if need be."""
        if self.checked is None:
            reported = self.write.report()
            if reported is None:  # the child ended before it could tell
                carried, vanished = self.carried_here(), []
            else:
                carried, vanished = from_vanish_report(reported)
            report_vanished(vanished)
            self.checked = self.digest.with_removals(carried + vanished)
        return self.checked

    def carried_here(self):
        """Return the unrecorded removals earlier reads found, this read lacks."""
        known = snapshots.known_comments(self.directory)
        if not same_database(known, self.digest.database_id):
            return []
        return carried_removals(known, self.digest.removals)


def checked_for_snapshot(known, fresh):
    """In the snapshot's child: run the vanish check on ``fresh``; return the
    report for the parent (JSON-ready) and the data to save."""
    carried, vanished = unrecorded_removals(fresh, known)
    return vanish_report(carried, vanished), with_removals(fresh, carried, vanished)


def last_snapshot_instead(settings, read_at, renderer, why):
    """Return the newest snapshot, marked as such, or no comments at all."""
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


def read_fresh(settings, renderer, now):
    """Read from the configured source: return (data, True); when the source is
    away, (the last snapshot or no comments at all, False)."""
    check_settings(settings)
    snapshots.wait_for_snapshots()  # the previous read's, before comparing
    read_at = now or datetime.datetime.now(datetime.UTC)
    try:
        return read_source(settings, read_at, renderer), True
    except reader.SourceUnavailable as why:
        return last_snapshot_instead(settings, read_at, renderer, why), False


def load_comment_data(settings, renderer=None, now=None, background=False):
    """Return the site's comment data for one build (read once, snapshot saved).

    ``background=True`` writes the snapshot in a forked child while the caller
    goes on; call ``snapshots.wait_for_snapshots()`` when done (exit does too).
    """
    comment_data, fresh = read_fresh(settings, renderer, now)
    if not fresh:
        return comment_data
    comment_data = add_unrecorded_removals(
        comment_data, snapshots.known_comments(settings.snapshot_dir)
    )
    save = (
        snapshots.save_snapshot_in_background if background else snapshots.save_snapshot
    )
    save(comment_data, settings.snapshot_dir, settings.snapshot_keep)
    return comment_data


def start_loading(settings, renderer=None, now=None):
    """Read what a build shows of the comments; return the Loading.

    From the database, a forked child streams every comment into the snapshot
    and checks for vanished ones (``snapshot_streamed``), while this process
    streams the same database through ``comments.build.digest``: neither holds every
    comment, and a build's memory grows by its figures, not by its comments
    (~60 MiB at 100,000). The child's read starts first, so this one sees all
    it sees, or more.

    Where no child can be forked (a process running threads), and for the
    export and the snapshot fallback, the comments are read whole here and
    digested. Call ``snapshots.wait_for_snapshots()`` when done.
    """
    check_settings(settings)
    snapshots.wait_for_snapshots()  # the previous read's, before comparing
    read_at = now or datetime.datetime.now(datetime.UTC)
    if (
        settings.source == "database"
        and settings.database.is_file()
        and snapshots.can_fork()
    ):
        return digest_database_beside_snapshot(settings, renderer, read_at)
    comment_data, fresh = read_fresh(settings, renderer, read_at)
    if not fresh:
        return Loading(digest_of(comment_data))
    known = snapshots.known_comments(settings.snapshot_dir)
    write = snapshots.save_snapshot_in_background(
        comment_data,
        settings.snapshot_dir,
        settings.snapshot_keep,
        complete=functools.partial(checked_for_snapshot, known),
    )
    return Loading(digest_of(comment_data), write, settings.snapshot_dir)


def digest_database_beside_snapshot(settings, renderer, read_at):
    """Fork the snapshot's child (``snapshot_streamed``); digest the database here."""
    write = snapshots.work_in_background(
        functools.partial(snapshot_streamed, settings, read_at),
        read_at,
        settings.snapshot_dir,
    )
    try:
        digest = reader.digest_database(settings.database, read_at, renderer)
    except reader.SourceUnavailable as why:
        snapshots.wait_for_snapshots()
        fallback = last_snapshot_instead(settings, read_at, renderer, why)
        return Loading(digest_of(fallback))
    except reader.CommentDataError:
        # The child read the same damaged database: one line says it, not two.
        snapshots.wait_for_snapshots(quiet=True)
        raise
    return Loading(digest, write, settings.snapshot_dir)


def snapshot_streamed(settings, read_at, pinned, report):
    """In the snapshot's child: note every comment's identity (24 bytes each,
    from a light query), run the vanish check and report it, then stream the
    comments into the snapshot, all in one read. The report comes before the
    writing, so a build waiting for the removal log waits for the check only.
    The known comments are loaded once the read is pinned: the build waits for
    the pin, not for them."""

    def write(reading):
        known = snapshots.known_comments(settings.snapshot_dir)
        keylog = snapshots.KeyLog()
        reading.keys(keylog.note)
        carried, vanished = [], []
        if same_database(known, reading.database_id):
            carried, vanished = unrecorded_among(
                keylog.keys(), reading.removals, read_at, known
            )
        report(vanish_report(carried, vanished))
        del known  # its 100,000 identities are no longer needed
        header = data.to_json_header(
            data.CommentData(read_at, "database", database_id=reading.database_id)
        )
        snapshots.save_streamed(
            header,
            reading.comments(),
            reading.removals + tuple(carried + vanished),
            keylog,
            settings.snapshot_dir,
            settings.snapshot_keep,
        )

    reader.read_transaction(settings.database, write, pinned=pinned)
