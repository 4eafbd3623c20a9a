"""Deciding that a reader comment needs no answer (desk, `invoke comments.no-answer`).

Where the comment policy allows it — a reader's plain "Danke!", a comment sent
twice, a question other readers answered — a staff member may close an open
reader comment without answering, with a reason from
``comments.store.no_answer.NO_ANSWER_REASONS`` and an optional public note.
The decision is recorded (``blog_no_answer_needed``: who, when, why) and the
transparency page counts such comments on a line of their own, never as
answered. Comments awaiting moderation cannot be decided: approve them first.
"""

import logging
import time

from comments.core import SetupError
from comments.staff.desk_queue import NotOpen, open_comment
from comments.store.no_answer import NO_ANSWER_REASONS, add_decision

logger = logging.getLogger(__name__)

# The reasons as the desk and the command line show them.
REASON_LABELS = {
    "thanks": "Dank oder Zustimmung ohne Frage",
    "duplicate": "doppelt gesendet",
    "answered-by-readers": "von anderen Lesern beantwortet",
}
NOTE_LIMIT = 200


class NoAnswerError(SetupError):
    """The decision cannot be recorded; the message says why."""


def decide_no_answer(db_path, comment_id, reason, note, by, via, created=None):
    """Record that open reader comment ``comment_id`` needs no answer; return
    its thread path."""
    if reason not in NO_ANSWER_REASONS:
        raise NoAnswerError(
            f"Grund {reason!r} ist keiner von {', '.join(NO_ANSWER_REASONS)}"
        )
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_LIMIT:
        raise NoAnswerError(f"die Notiz ist länger als {NOTE_LIMIT} Zeichen")
    try:
        comment, pending = open_comment(db_path, comment_id, created)
    except NotOpen as error:
        raise NoAnswerError(str(error)) from None
    if pending:
        raise NoAnswerError(
            f"Kommentar {comment_id} wartet auf Freigabe; erst freigeben, dann "
            "entscheiden"
        )
    add_decision(
        db_path,
        comment_id,
        comment.stored_created,  # exactly: the desk's query compares it
        comment.thread_uri,
        reason,
        note,
        by,
        time.time(),
        via,
    )
    logger.info("comment %s needs no answer (%s, %s)", comment_id, reason, via)
    return comment.thread_uri
