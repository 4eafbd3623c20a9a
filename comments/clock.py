"""The build's notion of "now": ``SOURCE_DATE_EPOCH`` when set, else the clock.

With ``SOURCE_DATE_EPOCH`` set, two builds of the same data are byte-identical:
every "as of", age and deadline status is computed against that moment.
"""

import datetime
import os

from comments.errors import SetupError


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
