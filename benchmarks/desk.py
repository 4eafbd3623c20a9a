"""Time one staff request for the desk (``GET /desk.json``) on a synthetic database.

Usage: PYTHONPATH=. python benchmarks/desk.py [COMMENTS] [KEEP_EVERY] [before]

``KEEP_EVERY`` answers every waiting thread as staff but every Nth, for a desk
as a site that keeps its promise has it (synthetic.py leaves a fifth open);
``before`` reads every comment per request, as the desk did before it read
only the threads that may hold an open comment.
"""

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import Client

from benchmarks.synthetic import fill_comments, write_comment_config
from comments.build import reader
from comments.config import load_config
from comments.server.app import create_app
from comments.staff.accounts import add_account

PASSWORD = "ein-langes-passwort"


def answer_most(db_path, keep_every):
    """Answer every waiting thread as staff, but every ``keep_every``-th."""
    with sqlite3.connect(db_path) as db:
        roots = db.execute(
            f"{reader.WAITING_THREADS} SELECT tid, root FROM waiting"
        ).fetchall()
        next_id = db.execute("SELECT MAX(id) FROM comments").fetchone()[0]
        answers = []
        for number, (tid, root) in enumerate(roots):
            if number % keep_every:
                next_id += 1
                answers.append((tid, next_id, root, time.time() - 60))
        db.executemany(
            "INSERT INTO comments (tid, id, parent, created, mode, author, text, "
            "remote_addr, email, voters, likes, dislikes) VALUES "
            "(?, ?, ?, ?, 1, 'Anna', 'Antwort', '127.0.0.0', '', x'00', 0, 0)",
            answers,
        )
        db.executemany(
            "INSERT INTO blog_staff_comments VALUES "
            "(?, ?, 'anna', 'Anna Schmidt', 'session', ?)",
            [(number, created, created) for _, number, _, created in answers],
        )
    db.close()


def main():
    """Fill a database, log in as staff, time five desk requests."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    keep_every = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if len(sys.argv) > 3 and sys.argv[3] == "before":
        every_comment = reader.Reading.comments
        reader.Reading.comments = lambda self, waiting_only=False: every_comment(self)
    directory = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    config = write_comment_config(directory)
    threads = [f"/2026/artikel-{number}/" for number in range(500)]
    db_path = fill_comments(config, threads, count)
    if keep_every:
        answer_most(db_path, keep_every)
    add_account(directory / "staff.cfg", "anna", "Anna Schmidt", PASSWORD)
    conf, _ = load_config(
        config, environ={"ISSO_ADMIN_PASSWORD": "x", "ISSO_HASH_SALT": "y"}
    )
    client = Client(create_app(conf, environ={}))
    login = client.post("/staff/login", data={"account": "anna", "password": PASSWORD})
    assert login.status_code == 200, login.status
    seconds = []
    for _ in range(5):
        started = time.perf_counter()
        reply = client.get("/desk.json")
        seconds.append(time.perf_counter() - started)
        assert reply.status_code == 200, reply.status
    print(
        f"{count} comments, {len(reply.json['comments'])} open: GET /desk.json "
        f"median {statistics.median(seconds) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
