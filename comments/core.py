"""What every part shares: the one error a person can fix, and the build's "now".

``SetupError`` is raised for bad configuration or input anywhere in the project
(comment server, plugins, tasks); its message names the file or setting and the
fix, and commands print it as one line instead of a traceback.

``build_now`` is ``SOURCE_DATE_EPOCH`` when set, else the clock: with it set,
two builds of the same data are byte-identical, since every "as of", age and
deadline status is computed against that moment.
"""

import datetime
import os


class SetupError(Exception):
    """A configuration or input mistake; the message says where and how to fix it."""


def build_now(environ=None):
    """Return the build's current time as an aware UTC datetime."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.datetime.now(datetime.UTC)
    try:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        raise SetupError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time in seconds; "
            "unset it or use e.g. $(git log -1 --format=%ct)"
        ) from None
