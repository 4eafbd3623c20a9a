"""The one exception type for mistakes a person can fix, and how commands show it.

Raised for bad configuration or input anywhere in the project (comment server,
plugins, tasks); its message names the file or setting and the fix. Commands
print it as one line instead of a traceback (``one_line_errors``).
"""

import sqlite3
from contextlib import ContextDecorator

from invoke import Exit


class SetupError(Exception):
    """A configuration or input mistake; the message says where and how to fix it."""


def one_line_errors(prefix, code=1, database=None):
    """Turn a ``SetupError`` into the one-line exit ``"{prefix}: {error}"``.

    Works on a task (``@one_line_errors("backup")``) or around a block
    (``with one_line_errors("comment server"):``). With ``database`` (its
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
            from comments.reader import unreadable_database

            problem = unreadable_database(self.database, error)
            raise Exit(f"{self.prefix}: {problem}", code=self.code) from None
        return False
