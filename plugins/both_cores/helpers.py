"""How many helper processes a build forks (``BUILD_HELPERS``).

Pelican builds on one core. ``both_cores`` forks helpers that read Markdown
and write pages beside the build process; by default one fewer than the cores
this process may use (none on one core). ``BUILD_HELPERS = 0`` builds in one
process, as plain Pelican does.
"""

import logging
import os

logger = logging.getLogger(__name__)


def helper_count(settings):
    """Return how many helpers to fork (``BUILD_HELPERS``)."""
    default = len(os.sched_getaffinity(0)) - 1
    count = settings.get("BUILD_HELPERS", default)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        logger.error(
            "both_cores: BUILD_HELPERS=%r must be a whole number (0 builds in "
            "one process); building in one process",
            count,
        )
        return 0
    return count
