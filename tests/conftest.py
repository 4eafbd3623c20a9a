"""Fixtures: real comment servers on loopback ports, real SQLite files in temp dirs."""

import os
import shutil
import tempfile

import pytest

from comments.config import load_config
from comments.server.app import create_app
from comments.server.serve import running_in_thread
from comments.staff.accounts import add_account
from tests.support import ROOT, CommentClient, write_isso_config

# What an author's `invoke serve` and `invoke build` write into the checkout:
# the site, Pelican's cache, the comment database with its snapshots, backups,
# secrets and owners file. Tests build and keep data in temporary folders only.
AUTHORS_WORK = ("output", ".cache", "comments")


def files_under(folders):
    """Return {relative path: (size, mtime)} of every file below ``folders``."""
    state = {}
    for folder in folders:
        for directory, subfolders, names in os.walk(ROOT / folder):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            for name in names:
                path = os.path.join(directory, name)
                info = os.lstat(path)
                state[os.path.relpath(path, ROOT)] = (info.st_size, info.st_mtime_ns)
    return state


CACHE_DIR = pytest.StashKey[tuple]()


def pytest_configure(config):
    """Give the run its own Pelican and template cache (pelicanconf.py reads
    BLOG_CACHE_DIR), inherited by the commands the tests start."""
    config.stash[CACHE_DIR] = (
        os.environ.get("BLOG_CACHE_DIR"),
        tempfile.mkdtemp(prefix="blog-test-cache-"),
    )
    os.environ["BLOG_CACHE_DIR"] = config.stash[CACHE_DIR][1]


def pytest_unconfigure(config):
    """Remove the run's cache and restore BLOG_CACHE_DIR."""
    previous, cache = config.stash[CACHE_DIR]
    shutil.rmtree(cache, ignore_errors=True)
    if previous is None:
        os.environ.pop("BLOG_CACHE_DIR", None)
    else:
        os.environ["BLOG_CACHE_DIR"] = previous


@pytest.fixture(scope="session", autouse=True)
def authors_work_stays_untouched():
    """Fail the run if a test wrote into output/, .cache/ or comments/."""
    before = files_under(AUTHORS_WORK)
    yield
    after = files_under(AUTHORS_WORK)
    changed = sorted(
        path
        for path in before.keys() | after.keys()
        if before.get(path) != after.get(path)
    )
    if changed:
        more = f" (and {len(changed) - 5} more)" if len(changed) > 5 else ""
        pytest.fail(
            "tests changed the author's files: "
            f"{', '.join(changed[:5])}{more}; build into tmp_path instead",
            pytrace=False,
        )


@pytest.fixture
def comment_server_factory(tmp_path):
    """Start real comment servers; each gets its own database in a temp dir."""
    started = []

    def start(name="server", environ=None, staff=None, **sections):
        directory = tmp_path / name
        directory.mkdir()
        config_file = write_isso_config(directory, **sections)
        # staff: {account: (display name, password[, email])}
        for account, (display_name, password, *email) in (staff or {}).items():
            add_account(
                directory / "staff.cfg", account, display_name, password, *email
            )
        conf, _ = load_config(config_file, environ={})
        context = running_in_thread(create_app(conf, environ=environ or {}))
        url = context.__enter__()
        started.append(context)
        return CommentServerHandle(url, conf, CommentClient(url))

    yield start
    for context in reversed(started):
        context.__exit__(None, None, None)


class CommentServerHandle:
    """A running comment server: its URL, config and a client."""

    def __init__(self, url, conf, client):
        self.url = url
        self.conf = conf
        self.client = client

    @property
    def database(self):
        """Path of the server's SQLite database."""
        return self.conf.get("general", "dbpath")

    @property
    def config_file(self):
        """Path of the server's config file."""
        return self.conf.get("blog", "config-file")


@pytest.fixture
def comment_server(comment_server_factory):
    """A comment server with the guard relaxed enough for several posts."""
    return comment_server_factory(
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"}
    )
