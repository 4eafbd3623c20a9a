"""One publish at a time per publish cache.

A comment-only publish reads the refresh state of the last publish, renders
what changed since, and deploys it; a full publish writes that state anew.
Two of them at once could leave a state that claims pages the live release
does not have (a comment then missing from its page until its thread changes
again). ``one_publish_at_a_time`` holds a lock file in the publish cache for
a whole run; a second run waits for the first (the timer's next minute, the
comment server's hook, an editor's ``invoke publish``), and gives up with a
one-line error after ``WAIT_SECONDS``.
"""

import contextlib
import fcntl
import time
from pathlib import Path

from comments.core import SetupError

LOCK_NAME = "publish-run.lock"
WAIT_SECONDS = 15 * 60  # longer than a full publish at 5,000 articles (~2 min)
POLL_SECONDS = 0.25


@contextlib.contextmanager
def one_publish_at_a_time(cache, wait=WAIT_SECONDS, say=print):
    """Hold the publish lock of the cache folder ``cache`` while the block
    runs; wait up to ``wait`` seconds for another run to finish first."""
    cache = Path(cache)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        stream = (cache / LOCK_NAME).open("a")
    except OSError as error:
        raise SetupError(
            f"{cache / LOCK_NAME}: cannot open the publish lock ({error.strerror}); "
            "check CACHE_PATH and its permissions"
        ) from None
    with stream:
        deadline = time.monotonic() + wait
        said = False
        while True:
            try:
                fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SetupError(
                        f"another publish has held {cache / LOCK_NAME} for "
                        f"{wait:.0f} s; let it finish (or end it), then run this "
                        "again"
                    ) from None
                if not said:
                    say("Another publish is running; waiting for it to finish.")
                    said = True
                time.sleep(POLL_SECONDS)
        yield
