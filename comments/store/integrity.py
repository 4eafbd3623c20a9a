"""Tell whether a comment database file is sound before anything relies on it.

SQLite's ``PRAGMA quick_check`` reads every page of the file and checks its
structure (``integrity_check`` also matches every index against its table, at
several times the cost). It finds what a partial overwrite or a failing disk
leaves behind, which plain queries may not meet until they read the damaged
page: a damaged database otherwise answers some requests and fails others, and
a writer adds to the damage. The server checks at start, a backup checks its
copy before it counts.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from comments.build.reader import unreadable_database

# SQLite's names for a file that is no database, or a damaged one.
DAMAGED = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


def connect_read_only(path):
    """Open ``path`` read-only, whatever characters its name holds."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def damage(path):
    """Return SQLite's first complaint about database ``path``, or None if sound.

    Errors other than damage (no permission, a locked file) are raised.
    """
    try:
        with closing(connect_read_only(path)) as db:
            problems = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorname", "") in DAMAGED:
            return str(error)
        raise
    if problems == ["ok"]:
        return None
    first = " ".join(str(problems[0]).split()) if problems else "no answer"
    return f"quick_check: {first}"


def refuse_damaged_database(db_path):
    """Raise the unreadable-database error if ``db_path`` exists and is damaged."""
    if Path(db_path).is_file():
        problem = damage(db_path)
        if problem is not None:
            raise unreadable_database(db_path, problem)
