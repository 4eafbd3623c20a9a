"""How a build logs: Rich's columns in a terminal, plain lines everywhere else.

Pelican's default Rich handler wraps each message at the terminal width, or at
80 columns when the output is no terminal, so a CI or cron log shows a file
name broken over two lines. Like ``pelican --log-handler plain``, a build whose
output is not a terminal logs one message per line on stderr, with its level.
"""

import logging
import sys

from pelican.log import DEFAULT_LOG_HANDLER, console
from pelican.log import init as init_logging


class PlainLines(logging.StreamHandler):
    """One line per message on whatever ``sys.stderr`` is when it is logged."""

    @property
    def stream(self):
        """The current stderr (tests and pytest swap it)."""
        return sys.stderr

    @stream.setter
    def stream(self, value):
        """Ignore the stream ``StreamHandler`` sets: stderr is looked up anew."""


def log_handler():
    """Return Rich's handler when it writes to a terminal, else plain lines."""
    if console.is_terminal:
        return DEFAULT_LOG_HANDLER
    handler = PlainLines()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    return handler


def init_build_logging():
    """Set up Pelican's logging at WARNING (once per process, as Pelican does)."""
    init_logging(level=logging.WARNING, name="pelican", handler=log_handler())
