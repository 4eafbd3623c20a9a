"""Connections to the comment database: one unit of work, or one per thread.

``connect`` opens the file for one unit of work and commits (or rolls back)
and closes it at the end; ``with sqlite3.connect(...)`` alone leaves it open.

A new SQLite connection reads and parses the whole schema before its first
statement (~0.2 ms with Isso's and the project's tables and triggers), more
than an indexed query costs. The comment server therefore keeps one open per
thread (``ThreadConnection``); a forked child (gunicorn's workers) opens its
own, since a connection must never cross a fork.
"""

import os
import sqlite3
import threading
from contextlib import contextmanager

DEFAULT_TIMEOUT = 5.0  # seconds to wait for another writer (sqlite3's default)


@contextmanager
def connect(db_path, read_only=False, timeout=DEFAULT_TIMEOUT):
    """Open the comment database for one unit of work; commit, roll back, close.

    The body's statements commit together when it ends, or roll back on an
    error, and the connection is closed either way. ``read_only`` opens the
    file with ``mode=ro``: a reader can never create or change it.
    """
    if read_only:
        connection = sqlite3.connect(
            f"file:{db_path}?mode=ro", uri=True, timeout=timeout
        )
    else:
        connection = sqlite3.connect(db_path, timeout=timeout)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


class ThreadConnection:
    """``get()`` this thread's connection from ``open_connection()``;
    ``forget()`` closes it, so the next ``get()`` opens a new one."""

    def __init__(self, open_connection):
        self.open_connection = open_connection
        self.local = threading.local()

    def get(self):
        """Return this thread's connection, opening it on first use."""
        local = self.local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = self.open_connection()
            local.pid = os.getpid()
        return local.connection

    def forget(self):
        """Close this thread's connection; the next ``get`` opens a new one."""
        connection = getattr(self.local, "connection", None)
        self.local.pid = None
        self.local.connection = None
        if connection is not None:
            connection.close()
