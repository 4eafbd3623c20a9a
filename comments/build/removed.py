"""What removed comments said, so that a publish can refuse to ship it again.

The removal log (``blog_removals``) keeps no content, by design. What a
removed comment said is still in the snapshots written before its removal
(``comments.build.snapshots``), and a build from such a snapshot (the comment
server away) would show it again. ``removed_fragments`` finds each logged
comment in the newest snapshot read before its removal and returns the start
of its text as a reader sees it (rendered by Isso, tags dropped, blanks
collapsed): the leak check (``publishing.leaks``) refuses a site that shows
one. Texts shorter than ``SHORTEST`` characters ("Danke!") say too little to
be told apart from any other text and are left out. A text that a published
comment says too (a spammer's copy of a reader's comment, a stock "Danke für
den tollen Artikel, sehr hilfreich!") may show as often as the published
copies show it: on their threads' pages, and on pages of no thread (the
answered page lists open comments); on another thread's page, or once more,
it is the removed comment's leak. What was found of a
removal is kept (``removed_memo``): each snapshot is read for it once.
"""

import datetime
import html
import json
import logging
import re
from typing import NamedTuple

from comments.build import data, reader, removed_memo, snapshots

logger = logging.getLogger(__name__)

SHORTEST = 20  # characters of plain text a removed comment needs to be looked for
LONGEST = 80  # characters of its start that are looked for
TAG = re.compile(r"<[^>]*>")
BLANKS = re.compile(r"\s+")
WORD = re.compile(r"\w{4,}")
PUBLISHED_LIKE = (
    "SELECT c.id, c.text, t.uri FROM comments c JOIN threads t ON t.id = c.tid "
    "WHERE c.mode = 1 AND c.id != ? AND c.text LIKE ? ESCAPE '\\'"
)


class RemovedText(NamedTuple):
    """What a removed comment said, as the leak check looks for it."""

    removal: object  # comments.build.data.Removal
    fragment: str  # the start of its text as a reader reads it
    # {thread URI: how often its published comments show the fragment}. A
    # thread's page may show it that often (the copies' right); a page of no
    # thread (the answered page, a listing) as often as all copies together.
    said_in: dict

    def allowed_on(self, thread_uri):
        """How often the page of ``thread_uri`` (None: a page that shows no
        thread) may show the fragment."""
        if thread_uri is None:
            return sum(self.said_in.values())
        return self.said_in.get(thread_uri, 0)


def plain_text(markup):
    """Return what a reader reads of HTML: no tags, entities decoded, blanks
    collapsed."""
    return BLANKS.sub(" ", html.unescape(TAG.sub(" ", markup))).strip()


def snapshot_time(path):
    """Return the read time a snapshot's file name says."""
    stamp = path.name.removeprefix("comments-").removesuffix(".json")
    return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(
        tzinfo=datetime.UTC
    )


def removed_fragments(removals, snapshot_dir, renderer, now=None):
    """Return ``(removal, fragment)`` for each removal whose text a snapshot
    still holds and is long enough to be recognised; what was found once is
    not looked for again (``comments.build.removed_memo``)."""
    now = now or datetime.datetime.now(datetime.UTC)
    known = {
        key: fragment
        for key, fragment in removed_memo.known_fragments(
            snapshot_dir, renderer
        ).items()
        if is_fragment(fragment)  # a damaged entry is looked for again
    }
    unknown = [r for r in removals if removed_memo.removal_key(r) not in known]
    found = search_snapshots(unknown, snapshot_dir, renderer) if unknown else {}
    kept, result = {}, []
    for removal in removals:
        key = removed_memo.removal_key(removal)
        fragment = known[key] if key in known else found.get(removal.comment_id)
        if key in known or removed_memo.is_final(removal, fragment, now):
            kept[key] = fragment
        if fragment:
            result.append((removal, fragment))
    if kept != known:
        removed_memo.remember_fragments(snapshot_dir, renderer, kept)
    return result


