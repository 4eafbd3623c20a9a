"""Back up the live comment database while the server runs, and restore it carefully.

Every copy goes through SQLite's backup API, so it is one consistent snapshot
even while Isso writes: the copy reads under SQLite's own locks instead of
copying bytes mid-write. A backup is written under a temporary name in the
backup folder and renamed when complete, so a file with a final name is always
whole. Backups are named ``comments-YYYYMMDDTHHMMSSZ.db`` (UTC, ``-2``, ``-3``
… when a name is taken) and readable by their owner only: the database holds
e-mail and IP addresses.

A restore checks the backup first and changes nothing if it is unusable. It then
keeps the live database as ``comments-replaced-YYYYMMDDTHHMMSSZ.db`` (never
pruned) and writes the backup into the live file through the backup API as one
SQLite transaction, so a running server sees either the old or the restored
comments, keeps the file's owner and mode, and never meets a journal that
belongs to another file. Only when no usable database is there is the backup
renamed into place. A comment posted between keeping and restoring is in
neither; stop the server first where that matters.

A copy counts as a backup only once SQLite finds it sound (``quick_check``): a
damaged live database gives no backup, and the command says so and names the
newest sound backup to restore. Pruning keeps the newest ``keep`` sound
backups; a damaged backup never counts toward them.
"""

import logging
import os
import re
import shutil
import sqlite3
import stat
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from comments.core import SetupError
from comments.store.integrity import DAMAGED, connect_read_only, damage

logger = logging.getLogger(__name__)

BACKUP_PREFIX = "comments"
REPLACED_PREFIX = "comments-replaced"
BACKUP_NAME = re.compile(r"comments-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<number>\d+))?\.db")
ISSO_TABLES = frozenset({"threads", "comments", "preferences"})
PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR
PRIVATE_FOLDER = stat.S_IRWXU
# Files SQLite keeps beside a database; a leftover one would be replayed into
# whatever file next carries the database's name.
SIDE_FILE_SUFFIXES = ("-journal", "-wal", "-shm")


class BackupError(SetupError):
    """A backup or restore cannot go ahead; the message names the file and the fix."""


def backup_database(db_path, backup_dir, keep=14, now=None):
    """Copy the live database into ``backup_dir``; keep the newest ``keep`` backups."""
    db_path, backup_dir = Path(db_path), Path(backup_dir)
    check_keep(keep)
    if not db_path.is_file():
        raise BackupError(
            f"{db_path}: Kommentardatenbank nicht gefunden; [general] dbpath in "
            "der Konfiguration des Kommentarservers prüfen"
        )
    started = datetime.now(UTC) if now is None else now
    make_private_folder(backup_dir)
    try:
        backup = write_private_copy(
            backup_dir,
            lambda temporary: copy_sound_database(db_path, temporary, backup_dir),
            lambda: free_name(backup_dir, BACKUP_PREFIX, started),
        )
    except sqlite3.DatabaseError as error:
        if error_name(error) in DAMAGED:
            raise damaged_live_database(db_path, error, backup_dir) from None
        raise BackupError(
            f"{db_path}: lässt sich nicht sichern ({error}); prüfen, ob dieser "
            "Benutzer sie und ihren Ordner lesen darf"
        ) from None
    logger.info("backed up %s to %s", db_path, backup)
    prune_backups(backup_dir, keep, just_written=backup)
    return backup


def copy_sound_database(db_path, target, backup_dir):
    """Copy ``db_path`` into ``target``; raise unless the copy is sound."""
    copy_database(db_path, target)
    problem = damage(target)
    if problem is not None:
        raise damaged_live_database(db_path, problem, backup_dir)


def damaged_live_database(db_path, problem, backup_dir):
    """The BackupError for a damaged live database, naming the backup to restore."""
    newest = newest_sound_backup(backup_dir)
    fix = (
        f"die neueste heile Sicherung zurückspielen: invoke comments.restore {newest}"
        if newest
        else f"in {backup_dir} gibt es keine heile Sicherung; den Kommentarserver "
        f"anhalten und retten, was SQLite noch lesen kann: sqlite3 {db_path} "
        ".recover"
    )
    return BackupError(
        f"{db_path}: die laufende Kommentardatenbank ist beschädigt ({problem}); "
        f"keine Sicherung geschrieben, keine gelöscht; {fix}"
    )


def is_sound(path):
    """Tell whether ``path`` is a sound comment database (``verify_database``)."""
    try:
        verify_database(path)
    except BackupError:
        return False
    return True


