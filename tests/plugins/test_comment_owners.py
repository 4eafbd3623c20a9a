"""Owners resolved at build time: the rules, the warnings, the file for the server."""

import json
import logging

import pytest

from comment_owners.comment_owners import (
    CommentOwnersSettingError,
    folded,
    resolve_owner,
)
from comments.staff.accounts import add_account
from comments.staff.owners import OWNERS_FILE_NAME
from publishing.leaks import find_leaks
from tests.support import build_site, write_files, write_isso_config

OWNERS = folded({"Anna Schmidt": "anna", "Technik": "jonas", "Lena Gast": "niemand"})
KNOWN = {"anna": "anna", "jonas": "jonas", "jonas weber": "jonas", "leyla": "leyla"}


def account_of(name):
    return KNOWN.get(name.strip().casefold())


@pytest.mark.parametrize(
    ("metadata", "authors", "category", "owner"),
    [
        ("", ["Anna Schmidt"], "Technik", ("anna", "author")),
        ("", ["Jonas Weber", "anna schmidt"], "", ("anna", "author")),  # any case
        ("", ["Jonas Weber"], "Technik", ("jonas", "category")),
        ("Jonas Weber", ["Anna Schmidt"], "Technik", ("jonas", "metadata")),
        ("", ["Jonas Weber"], "Unternehmen", ("leyla", "fallback")),
        ("wer?", ["Anna Schmidt"], "", ("anna", "author")),  # unknown: next rule
        ("", ["Lena Gast"], "Technik", ("jonas", "category")),  # maps to nobody
    ],
)
def test_resolution_order(metadata, authors, category, owner):
    assert resolve_owner(metadata, authors, category, OWNERS, "leyla", account_of) == (
        owner
    )