def is_fragment(value):
    """True for what ``search_snapshots`` finds of a removal: None (not
    found), "" (too short to look for) or the start of its text."""
    return value is None or (
        isinstance(value, str) and (value == "" or SHORTEST <= len(value) <= LONGEST)
    )


def search_snapshots(removals, snapshot_dir, renderer):
    """Return {comment id: fragment, or "" when too short to look for} of the
    removals found in the newest snapshot read before each."""
    wanted = {removal.comment_id: removal for removal in removals}
    found = {}
    for path in snapshots.list_snapshots(snapshot_dir):  # newest first
        read_at = snapshot_time(path)
        due = {
            comment_id
            for comment_id, removal in wanted.items()
            if removal.removed_at > read_at
        }
        if not due:
            continue
        try:
            stored = data.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            logger.warning("leak check: snapshot %s unreadable (%s)", path, error)
            continue
        for comment in stored.comments:
            removal = wanted.get(comment.id)
            if comment.id in due and comment.thread_uri == removal.thread_uri:
                del wanted[comment.id]
                fragment = (
                    plain_text(renderer.render(comment.text)) if comment.text else ""
                )
                found[comment.id] = (
                    fragment[:LONGEST] if len(fragment) >= SHORTEST else ""
                )
        if not wanted:
            break
    return found


def read_removals(database):
    """Return the removal log of the comment database (read-only); none when
    the database cannot be read (the build has said why)."""
    try:
        return reader.read_transaction(database, lambda reading: reading.removals)
    except (reader.SourceUnavailable, reader.CommentDataError):
        return ()


def removed_for_site(source, renderer):
    """Return the removed comments' fragments for a site built from ``source``
    (``comments.build.source.SourceSettings``): the removal log of its
    database, whenever that can be read (also when the build read the export
    or fell back to a snapshot)."""
    removals = read_removals(source.database)
    found = removed_fragments(removals, source.snapshot_dir, renderer)
    return not_said_elsewhere(source.database, found, renderer)


def not_said_elsewhere(database, found, renderer):
    """Return a ``RemovedText`` for each ``(removal, fragment)`` of ``found``,
    with the threads whose published comments of ``database`` say the
    fragment too (logged by comment id, never by text). Candidates come from
    SQL (``LIKE`` on the fragment's longest word), the match from Isso's
    rendering, as the pages show it. When the database cannot be read no copy
    is known: a refusal too many, never a leak let through."""
    if not found:
        return []
    try:
        return reader.read_transaction(
            database,
            lambda reading: [
                removed_text(reading.connection, removal, fragment, renderer)
                for removal, fragment in found
            ],
        )
    except (reader.SourceUnavailable, reader.CommentDataError):
        return [RemovedText(removal, fragment, {}) for removal, fragment in found]


def removed_text(connection, removal, fragment, renderer):
    """Return the ``RemovedText`` of one removal, its copies looked up."""
    said_in = {}
    copies = published_saying(connection, removal.comment_id, fragment, renderer)
    for _, thread_uri, shown in copies:
        said_in[thread_uri] = said_in.get(thread_uri, 0) + shown
    if copies:
        logger.info(
            "leak check: what removed comment %s said is also said by "
            "published comment %s; shown on that thread's page it is not "
            "counted as a leak",
            removal.comment_id,
            ", ".join(str(comment_id) for comment_id, _, _ in copies),
        )
    return RemovedText(removal, fragment, said_in)


def published_saying(connection, removed_id, fragment, renderer):
    """Return ``(id, thread URI, times shown)`` of each published comment
    other than ``removed_id`` whose text, as a reader reads it, contains
    ``fragment``."""
    words = WORD.findall(fragment)
    if not words:
        return []
    word = max(words, key=len)
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
    copies = []
    for comment_id, text, uri in connection.execute(
        PUBLISHED_LIKE, (removed_id, pattern)
    ):
        shown = plain_text(renderer.render(text or "")).count(fragment)
        if shown:
            copies.append((comment_id, uri, shown))
    return copies
