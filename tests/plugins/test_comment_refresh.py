"""`invoke refresh`: a new comment reaches the page without a rebuild, consistently."""

import filecmp
import gc
import json
import os
import sqlite3
from pathlib import Path

import pytest
from pelican.settings import read_settings

from comment_refresh.refresh import refresh_comment_pages
from comments.core import SetupError
from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.support import (
    ROOT,
    build_site,
    run_alone_counting_forks,
    write_files,
)

ARTICLES = {
    f"articles/a{n}.md": f"""
        Title: Artikel {n}
        Date: 2026-10-0{n} 09:00
        Category: Technik
        Slug: artikel-{n}
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """
    for n in range(1, 4)
}
ARTICLES["articles/aufruf.md"] = """
    Title: Blogparade: „Offen“ – wie geht das?
    Date: 2026-10-05 09:00
    Category: Unternehmen
    Slug: aufruf
    Authors: Anna Schmidt
    Summary: Unser Aufruf.
    Parade: Offen – wie geht das?
    Parade_role: host
    Parade_host: Beispiel GmbH
    Parade_deadline: 2026-12-15

    Machen Sie mit!
"""


@pytest.fixture
def server(comment_server_factory):
    server = comment_server_factory(
        staff={"anna": ("Anna Schmidt", "ein-langes-passwort")},
        guard={"enabled": "false"},
    )
    question = server.client.post("/2026/artikel-1/", "Frage").body["id"]
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    server.client.post(
        "/2026/artikel-1/", "Antwort", parent=question, headers={"Cookie": cookie}
    )
    return server


def settings_for(tmp_path, server, output):
    return read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(tmp_path / "content"),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(output.parent / f"cache-{output.name}"),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "COMMENTS_DATABASE": server.database,
            "COMMENTS_SNAPSHOT_DIR": str(tmp_path / "snapshots"),
        },
    )


def full_build(tmp_path, server, name):
    output = tmp_path / name
    settings = settings_for(tmp_path, server, output)
    return build_site(
        tmp_path / "content",
        output,
        CACHE_PATH=settings["CACHE_PATH"],
        COMMENTS_DATABASE=server.database,
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
    )


def same_tree(first, second):
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    other = sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    assert files == other
    _, mismatch, errors = filecmp.cmpfiles(first, second, files, shallow=False)
    return mismatch + errors


