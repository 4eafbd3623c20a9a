"""The leak check: what must not go public is found, named by file, before a deploy."""

import json
import os
import shutil
import sqlite3

import pytest

from publishing.build import watch_build
from publishing.leaks import Finding, find_leaks
from tests.support import build_site, write_files

ALLOWLIST = ("redaktion@example.org",)
SITE = {
    "articles/eins.md": """
        Title: Eins
        Date: 2026-10-01 09:00
        Category: Technik
        Slug: eins
        Authors: Anna Schmidt
        Summary: Kurz.

        Fragen an <redaktion@example.org>.
    """,
    "pages/impressum.md": """
        Title: Impressum
        Slug: impressum

        E-Mail: redaktion@example.org
    """,
}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """A production build of a tiny site, made once; tests plant files in copies."""
    work = tmp_path_factory.mktemp("leaks")
    write_files(work / "content", SITE)
    return build_site(work / "content", work / "output", "publishconf.py")


@pytest.fixture
def site(built_site, tmp_path):
    return shutil.copytree(built_site, tmp_path / "site", symlinks=True)


def plant(site, relative, content):
    path = site / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def sqlite_bytes(tmp_path):
    database = tmp_path / "made.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE comments (id INTEGER, email TEXT)")
    connection.close()
    return database.read_bytes()


def test_a_clean_build_with_its_allowlisted_addresses_passes(site):
    assert find_leaks(site, ALLOWLIST) == []


def test_addresses_off_the_allowlist_are_named_with_their_files(site):
    findings = find_leaks(site, email_allowlist=())
    flagged = {finding.path for finding in findings}
    # The article's <…> autolink is written as HTML entities; it is found anyway.
    assert {"impressum/index.html", "2026/eins/index.html"} <= flagged
    assert all("redaktion@example.org" in finding.what for finding in findings)


def test_a_whole_domain_can_be_allowed(site):
    assert find_leaks(site, ["@example.org"]) == []


@pytest.mark.parametrize(
    ("snippet", "url"),
    [
        ('<a href="http://localhost:8080/x">', "http://localhost:8080/x"),
        ('<script src="//127.0.0.1:8000/a.js">', "//127.0.0.1:8000/a.js"),
        ("<img src='https://[::1]/b.png'>", "https://[::1]/b.png"),
        ('<a href="http:&#x2F;&#x2F;localhost/">', "http://localhost/"),
        ('data-isso="0.0.0.0:8080"', "0.0.0.0:8080"),
    ],
)
def test_a_planted_local_url_is_found(site, snippet, url):
    page = site / "2026" / "eins" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", f"{snippet}\n</body>"), encoding="utf-8")
    [finding] = find_leaks(site, ALLOWLIST)
    assert finding.path == "2026/eins/index.html"
    assert finding.what.endswith(f": local URL {url}")
    line = text[: text.index("</body>")].count("\n") + 1
    assert finding.what.startswith(f"line {line}:")


def test_a_planted_email_address_is_found(site):
    plant(site, "feeds/extra.xml", "<author><email>max@firma.de</email></author>\n")
    assert find_leaks(site, ALLOWLIST) == [
        Finding(
            "feeds/extra.xml",
            "line 1: email address max@firma.de (not in PUBLISH_EMAIL_ALLOWLIST)",
        )
    ]


def test_a_planted_sqlite_database_is_found_by_name_or_by_its_bytes(site, tmp_path):
    database = sqlite_bytes(tmp_path)
    plant(site, "comments.db", database)
    plant(site, "theme/images/foto.jpg", database)
    assert find_leaks(site, ALLOWLIST) == [
        Finding("comments.db", "database file"),
        Finding("theme/images/foto.jpg", "SQLite database"),
    ]


@pytest.mark.parametrize(
    ("relative", "what"),
    [
        ("daten/comments-20261001T090000.000000Z.json", "comment snapshot"),
        ("comments/backups/comments-20261001T090000Z.db", "database file"),
        ("comments.db-wal", "database journal"),
        ("index.html.bak", "backup"),
        ("index.html~", "backup"),
        ("dump.sql", "database dump"),
        (".env", "environment file"),
        ("production.env", "environment file"),
        ("secrets.cfg", "secrets file"),
        ("staff.cfg", "config file"),
        ("isso.ini", "config file"),
        ("keys/server.key", "private key"),
    ],
)
def test_private_files_are_found_by_name(site, relative, what):
    plant(site, relative, "x = 1\n")
    assert find_leaks(site, ALLOWLIST) == [Finding(relative, what)]


def test_a_snapshot_under_another_name_is_found_by_its_shape(site):
    snapshot = {"format": 1, "read_at": "2026-10-01T09:00:00Z", "comments": []}
    plant(site, "answered/alt.json", json.dumps(snapshot))
    assert find_leaks(site, ALLOWLIST) == [
        Finding("answered/alt.json", "comment snapshot (JSON)")
    ]


def test_a_git_folder_is_reported_once_and_not_entered(site):
    plant(site, ".git/config", "[remote]\nurl = git@example.com:blog.git\n")
    plant(site, ".git/HEAD", "ref: refs/heads/main\n")
    assert find_leaks(site, ALLOWLIST) == [Finding(".git/", "git repository")]


def test_a_symlink_out_of_the_site_is_found(site, tmp_path):
    os.symlink(tmp_path, site / "daten")
    os.symlink(site / "index.html", site / "start.html")  # inside: fine
    [finding] = find_leaks(site, ALLOWLIST)
    assert finding == Finding("daten", f"symlink to {tmp_path} outside the site")


