"""Forked helper processes for one build: start, exchange pickles, collect.

A child is a fork of the build process: it sees everything the build has
read so far without copying it, does its share of the work and sends its
results back through a pipe as pickles. Objects both sides already share
(the settings dictionary) travel as a name and arrive as the parent's own
object, so a Category made in a child refers to the same settings as one made
in the parent. A child leaves with ``os._exit``: no exit hooks, no flushing of
buffers it inherited.

Log records a child makes are collected and sent along with its results; the
parent passes them to its own loggers, so warnings are shown and counted as if
the parent had made them.
"""

import contextlib
import fcntl
import io
import logging
import os
import pickle
import signal

PIPE_BYTES = 1 << 20  # Linux's default ceiling for a pipe's buffer


class SharedPickler(pickle.Pickler):
    """Pickles the objects in ``shared`` as their names."""

    def __init__(self, file, shared):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.names = {id(value): name for name, value in shared.items()}

    def persistent_id(self, obj):
        """Return the name of a shared object, None for everything else."""
        return self.names.get(id(obj))


class SharedUnpickler(pickle.Unpickler):
    """Turns the names of shared objects back into the objects."""

    def __init__(self, file, shared):
        super().__init__(file)
        self.shared = shared

    def persistent_load(self, pid):
        """Return the parent's own object for a shared name."""
        return self.shared[pid]


class LogCollector(logging.Handler):
    """Keeps a child's log records until they are sent to the parent."""

    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.records = []

    def emit(self, record):
        """Keep a picklable copy: the message formatted, the traceback as text."""
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)

    def take(self):
        """Return the records collected since the last call."""
        records, self.records = self.records, []
        return records


def collect_logs():
    """In a child: route every log record to a new LogCollector; return it."""
    collector = LogCollector()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(collector)
    return collector


def replay_logs(records):
    """In the parent: log a child's records again through the parent's loggers.

    Logging them anew (not ``Logger.handle``) goes through Pelican's logger
    class as any record made here would: duplicates are dropped, and a
    warning under ``--fatal warnings`` stops the build here."""
    for record in records:
        message = record.msg
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        extra = {
            key: record.__dict__[key]
            for key in ("limit_msg", "limit_args")
            if key in record.__dict__
        }
        logging.getLogger(record.name).log(record.levelno, message, extra=extra)


class Child:
    """A forked child and the read end of its pipe."""

    def __init__(self, pid, stream, shared):
        self.pid = pid
        self.stream = stream
        self.shared = shared
        self.exit_code = None

    def receive(self):
        """Return the child's next message; EOFError when it has no more."""
        return SharedUnpickler(self.stream, self.shared).load()

    def wait(self):
        """Wait for the child to end; return its exit code."""
        if self.exit_code is None:
            self.stream.close()
            try:
                _, status = os.waitpid(self.pid, 0)
                self.exit_code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped by someone else
                self.exit_code = 0
        return self.exit_code

    def stop(self):
        """End the child now (its results are no longer wanted)."""
        if self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            self.wait()


def start_child(work, shared):
    """Fork a child that runs ``work(send)``; return its Child.

    ``send(message)`` pickles a message to the parent. An exception in
    ``work`` is sent as ``("error", exception)`` and ends the child with code 1.
    """
    read_end, write_end = os.pipe()
    # a lower limit set by the administrator: keep the default size
    with contextlib.suppress(OSError):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        code = 1
        try:
            os.close(read_end)
            code = run_child(work, write_end, shared)
        finally:
            os._exit(code)
    os.close(write_end)
    return Child(pid, open(read_end, "rb"), shared)


def run_child(work, write_end, shared):
    """The child's side of start_child; return its exit code."""
    code = 0
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with open(write_end, "wb") as stream:

        def send(message):
            buffer = io.BytesIO()  # whole, so a failing pickle sends nothing
            SharedPickler(buffer, shared).dump(message)
            stream.write(buffer.getbuffer())
            stream.flush()

        try:
            work(send)
        except BrokenPipeError:  # the parent stopped listening
            code = 1
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            code = 1
            try:
                send(("error", error))
            except Exception:  # an exception that does not pickle
                send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    return code
