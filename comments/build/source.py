"""Load the comment data for a build: the configured source, else the last snapshot.

Every successful read is saved as a snapshot. When the source cannot be reached
the build goes on with the newest snapshot and one warning saying how old it
is; with no snapshot at all it goes on without comments, and says so. Comments
that vanished since the previous read without a removal record are added to the
removal log as "unrecorded", and stay there in every later snapshot.

``load_comment_data`` returns every comment (tests, tools). Builds and the
refresh use ``load_for_build``: what the pages show (``comments.build.digest``),
from one pass over the database that also writes the snapshot and runs the
vanish check, in this process; no comment list is ever held whole.
"""

import dataclasses
import datetime
import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from comments.build import data, reader, snapshots
from comments.build.digest import Digester, digest_of
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
    read_at = now or datetime.datetime.now(datetime.UTC)
    try:
        return read_source(settings, read_at, renderer), True
    except reader.SourceUnavailable as why:
        return last_snapshot_instead(settings, read_at, renderer, why), False


def load_comment_data(settings, renderer=None, now=None):
    """Return the site's comment data, every comment whole (read once, snapshot
    saved); tests and tools. Builds use ``load_for_build``."""
    comment_data, fresh = read_fresh(settings, renderer, now)
    if not fresh:
        return comment_data
    comment_data = add_unrecorded_removals(
        comment_data, snapshots.known_comments(settings.snapshot_dir)
    )
    snapshots.save_snapshot(comment_data, settings.snapshot_dir, settings.snapshot_keep)
    return comment_data


def load_for_build(settings, renderer=None, now=None):
    """Return what a build shows of the comments (``comments.build.digest``).

    From the database, one pass over the comments feeds the digest, the
    snapshot and the vanish check at once (``digest_and_snapshot``): the
    comments are never held whole, so a build's memory grows by its figures,
    not by its comments. The export is read whole, checked, saved and
    digested; when the source is away, the newest snapshot stands in.
    """
    check_settings(settings)
    read_at = now or datetime.datetime.now(datetime.UTC)
    if settings.source != "database":
        comment_data, fresh = read_fresh(settings, renderer, read_at)
        if fresh:
            comment_data = add_unrecorded_removals(
                comment_data, snapshots.known_comments(settings.snapshot_dir)
            )
            save_or_log(
                snapshots.save_snapshot,
                comment_data,
                settings.snapshot_dir,
                settings.snapshot_keep,
            )
        return digest_of(comment_data)
    try:
        return reader.read_transaction(
            settings.database,
            functools.partial(digest_and_snapshot, settings, read_at, renderer),
        )
    except reader.SourceUnavailable as why:
        return digest_of(last_snapshot_instead(settings, read_at, renderer, why))


def save_or_log(save, *arguments):
    """Save a snapshot; a failure is one error line (the next read writes one).
    Return True when it was written."""
    try:
        save(*arguments)
    except OSError as error:
        logger.error(
            "comment_data: the snapshot was not written (%s); the next read writes one",
            error,
        )
        return False
    return True


def digest_and_snapshot(settings, read_at, renderer, reading):
    """In one read transaction: stream every comment through the digest, into
    the snapshot and the key log; once all have passed, run the vanish check
    (its removals end the snapshot). Return the Digest."""
    if not reading.has_staff:
        logger.warning(
            "comment_data: %s has no staff records (blog_staff_comments): no "
            "answer counts as staff's until the comment server of this project "
            "has opened it; is [general] dbpath the right database?",
            settings.database,
        )
    known = snapshots.known_comments(settings.snapshot_dir)
    digester = Digester(reading.staff_answers(), reading.no_answer_needed)
    keylog = snapshots.KeyLog()
    checked = []

    def comments():
        for comment in reading.comments():
            digester.add(comment)
            keylog.add(comment)
            yield comment

    def removal_log():
        if not checked:
            carried, vanished = [], []
            if same_database(known, reading.database_id):
                carried, vanished = unrecorded_among(
                    keylog.keys(), reading.removals, read_at, known
                )
            report_vanished(vanished)
            checked.append(reading.removals + tuple(carried + vanished))
        return checked[0]

    streamed = comments()
    header = data.to_json_header(
        data.CommentData(
            read_at,
            "database",
            database_id=reading.database_id,
            mentions=reading.mentions,
            no_answer_needed=reading.no_answer_needed,
        )
    )
    if not save_or_log(
        snapshots.save_streamed,
        header,
        streamed,
        removal_log,
        keylog,
        settings.snapshot_dir,
        settings.snapshot_keep,
    ):
        for _ in streamed:  # the digest still needs the comments not yet read
            pass
    digest = digester.digest(
        read_at, "database", reading.database_id, removal_log(), renderer
    )
    return dataclasses.replace(digest, mentions=reading.mentions)
