"""`invoke publish --comments`: only what changed comments change goes live,
through the same templates, leak-checked, as a new release."""

import json
import os
import signal
import subprocess
from types import SimpleNamespace

import pytest
from invoke import Exit

from comments.build.removed import RemovedText
from comments.server.app import build_server
from comments.staff.removal import remove_comment
from publishing.publish import publish_comments, publish_site, rollback_site
from tests.publishing.test_publish import (
    PUBLISHCONF,
    live_page,
    site_settings,
    write_article,
)
from tests.support import run_alone, run_alone_counting_forks

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
    with pytest.raises(Exit, match="run `invoke publish` first"):
        publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)


def test_a_damaged_refresh_state_asks_for_a_full_publish(tmp_path, published):
    server, settings = published
    state = tmp_path / "cache" / "comment-refresh-state.json"  # the publish's
    state.write_text("{kaputt", encoding="utf-8")
    server.client.post("/2026/hallo/", "Eine Frage.", author="Ida")
    with pytest.raises(Exit, match="run `invoke publish` again"):
        publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)


def releases_of(tmp_path):
    return sorted(path.name for path in (tmp_path / "site" / "releases").iterdir())


def test_nothing_changed_exits_at_once_without_a_release(tmp_path, published, capsys):
    server, settings = published
    text = "Eine Frage, bevor der Timer läuft."
    server.client.post("/2026/hallo/", text, author="Ida")
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Published comments" in capsys.readouterr().out
    before = releases_of(tmp_path)

    # The timer's next minute: no comment changed, nothing read or made.
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    printed = capsys.readouterr().out
    assert printed.startswith("Nothing changed since the last publish")
    assert os.readlink(tmp_path / "site" / "current").endswith(before[-1])
    assert releases_of(tmp_path) == before
    assert text in live_page(tmp_path)

    # A comment changes the database: the next run publishes it.
    later = "Und noch eine Frage danach."
    server.client.post("/2026/hallo/", later, author="Ida")
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Published comments" in capsys.readouterr().out
    assert later in live_page(tmp_path)


def test_an_old_fingerprint_publishes_in_full(tmp_path, published, capsys):
    server, settings = published
    server.client.post("/2026/hallo/", "Eine Frage.", author="Ida")
    settings = {**settings, "PUBLISH_COMMENTS_MAX_AGE": 0}
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    capsys.readouterr()
    # The transparency page's "as of" moves on even without a new comment.
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Nothing changed since the last publish" not in capsys.readouterr().out


def test_a_removal_after_a_quiet_minute_leaves_the_live_page(
    tmp_path, published, capsys
):
    server, settings = published
    text = "Ein Kommentar, der gleich entfernt wird."
    comment = server.client.post("/2026/hallo/", text, author="Ida").body["id"]
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)  # quiet
    assert text in live_page(tmp_path)
    capsys.readouterr()

    remove_comment(build_server(server.conf), comment, "spam")
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "Published comments" in capsys.readouterr().out
    assert text not in live_page(tmp_path)
    assert "Hallo" in live_page(tmp_path)  # the page itself stays live


def test_a_changed_page_showing_a_removed_text_is_refused(
    tmp_path, published, monkeypatch
):
    server, settings = published
    text = "Dieser Satz gilt dem Leck-Test als entfernt."
    server.client.post("/2026/hallo/", text, author="Ida")
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    live = os.readlink(tmp_path / "site" / "current")

    # As if the comment had been removed and an old snapshot still showed it.
    removal = SimpleNamespace(comment_id=1, reason="spam")
    monkeypatch.setattr(
        "publishing.publish.removed_comments",
        lambda settings: [RemovedText(removal, text, {})],
    )
    server.client.post("/2026/hallo/", "Eine zweite Frage.", author="Ida")
    with pytest.raises(Exit, match="leak check, nothing deployed: .*comment 1"):
        publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert os.readlink(tmp_path / "site" / "current") == live


FAILING_ALONE = """
    import json
    from publishing.publish import publish_comments
    try:
        publish_comments({conf!r}, allow_placeholder=True, **json.loads({settings!r}))
    except ZeroDivisionError:
        print("RESULT ZeroDivisionError")
"""


def test_a_failing_transparency_page_publishes_nothing_and_is_redone(
    tmp_path, published
):
    """The transparency page is written by a child beside the threads' pages
    (plugins/comment_refresh/beside.py; in a process of its own, as the timer
    runs it): its failure stops the publish as one in this process would,
    and the comment is published by the next run."""
    server, settings = published
    live = os.readlink(tmp_path / "site" / "current")
    broken = tmp_path / "broken-theme"
    broken.mkdir()
    (broken / "answered.html").write_text("{{ 1 / 0 }}", encoding="utf-8")
    text = "Eine Frage, während die Transparenzseite kaputt ist."
    server.client.post("/2026/hallo/", text, author="Ida")
    failing = {**settings, "THEME_TEMPLATES_OVERRIDES": [str(broken)]}
    output, forks = run_alone_counting_forks(
        FAILING_ALONE.format(conf=PUBLISHCONF, settings=json.dumps(failing))
    )
    assert "RESULT ZeroDivisionError" in output
    # the removed texts' child, the page's (its JSON's is the page child's)
    assert forks == (2 if len(os.sched_getaffinity(0)) > 1 else 0)
    assert os.readlink(tmp_path / "site" / "current") == live
    assert text not in live_page(tmp_path)

    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert text in live_page(tmp_path)


