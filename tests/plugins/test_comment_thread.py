"""The published thread in the article's own HTML (plugins/comment_thread)."""

import sqlite3

import pytest
from bs4 import BeautifulSoup

from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.support import build_site, write_files

ARTICLE = """
    Title: Offen antworten
    Date: 2026-10-01 09:00
    Category: Technik
    Slug: offen
    Authors: Anna Schmidt
    Summary: Kurz.

    Text.
"""
URI = "/2026/offen/"


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        staff={"anna": ("Anna Schmidt", "ein-langes-passwort")},
        guard={"enabled": "false"},
    )


def build(tmp_path, server, name="output", **overrides):
    write_files(tmp_path / "content", {"articles/offen.md": ARTICLE})
    output = build_site(
        tmp_path / "content",
        tmp_path / name,
        COMMENTS_DATABASE=server.database,
        **overrides,
    )
    return BeautifulSoup(
        (output / "2026/offen/index.html").read_text(encoding="utf-8"), "html.parser"
    )


def static_thread(page):
    return page.select_one("#isso-thread .comments-static")


def test_published_comments_staff_answer_and_nesting_are_in_the_html(tmp_path, server):
    client = server.client
    question = client.post(
        URI,
        "Wie **messt** ihr das?",
        author="Ida <b>Muster</b>",
        website="https://ida.example.net/",
        email="ida@example.net",
    ).body["id"]
    cookie = client.staff_login("anna", "ein-langes-passwort")
    answer = client.post(
        URI,
        "Ab Eingang des Kommentars.",
        author="Anna Schmidt",
        parent=question,
        headers={"Cookie": cookie},
    ).body["id"]
    client.post(URI, "Zweite Frage", author="Bert")

    page = build(tmp_path, server)
    thread = static_thread(page)
    tops = thread.select(":scope > .isso-comment")
    assert [top["id"] for top in tops] == [f"isso-{question}", "isso-3"]
    first = tops[0]
    author = first.select_one(".isso-author")
    assert author.name == "a" and author["rel"] == ["nofollow", "ugc"]
    assert author["href"] == "https://ida.example.net/"
    assert author.get_text() == "Ida <b>Muster</b>"  # escaped, not markup
    assert first.select_one(".isso-text").decode_contents() == (
        "<p>Wie <strong>messt</strong> ihr das?</p>"
    )  # Isso's own rendering
    assert first.select_one("time")["datetime"].endswith("Z")
    reply = first.select_one(".isso-follow-up > .isso-comment")
    assert reply["id"] == f"isso-{answer}" and "is-staff" in reply["class"]
    assert reply.select_one(".staff-badge").get_text() == "Redaktion · Anna Schmidt"
    heading = page.select_one("#isso-thread > h4.isso-thread-heading")
    assert heading.get_text() == "3 Kommentare"
    html = str(page)
    assert "ida@example.net" not in html and "data-hash" not in html
    # Reader names are not searched; the texts are (benchmarks/FINDINGS.md).
    assert thread.has_attr("data-pagefind-body")
    assert first.select_one(".isso-comment-header").has_attr("data-pagefind-ignore")
    assert not first.select_one(".isso-text").has_attr("data-pagefind-ignore")
    assert not reply.select_one(".isso-text").has_attr("data-pagefind-ignore")


def test_pending_hidden_removed_marked_and_withdrawn_held_for_replies(tmp_path, server):
    client = server.client
    pending_parent = client.post(URI, "Wartet").body["id"]
    spam = client.post(URI, "Kauft billige Uhren").body["id"]
    client.post(URI, "Antwort auf Spam", parent=spam)
    lonely = client.post(URI, "Gleich weg").body["id"]
    with sqlite3.connect(server.database) as db:
        db.execute("UPDATE comments SET mode = 2 WHERE id = ?", (pending_parent,))
    isso = build_server(server.conf)
    remove_comment(isso, spam, "spam")
    remove_comment(isso, lonely, "other")

    page = build(tmp_path, server)
    thread = static_thread(page)
    html = str(thread)
    assert "Wartet" not in html and "billige Uhren" not in html
    assert "Gleich weg" not in html
    removed = thread.select_one(f"#isso-{spam}")
    marker = removed.select_one(".comment-removed")
    assert "Spam" in marker.get_text()
    assert marker.a["href"].endswith("/answered/#removal-log")
    header = removed.select_one(":scope > .isso-text-wrapper > .isso-comment-header")
    assert header.select_one(".isso-author").get_text() == "Anonym"  # as Isso says
    assert header.select_one(".isso-note").get_text() == "Kommentar gelöscht."
    assert removed.select_one(".isso-follow-up .isso-text").get_text() == (
        "Antwort auf Spam"
    )
    assert [c["id"] for c in thread.select(".isso-comment")] == [
        f"isso-{spam}",
        f"isso-{spam + 1}",
    ]


def test_a_long_thread_shows_the_newest_top_level_comments_and_says_so(
    tmp_path, server
):
    for number in range(7):
        top = server.client.post(URI, f"Kommentar {number}").body["id"]
        server.client.post(URI, f"Antwort {number}", parent=top)

    page = build(tmp_path, server, COMMENT_THREAD_LIMIT=3)
    thread = static_thread(page)
    tops = thread.select(":scope > .isso-comment > .isso-text-wrapper .isso-text")
    assert [top.get_text() for top in tops] == [
        "Kommentar 4",
        "Kommentar 5",
        "Kommentar 6",
    ]
    assert thread.select_one(".comments-static__older").get_text() == (
        "8 ältere Kommentare werden im Kommentarbereich mit JavaScript angezeigt."
    )
    assert page.select_one("h4.isso-thread-heading").get_text() == "14 Kommentare"


