"""Answer a comment as staff from the server's machine (``invoke comments.reply``).

The reply goes through Isso's own API handler in-process, exactly like one
posted on the site, with the staff member set as the verified author: the
server records it as a staff comment ("cli").
"""

import html
import json
import re

from isso import local_manager
from werkzeug.test import Client

from comments.core import SetupError
from comments.staff.accounts import current_staff, staff_channel, staff_pseudonym
from comments.store.connections import connect
from comments.store.removals import blanked_reason


class ReplyError(SetupError):
    """The reply cannot be posted; the message says why."""


def thread_of(db_path, comment_id):
    """Return (thread path, thread title, top-level id) of a comment."""
    with connect(db_path, read_only=True) as db:
        row = db.execute(
            "SELECT t.uri, t.title, c.parent, c.mode FROM comments AS c "
            "JOIN threads AS t ON t.id = c.tid WHERE c.id = ?",
            (comment_id,),
        ).fetchone()
        removed = row is not None and row[3] == 4
        reason = blanked_reason(db, comment_id) if removed else None
    if row is None:
        raise ReplyError(f"Kommentar {comment_id} gibt es nicht")
    uri, title, parent, mode = row
    if mode == 2:
        raise ReplyError(
            f"Kommentar {comment_id} wartet auf Freigabe; erst freigeben, dann "
            "antworten"
        )
    if removed:
        raise ReplyError(
            f"Kommentar {comment_id} ist entfernt (Grund: {reason}); stattdessen "
            "auf eine seiner Antworten oder im Artikel antworten"
        )
    return uri, title, parent or comment_id


def refusal_reason(body):
    """The reason in an error page (werkzeug's ``<p>…</p>``), on one line."""
    found = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
    text = html.unescape(found[1] if found else re.sub(r"<[^>]+>", " ", body))
    return " ".join(text.split())[:200] or "no reason given"


def post_staff_reply(server, comment_id, text, member, via="cli"):
    """Post ``text`` as ``member``'s answer to ``comment_id``; return the new id.

    ``via`` is how the staff comment is recorded: "cli", or "desk".
    """
    if len(text.strip()) < 3:
        raise ReplyError("die Antwort braucht mindestens 3 Zeichen")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes the shell passed that are not UTF-8
        raise ReplyError("die Antwort ist kein gültiger UTF-8-Text") from None
    db_path = server.conf.get("general", "dbpath")
    uri, title, parent = thread_of(db_path, comment_id)
    app = local_manager.make_middleware(server)
    member_token = current_staff.set(member)
    channel_token = staff_channel.set(via)
    try:
        response = Client(app).post(
            "/new",
            query_string={"uri": uri},
            data=json.dumps(
                {
                    "text": text,
                    "author": member.display_name,
                    "email": staff_pseudonym(member),
                    "parent": parent,
                    "title": title,
                }
            ),
            content_type="application/json",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
    finally:
        staff_channel.reset(channel_token)
        current_staff.reset(member_token)
    if response.status_code != 201:
        raise ReplyError(
            f"der Kommentarserver hat die Antwort abgelehnt ({response.status_code}: "
            f"{refusal_reason(response.get_data(as_text=True))})"
        )
    return response.json["id"]
