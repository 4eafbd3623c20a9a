"""A bounded load on the comment server over loopback: latency, rate, nothing lost.

Starts the real server in its own process on a free loopback port (gunicorn,
as in production, when installed; else the werkzeug server `invoke comments`
uses), then runs a fixed number of client threads for a fixed time: 80 %
thread reads, 20 % new comments, each with a text of its own. Afterwards every
acknowledged comment (201) must be in the database, and every answer must name
the comment its client sent (a misattributed answer would hand one reader the
edit cookie of another's comment).
"""

import http.client
import importlib.util
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(config_file, port):
    """Start the comment server process; return it once it answers."""
    env = {
        **os.environ,
        "ISSO_SETTINGS": str(config_file),
        "ISSO_ADMIN_PASSWORD": "bench-password",
        "ISSO_HASH_SALT": "bench-salt",
    }
    if importlib.util.find_spec("gunicorn"):
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--threads", "8", "--log-level", "warning",
            "comments.server.wsgi:application",
        ]  # fmt: skip
        kind = "gunicorn, 2 workers × 8 threads"
    else:
        command = [sys.executable, "-m", "invoke", "comments"]
        kind = "werkzeug (invoke comments)"
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, kind
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the comment server did not start")


def percentile(values, percent):
    """Nearest-rank percentile of a list of numbers (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * percent // 100) - 1)]


def client(port, uris, deadline, seed, results):
    """One client: read or write until the deadline, recording latencies."""
    rng = random.Random(seed)
    reads, writes, acknowledged, errors = [], [], [], 0
    misattributed = 0
    while time.monotonic() < deadline:
        uri = rng.choice(uris)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        started = time.perf_counter()
        try:
            if rng.random() < 0.8:
                connection.request("GET", f"/?uri={uri}")
                response = connection.getresponse()
                response.read()
                reads.append(time.perf_counter() - started)
                errors += response.status not in (200, 404)
            else:
                text = f"Lasttest-Kommentar {seed}-{len(writes)}."
                body = json.dumps({"text": text, "title": "T"})
                connection.request(
                    "POST",
                    f"/new?uri={uri}",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                response = connection.getresponse()
                payload = response.read()
                writes.append(time.perf_counter() - started)
                if response.status == 201:
                    answer = json.loads(payload)
                    acknowledged.append((answer["id"], text))
                    misattributed += text not in answer["text"]
                else:
                    errors += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
    results.append((reads, writes, acknowledged, errors, misattributed))


def run_load(work, seconds=20, clients=20):
    """Load the server for ``seconds`` with ``clients`` threads; return figures."""
    from benchmarks.synthetic import write_comment_config

    config = write_comment_config(work)
    port = free_port()
    config.write_text(
        config.read_text().replace("127.0.0.1:0", f"127.0.0.1:{port}"), encoding="utf-8"
    )
    db_path = work / "comments.db"
    with sqlite3.connect(db_path) as db:
        uris = [row[0] for row in db.execute("SELECT uri FROM threads LIMIT 200")]
    db.close()
    uris = uris or ["/2026/beitrag-00000/"]
    process, kind = start_server(config, port)
    results = []
    try:
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=client, args=(port, uris, deadline, n, results))
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait(timeout=10)
    reads = [r for result in results for r in result[0]]
    writes = [w for result in results for w in result[1]]
    acknowledged = [a for result in results for a in result[2]]
    with sqlite3.connect(db_path) as db:
        rows = dict(db.execute("SELECT id, text FROM comments"))
    stored = sum(cid in rows for cid, _ in acknowledged)
    # An answer naming another comment, or a row holding another text.
    misattributed = sum(result[4] for result in results) + sum(
        cid in rows and rows[cid] != text for cid, text in acknowledged
    )
    db.close()
    return {
        "server": kind,
        "clients": clients,
        "seconds": seconds,
        "requests_per_second": (len(reads) + len(writes)) / seconds,
        "read_p50_ms": percentile(reads, 50) * 1000,
        "read_p99_ms": percentile(reads, 99) * 1000,
        "write_p99_ms": percentile(writes, 99) * 1000,
        "acknowledged": len(acknowledged),
        "stored": stored,
        "misattributed": misattributed,
        "errors": sum(result[3] for result in results),
    }
