"""One SQLite connection per thread and process, opened on first use.

A new SQLite connection reads and parses the whole schema before its first
statement (~0.2 ms with Isso's and the project's tables and triggers), more
than an indexed query costs. The comment server therefore keeps one open per
thread; a forked child (gunicorn's workers) opens its own, since a connection
must never cross a fork.
"""

import os
import threading


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
