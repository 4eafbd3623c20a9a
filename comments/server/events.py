"""Log lines for comment events that hold no personal data.

Isso's ``stdout`` notifier logs the whole comment, email and address included,
and the moderation links (bearer tokens). This subscriber replaces it: ids,
thread paths and states only.
"""

import logging

logger = logging.getLogger("comments.server.events")

MODES = {1: "published", 2: "awaiting moderation", 4: "withdrawn"}


class CommentEventLog:
    """Isso signal subscriber that logs comment events without personal data."""

    def __iter__(self):
        yield "comments.new:finish", self.created
        yield "comments.edit", self.edited
        yield "comments.delete", self.deleted
        yield "comments.activate", self.activated
        yield "comments.new:guard", self.refused

    def created(self, thread, comment):
        """Log a new comment by id, thread and state."""
        logger.info(
            "comment %s created on %s (%s)",
            comment["id"],
            thread["uri"],
            MODES.get(comment["mode"], comment["mode"]),
        )

    def edited(self, comment):
        """Log an edit by id."""
        logger.info("comment %s edited", comment["id"])

    def deleted(self, comment_id):
        """Log a deletion by id."""
        logger.info("comment %s deleted", comment_id)

    def activated(self, thread, comment):
        """Log an approval by id."""
        logger.info("comment %s approved on %s", comment["id"], thread["uri"])

    def refused(self, reason):
        """Log a comment the guard refused (rate limit, missing author…)."""
        # Isso prefixes the reason with the (anonymised) address: keep it out.
        logger.info("comment refused by the guard: %s", reason.split(": ", 1)[-1])
