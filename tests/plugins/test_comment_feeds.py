"""Comment feeds as built: one per commented page, one of our answers."""

import datetime
import filecmp
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from comments.server.app import build_server
from comments.staff.removal import remove_comment
from publishing.leaks import find_leaks
from tests.support import build_site, set_created, write_files, write_isso_config

ARTICLE = "/2026/ein-artikel/"
QUIET = "/2026/ohne-kommentare/"
NO_PAGE = "/2026/gibt-es-nicht/"
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC).timestamp()
HOUR = 3600
ATOM = {"atom": "http://www.w3.org/2005/Atom"}
REMOVED_TEXT = "Entfernter Text mit Beleidigung"
PENDING_TEXT = "Wartet noch auf Freigabe"
SITEURL = "https://blog.example.org"
CONTENT = {
    "articles/a.md": """
        Title: Ein Artikel
        Date: 2026-10-01 09:00
        Category: Technik
        Slug: ein-artikel
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """,
    "articles/b.md": """
        Title: Ohne Kommentare
        Date: 2026-10-02 09:00
        Category: Technik
        Slug: ohne-kommentare
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """,
    "articles/c.md": """
        Title: Kommentare aus
        Date: 2026-10-03 09:00
        Category: Technik
        Slug: kommentare-aus
        Authors: Anna Schmidt
        Summary: Kurz.
        Comments: off

        Text.
    """,
    "pages/regeln.md": """
        Title: Regeln
        Slug: regeln
        Comments: open

        Eine Seite ohne Datum, mit Kommentaren.
    """,
}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A real server's database: a reader, our answer, pending, removed comments."""
    from comments.config import load_config
    from comments.server.app import create_app
    from comments.server.serve import running_in_thread
    from comments.staff.accounts import add_account
    from tests.support import CommentClient

    base = tmp_path_factory.mktemp("feeds-db")
    config = write_isso_config(base, guard={"enabled": "false"})
    add_account(base / "staff.cfg", "anna", "Anna Schmidt", "ein-langes-passwort")
    conf, _ = load_config(config, environ={})
    ids = {}
    with running_in_thread(create_app(conf, environ={})) as url:
        client = CommentClient(url)
        cookie = {"Cookie": client.staff_login("anna", "ein-langes-passwort")}
        ids["question"] = client.post(
            ARTICLE,
            "Wann kommt das **Update**? Schreibt mir an eva@example.com",
            author="Eva",
            email="eva.privat@example.com",
        ).body["id"]
        ids["answer"] = client.post(
            ARTICLE, "Nächste Woche.", parent=ids["question"], headers=cookie
        ).body["id"]
        ids["removed"] = client.post(ARTICLE, REMOVED_TEXT, author="Troll").body["id"]
        ids["reply_to_removed"] = client.post(
            ARTICLE, "Bitte sachlich bleiben.", parent=ids["removed"], headers=cookie
        ).body["id"]
        ids["pending"] = client.post(ARTICLE, PENDING_TEXT, author="Neu").body["id"]
        ids["elsewhere"] = client.post(NO_PAGE, "Frage ohne Seite").body["id"]
        ids["answer_elsewhere"] = client.post(
            NO_PAGE, "Antwort ohne Seite", parent=ids["elsewhere"], headers=cookie
        ).body["id"]
    database = conf.get("general", "dbpath")
    for offset, name in enumerate(ids):
        set_created(database, ids[name], T0 + offset * HOUR)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE comments SET mode = 2 WHERE id = ?", (ids["pending"],))
    db.close()
    remove_comment(build_server(conf), ids["removed"], "illegal", note="Beleidigung")
    return database, ids


def build(tmp_path, database, monkeypatch, name="out", **settings):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(T0 + 48 * HOUR)))
    write_files(tmp_path / "content", CONTENT)
    return build_site(
        tmp_path / "content",
        tmp_path / name,
        COMMENTS_DATABASE=database[0],
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        SITEURL=SITEURL,
        **settings,
    )


