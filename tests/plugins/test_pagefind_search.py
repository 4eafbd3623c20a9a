"""Running Pagefind: the command line, its report, and a failing run."""

import logging
import sys
from types import SimpleNamespace

import pytest

from pagefind_search.pagefind_search import (
    PagefindSettingError,
    build_index,
    indexed_pages,
    pagefind_command,
    pagefind_settings,
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
