"""Helpers shared by the tests: tiny sites, comment server configs, an HTTP client."""

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent


def write_files(base, files):
    """Write ``{relative path: text}`` under ``base`` (text is dedented)."""
    for relative, text in files.items():
        path = Path(base) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def build_site(content_dir, output_dir, settings_file="pelicanconf.py", **overrides):
    """Build ``content_dir`` with the project's settings into ``output_dir``.

    Comment data comes from ``comments.db`` beside the output folder (absent
    unless a test makes it); snapshots and Pelican's cache (with the refresh
    state) go there too, never into the repo.
    """
    work_dir = Path(output_dir).parent
    settings = read_settings(
        str(ROOT / settings_file),
        override={
            "PATH": str(content_dir),
            "OUTPUT_PATH": str(output_dir),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "DELETE_OUTPUT_DIRECTORY": True,
            "CACHE_PATH": str(work_dir / "cache"),
            "COMMENTS_DATABASE": str(work_dir / "comments.db"),
            "COMMENTS_SNAPSHOT_DIR": str(work_dir / "snapshots"),
            **overrides,
        },
    )
    Pelican(settings).run()
    return Path(output_dir)


def local_settings(work_dir):
    """Write ``work_dir/local.py``: pelicanconf.py building the project's content
    into ``work_dir/output`` with its cache there, never into the checkout."""
    settings = Path(work_dir) / "local.py"
    settings.write_text(
        "from pelicanconf import *\n"
        # Relative paths in a settings file are read from its folder.
        f"PATH = {str(ROOT / 'content')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"OUTPUT_PATH = {str(Path(work_dir) / 'output')!r}\n"
        f"CACHE_PATH = {str(Path(work_dir) / 'cache')!r}\n",
        encoding="utf-8",
    )
    return settings


def run_alone(code):
    """Run ``code`` in a fresh single-threaded interpreter; return its output."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,  # a child that never ends fails the test, not the run
    )
    return result.stdout + result.stderr


FORKS_COUNTED = """
import atexit, os
_forks, _fork, _parent = [], os.fork, os.getpid()
def _counted_fork():
    _forks.append(os.getpid())
    return _fork()
os.fork = _counted_fork
atexit.register(lambda: os.getpid() == _parent and print("FORKS", len(_forks)))
"""


def run_alone_counting_forks(code):
    """Run ``code`` as ``run_alone`` does; return its output and how many
    children its process forked."""
    output = run_alone(FORKS_COUNTED + textwrap.dedent(code))
    [forks] = [line for line in output.splitlines() if line.startswith("FORKS ")]
    return output, int(forks.removeprefix("FORKS "))


def set_created(database, comment_id, seconds):
    """Move a comment's creation time (Unix seconds), keeping a staff record on it."""
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE blog_staff_comments SET comment_created = ? "
            "WHERE comment_id = ? AND comment_created = "
            "(SELECT created FROM comments WHERE id = ?)",
            (seconds, comment_id, comment_id),
        )
        connection.execute(
            "UPDATE comments SET created = ? WHERE id = ?", (seconds, comment_id)
        )
    connection.close()


def set_age(server, comment_id, hours):
    """Make a reader comment ``hours`` old, in the database as the server keeps it."""
    with sqlite3.connect(server.database) as db:
        db.execute(
            "UPDATE comments SET created = ? WHERE id = ?",
            (time.time() - hours * 3600, comment_id),
        )
    db.close()


# The [blog] calendar options that count every hour (clock hours).
CLOCK_HOURS = {
    "answer-target-days": "Mo-So",
    "answer-target-hours-of-day": "",
    "answer-target-holidays": "",
    "answer-target-timezone": "UTC",
}
# The calendar the shipped config promises: working days, German holidays.
PROMISED_HOURS = {
    "answer-target-days": "Mo Di Mi Do Fr",
    "answer-target-holidays": "DE",
    "answer-target-timezone": "Europe/Berlin",
}


