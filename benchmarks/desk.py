"""Time the answer desk, the mail flush and the reminders on a large synthetic database.

Usage: PYTHONPATH=. python benchmarks/desk.py [READER_COMMENTS] [WAITING_SHARE]

Fills ``READER_COMMENTS`` reader comments (default 100,000) over 500 threads,
a third of them replies, and answers all but ``WAITING_SHARE`` (default 1/3)
as staff. Then, logged in as staff over real HTTP requests in-process:
``GET /desk`` (first page, HTML), ``/desk?owner=mine``, the last page, a
status and an article filter, ``/desk.json``; and the reads behind
``comments.remind``: the flush's look-up of one new comment (that comment
alone), and the
reminders' selection once every due comment has been reminded (the hourly
steady state). Prints the median of five runs each, and the page's size.
The desk reuses the open rows while the database is unchanged
(``comments.store.open_queue.OpenRowsCache``); "after a change" times a
request that follows a new comment.
"""

import datetime
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import Client

from benchmarks.synthetic import write_comment_config
from comments.config import load_config
from comments.server.app import build_server, create_app
from comments.staff import owners, reminders
from comments.staff.accounts import add_account
from comments.store.schema import ensure_schema

PASSWORD = "ein-langes-passwort"
THREADS = 500
RUNS = 5


def fill(config, count, waiting_share, seed=3):
    """Insert ``count`` reader comments, all but ``waiting_share`` answered."""
    conf, _ = load_config(
        config, environ={"ISSO_ADMIN_PASSWORD": "x", "ISSO_HASH_SALT": "y"}
    )
    build_server(conf)
    db_path = conf.get("general", "dbpath")
    ensure_schema(db_path)
    rng = random.Random(seed)
    now = time.time()
    rows, staff, tops = [], [], {}
    comment_id = 0
    with sqlite3.connect(db_path) as db:
        tids = [
            db.execute(
                "INSERT INTO threads (uri, title) VALUES (?, ?)",
                (f"/2026/artikel-{n}/", f"Artikel {n}"),
            ).lastrowid
            for n in range(THREADS)
        ]
        for _ in range(count):
            tid = rng.choice(tids)
            comment_id += 1
            created = now - rng.uniform(600, 365 * 86400)
            parent = None
            if tops.get(tid) and rng.random() < 1 / 3:
                parent = rng.choice(tops[tid])
            else:
                tops.setdefault(tid, []).append(comment_id)
            mode = 2 if rng.random() < 0.02 else 1
            rows.append((tid, comment_id, parent, created, mode, "Leserin"))
            if mode == 1 and rng.random() >= waiting_share:
                comment_id += 1
                answered = created + rng.uniform(600, 30 * 3600)
                rows.append(
                    (tid, comment_id, parent or comment_id - 1, answered, 1, "A")
                )
                staff.append((comment_id, answered))
        db.executemany(
            "INSERT INTO comments (tid, id, parent, created, mode, author, text, "
            "remote_addr, email, voters, likes, dislikes) VALUES (?, ?, ?, ?, ?, ?, "
            "'Eine **Frage** mit Text, wie Leser sie schreiben.', '127.0.0.0', "
            "'leser@example.com', x'00', 0, 0)",
            rows,
        )
        db.executemany(
            "INSERT INTO blog_staff_comments VALUES (?, ?, 'anna', 'Anna Schmidt', "
            "'session', ?)",
            [(number, created, created) for number, created in staff],
        )
    db.close()
    return conf


def median_ms(call):
    """Run ``call`` RUNS times; return (median milliseconds, last result)."""
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, result


def main():
    """Fill a database, log in as staff, time the desk and the mail reads."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    waiting_share = float(sys.argv[2]) if len(sys.argv) > 2 else 1 / 3
    directory = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    config = write_comment_config(directory)
    conf = fill(config, count, waiting_share)
    add_account(directory / "staff.cfg", "anna", "Anna Schmidt", PASSWORD)
    conf, _ = load_config(
        config, environ={"ISSO_ADMIN_PASSWORD": "x", "ISSO_HASH_SALT": "y"}
    )
    client = Client(create_app(conf, environ={}))
    login = client.post("/staff/login", data={"account": "anna", "password": PASSWORD})
    assert login.status_code == 303, login.status
    first = client.get("/desk.json").json
    pages, matching = first["pages"], first["matching"]
    article = "/2026/artikel-7/"
    print(
        f"{count} reader comments, {matching} waiting ({pages} pages of 50); "
        f"load average {os.getloadavg()[0]:.1f}:"
    )
    for label, path in (
        ("GET /desk", "/desk"),
        ("GET /desk?owner=mine", "/desk?owner=mine"),
        (f"GET /desk?page={pages}", f"/desk?page={pages}"),
        ("GET /desk?status=overdue", "/desk?status=overdue"),
        ("GET /desk?article=…", f"/desk?article={article}"),
        ("GET /desk.json", "/desk.json"),
    ):
        ms, reply = median_ms(lambda path=path: client.get(path))
        assert reply.status_code == 200, reply.status
        print(f"  {label:<28} {ms:6.0f} ms  {len(reply.data) / 1024:6.0f} KiB")
    db_path = conf.get("general", "dbpath")

    def after_a_new_comment():
        """A reader comment arrives (another connection): the desk reads anew."""
        with sqlite3.connect(db_path) as db:
            db.execute(
                "INSERT INTO comments (tid, parent, created, mode, author, text, "
                "remote_addr, email, voters, likes, dislikes) VALUES "
                "(1, NULL, ?, 1, 'Neu', 'Neu', '', '', x'00', 0, 0)",
                (time.time(),),
            )
        db.close()
        started = time.perf_counter()
        reply = client.get("/desk")
        return time.perf_counter() - started, reply

    seconds = [after_a_new_comment()[0] for _ in range(RUNS)]
    print(
        f"  {'GET /desk after a change':<28} "
        f"{statistics.median(seconds) * 1000:6.0f} ms  (the query runs again)"
    )
    roster = owners.roster_for(conf)
    now = datetime.datetime.now(datetime.UTC)
    newest = first["comments"][0]["id"]

    def flush_lookup():
        return owners.read_queue(conf, now, roster, only=newest)

    ms, _ = median_ms(flush_lookup)
    print(f"  {'mail flush: one comment':<28} {ms:6.0f} ms")
    due = owners.read_queue(
        conf,
        now,
        roster,
        lambda queue: [
            i for i in range(len(queue.rows)) if queue.cutoffs.stage(i) is not None
        ],
    )
    reminders.record_reminders(conf.get("general", "dbpath"), due.entries)
    conf.set("smtp", "host", "127.0.0.1")
    conf.set("smtp", "to", "redaktion@example.org")
    conf.set("smtp", "from", "blog@example.org")
    ms, result = median_ms(lambda: reminders.send_reminders(conf, {}, now=now))
    assert not result.reminded and not result.error
    print(f"  {'reminders (steady state)':<28} {ms:6.0f} ms")


if __name__ == "__main__":
    main()