def test_a_wrong_limit_is_one_line_naming_the_setting(tmp_path, server):
    with pytest.raises(Exception, match="COMMENT_THREAD_LIMIT = 0: set a whole"):
        build(tmp_path, server, COMMENT_THREAD_LIMIT=0)


def test_no_comments_no_static_thread_and_a_heading_that_says_so(tmp_path, server):
    page = build(tmp_path, server)
    assert static_thread(page).select(".isso-comment") == []
    assert page.select_one("h4.isso-thread-heading").get_text() == (
        "Noch keine Kommentare"
    )


def removal_findings(site, removed):
    from publishing.leaks import find_leaks

    # a local build links localhost: only the removed texts count here
    return [f for f in find_leaks(site, removed=removed) if "removed (" in f.what]


def test_a_removed_comments_text_leaves_the_page_and_is_a_leak_if_shown(
    tmp_path, server
):
    from comment_data.comment_data import build_source
    from comments.build.removed import removed_for_site

    removed_text = "Diese Uhren sind heute wirklich unglaublich billig, kaufen!"
    spam = server.client.post(URI, removed_text).body["id"]
    server.client.post(URI, "Eine ehrliche Frage zum Artikel, bitte.")
    snapshots = tmp_path / "snapshots"
    build(tmp_path, server, "before", COMMENTS_SNAPSHOT_DIR=str(snapshots))
    before = tmp_path / "before/2026/offen/index.html"
    assert "unglaublich billig" in before.read_text(encoding="utf-8")
    remove_comment(build_server(server.conf), spam, "spam")

    build(tmp_path, server, "after", COMMENTS_SNAPSHOT_DIR=str(snapshots))
    after = tmp_path / "after/2026/offen/index.html"
    assert "unglaublich billig" not in after.read_text(encoding="utf-8")
    settings = {
        "COMMENTS_DATABASE": server.database,
        "COMMENTS_SNAPSHOT_DIR": str(snapshots),
    }
    removed = removed_for_site(*build_source(settings))
    assert [(text.removal.comment_id, text.said_in) for text in removed] == [(spam, {})]
    assert removal_findings(tmp_path / "after", removed) == []

    after.write_bytes(before.read_bytes())  # as a build from an old snapshot would
    findings = removal_findings(tmp_path / "after", removed)
    assert [str(finding) for finding in findings] == [
        f"2026/offen/index.html: the text of comment {spam}, removed (spam); "
        "publish from the comment database, not an older snapshot"
    ]
    assert "billig" not in str(findings)  # the leak report does not repeat it


def test_a_removed_copy_of_a_published_comment_is_no_leak(tmp_path, server, caplog):
    from comment_data.comment_data import build_source
    from comments.build.removed import removed_for_site

    said = "Danke für den tollen Artikel, das hilft uns im Team sehr weiter!"
    server.client.post(URI, said)
    copy = server.client.post(URI, said).body["id"]  # a spammer's copy
    other = "Diese Uhren sind heute wirklich unglaublich billig, kaufen!"
    spam = server.client.post(URI, other).body["id"]
    snapshots = tmp_path / "snapshots"
    build(tmp_path, server, "before", COMMENTS_SNAPSHOT_DIR=str(snapshots))
    remove_comment(build_server(server.conf), copy, "spam")
    remove_comment(build_server(server.conf), spam, "spam")
    build(tmp_path, server, "after", COMMENTS_SNAPSHOT_DIR=str(snapshots))
    settings = {
        "COMMENTS_DATABASE": server.database,
        "COMMENTS_SNAPSHOT_DIR": str(snapshots),
    }
    with caplog.at_level("INFO", logger="comments.build.removed"):
        removed = removed_for_site(*build_source(settings))
    # The copy's words are the published comment's right on its thread's
    # page, once; the spam has no such right.
    assert [(text.removal.comment_id, text.said_in) for text in removed] == [
        (copy, {URI: 1}),
        (spam, {}),
    ]
    assert removal_findings(tmp_path / "after", removed) == []
    assert f"removed comment {copy} said is also said by published" in caplog.text
    assert "tollen" not in caplog.text  # logged by id, never by text

    # An old snapshot's page shows the removed copy beside the published one:
    # twice on the page is once too often.
    after = tmp_path / "after/2026/offen/index.html"
    after.write_bytes((tmp_path / "before/2026/offen/index.html").read_bytes())
    assert sorted(
        finding.what.split(",")[0]
        for finding in removal_findings(tmp_path / "after", removed)
    ) == [f"the text of comment {copy}", f"the text of comment {spam}"]


def test_the_threads_are_let_go_once_the_pages_are_written():
    from types import SimpleNamespace

    from comment_thread.comment_thread import ThreadRendering, let_threads_go

    rendering = ThreadRendering(None, 200)
    generator = SimpleNamespace(context={"COMMENT_THREAD_RENDERING": rendering})
    rendering.made["/2026/a/"] = "thread"
    let_threads_go(generator, SimpleNamespace(keeps_content=True))
    assert rendering.made  # pages still to write need them
    let_threads_go(generator, SimpleNamespace(keeps_content=False))
    assert rendering.made == {}
