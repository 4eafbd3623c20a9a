"""Run one part of a refresh in a forked child, beside the rest (the second core).

A comment-only publish spends about a third of its time on the transparency
page (its figures, 24 list pages, its JSON), which nothing else of the
refresh reads. ``Beside(work)`` forks a child that runs ``work`` (it writes
its files and returns nothing) while this process goes on with the threads'
pages; ``join()`` waits for it and raises its error here. The child itself
hands the JSON to a child of its own (the 24 list pages take as long again).

Safe to fork: the comment database's connection is closed once read, the
render cache opens its own connection in a child (its pid guard), the child
ends with ``os._exit`` (no cleanup of the parent's temporary folders, no
buffered output flushed twice). Not forked (``work`` runs at once, in this
process) with ``BUILD_HELPERS = 0`` (plugins/both_cores: one process) or
while another thread runs.

The child's errors reach the parent: an error logged in the child is logged
again here (so ``publishing.build.watch_build`` stops the publish as it would
for one logged in this process), an exception is raised here; its warnings
and lower are printed by the child itself.
"""

import contextlib
import logging
import os
import pickle
import signal
import threading

from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

helpers = plugin_module("both_cores.helpers", __file__)


class BesideFailed(RuntimeError):
    """The child ended without saying how its work went."""


class Relay(logging.Handler):
    """In the child: keep errors for the parent, hand the rest to the
    handlers the parent had."""

    def __init__(self, handlers):
        super().__init__(level=logging.NOTSET)
        self.passed_on = handlers
        self.errors = []  # (logger name, level, message)

    def emit(self, record):
        if record.levelno >= logging.ERROR:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message}: {record.exc_info[1]}"
            self.errors.append((record.name, record.levelno, message))
            return
        for handler in self.passed_on:
            if record.levelno >= handler.level:
                handler.handle(record)


def may_fork(settings):
    """True when a child may run beside this process."""
    return helpers.helper_count(settings) > 0 and threading.active_count() == 1


class Beside:
    """``work()`` run in a forked child (or at once, see ``may_fork``)."""

    def __init__(self, work, settings):
        self.pid, self.value, self.error = None, None, None
        if not may_fork(settings):
            try:
                self.value = work()
            except Exception as problem:  # noqa: BLE001 - raised by join, as a child's
                self.error = problem
            return
        read_end, write_end = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            run_child(work, write_end, parent)
        os.close(write_end)
        self.pid, self.read_end = pid, read_end

    def join(self):
        """Wait for the child; log its errors and raise its exception here;
        return what ``work`` returned (pickled across)."""
        if self.pid is None:
            error, self.error = self.error, None
            if error is not None:
                raise error
            return self.value
        pid, self.pid = self.pid, None
        with os.fdopen(self.read_end, "rb") as stream:
            data = stream.read()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        if not data:
            raise BesideFailed("a refresh's helper ended without a report")
        errors, error, self.value = pickle.loads(data)  # noqa: S301 - our child
        for name, level, message in errors:
            logging.getLogger(name).log(level, "%s", message)
        if isinstance(error, BaseException):
            raise error
        if error:
            raise BesideFailed(f"a refresh's helper failed: {error}")
        return self.value


def run_child(work, write_end, parent):
    """In the child: run ``work``, report, exit (never return)."""
    status = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        root = logging.getLogger()
        relay = Relay(list(root.handlers))
        root.handlers = [relay]
        error = value = None
        try:
            if os.getppid() == parent:
                value = work()
        except Exception as problem:  # noqa: BLE001 - raised in the parent
            error = problem
        try:
            data = pickle.dumps((relay.errors, error, value))
        except Exception:  # noqa: BLE001 - an error that does not pickle
            error = f"{type(error).__name__}: {error}" if error else "no pickle"
            data = pickle.dumps((relay.errors, error, None))
        with os.fdopen(write_end, "wb") as stream:
            stream.write(data)
    except BaseException:  # noqa: BLE001 - never return into the parent's code
        status = 1
    finally:
        os._exit(status)
