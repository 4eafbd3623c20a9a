"""How commands show a mistake a person can fix: one line, never a traceback.

``SetupError`` (comments.core) names the file or setting and the fix; a
command wrapped in ``one_line_errors`` exits with that line.
"""

import sqlite3
from contextlib import ContextDecorator

from invoke import Exit

from comments.core import SetupError


def one_line_errors(prefix, code=1, database=None):
    """Turn a ``SetupError`` into the one-line exit ``"{prefix}: {error}"``.

    Works on a task (``@one_line_errors("backup")``) or around a block
    (``with one_line_errors("Kommentarserver"):``). With ``database`` (its
    path) an unreadable SQLite file exits the same way, naming the backup fix.
    """
    return OneLineErrors(prefix, code, database)


class OneLineErrors(ContextDecorator):
    """The context manager and decorator behind ``one_line_errors``."""

    def __init__(self, prefix, code=1, database=None):
        self.prefix = prefix
        self.code = code
        self.database = database

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, SetupError):
            raise Exit(f"{self.prefix}: {error}", code=self.code) from None
        if self.database is not None and isinstance(error, sqlite3.DatabaseError):
            from comments.build.reader import unreadable_database

            problem = unreadable_database(self.database, error)
            raise Exit(f"{self.prefix}: {problem}", code=self.code) from None
        return False