ARTICLES = {
    "articles/anna.md": """
        Title: Von Anna
        Date: 2026-10-01 09:00
        Category: Technik
        Slug: von-anna
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """,
    "articles/technik.md": """
        Title: Technik von Gast
        Date: 2026-10-02 09:00
        Category: Technik
        Slug: technik
        Authors: Lena Gast
        Summary: Kurz.

        Text.
    """,
    "articles/anders.md": """
        Title: Anders zuständig
        Date: 2026-10-03 09:00
        Category: Technik
        Slug: anders
        Authors: Anna Schmidt
        Comments_owner: Leyla Demir
        Summary: Kurz.

        Text.
    """,
    "articles/tippfehler.md": """
        Title: Tippfehler
        Date: 2026-10-04 09:00
        Category: Unternehmen
        Slug: tippfehler
        Authors: Anna Schmidt
        Comments_owner: leila
        Comments: closed
        Summary: Kurz.

        Text.
    """,
    "articles/niemand.md": """
        Title: Ohne Zuordnung
        Date: 2026-10-05 09:00
        Category: Unternehmen
        Slug: niemand
        Authors: Lena Gast
        Summary: Kurz.

        Text.
    """,
    "pages/kontakt.md": """
        Title: Kontakt
        Slug: kontakt
        Comments: open

        Text.
    """,
    "pages/impressum.md": """
        Title: Impressum
        Slug: impressum

        Text (no comments: not in the file).
    """,
}
TITLES = {
    f"/2026/{text.split('Slug: ')[1].split()[0]}/": text.split("Title: ")[1].split(
        "\n"
    )[0]
    for text in ARTICLES.values()
    if "Slug: " in text and "Date:" in text
}
SETTINGS = {
    "COMMENT_OWNERS": {
        "Anna Schmidt": "anna",
        "Technik": "Jonas Weber",
        "Lena Gast": "lena",  # no such account
        "Ana Schmidt": "anna",  # no such author or category
    },
    "COMMENT_OWNERS_FALLBACK": "leyla",
}


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Content, a comment server config and its staff file, isolated in tmp_path."""
    from pelican.log import LimitFilter

    from tests.support import write_files

    # Pelican logs each warning text once per process; these tests repeat some.
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())

    write_files(tmp_path / "content", ARTICLES)
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    monkeypatch.setenv("ISSO_SETTINGS", str(write_isso_config(server_dir)))
    monkeypatch.delenv("BLOG_STAFF_FILE", raising=False)
    for account, name in (("anna", "Anna Schmidt"), ("jonas", "Jonas Weber")):
        add_account(server_dir / "staff.cfg", account, name, "ein-langes-passwort")
    add_account(server_dir / "staff.cfg", "leyla", "Leyla Demir", "ein-langes-pw!")
    return tmp_path


def owners_file(site):
    return json.loads((site / OWNERS_FILE_NAME).read_text(encoding="utf-8"))


def owner_warnings(caplog):
    return sorted(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("comment_owners") and record.levelname == "WARNING"
    )


def build(site, caplog, **settings):
    with caplog.at_level(logging.WARNING, logger="comment_owners"):
        return build_site(site / "content", site / "output", **{**SETTINGS, **settings})


def test_build_writes_every_threads_owner_beside_the_database(site, caplog):
    output = build(site, caplog)
    assert owners_file(site) == {
        "closed": ["/2026/tippfehler/"],  # Comments: closed; the server refuses
        "format": 1,
        "fallback": "leyla",
        "threads": {
            # with the article's title, which the desk shows
            "/2026/anders/": {
                "owner": "leyla",
                "rule": "metadata",
                "title": "Anders zuständig",
            },
            "/2026/niemand/": {
                "owner": "leyla",
                "rule": "fallback",
                "title": "Ohne Zuordnung",
            },
            "/2026/technik/": {
                "owner": "jonas",
                "rule": "category",
                "title": TITLES["/2026/technik/"],
            },
            "/2026/tippfehler/": {
                "owner": "anna",
                "rule": "author",
                "title": "Tippfehler",
            },
            "/2026/von-anna/": {
                "owner": "anna",
                "rule": "author",
                "title": TITLES["/2026/von-anna/"],
            },
            "/kontakt/": {"owner": "leyla", "rule": "fallback", "title": "Kontakt"},
        },
    }
    assert not list(output.rglob(OWNERS_FILE_NAME))


def test_leak_check_refuses_the_owners_file_in_a_site(tmp_path):
    (tmp_path / "site" / "intern").mkdir(parents=True)
    (tmp_path / "site" / "intern" / OWNERS_FILE_NAME).write_text("{}")
    [finding] = find_leaks(tmp_path / "site", [], [])
    assert finding.path == f"intern/{OWNERS_FILE_NAME}"
    assert finding.what == "comment owners file"


def test_unknown_names_warn_once_naming_the_file_or_setting(site, caplog):
    build(site, caplog)
    warnings = owner_warnings(caplog)
    staff_file = site / "server" / "staff.cfg"
    assert warnings == sorted(
        [
            "comment_owners: COMMENT_OWNERS['Ana Schmidt'] names no author or "
            "category of this site",
            f"comment_owners: COMMENT_OWNERS['Lena Gast'] = 'lena' is no staff account "
            f"in {staff_file}; its comments go to the next rule",
            f"comment_owners: {site / 'content/articles/tippfehler.md'}: "
            f"Comments_owner: 'leila' is no staff account in {staff_file}; "
            "the next rule decides",
        ]
    )


def test_unknown_fallback_warns_and_uses_the_shared_account(site, caplog):
    build(site, caplog, COMMENT_OWNERS={}, COMMENT_OWNERS_FALLBACK="team")
    assert "COMMENT_OWNERS_FALLBACK = 'team' is no staff account" in caplog.text
    assert owners_file(site)["fallback"] == "redaktion"
    assert owners_file(site)["threads"]["/2026/niemand/"]["owner"] == "redaktion"


def test_without_a_staff_file_names_are_passed_on_unchecked(site, caplog):
    (site / "server" / "staff.cfg").unlink()
    build(site, caplog)
    assert owner_warnings(caplog) == [  # names are not checked, keys are
        "comment_owners: COMMENT_OWNERS['Ana Schmidt'] names no author or "
        "category of this site"
    ]
    threads = owners_file(site)["threads"]
    assert threads["/2026/tippfehler/"]["owner"] == "leila"
    assert threads["/2026/tippfehler/"]["rule"] == "metadata"
    assert threads["/2026/technik/"]["owner"] == "lena"
    assert threads["/2026/technik/"]["rule"] == "author"


def test_file_is_rewritten_only_when_owners_change(site, caplog):
    build(site, caplog)
    path = site / OWNERS_FILE_NAME
    stamp = path.stat().st_mtime_ns
    caplog.clear()
    build(site, caplog)
    assert path.stat().st_mtime_ns == stamp
    # nothing changed: the unknown names are no warning again on every build
    assert owner_warnings(caplog) == []
    target = site / "elsewhere" / "owners.json"
    build(site, caplog, COMMENT_OWNERS_FILE=str(target))
    assert json.loads(target.read_text())["fallback"] == "leyla"


def test_wrong_setting_type_stops_the_build_naming_it(site, caplog):
    with pytest.raises(CommentOwnersSettingError, match="COMMENT_OWNERS=.*must map"):
        build(site, caplog, COMMENT_OWNERS=[("Anna Schmidt", "anna")])


def test_with_comments_switched_off_no_owner_name_is_called_unknown(tmp_path, caplog):
    write_files(
        tmp_path / "content",
        {
            "articles/a.md": (
                "Title: A\nDate: 2026-01-01\nAuthors: Anna Schmidt\n\nText.\n"
            )
        },
    )
    build_site(tmp_path / "content", tmp_path / "out", COMMENTS_ENABLED=False)
    assert "names no author or category" not in caplog.text
