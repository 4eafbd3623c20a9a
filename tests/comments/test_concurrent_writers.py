"""Two processes writing one comment database: every answer names its own comment.

Gunicorn with two workers serves readers posting as fast as they can while a
third process answers as staff through the same code path as
``invoke comments.reply``. Each posted text carries a nonce; the 201 answer,
the database row with the answered id and the staff records must all agree.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

from benchmarks.load import free_port, start_server
from comments.staff.accounts import add_account
from tests.support import ROOT, write_isso_config

pytest.importorskip("gunicorn", reason="the production server is the second writer")

SECONDS = 20
READERS = 8
ARTICLE = "/2026/gleichzeitig/"

STAFF_WRITER = """
import sys, time
from comments.config import load_config
from comments.server.app import build_server
from comments.staff.replies import post_staff_reply
from comments.staff.accounts import StaffDirectory, staff_file
from comments.config import config_file_of, database_path

conf, _ = load_config(sys.argv[1], environ={})
conf.set("guard", "enabled", "false")
server = build_server(conf, environ={})
directory = StaffDirectory(staff_file(config_file_of(conf), {}), database_path(conf))
member = directory.member("jonas")
deadline = time.monotonic() + float(sys.argv[3])
n = 0
while time.monotonic() < deadline:
    text = f"Staff-Antwort {n} {sys.argv[4]}"
    new_id = post_staff_reply(server, int(sys.argv[2]), text, member)
    print(new_id, text, flush=True)
    n += 1
"""


def post(port, text, results):
    """Post one reader comment; record (sent text, status, answered id, text)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/new?uri={ARTICLE}",
        data=json.dumps({"text": text, "title": "Gleichzeitig"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
        results.append((text, response.status, answer["id"], answer["text"]))


def reader(port, deadline, results):
    """Post uniquely marked comments until the deadline."""
    while time.monotonic() < deadline:
        post(port, f"Leserkommentar {uuid.uuid4().hex}", results)


def test_every_acknowledgement_names_the_comment_its_client_sent(tmp_path):
    config = write_isso_config(
        tmp_path,
        port=(port := free_port()),
        guard={"enabled": "false"},
        general={"dbpath": str(tmp_path / "comments.db")},
    )
    add_account(tmp_path / "staff.cfg", "jonas", "Jonas Weber", "geheim-und-lang")
    server, _ = start_server(config, port)
    try:
        first = []
        post(port, "Die erste Frage", first)
        question = first[0][2]
        deadline = time.monotonic() + SECONDS
        staff = subprocess.Popen(
            [sys.executable, "-c", STAFF_WRITER, str(config), str(question)]
            + [str(SECONDS), "(Jonas)"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        results = []
        readers = [
            threading.Thread(target=reader, args=(port, deadline, results))
            for _ in range(READERS)
        ]
        for thread in readers:
            thread.start()
        for thread in readers:
            thread.join()
        staff_out, staff_err = staff.communicate(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert staff.returncode == 0, staff_err
    staff_replies = dict(line.split(" ", 1) for line in staff_out.splitlines())
    assert len(staff_replies) > 20 and len(results) > 200

    with sqlite3.connect(tmp_path / "comments.db") as db:
        stored = dict(db.execute("SELECT id, text FROM comments"))
        staff_records = {
            row[0] for row in db.execute("SELECT comment_id FROM blog_staff_comments")
        }
    db.close()
    misattributed = [
        (sent, answered_id)
        for sent, status, answered_id, answered_text in results
        if status != 201 or sent not in answered_text or stored[answered_id] != sent
    ]
    assert misattributed == [], f"{len(misattributed)} of {len(results)}"
    assert {int(key): text for key, text in staff_replies.items()} == {
        key: stored[key] for key in map(int, staff_replies)
    }
    assert staff_records == set(map(int, staff_replies))
