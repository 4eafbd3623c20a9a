"""Running Pagefind: the command line, its report, and a failing run."""

import logging
import sys
from types import SimpleNamespace

import pytest

from pagefind_search.pagefind_search import (
    ALL_HTML,
    PagefindSettingError,
    build_index,
    glob_regex,
    indexed_glob,
    indexed_pages,
    pagefind_command,
    pagefind_settings,
    save_as_glob,
)


def test_command_runs_the_installed_package_over_the_output():
    assert pagefind_command("/site/output", "pagefind", [".a", "#b c"]) == [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        "/site/output",
        "--output-subdir",
        "pagefind",
        "--exclude-selectors",
        ".a, #b c",
    ]


def test_report_says_how_many_pages():
    assert indexed_pages("Total:\n  Indexed 1 language\n  Indexed 12 pages\n") == 12
    assert indexed_pages("") is None


@pytest.mark.parametrize(
    "settings",
    [
        {"PAGEFIND_BUNDLE_DIR": "../pagefind"},
        {"PAGEFIND_BUNDLE_DIR": "/"},
        {"PAGEFIND_EXCLUDE_SELECTORS": ".answered-line"},
    ],
)
def test_bad_settings_are_refused_naming_them(settings):
    with pytest.raises(PagefindSettingError, match=next(iter(settings))):
        pagefind_settings(settings)


def test_a_site_that_cannot_be_indexed_logs_an_error(tmp_path, caplog):
    pelican = SimpleNamespace(
        settings={"PLUGINS": ["pagefind_search"]}, output_path=str(tmp_path / "fehlt")
    )
    with caplog.at_level(logging.ERROR):
        build_index(pelican)
    assert "pagefind_search: Pagefind failed" in caplog.text


def test_a_build_that_does_not_list_the_plugin_gets_no_index(tmp_path):
    (tmp_path / "index.html").write_text("<html lang=de><body>Text</body></html>")
    build_index(SimpleNamespace(settings={"PLUGINS": []}, output_path=str(tmp_path)))
    assert not (tmp_path / "pagefind").exists()


PROJECT_SAVE_AS = {
    "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html",
    "ARTICLE_LANG_SAVE_AS": "{date:%Y}/{slug}-{lang}/index.html",
    "PAGE_SAVE_AS": "{slug}/index.html",
    "PAGE_LANG_SAVE_AS": "{slug}-{lang}/index.html",
}


def test_the_glob_names_the_saved_articles_and_pages_not_the_listings():
    glob = indexed_glob(
        ["2026/erster/index.html", "2025/zweiter/index.html", "impressum/index.html"],
        PROJECT_SAVE_AS,
    )
    assert glob == "{[0-9][0-9][0-9][0-9]/*/index.html,*/index.html}"
    matches = glob_regex("[0-9][0-9][0-9][0-9]/*/index.html").fullmatch
    assert matches("2026/erster/index.html")
    assert not matches("kategorie/team/index.html")
    assert not matches("2026/seite/2/index.html")  # * stays within a folder


def test_content_saved_elsewhere_is_named_by_its_path():
    glob = indexed_glob(["2026/erster/index.html", "sonder/ort.html"], PROJECT_SAVE_AS)
    assert glob == "{[0-9][0-9][0-9][0-9]/*/index.html,sonder/ort.html}"


@pytest.mark.parametrize(
    ("paths", "why"),
    [
        ([], "nothing to index"),
        (["ecke[1]/index.html"], "a path with glob characters"),
        ([f"s/{n:06d}-{'x' * 40}.html" for n in range(3000)], "too long"),
    ],
)
def test_pagefinds_own_glob_when_no_exact_one_can_be_made(paths, why):
    assert indexed_glob(paths, {"ARTICLE_SAVE_AS": "{slug}.xml"}) == ALL_HTML, why


@pytest.mark.parametrize(
    ("save_as", "glob"),
    [
        ("{date:%Y}/{date:%m}/{slug}.html", "[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.html"),
        ("posts/{date:%Y/%m}/{slug}/", "posts/[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/"),
        ("{date:%B}/{slug}.html", "*/*.html"),  # month names are not digits
        ("{category}/{slug}{lang}.html", "*/*.html"),  # never a **
        ("wi{ld}*.html", None),
    ],
)
def test_save_as_settings_become_globs(save_as, glob):
    assert save_as_glob(save_as) == glob


def test_the_glob_goes_to_pagefind_unless_it_is_the_default():
    command = pagefind_command("/out", "pagefind", (), "{a/*.html}")
    assert command[-2:] == ["--glob", "{a/*.html}"]
    assert "--glob" not in pagefind_command("/out", "pagefind", (), ALL_HTML)
