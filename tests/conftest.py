"""Fixtures: real comment servers on loopback ports, real SQLite files in temp dirs."""

import pytest

from comments.config import load_config
from comments.server.app import create_app
from comments.server.serve import running_in_thread
from comments.staff.accounts import add_account
from tests.support import CommentClient, write_isso_config


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
