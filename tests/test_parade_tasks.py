"""The parades.* commands: review received Webmentions, write the round-up draft."""

import datetime
import json
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from invoke import Exit

from comments.store import webmentions
from comments.store.schema import ensure_schema
from comments.webmention.source import Entry
from publishing.parade_roundup import roundup_markdown, write_roundup
from tests.plugins.test_blog_parade import SITEURL, epoch, host_article
from tests.support import ROOT, build_site, write_files
from tests.test_comment_tasks import invoke

CALL = f"{SITEURL}/2026/aufruf/"


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        blog={"site-url": SITEURL},
        staff={
            "anna": ("Anna Schmidt", "ein langes Passwort 1"),
            "jonas": ("Jonas Weber", "ein langes Passwort 2"),
        },
    )


def add_mention(server, source, parade="offenes-firmenblog", **entry):
    """Record a checked mention as the server's background check would."""
    mention_id = webmentions.record_received(
        server.database, source, CALL, "/2026/aufruf/", 1_765_000_000.0
    )
    webmentions.record_checked(
        server.database,
        mention_id,
        webmentions.VERIFIED,
        1_765_000_100.0,
        Entry(**entry),
        parade=parade,
    )
    return mention_id


def test_pending_approve_and_reject_as_people_run_them(server):
    eva = add_mention(
        server, "https://eva.example/beitrag/", title="Offen reden", author="Eva"
    )
    spam = add_mention(server, "https://spam.example/", title="Billig")
    other = add_mention(server, "https://ole.example/", parade="", title="Zitat")

    listed = invoke(server, "parades.pending")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Pending participants (2):"
    assert lines[1].split() == [
        str(eva),
        "parade",
        "offenes-firmenblog",
        "“Offen",
        "reden”",
        "by",
        "Eva",
        "https://eva.example/beitrag/",
        "[verified]",
    ]
    assert lines[3] == "Other mentions of our posts (1):"
    assert f"{other}  mention of /2026/aufruf/" in lines[4]

    approved = invoke(server, "parades.approve", str(eva), "--as", "anna")
    rejected = invoke(
        server, "parades.reject", str(spam), "--reason", "spam", "--as", "jonas"
    )
    wrong = invoke(
        server, "parades.reject", str(other), "--reason", "langweilig", "--as", "anna"
    )
    missing = invoke(server, "parades.approve", "4711", "--as", "anna")
    nobody = invoke(server, "parades.approve", str(other))

    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(f"Approved mention {eva} (parade offenes-")
    assert rejected.returncode == 0, rejected.stderr
    assert (wrong.returncode, wrong.stderr.strip()) == (
        1,
        "parades.reject: --reason 'langweilig' is not one of spam, off-topic, "
        "late, other",
    )
    assert nobody.returncode == 1
    assert nobody.stderr.startswith("parades.approve: wer handelt? --as KONTO")
    assert missing.stderr.strip() == (
        "parades.approve: mention 4711 does not exist; `invoke parades.pending` "
        "lists them"
    )
    with sqlite3.connect(server.database) as db:
        assert db.execute(
            "SELECT mention_id, decision, reason, reviewed_by "
            "FROM blog_webmention_reviews ORDER BY id"
        ).fetchall() == [
            (eva, "approved", "", "anna"),
            (spam, "rejected", "spam", "jonas"),
        ]
    assert invoke(server, "parades.pending").stdout.splitlines()[0] == (
        "Other mentions of our posts (1):"
    )


