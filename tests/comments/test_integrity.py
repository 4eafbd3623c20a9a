"""A damaged comment database is refused before anything writes to it."""

import sqlite3
from contextlib import closing

import pytest

from comments.config import load_config
from comments.core import SetupError
from comments.server.app import create_app
from comments.store.integrity import damage
from comments.store.schema import ensure_schema
from tests.support import damage_middle, isso_database_with, write_isso_config


def test_a_sound_database_has_no_damage(tmp_path):
    assert damage(isso_database_with(tmp_path / "comments.db", 2000)) is None


def restored_backup(path, count):
    """A database as a restored backup leaves it: the project's tables, one file."""
    database = isso_database_with(path, count)
    ensure_schema(database)
    with closing(sqlite3.connect(database)) as db:
        db.execute("PRAGMA journal_mode = DELETE").fetchone()
    return database


def test_the_server_refuses_a_database_damaged_in_the_middle(tmp_path):
    database = restored_backup(tmp_path / "comments.db", 2000)
    damage_middle(database)
    damaged = database.read_bytes()
    conf, _ = load_config(write_isso_config(tmp_path), environ={})
    with pytest.raises(SetupError) as refused:
        create_app(conf, environ={})
    message = str(refused.value)
    assert message.startswith(f"{database}: unreadable comment database (quick_check: ")
    assert message.endswith(
        "); restore it with `invoke comments.restore` from a backup"
    )
    assert "\n" not in message
    # Nothing wrote into it: same bytes, no write-ahead log beside it.
    assert database.read_bytes() == damaged
    assert [path.name for path in tmp_path.glob("comments.db*")] == ["comments.db"]


def test_gunicorn_stops_with_one_line_on_a_damaged_database(tmp_path):
    pytest.importorskip("gunicorn")
    import os
    import subprocess
    import sys

    from tests.support import ROOT

    database = damage_middle(restored_backup(tmp_path / "comments.db", 2000))
    config = write_isso_config(tmp_path)
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "--workers", "1"]
        + ["comments.server.wsgi:application"],
        cwd=ROOT,
        env={**os.environ, "ISSO_SETTINGS": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0  # stopped by itself, workers not restarted
    ours = [line for line in started.stderr.splitlines() if "comment server" in line]
    assert ours and ours[0].startswith(
        f"comment server: {database}: unreadable comment database (quick_check: "
    )
    assert "Traceback" not in started.stderr