def entries(feed_path):
    """(title, author, link, content, published) of each entry, in order."""
    root = ET.parse(feed_path).getroot()
    return [
        (
            entry.findtext("atom:title", namespaces=ATOM),
            entry.findtext("atom:author/atom:name", namespaces=ATOM),
            entry.find("atom:link", ATOM).get("href"),
            entry.findtext("atom:content", namespaces=ATOM),
            entry.findtext("atom:published", namespaces=ATOM),
        )
        for entry in root.findall("atom:entry", ATOM)
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory, database):
    """One build of the tiny site, shared by the tests that only read it."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield build(tmp_path_factory.mktemp("feeds-site"), database, monkeypatch)
    finally:
        monkeypatch.undo()


def test_an_article_feed_holds_its_published_comments_newest_first(site, database):
    ids = database[1]
    found = entries(site / "2026/ein-artikel/kommentare.atom.xml")

    assert [(title, author, link) for title, author, link, _, _ in found] == [
        (
            "Antwort von Anna Schmidt (Redaktion)",
            "Anna Schmidt",
            f"{SITEURL}{ARTICLE}#isso-{ids['reply_to_removed']}",
        ),
        (
            "Antwort von Anna Schmidt (Redaktion)",
            "Anna Schmidt",
            f"{SITEURL}{ARTICLE}#isso-{ids['answer']}",
        ),
        ("Kommentar von Eva", "Eva", f"{SITEURL}{ARTICLE}#isso-{ids['question']}"),
    ]
    # Isso's sanitised HTML; the address a reader typed masked, as on every page.
    question = found[2][3]
    assert "<strong>Update</strong>" in question
    assert "eva@example.com" not in question
    assert found[2][4] == "2026-11-02T09:00:00+00:00"


def test_no_email_pending_or_removed_text_is_in_any_feed(site):
    for feed in site.rglob("*.atom.xml"):
        text = feed.read_text(encoding="utf-8")
        assert "@example.com" not in text, feed
        assert REMOVED_TEXT not in text and "Troll" not in text, feed
        assert PENDING_TEXT not in text, feed


def test_the_feeds_pass_the_leak_check(site):
    findings = [
        finding for finding in find_leaks(site) if finding[0].endswith(".atom.xml")
    ]
    assert findings == []


def test_the_article_head_links_its_feed_and_the_answers_feed(site):
    page = BeautifulSoup(
        (site / "2026/ein-artikel/index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    feeds = {
        link["title"]: link["href"]
        for link in page.select('link[rel=alternate][type="application/atom+xml"]')
    }
    assert feeds == {
        "Kommentare zu „Ein Artikel“": f"{SITEURL}{ARTICLE}kommentare.atom.xml",
        "Unsere Antworten – Beispiel GmbH – Blog": (
            f"{SITEURL}/feeds/antworten.atom.xml"
        ),
    }
    off = (site / "2026/kommentare-aus/index.html").read_text(encoding="utf-8")
    assert "kommentare.atom.xml" not in off
    assert not (site / "2026/kommentare-aus/kommentare.atom.xml").exists()


def test_a_page_without_comments_has_an_empty_feed_dated_by_the_page(site):
    root = ET.parse(site / "2026/ohne-kommentare/kommentare.atom.xml").getroot()
    assert root.findall("atom:entry", ATOM) == []
    assert root.findtext("atom:updated", namespaces=ATOM) == "2026-10-02T09:00:00+02:00"
    assert root.findtext("atom:title", namespaces=ATOM) == (
        "Kommentare zu „Ohne Kommentare“"
    )
    # A page without a date: the build's (SOURCE_DATE_EPOCH here).
    root = ET.parse(site / "regeln/kommentare.atom.xml").getroot()
    assert root.findtext("atom:updated", namespaces=ATOM) == "2026-11-04T09:00:00+00:00"


def test_the_answers_feed_lists_our_answers_on_pages_only(site, database):
    ids = database[1]
    feed = site / "feeds/antworten.atom.xml"
    root = ET.parse(feed).getroot()
    assert root.findtext("atom:title", namespaces=ATOM) == (
        "Unsere Antworten – Beispiel GmbH – Blog"
    )
    assert [(title, link) for title, _, link, _, _ in entries(feed)] == [
        (
            "Antwort von Anna Schmidt zu „Ein Artikel“",
            f"{SITEURL}{ARTICLE}#isso-{ids['reply_to_removed']}",
        ),
        (
            "Antwort von Anna Schmidt zu „Ein Artikel“",
            f"{SITEURL}{ARTICLE}#isso-{ids['answer']}",
        ),
    ]
    assert "Antwort ohne Seite" not in feed.read_text(encoding="utf-8")


def test_feeds_are_byte_identical_across_builds(tmp_path, database, monkeypatch):
    first = build(tmp_path, database, monkeypatch, name="one")
    # Isso's renderings of the texts shown are kept for the next build.
    with sqlite3.connect(tmp_path / "snapshots" / "comment-html.sqlite") as cache:
        assert cache.execute("SELECT COUNT(*) FROM rendered").fetchone() == (3,)
    cache.close()
    second = build(tmp_path, database, monkeypatch, name="two")
    names = sorted(path.relative_to(first) for path in first.rglob("*.atom.xml"))
    assert len(names) == 4  # three pages with comments, our answers
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_the_number_of_entries_is_a_setting(tmp_path, database, monkeypatch):
    output = build(
        tmp_path,
        database,
        monkeypatch,
        COMMENT_FEEDS_THREAD_ITEMS=1,
        COMMENT_FEEDS_ANSWERS_SAVE_AS="",
    )
    assert len(entries(output / "2026/ein-artikel/kommentare.atom.xml")) == 1
    assert not (output / "feeds/antworten.atom.xml").exists()
    assert "antworten.atom.xml" not in (output / "index.html").read_text()


def test_a_wrong_setting_is_named(tmp_path, database, monkeypatch):
    from comments.core import SetupError

    with pytest.raises(SetupError, match="COMMENT_FEEDS_THREAD_ITEMS=0"):
        build(tmp_path, database, monkeypatch, COMMENT_FEEDS_THREAD_ITEMS=0)


def test_a_build_rewrites_only_the_feeds_whose_comments_changed(
    tmp_path, database, monkeypatch
):
    from comment_feeds import feeds

    written = []
    write_feed = feeds.write_feed
    monkeypatch.setattr(
        feeds,
        "write_feed",
        lambda output, save_as, feed: (
            written.append(save_as) or write_feed(output, save_as, feed)
        ),
    )
    copy = tmp_path / "comments.db"
    with sqlite3.connect(database[0]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()
    same = (str(copy), database[1])
    build(tmp_path, same, monkeypatch, name="out", DELETE_OUTPUT_DIRECTORY=False)
    assert len(written) == 4  # three pages with comments, our answers
    written.clear()
    build(tmp_path, same, monkeypatch, name="out", DELETE_OUTPUT_DIRECTORY=False)
    assert written == []

    with sqlite3.connect(copy) as db:
        db.execute(
            "INSERT INTO comments (tid, created, mode, remote_addr, text, author, "
            "voters) SELECT id, ?, 1, '127.0.0.0', 'Neu dazu', 'Ida', x'00' "
            "FROM threads WHERE uri = ?",
            (T0 + 30 * HOUR, ARTICLE),
        )
    db.close()
    output = build(
        tmp_path, same, monkeypatch, name="out", DELETE_OUTPUT_DIRECTORY=False
    )
    assert written == ["2026/ein-artikel/kommentare.atom.xml"]
    assert entries(output / "2026/ein-artikel/kommentare.atom.xml")[0][1] == "Ida"