def write_isso_config(directory, port=0, hosts=("http://localhost:8000",), **sections):
    """Write a comment server config into ``directory``; return its path.

    ``sections`` maps a section name to a dict of options that override the
    defaults here (the guard stays on unless a test turns it off).
    """
    options = {
        "general": {"dbpath": "comments.db", "host": "\n" + "\n".join(hosts)},
        "server": {"listen": f"http://127.0.0.1:{port}"},
        "guard": {"enabled": "true"},
        # Tests age comments against the real clock on any weekday: every hour
        # counts towards the target unless a test names the promised calendar.
        "blog": dict(CLOCK_HOURS),
    }
    for section, values in sections.items():
        options.setdefault(section, {}).update(values)
    lines = []
    for section, values in options.items():
        lines.append(f"[{section}]")
        lines.extend(
            f"{key} = {value.replace(chr(10), chr(10) + '    ')}"
            for key, value in values.items()
        )
    path = Path(directory) / "test.cfg"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Response:
    """Status, headers and parsed body of one HTTP exchange."""

    status: int
    headers: dict
    body: object


class CommentClient:
    """A minimal JSON client for the Isso HTTP API on a loopback server."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def request(self, method, path, payload=None, headers=None):
        """Send one request; return a Response whatever the status."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return Response(reply.status, dict(reply.headers), decode(reply.read()))
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), decode(error.read()))

    def form(self, path, fields, headers=None):
        """POST a form without following redirects; return a Response."""
        body = urllib.parse.urlencode(fields).encode("utf-8")
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                **(headers or {}),
            },
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as reply:
                return Response(reply.status, reply.headers, reply.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read().decode())

    def staff_login(self, account, password):
        """Log in as staff; return the Cookie header value for later requests."""
        reply = self.form("/staff/login", {"account": account, "password": password})
        cookie = reply.headers.get("Set-Cookie", "")
        return cookie.split(";", 1)[0] if reply.status == 303 else ""

    def login(self, password):
        """Submit the admin login form; return (status, Set-Cookie header or "")."""
        body = urllib.parse.urlencode({"password": password}).encode("ascii")
        request = urllib.request.Request(
            self.base_url + "/login/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as reply:
                return reply.status, reply.headers.get("Set-Cookie", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Set-Cookie", "")

    def post(
        self, uri, text, author="Leserin", title="Artikel", headers=None, **fields
    ):
        """Post a comment to thread ``uri``."""
        payload = {"text": text, "author": author, "title": title, **fields}
        return self.request("POST", f"/new?uri={uri}", payload, headers)

    def thread(self, uri, headers=None):
        """Return the thread listing of ``uri``."""
        return self.request("GET", f"/?uri={uri}", headers=headers)

    def counts(self, uris):
        """Return the published comment counts of ``uris``."""
        return self.request("POST", "/count", list(uris))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep redirects as they are, so their cookies can be read."""

    def redirect_request(self, *args, **kwargs):
        return None


def decode(raw):
    """Parse a JSON body; keep anything else as text."""
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def isso_database_with(path, count, uri="/2026/viele-kommentare/"):
    """Create an Isso database (Isso's own tables, rollback journal, as a restored
    backup is) holding ``count`` published comments of ~300 bytes on ``uri``."""
    from isso import config as isso_config
    from isso.db import SQLite3

    SQLite3(str(path), isso_config.load(isso_config.default_file()))
    text = "Eine ausführliche Frage zum Artikel, mit Beispielen und Gründen. " * 5
    with sqlite3.connect(path) as db:
        thread = db.execute(
            "INSERT INTO threads (uri, title) VALUES (?, 'Viele')", (uri,)
        ).lastrowid
        db.executemany(
            "INSERT INTO comments (tid, parent, created, mode, remote_addr, text, "
            "author, email, voters, likes, dislikes) VALUES (?, NULL, ?, 1, "
            "'192.0.2.0', ?, 'Leserin', 'leserin@example.com', x'00', 0, 0)",
            [(thread, 1_767_225_600 + number, text) for number in range(count)],
        )
    db.close()
    return Path(path)


def damage_middle(path, size=64 * 1024):
    """Overwrite ``size`` bytes in the middle of ``path`` with noise, as a failing
    disk or a stray write would; the header stays, so SQLite still opens it."""
    path = Path(path)
    middle = path.stat().st_size // 2 - size // 2
    with path.open("r+b") as file:
        file.seek(middle)
        file.write(bytes(range(256)) * (size // 256))
    return path
