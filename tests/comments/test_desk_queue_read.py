"""The desk's SQL queue finds exactly the open comments ``comments.answers`` defines."""

import datetime
import sqlite3

import pytest

from comments.build import digest, reader
from comments.staff import desk, owners
from comments.staff.no_answer import NoAnswerError, decide_no_answer

ARTICLE = "/2026/kritik/"
OTHER = "/2026/technik/"
PASSWORD = "ein-langes-passwort"
STAFF = {"anna": ("Anna Schmidt", PASSWORD)}


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff=STAFF,
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )


def post(server, uri, text, parent=None, cookie=""):
    headers = {"Cookie": cookie} if cookie else None
    reply = server.client.post(uri, text, parent=parent, headers=headers)
    assert reply.status == 201, reply.body
    return reply.body["id"]


def open_ids(queue):
    return [entry.id for entry in queue.entries]


def test_the_sql_queue_is_the_definition_of_open(server):
    staff = server.client.staff_login("anna", PASSWORD)
    answered = post(server, ARTICLE, "Beantwortet")
    post(server, ARTICLE, "Antwort", parent=answered, cookie=staff)
    thanks = post(server, ARTICLE, "Danke!", parent=answered)  # after the answer
    waiting = post(server, ARTICLE, "Noch offen")
    other = post(server, OTHER, "Woanders offen")
    answer_first = post(server, OTHER, "Erst Antwort, dann Frage")
    post(server, OTHER, "Antwort", parent=answer_first, cookie=staff)
    with sqlite3.connect(server.database) as db:  # one awaiting moderation
        db.execute("UPDATE comments SET mode = 2 WHERE id = ?", (other,))
    db.close()
    now = datetime.datetime.now(datetime.UTC)
    queue = owners.read_queue(server.conf, now)
    whole = reader.read_database(server.database, now, for_staff=True)
    settings = desk.DeskSettings.from_conf(server.conf)
    assert open_ids(queue) == open_ids(desk.open_queue(whole, now, settings))
    assert sorted(open_ids(queue)) == sorted([thanks, waiting, other])
    assert answer_first not in open_ids(queue)


def test_no_answer_needed_closes_a_comment_without_answering_it(server):
    thanks = post(server, ARTICLE, "Danke!")
    waiting = post(server, ARTICLE, "Eine Frage")
    with pytest.raises(NoAnswerError, match="Grund 'egal' ist keiner von"):
        decide_no_answer(server.database, thanks, "egal", "", "anna", "cli")
    decide_no_answer(server.database, thanks, "thanks", "", "anna", "cli")
    with pytest.raises(NoAnswerError, match="ist schon erledigt"):
        decide_no_answer(server.database, thanks, "thanks", "", "anna", "cli")
    now = datetime.datetime.now(datetime.UTC)
    assert open_ids(owners.read_queue(server.conf, now)) == [waiting]
    # the build: a reader comment, neither answered nor open
    figures = reader.digest_database(server.database, now)
    assert figures.no_answer_needed == {ARTICLE: 1}
    assert list(figures.by_thread[ARTICLE]) == [digest.OPEN]
    # a snapshot keeps the decision
    whole = reader.read_database(server.database, now)
    assert digest.digest_of(whole).no_answer_needed == {ARTICLE: 1}
    with sqlite3.connect(server.database) as db, pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE blog_no_answer_needed SET reason = 'duplicate'")
    db.close()


def test_reminders_read_past_comments_reminded_about_as_overdue(server):
    from comments.staff import reminders

    reminded = post(server, ARTICLE, "Längst überfällig")
    waiting = post(server, ARTICLE, "Noch nicht erinnert")
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET created = created - 30 * 3600 WHERE id IN (?, ?)",
            (reminded, waiting),
        )
    db.close()
    now = datetime.datetime.now(datetime.UTC)
    queue = owners.read_queue(server.conf, now)
    [entry] = [entry for entry in queue.entries if entry.id == reminded]
    assert entry.stage == desk.OVERDUE
    reminders.record_reminders(server.database, [entry])
    for_reminders = owners.read_queue(server.conf, now, reminding=True)
    assert open_ids(for_reminders) == [waiting]
    assert sorted(open_ids(owners.read_queue(server.conf, now))) == sorted(
        [reminded, waiting]
    )
    # a new comment's mail reads that comment alone
    assert open_ids(owners.read_queue(server.conf, now, only=waiting)) == [waiting]
    assert open_ids(owners.read_queue(server.conf, now, only=999)) == []


def test_reminders_read_only_comments_old_enough_for_a_stage(server):
    """A comment younger than the first stage (half the target) can need no
    reminder: the reminders' read leaves it out, the desk's keeps it."""
    settings = desk.DeskSettings.from_conf(server.conf)
    half = settings.escalate_after_seconds
    young = post(server, ARTICLE, "Gerade geschrieben")
    almost = post(server, ARTICLE, "Fast so weit")
    past_half = post(server, ARTICLE, "Schon eine Weile her")
    with sqlite3.connect(server.database) as db:
        for comment_id, age in ((almost, half - 60), (past_half, half + 60)):
            db.execute(
                "UPDATE comments SET created = created - ? WHERE id = ?",
                (age, comment_id),
            )
    db.close()
    now = datetime.datetime.now(datetime.UTC)
    for_reminders = owners.read_queue(server.conf, now, reminding=True)
    assert open_ids(for_reminders) == [past_half]
    [entry] = for_reminders.entries
    assert entry.stage == desk.ESCALATED
    desk_ids = open_ids(owners.read_queue(server.conf, now))
    assert sorted(desk_ids) == sorted([young, almost, past_half])
