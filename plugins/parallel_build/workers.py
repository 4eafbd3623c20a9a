"""How many processes a build may use: ``BUILD_WORKERS``, checked."""

import logging
import os
import threading

from comments.core import SetupError

logger = logging.getLogger(__name__)


class BuildWorkersError(SetupError):
    """BUILD_WORKERS is wrong; the message names it and the fix."""


def usable_cores():
    """Return how many cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def build_workers(settings):
    """Return the number of processes a build may use; raise if the setting is wrong."""
    value = settings.get("BUILD_WORKERS")
    if value is None:
        return usable_cores()
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BuildWorkersError(
            f"BUILD_WORKERS={value!r} must be a whole number of processes, at "
            "least 1 (1 builds in one process); leave it out to use every core"
        )
    return value


def may_fork(settings):
    """Return the number of processes to use here, 1 when forking is unsafe."""
    workers = build_workers(settings)
    if workers > 1 and (not hasattr(os, "fork") or threading.active_count() > 1):
        logger.debug("parallel_build: other threads run; building in one process")
        return 1
    return workers