LEAKING_ALONE = """
    import json
    from types import SimpleNamespace
    from invoke import Exit
    import publishing.publish as publish
    from comments.build.removed import RemovedText
    removal = SimpleNamespace(comment_id=1, reason="spam")
    publish.removed_comments = lambda settings: [RemovedText(removal, {text!r}, {{}})]
    try:
        publish.publish_comments(
            {conf!r}, allow_placeholder=True, **json.loads({settings!r})
        )
    except Exit as refused:
        print("RESULT", refused.message)
"""


def test_removed_texts_found_beside_the_refresh_still_refuse_a_leak(
    tmp_path, published
):
    """In a process of its own (as the timer runs it) the removed comments'
    texts are found by a child beside the refresh: the leak check gets them."""
    server, settings = published
    text = "Dieser Satz gilt dem Leck-Test als entfernt."
    server.client.post("/2026/hallo/", text, author="Ida")
    live = os.readlink(tmp_path / "site" / "current")
    output = run_alone(
        LEAKING_ALONE.format(conf=PUBLISHCONF, settings=json.dumps(settings), text=text)
    )
    assert "RESULT publish --comments: leak check, nothing deployed" in output
    assert "comment 1" in output
    assert os.readlink(tmp_path / "site" / "current") == live


KILLED = """
    import json, os, signal, sys
    sys.path.insert(0, "plugins")
    from comment_refresh import refresh
    from publishing.deploy import LocalReleases
    from publishing.publish import publish_comments

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if {where!r} == "refreshing":  # the removed texts' child works beside it
        refresh.write_state = killed
    elif {where!r} == "before live":  # the pages and the state are made
        LocalReleases.deploy_overlay = killed
    else:  # the pages are live, their search index is not
        import publishing.publish
        publishing.publish.index_release = killed
    publish_comments({conf!r}, allow_placeholder=True, **json.loads({settings!r}))
"""


@pytest.mark.parametrize("where", ["refreshing", "before live", "indexing"])
def test_a_publish_killed_midway_is_finished_by_the_next(
    tmp_path, published, where, capsys
):
    """kill -9 while the refresh writes (its removed texts' child beside
    it), or once it is done and the release not yet live: the refresh state
    still says what the live release shows, so the next run renders the
    changed thread again and publishes it. Killed once the pages are live
    but not yet their search index: the next run makes the index."""
    server, settings = published
    text = "Eine Frage, deren erste Veröffentlichung abbrach."
    server.client.post("/2026/hallo/", text, author="Ida")
    code = KILLED.format(where=where, conf=PUBLISHCONF, settings=json.dumps(settings))
    with pytest.raises(subprocess.CalledProcessError) as killed:
        run_alone(code)
    assert killed.value.returncode == -signal.SIGKILL
    assert (text in live_page(tmp_path)) == (where == "indexing")

    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert text in live_page(tmp_path)
    assert "Search index updated" in capsys.readouterr().out
    assert not (tmp_path / "cache" / "search-index-owed").exists()


@pytest.mark.parametrize("how", ["dry run", "refused"])
def test_a_full_publish_that_deployed_nothing_leaves_comment_publishing_going(
    tmp_path, published, how, monkeypatch
):
    """A dry run or a refused full publish builds new refresh files into the
    publish cache; they go back to the live release's, so the next
    comment-only publish neither refuses ("run `invoke publish` again") nor
    ships the article text that was never published."""
    server, settings = published
    write_article(tmp_path, "Eine Fassung, die nie veröffentlicht wurde.")
    if how == "dry run":
        publish_site(PUBLISHCONF, dry_run=True, allow_placeholder=True, **settings)
    else:
        removal = SimpleNamespace(comment_id=99, reason="spam")
        monkeypatch.setattr(
            "publishing.publish.removed_comments",
            lambda settings: [RemovedText(removal, "nie veröffentlicht wurde", {})],
        )
        with pytest.raises(Exit, match="leak check"):
            publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
        monkeypatch.undo()
    text = "Eine Frage nach dem Probelauf."
    server.client.post("/2026/hallo/", text, author="Ida")

    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    page = live_page(tmp_path)
    assert text in page
    assert "nie veröffentlicht" not in page
    assert not list((tmp_path / "cache").glob("*.kept"))


def test_after_a_rollback_comment_publishes_wait_for_the_next_full_one(
    tmp_path, published, capsys
):
    """The refresh state and pages describe the release rolled back: a
    comment-only publish from them would bring its pages back."""
    server, settings = published
    write_article(tmp_path, "Eine Fassung, die zurückgerollt wird.")
    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    rollback_site(PUBLISHCONF, **settings)
    assert "Comment-only publishes wait" in capsys.readouterr().out
    text = "Eine Frage nach dem Zurückrollen."
    server.client.post("/2026/hallo/", text, author="Ida")
    with pytest.raises(Exit, match="run `invoke publish` first"):
        publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert "zurückgerollt" not in live_page(tmp_path)

    publish_site(PUBLISHCONF, allow_placeholder=True, **settings)
    publish_comments(PUBLISHCONF, allow_placeholder=True, **settings)
    assert text in live_page(tmp_path)