def test_what_only_looks_like_a_leak_passes(site):
    plant(
        site,
        "extra/index.html",
        '<img srcset="logo@2x.png 2x"> Der Server lauscht auf localhost. '
        '<a href="https://localhost.example.org/">Demo</a>\n',
    )
    plant(site, "extra/termin.ics", "BEGIN:VEVENT\nUID:termin@blog.example.org\n")
    plant(site, "extra/vendor.js", 'var thanks_to="Jo <jo@lib.example.com>";\n')
    assert find_leaks(site, ALLOWLIST) == []


def test_drafts_and_hidden_articles_are_found_with_links_to_them(tmp_path):
    write_files(
        tmp_path / "content",
        {
            **SITE,
            "articles/entwurf.md": """
                Title: Entwurf
                Date: 2026-10-02 09:00
                Slug: entwurf
                Status: draft

                Noch nicht fertig.
            """,
            "articles/versteckt.md": """
                Title: Versteckt
                Date: 2026-10-03 09:00
                Slug: versteckt
                Status: hidden

                Nur mit Link.
            """,
            "articles/verweis.md": """
                Title: Verweis
                Date: 2026-10-04 09:00
                Slug: verweis

                Siehe [hier]({filename}/articles/versteckt.md).
            """,
        },
    )
    with watch_build() as watch:
        # As if publishconf.py still wrote drafts, the way pelicanconf.py does.
        output = build_site(
            tmp_path / "content",
            tmp_path / "output",
            "publishconf.py",
            DRAFT_SAVE_AS="entwuerfe/{slug}/index.html",
        )
    findings = find_leaks(output, ALLOWLIST, watch.unpublished)
    hidden = "hidden article 'Versteckt' (articles/versteckt.md)"
    assert [finding for finding in findings if "link to" not in finding.what] == [
        Finding("2026/versteckt/index.html", hidden),
        Finding(
            "entwuerfe/entwurf/index.html",
            "draft article 'Entwurf' (articles/entwurf.md)",
        ),
    ]
    linking = {
        finding.path for finding in findings if f"link to {hidden}" in finding.what
    }
    # The linking article, and the listings and feeds that show its text.
    assert {"2026/verweis/index.html", "index.html", "feeds/all.atom.xml"} <= linking
    assert "2026/eins/index.html" not in linking


def thread_page(uri, *texts):
    comments = "".join(f'<div class="isso-text"><p>{text}</p></div>' for text in texts)
    return (
        f'<html><body><section id="isso-thread" data-isso-id="{uri}" '
        f'data-title="T">{comments}</section></body></html>'
    )


def test_a_removed_text_a_published_copy_says_may_show_only_where_the_copy_does(
    tmp_path,
):
    from types import SimpleNamespace

    from comments.build.removed import RemovedText

    said = "Danke für den tollen Artikel, das hilft uns im Team sehr weiter!"
    removal = SimpleNamespace(comment_id=7, reason="spam")
    removed = [RemovedText(removal, said, {"/2026/kopie/": 1})]
    plant(tmp_path, "2026/kopie/index.html", thread_page("/2026/kopie/", said))
    plant(tmp_path, "2026/ok/index.html", thread_page("/2026/ok/", "Andere Worte"))
    plant(tmp_path, "2026/anderswo/index.html", thread_page("/2026/anderswo/", said))
    plant(tmp_path, "2026/zweimal/index.html", thread_page("/2026/kopie/", said, said))
    plant(tmp_path, "offen/index.html", f"<html><body><p>{said}</p></body></html>")
    plant(
        tmp_path, "index.html", f"<html><body><p>{said}</p><p>{said}</p></body></html>"
    )
    leak = (
        "the text of comment 7, removed (spam); publish from the comment "
        "database, not an older snapshot"
    )
    assert find_leaks(tmp_path, removed=removed) == [
        Finding("2026/anderswo/index.html", leak),  # not the copy's thread
        Finding("2026/zweimal/index.html", leak),  # the copy, and once more
        Finding("index.html", leak),  # no thread, and more often than all copies
    ]


def test_addresses_are_found_from_their_at_sign_as_the_pattern_finds_them():
    """``addresses_in`` looks only around each "@" (4 s less over 5,000
    articles); it must find exactly what ``EMAIL.finditer`` finds."""
    import random

    from publishing.leaks import EMAIL, addresses_in

    texts = [
        "Fragen an redaktion@example.org.",
        "a@b.com@c.org",
        "foo@bar.baz@qux.com",
        "ab@@cd.ef x@y.zz- x@y.zz_ name@host.de.",
        "a.b+c%d-e_f@sub.exa-mple.co.uk und ä@ö.de, é@b.cd",
        "a" * 5000 + "@b.com",
        "-" * 300 + "x@y.de",
        "q@w.ee" * 5,
        "logo@2x.png a@-b.cd a@b-.cd a@b..cd a@b.c-d.ef",
    ]
    chance = random.Random(4)
    texts += [
        "".join(chance.choice("ab.@-_%+Zé \n") for _ in range(chance.randint(1, 30)))
        for _ in range(5000)
    ]
    for text in texts:
        expected = [(match.start(), match.group(0)) for match in EMAIL.finditer(text)]
        assert list(addresses_in(text)) == expected, text