def newest_sound_backup(backup_dir):
    """Return the newest sound backup in ``backup_dir``, or None."""
    return next(filter(is_sound, list_backups(backup_dir)), None)


def verify_database(path):
    """Raise BackupError unless ``path`` is a sound Isso comment database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: Sicherung nicht gefunden; eine vorhandene wählen")
    try:
        with closing(connect_read_only(path)) as db:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            tables = {
                row[0]: {column[1] for column in table_columns(db, row[0])}
                for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{path}: keine lesbare SQLite-Datenbank ({error}); eine andere "
            "Sicherung wählen"
        ) from None
    if problems != ["ok"]:
        first = " ".join(str(problems[0]).split()) if problems else "keine Antwort"
        raise BackupError(
            f"{path}: beschädigte Datenbank (quick_check: {first}); eine andere "
            "Sicherung wählen"
        )
    missing = ISSO_TABLES - tables.keys()
    if missing:
        raise BackupError(
            f"{path}: leere oder fremde Datenbank (keine Tabelle "
            f"{', '.join(sorted(missing))}); eine Sicherung der Kommentardatenbank "
            "wählen"
        )
    for table, needed in isso_columns().items():
        if needed - tables[table]:
            raise BackupError(
                f"{path}: fremde Datenbank (ihrer Tabelle {table} fehlt die Spalte "
                f"{', '.join(sorted(needed - tables[table]))}); eine Sicherung der "
                "Kommentardatenbank wählen"
            )


def table_columns(db, table):
    """``PRAGMA table_info`` of one table (its name quoted as SQLite wants)."""
    quoted = table.replace('"', '""')
    return db.execute(f'PRAGMA table_info("{quoted}")').fetchall()


def isso_columns():
    """The columns Isso reads from each of its tables."""
    # Imported here: any part of Isso loads its whole server.
    from isso.db.comments import Comments

    return {
        # Isso adds ``notification`` itself when it opens an older database.
        "comments": set(Comments.fields) - {"notification"},
        "threads": {"id", "uri", "title"},
        "preferences": {"key", "value"},
    }


def restore_database(backup_file, db_path, backup_dir, now=None):
    """Replace the live database with ``backup_file``; return the kept old copy.

    Returns None when there was no live database to keep.
    """
    backup_file, db_path, backup_dir = (
        Path(backup_file),
        Path(db_path),
        Path(backup_dir),
    )
    if is_same_file(backup_file, db_path):
        raise BackupError(
            f"{backup_file}: ist die laufende Datenbank selbst; eine Sicherung wählen"
        )
    verify_database(backup_file)
    live_exists = db_path.exists()
    live_is_database = live_exists and readable_as_database(db_path)
    if not live_is_database:
        refuse_side_files(db_path)

    kept = None
    if live_exists:
        started = datetime.now(UTC) if now is None else now
        make_private_folder(backup_dir)
        copy_live = copy_database if live_is_database else shutil.copyfile
        kept = write_private_copy(
            backup_dir,
            lambda temporary: copy_live(db_path, temporary),
            lambda: free_name(backup_dir, REPLACED_PREFIX, started),
        )
        logger.info("kept the replaced database %s as %s", db_path, kept)

    try:
        if live_is_database:
            # Written through SQLite as one transaction: a running server waits
            # for it, and SQLite looks after its own -journal/-wal/-shm files.
            copy_database(backup_file, db_path, single_file=False)
        else:
            # Nothing SQLite can lock lives at db_path and refuse_side_files made
            # sure no journal waits there, so an atomic rename is safe.
            write_private_copy(
                db_path.parent,
                lambda temporary: copy_database(backup_file, temporary),
                lambda: db_path.name,
            )
    except sqlite3.Error as error:
        kept_note = f"; die ersetzte Datenbank liegt unter {kept}" if kept else ""
        raise BackupError(
            f"{db_path}: Zurückspielen fehlgeschlagen ({error}), noch einmal "
            f"versuchen{kept_note}"
        ) from None
    logger.info("restored %s from %s", db_path, backup_file)
    return kept


def list_backups(backup_dir):
    """Return the backups in ``backup_dir``, newest first (not the replaced copies)."""
    backup_dir = Path(backup_dir)
    if not backup_dir.is_dir():
        return []
    backups = [
        path
        for path in backup_dir.iterdir()
        if BACKUP_NAME.fullmatch(path.name) and path.is_file()
    ]
    return sorted(backups, key=backup_age_key, reverse=True)


def prune_backups(backup_dir, keep, just_written=None):
    """Delete the backups older than the newest ``keep`` sound ones; return them.

    A damaged backup never counts toward ``keep``, so no sound backup goes in
    favour of a damaged one. ``just_written`` (checked already) counts as the
    newest whatever the names say: backups named later than now (a clock that
    ran ahead, files copied from another host) must not push it out.
    """
    check_keep(keep)
    backups = list_backups(backup_dir)
    just_written = None if just_written is None else Path(just_written)
    if just_written in backups:
        backups.remove(just_written)
        backups.insert(0, just_written)
    sound, removed = 0, []
    for index, path in enumerate(backups):
        if sound == keep:
            removed = backups[index:]
            break
        if path == just_written or is_sound(path):
            sound += 1
        else:
            logger.warning("backup %s is damaged; it does not count as one", path)
    for path in removed:
        path.unlink(missing_ok=True)
        logger.info("pruned old backup %s", path)
    return removed


def backup_age_key(path):
    """Sort key: the UTC time in the name, then the -2, -3 … suffix."""
    match = BACKUP_NAME.fullmatch(path.name)
    return match["stamp"], int(match["number"] or 1)


def check_keep(keep):
    """Refuse a retention count that would delete the backup just made."""
    if not isinstance(keep, int) or keep < 1:
        raise BackupError(
            f"keep = {keep!r}: mindestens 1 Sicherung behalten (Vorgabe: 14)"
        )


def free_name(folder, prefix, now):
    """Return ``prefix-YYYYMMDDTHHMMSSZ.db`` in UTC, or -2, -3 … if that is taken."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{prefix}-{stamp}.db"
    number = 1
    while (Path(folder) / name).exists():
        number += 1
        name = f"{prefix}-{stamp}-{number}.db"
    return name