def test_roundup_lists_every_participant_by_date_late_ones_marked():
    record = {
        "title": "Wie offen darf ein Firmenblog sein?",
        "slug": "offenes-firmenblog",
        "url": CALL,
        "participants": [
            {"name": "Per Post", "url": "https://post.example/a", "source": "manual"},
            {
                "name": "Ole",
                "url": "https://ole.example/b_(2)",
                "source": "webmention",
                "title": "Spät [aber] da",
                "date": "2026-12-20",
                "late": True,
            },
            {
                "name": "Eva",
                "url": "https://eva.example/c",
                "source": "webmention",
                "title": "Offen reden",
                "date": "2026-12-10",
                "summary": "Offen ist besser.",
            },
        ],
    }
    now = datetime.datetime(2026, 12, 21, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    text = roundup_markdown(record, now, "Anna Schmidt", "Unternehmen")

    head, _, body = text.partition("\n\n")
    assert "Status: draft" in head.splitlines()
    assert "Parade_slug: offenes-firmenblog" in head.splitlines()
    assert f"[„Wie offen darf ein Firmenblog sein?“]({CALL})" in body
    assert "3 Beiträge haben teilgenommen." in body
    assert body.split("\n## ", 1)[1].splitlines() == [
        "10.12.2026",
        "",
        "- [Offen reden](https://eva.example/c) von Eva: Offen ist besser.",
        "",
        "## 20.12.2026",
        "",
        r"- [Spät \[aber\] da](https://ole.example/b_%282%29) von Ole "
        "*(nach dem Einsendeschluss)*",
        "",
        "## Weitere Beiträge",
        "",
        "- [Per Post](https://post.example/a)",
        "",
        "<!-- Schluss: Dank an alle, und wie es weitergeht. -->",
    ]


def test_roundup_draft_from_a_real_build(tmp_path, monkeypatch, server):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(2026, 12, 16, 10, 0))
    monkeypatch.setenv("ISSO_SETTINGS", server.config_file)
    ensure_schema(server.database)
    eva = add_mention(
        server,
        "https://eva.example/beitrag/",
        title="Offen reden",
        author="Eva Beispiel",
        published="2026-12-10",
    )
    webmentions.review(server.database, eva, "approved", "", "anna", 1.0)
    write_files(
        tmp_path / "content",
        {
            "articles/aufruf.md": host_article(),
            "parades/offenes-firmenblog.yml": "- name: Per Post\n"
            "  url: https://post.example/a\n",
        },
    )
    settings = tmp_path / "roundup.py"
    settings.write_text(
        "from pelicanconf import *\n"
        f"PATH = {str(tmp_path / 'content')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"SITEURL = {SITEURL!r}\n"
        f"COMMENTS_DATABASE = {server.database!r}\n"
        f"COMMENTS_SNAPSHOT_DIR = {str(tmp_path / 'snapshots')!r}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(ROOT))
    now = datetime.datetime(2026, 12, 16, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    path, count = write_roundup(
        settings, tmp_path / "drafts", "offenes-firmenblog", now
    )

    assert count == 2
    text = path.read_text(encoding="utf-8")
    assert path.name == (
        "2026-12-16-zusammenfassung-wie-offen-darf-ein-firmenblog-sein.md"
    )
    assert "- [Offen reden](https://eva.example/beitrag) von Eva Beispiel" in text
    assert "- [Per Post](https://post.example/a)" in text
    # The call is linked as Pelican resolves it, wherever the site lives.
    assert "Category: Unternehmen" in text.splitlines()
    assert "({filename}/articles/aufruf.md) ist vorbei" in text
    with pytest.raises(Exit, match="exists already"):
        write_roundup(settings, tmp_path / "drafts", "offenes-firmenblog", now)

    # Published, it builds: the call linked, and it joins the parade.
    published = text.replace("Status: draft", "Status: published")
    write_files(tmp_path / "content", {"articles/zusammenfassung.md": published})
    output = build_site(
        tmp_path / "content",
        tmp_path / "output",
        SITEURL=SITEURL,
        COMMENTS_DATABASE=server.database,
    )
    [page] = (output / "2026").glob("zusammenfassung-*/index.html")
    assert f'href="{SITEURL}/2026/aufruf/"' in page.read_text(encoding="utf-8")
    record = json.loads(
        (output / "blogparade/offenes-firmenblog/parade.json").read_text("utf-8")
    )
    assert [item["title"] for item in record["contributions"]] == [
        "Aufruf zur Blogparade",
        "Zusammenfassung der Blogparade „Wie offen darf ein Firmenblog sein?“",
    ]
