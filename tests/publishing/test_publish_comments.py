"""`invoke publish --comments`: only what changed comments change goes live,
through the same templates, leak-checked, as a new release."""

import os

import pytest
from invoke import Exit

from comments.server.app import build_server
from comments.staff.removal import remove_comment
from publishing.publish import publish_comments, publish_site
from tests.publishing.test_publish import (
    PUBLISHCONF,
    live_page,
    site_settings,
    write_article,
)

PAGE = "2026/hallo/index.html"


@pytest.fixture
def published(tmp_path, comment_server_factory, monkeypatch):
    """A site published once, its comment server running."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    server = comment_server_factory(guard={"enabled": "false"})
    settings = site_settings(
        tmp_path,
        COMMENTS_DATABASE=server.database,
        CACHE_PATH=str(tmp_path / "cache"),
    )
    write_article(tmp_path, "Text.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    return server, settings


def release_of(tmp_path):
    return tmp_path / "site" / os.readlink(tmp_path / "site" / "current")


def test_a_comment_goes_live_alone_and_equals_a_full_publish(
    tmp_path, published, capsys
):
    server, settings = published
    first = release_of(tmp_path)
    text = "Eine Frage, die nach der Veröffentlichung kam."
    comment = server.client.post("/2026/hallo/", text, author="Ida").body["id"]

    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    second = release_of(tmp_path)
    assert second != first
    assert text in live_page(tmp_path)
    assert text not in (first / PAGE).read_text(encoding="utf-8")
    # Files the comment does not touch are the live release's, hard-linked.
    for unchanged in ("robots.txt", "index.html"):
        assert (first / unchanged).stat().st_ino == (second / unchanged).stat().st_ino
    assert (first / PAGE).stat().st_ino != (second / PAGE).stat().st_ino
    printed = capsys.readouterr().out
    assert "1 commented page(s) rendered" in printed

    # The same pages a full publish makes: it finds nothing to change.
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Nothing changed" in capsys.readouterr().out

    remove_comment(build_server(server.conf), comment, "spam")
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert text not in live_page(tmp_path)
    assert f"isso-{comment}" not in live_page(tmp_path)  # no replies: no marker


def test_without_a_full_publish_first_it_says_what_to_do(tmp_path):
    write_article(tmp_path, "Text.")
    settings = site_settings(tmp_path, CACHE_PATH=str(tmp_path / "cache"))
    with pytest.raises(Exit, match="run `invoke (publish|build)`"):
        publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