def make_private_folder(folder):
    """Create ``folder`` (owner only) if it is missing."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    except OSError as error:  # a file in its place, no permission, disk full
        raise BackupError(
            f"{folder}: kann nicht der Sicherungsordner sein "
            f"({error.strerror or error}); was dort liegt beiseiteräumen oder die "
            "Rechte richten"
        ) from None
    os.chmod(folder, PRIVATE_FOLDER)


def write_private_copy(folder, fill, final_name):
    """Let ``fill`` write a temporary file in ``folder``, then give it its final name.

    ``final_name`` is asked only once the copy is complete, so a name taken in
    the meantime is not overwritten.
    """
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    os.close(handle)  # mkstemp makes it 0600; SQLite writes it through its own handle
    temporary = Path(temporary)
    try:
        fill(temporary)
        os.chmod(temporary, PRIVATE_FILE)
        target = Path(folder) / final_name()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    return target


def copy_database(source, target, single_file=True):
    """Copy database ``source`` (opened read-only) into ``target`` in one step.

    ``single_file=False`` leaves the target's journal mode alone (the live
    database, which a running server holds open).
    """
    with (
        closing(connect_read_only(source)) as source_db,
        closing(sqlite3.connect(target)) as target_db,
    ):
        source_db.backup(target_db, sleep=0.01)
        if single_file:
            # The live database uses the write-ahead log and a copy inherits
            # the mode: make it one plain file, so no -wal/-shm ever sits
            # beside a backup (reading it read-only would leave them there).
            target_db.execute("PRAGMA journal_mode = DELETE").fetchone()


def readable_as_database(path):
    """Tell whether SQLite can open ``path``; False if it is not a database at all."""
    try:
        with closing(connect_read_only(path)) as db:
            db.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        if error_name(error) == "SQLITE_NOTADB":
            return False
        raise BackupError(
            f"{path}: die laufende Datenbank lässt sich nicht öffnen ({error}); "
            "als der Benutzer zurückspielen, unter dem der Kommentarserver läuft"
        ) from None
    return True


def refuse_side_files(db_path):
    """Refuse to put a new file where a leftover journal would be replayed into it."""
    for suffix in SIDE_FILE_SUFFIXES:
        side_file = Path(f"{db_path}{suffix}")
        if side_file.exists():
            raise BackupError(
                f"{side_file}: Restdatei einer fehlenden oder kaputten Datenbank; "
                "den Kommentarserver anhalten, die Datei beiseitelegen und erneut "
                "zurückspielen"
            )


def is_same_file(first, second):
    """Tell whether two paths name one file (through links or ``..`` too)."""
    if first.exists() and second.exists():
        return os.path.samefile(first, second)
    return first.resolve() == second.resolve()


def error_name(error):
    """Return SQLite's name for ``error``, such as ``SQLITE_NOTADB``."""
    return getattr(error, "sqlite_errorname", "")