def test_refresh_after_new_comments_equals_a_full_build(tmp_path, server, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    write_files(tmp_path / "content", ARTICLES)
    refreshed = full_build(tmp_path, server, "refreshed")
    before = (refreshed / "2026/artikel-2/index.html").read_text(encoding="utf-8")
    assert 'class="answered-line"' not in before

    server.client.post("/2026/artikel-2/", "Neue Frage")
    server.client.post("/2026/artikel-1/", "Nachfrage")
    server.client.post(
        "/2026/aufruf/", "Mein Beitrag: https://blog.example.net/offen", author="Ida"
    )
    collections = []

    def count_collection(phase, info):
        collections.append(phase)

    settings = settings_for(tmp_path, server, refreshed)
    gc.callbacks.append(count_collection)
    try:
        counts = refresh_comment_pages(settings)
    finally:
        gc.callbacks.remove(count_collection)
    # The collector was paused throughout: one collection, when it resumes.
    assert collections.count("start") == 1
    assert gc.get_freeze_count() == 0  # the read's heap freeze ended with it
    assert gc.isenabled()  # and the collector runs again
    assert counts == {"comments": 5, "pages_rendered": 3}
    parade = json.loads(
        (refreshed / "blogparade/offen-wie-geht-das/parade.json").read_text()
    )
    assert parade["participants"] == [
        {"name": "Ida", "source": "comment", "url": "https://blog.example.net/offen"}
    ]
    fresh = full_build(tmp_path, server, "fresh")
    assert same_tree(refreshed, fresh) == []
    document = json.loads((refreshed / "answered/answered.json").read_text())
    assert (document["reader_comments"], document["open"]) == (4, 3)


def edit(isso, ids):
    isso.db.comments.update(ids["question"], {"text": "Frage, später ergänzt"})
    return "Frage, später ergänzt", None


def delete(isso, ids):
    isso.db.comments.delete(ids["lonely"])  # no replies: the row goes
    return None, "Einsame Frage"


def withdraw(isso, ids):
    isso.db.comments.delete(ids["question"])  # has a reply: a placeholder stays
    return None, "Zweite Frage"


def approve(isso, ids):
    isso.db.comments.activate(ids["pending"])
    return "Wartet auf Freigabe", None


def remove(isso, ids):
    remove_comment(isso, ids["lonely"], "spam")
    return None, "Einsame Frage"


@pytest.mark.parametrize("change", [edit, delete, withdraw, approve, remove])
def test_refresh_after_an_edit_deletion_approval_or_removal_equals_a_full_build(
    tmp_path, server, monkeypatch, change
):
    """Only the threads whose comments changed are rendered again (their
    fingerprints, made from the comments as read), and the site is the one a
    full build makes from the same data."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    write_files(tmp_path / "content", ARTICLES)
    client = server.client
    ids = {
        "question": client.post("/2026/artikel-2/", "Zweite Frage").body["id"],
        "lonely": client.post("/2026/artikel-3/", "Einsame Frage").body["id"],
        "pending": client.post("/2026/artikel-3/", "Wartet auf Freigabe").body["id"],
    }
    client.post("/2026/artikel-2/", "Eine Antwort darauf", parent=ids["question"])
    with sqlite3.connect(server.database) as db:  # as moderation would hold it
        db.execute("UPDATE comments SET mode = 2 WHERE id = ?", (ids["pending"],))
    db.close()
    refreshed = full_build(tmp_path, server, "refreshed")
    untouched = refreshed / "2026/artikel-1/index.html"
    stamp = untouched.stat().st_mtime_ns

    shown, gone = change(build_server(server.conf), ids)
    counts = refresh_comment_pages(settings_for(tmp_path, server, refreshed))

    assert counts["pages_rendered"] == 1
    assert untouched.stat().st_mtime_ns == stamp  # its thread did not change
    page = "".join(
        (refreshed / f"2026/artikel-{n}/index.html").read_text(encoding="utf-8")
        for n in (2, 3)
    )
    if shown:
        assert shown in page
    if gone:
        assert gone not in page
    fresh = full_build(tmp_path, server, "fresh")
    assert same_tree(refreshed, fresh) == []


def test_refresh_without_changes_rewrites_nothing(tmp_path, server, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    write_files(tmp_path / "content", ARTICLES)
    output = full_build(tmp_path, server, "out")
    article = output / "2026/artikel-1/index.html"
    stamp = article.stat().st_mtime_ns
    counts = refresh_comment_pages(settings_for(tmp_path, server, output))
    assert counts["pages_rendered"] == 0 and article.stat().st_mtime_ns == stamp


def test_refresh_before_any_build_says_what_to_do(tmp_path, server):
    write_files(tmp_path / "content", ARTICLES)
    with pytest.raises(SetupError, match="run `invoke build` first"):
        refresh_comment_pages(settings_for(tmp_path, server, tmp_path / "leer"))


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda output, settings: settings.update(
                SITEURL="https://blog.example.org"
            ),
            "the last build had SITEURL = '', these settings 'https://blog.example.org'",
        ),
        (
            lambda output, settings: (output / "index.html").unlink(),
            "the last build's site is gone (index.html is missing)",
        ),
        (
            lambda output, settings: state_file(settings).write_text("[]"),
            "unreadable; run `invoke build` again",
        ),
        (
            lambda output, settings: rewrite_state(
                settings, lambda state: state["content"].append({"kind": "neu"})
            ),
            "unreadable; run `invoke build` again",
        ),
    ],
    ids=["other-siteurl", "site-gone", "not-an-object", "unknown-kind"],
)
def test_a_refresh_that_would_not_match_the_site_refuses_and_writes_nothing(
    tmp_path, server, spoil, message
):
    write_files(tmp_path / "content", ARTICLES)
    output = full_build(tmp_path, server, "out")
    settings = settings_for(tmp_path, server, output)
    spoil(output, settings)
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    with pytest.raises(SetupError) as raised:
        refresh_comment_pages(settings)
    assert message in str(raised.value)
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before


def state_file(settings):
    return Path(settings["CACHE_PATH"]) / "comment-refresh-state.json"


def rewrite_state(settings, change):
    state = json.loads(state_file(settings).read_text(encoding="utf-8"))
    change(state)
    state_file(settings).write_text(json.dumps(state), encoding="utf-8")


REFRESH_ALONE = """
    import json, sys
    sys.path.insert(0, "plugins")
    from pelican.settings import read_settings
    from comment_refresh.refresh import refresh_comment_pages
    settings = read_settings("pelicanconf.py", override=json.loads({overrides!r}))
    counts = refresh_comment_pages(settings)
    print("RESULT", json.dumps(counts))
"""


@pytest.mark.parametrize("helpers", [None, 0])
def test_a_refresh_in_its_own_process_forks_once_and_equals_a_full_build(
    tmp_path, server, monkeypatch, helpers
):
    """Alone in its process (as `invoke refresh` runs) the refresh reads, checks
    for vanished comments and writes the snapshot in one pass, forking no child
    for it; only the transparency page is written by a child beside the rest
    (none with ``BUILD_HELPERS = 0``). Either way: a full build's bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    write_files(tmp_path / "content", ARTICLES)
    gone = server.client.post("/2026/artikel-3/", "Bald weg").body["id"]
    refreshed = full_build(tmp_path, server, "refreshed")
    server.client.post("/2026/artikel-2/", "Neue Frage")
    with sqlite3.connect(server.database) as db:  # behind every back
        db.execute("DROP TRIGGER blog_record_removal")
        db.execute("DELETE FROM comments WHERE id = ?", (gone,))
    db.close()
    settings = settings_for(tmp_path, server, refreshed)
    overrides = {
        key: settings[key]
        for key in (
            "PATH",
            "OUTPUT_PATH",
            "CACHE_PATH",
            "CACHE_CONTENT",
            "LOAD_CONTENT_CACHE",
            "COMMENTS_DATABASE",
            "COMMENTS_SNAPSHOT_DIR",
        )
    }
    if helpers is not None:
        overrides["BUILD_HELPERS"] = helpers
    output, forks = run_alone_counting_forks(
        REFRESH_ALONE.format(overrides=json.dumps(overrides))
    )
    [result] = [line for line in output.splitlines() if line.startswith("RESULT")]
    assert json.loads(result.removeprefix("RESULT ")) == {
        "comments": 3,
        "pages_rendered": 2,
    }
    cores = len(os.sched_getaffinity(0))
    assert forks == (1 if cores > 1 and helpers is None else 0)
    document = json.loads((refreshed / "answered/answered.json").read_text())
    assert document["removed"] == {"unrecorded": 1}
    fresh = full_build(tmp_path, server, "fresh")
    assert same_tree(refreshed, fresh) == []


def test_the_state_is_written_entry_by_entry_as_one_json_document():
    from comment_refresh.refresh import state_pieces

    entries = [{"title": "Ä", "url": "a/"}, {"title": "B", "url": "b/"}]
    state = {"format": 2, "output_path": "/out", "pages": [], "categories": []}
    text = "".join(state_pieces({**state, "content": iter(entries)}))
    assert json.loads(text) == {**state, "content": entries}
    assert json.loads("".join(state_pieces({"content": iter(())}))) == {"content": []}


def test_thousands_of_linked_articles_are_kept_and_loaded(tmp_path):
    from pelican.contents import Article

    from comment_refresh.pages import load_pages, save_pages

    settings = {"CACHE_PATH": str(tmp_path)}
    build_context = {"CACHE_PATH": str(tmp_path)}
    articles = []
    for n in range(3000):  # made bare: the plugins' signals are not the point
        article = Article.__new__(Article)
        article.__dict__.update(
            override_save_as=f"a{n}/index.html",
            prev_article=articles[-1] if articles else None,
            _context=build_context,
            settings=settings,
        )
        articles.append(article)
    build_context["articles"] = articles
    save_pages(build_context, settings)

    context = {}
    loaded = load_pages(settings, context)
    last = loaded["a2999/index.html"]
    assert last.prev_article is loaded["a2998/index.html"]
    assert last._context is context and last.settings is settings


def test_the_pickled_pages_keep_no_utf8_copy_of_the_articles_html(tmp_path):
    import tracemalloc

    from pelican.contents import Article

    from comment_refresh.pages import load_pages, save_pages

    html = "<p>„Wir antworten“ – auf jeden Kommentar.</p>\n" * 20_000  # 900,000 chars
    settings = {"CACHE_PATH": str(tmp_path)}
    build_context = {"CACHE_PATH": str(tmp_path)}
    article = Article.__new__(Article)
    article.__dict__.update(
        override_save_as="a/index.html", _content=html, _context=build_context
    )
    build_context["articles"] = [article]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        save_pages(build_context, settings)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < len(html) // 10  # pickling a str keeps its UTF-8 in it (~1 MB)
    loaded = load_pages(settings, {})
    assert loaded["a/index.html"]._content == html
