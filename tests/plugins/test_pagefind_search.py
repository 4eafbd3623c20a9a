"""Running Pagefind: the command line, its report, and a failing run."""

import logging
import shutil
import sys
from types import SimpleNamespace

import pytest

from pagefind_search.pagefind_search import (
    ALL_HTML,
    INDEXED_FILES,
    RUNNING,
    STARTED,
    PagefindRun,
    PagefindSettingError,
    build_index,
    chained_command,
    configure,
    glob_regex,
    index_parts,
    indexed_glob,
    indexed_pages,
    note_indexed_files,
    pagefind_command,
    pagefind_settings,
    save_as_glob,
    start_after_pages,
    start_index,
)
from tests.support import ROOT, run_alone


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
        {"PAGEFIND_EXCLUDE_SELECTORS": None},
        {"PAGEFIND_EXCLUDE_SELECTORS": [".answered-line", "..bad[["]},
    ],
)
def test_bad_settings_are_refused_naming_them(settings):
    with pytest.raises(PagefindSettingError, match=next(iter(settings))):
        pagefind_settings(settings)


def test_a_selector_pagefind_would_panic_on_is_named_with_the_reason():
    with pytest.raises(PagefindSettingError) as raised:
        pagefind_settings({"PAGEFIND_EXCLUDE_SELECTORS": [".answered-line", "..x[["]})
    assert str(raised.value) == (
        "PAGEFIND_EXCLUDE_SELECTORS: '..x[[' is not a CSS selector (Malformed "
        "class selector at position 0)"
    )
    assert pagefind_settings({"PAGEFIND_EXCLUDE_SELECTORS": ["div > p.date"]})


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


@pytest.fixture(autouse=True)
def no_build_left_over():
    """Each test starts and ends without a noted build or a running Pagefind."""
    yield
    INDEXED_FILES.clear()
    STARTED.clear()
    for run in RUNNING:
        run.stop()
    RUNNING.clear()


PAGE_HTML = (
    '<html lang="de"><body><article data-pagefind-body>'
    "<h1>{title}</h1><p>Antworten auf jeden Kommentar.</p></article></body></html>"
)


def listed_generator(output, **settings):
    """What start_after_pages uses of Pelican's PagesGenerator."""
    return SimpleNamespace(
        settings={"PLUGINS": ["pagefind_search"], **PROJECT_SAVE_AS, **settings},
        output_path=str(output),
        context={},
        articles=[
            SimpleNamespace(save_as="2026/erster/index.html", status="published")
        ],
        pages=[SimpleNamespace(save_as="impressum/index.html", status="hidden")],
    )


def test_pagefind_starts_once_articles_and_pages_are_written(tmp_path, caplog):
    generator = listed_generator(tmp_path)
    note_indexed_files([generator])
    assert INDEXED_FILES == ["2026/erster/index.html"]  # hidden pages are not

    page = tmp_path / "2026" / "erster" / "index.html"  # written by Pelican
    page.parent.mkdir(parents=True)
    page.write_text(PAGE_HTML.format(title="Erster"), encoding="utf-8")
    with caplog.at_level(logging.INFO):
        start_after_pages(generator, writer=None)
        assert len(RUNNING) == 1  # running while the build goes on
        build_index(SimpleNamespace(settings=generator.settings, output_path=""))
    assert RUNNING == []
    assert "indexed 1 pages" in caplog.text
    assert (tmp_path / "pagefind" / "pagefind-entry.json").is_file()


def test_a_pagefind_over_its_time_is_ended_and_logged(tmp_path, caplog):
    (tmp_path / "index.html").write_text(PAGE_HTML.format(title="Start"))
    run = start_index({"PLUGINS": ["pagefind_search"], "PAGEFIND_TIMEOUT": 0}, tmp_path)
    with caplog.at_level(logging.ERROR):
        run.finish()
    assert run.process.returncode is not None  # ended, not left running
    assert "did not finish within 0 s (PAGEFIND_TIMEOUT)" in caplog.text


def test_the_next_build_ends_a_pagefind_a_failed_build_left(tmp_path):
    (tmp_path / "index.html").write_text(PAGE_HTML.format(title="Start"))
    run = start_index({"PLUGINS": ["pagefind_search"]}, tmp_path)
    RUNNING.append(run)  # the build failed before finalized
    configure(SimpleNamespace(settings={"PLUGINS": ["pagefind_search"]}))
    assert RUNNING == []
    assert run.process.returncode is not None


def test_plain_selectors_are_checked_without_importing_soupsieve():
    printed = run_alone(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "plugins")!r})
        from pagefind_search.pagefind_search import pagefind_settings
        pagefind_settings({{"PAGEFIND_EXCLUDE_SELECTORS": [
            ".post__header .meta", "div > p.date, #x", "*"
        ]}})
        print("SOUPSIEVE", "soupsieve" in sys.modules)
    """)
    assert "SOUPSIEVE False" in printed  # its import cost every build 0.23 s


def test_a_large_site_gets_one_index_per_share_of_pages():
    paths = [f"2026/b{number}/index.html" for number in range(5)]
    settings = {**PROJECT_SAVE_AS, "PAGEFIND_PAGES_PER_INDEX": 2}
    assert index_parts(paths, settings) == [
        ("pagefind", "{2026/b0/index.html,2026/b1/index.html}"),
        ("pagefind/teil-2", "{2026/b2/index.html,2026/b3/index.html}"),
        ("pagefind/teil-3", "{2026/b4/index.html}"),
    ]
    settings["PAGEFIND_PAGES_PER_INDEX"] = 5
    assert index_parts(paths, settings) == [
        ("pagefind", "{[0-9][0-9][0-9][0-9]/*/index.html}")
    ]


@pytest.mark.parametrize("per_index", [0, "1000", 2.5, True])
def test_pages_per_index_must_be_a_whole_number(per_index):
    with pytest.raises(PagefindSettingError, match="PAGEFIND_PAGES_PER_INDEX"):
        pagefind_settings({"PAGEFIND_PAGES_PER_INDEX": per_index})


def test_the_shares_are_indexed_one_after_the_other_and_the_search_page_told(
    tmp_path, caplog
):
    generator = listed_generator(tmp_path, PAGEFIND_PAGES_PER_INDEX=1)
    generator.articles.append(
        SimpleNamespace(save_as="2026/zweiter/index.html", status="published")
    )
    note_indexed_files([generator])
    assert generator.context["PAGEFIND_MERGED_BUNDLES"] == ["pagefind/teil-2"]
    for slug in ("erster", "zweiter"):
        page = tmp_path / "2026" / slug / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(PAGE_HTML.format(title=slug), encoding="utf-8")
    with caplog.at_level(logging.INFO):
        start_after_pages(generator, writer=None)
        build_index(SimpleNamespace(settings=generator.settings, output_path=""))
    assert "indexed 2 pages" in caplog.text
    assert (tmp_path / "pagefind" / "pagefind-entry.json").is_file()
    assert (tmp_path / "pagefind" / "teil-2" / "pagefind-entry.json").is_file()
    fragments = tmp_path / "pagefind" / "fragment"
    assert len(list(fragments.iterdir())) == 1  # each index holds its share


def test_a_failing_share_stops_the_chain_and_is_logged(tmp_path, caplog):
    command = chained_command(
        tmp_path / "missing", [("pagefind", "{a.html}"), ("pagefind/teil-2", "{b}")]
    )
    run = PagefindRun(command, 60, tmp_path / "pagefind")
    with caplog.at_level(logging.ERROR):
        run.finish()
    assert "Pagefind failed" in caplog.text


def test_a_share_whose_pages_did_not_change_keeps_its_index(tmp_path, caplog):
    output = tmp_path / "output"
    generator = listed_generator(
        output, PAGEFIND_PAGES_PER_INDEX=1, CACHE_PATH=str(tmp_path / "cache")
    )
    generator.articles.append(
        SimpleNamespace(save_as="2026/zweiter/index.html", status="published")
    )
    for slug in ("erster", "zweiter"):
        page = output / "2026" / slug / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(PAGE_HTML.format(title=slug), encoding="utf-8")

    def build():
        caplog.clear()
        note_indexed_files([generator])
        start_after_pages(generator, writer=None)
        build_index(SimpleNamespace(settings=generator.settings, output_path=""))
        return caplog.text

    with caplog.at_level(logging.INFO):
        assert "indexed 2 pages" in build()
        entry = output / "pagefind" / "teil-2" / "pagefind-entry.json"
        first = entry.read_bytes()
        assert "are unchanged; index kept" in build()  # no Pagefind at all
        (output / "2026" / "erster" / "index.html").write_text(
            PAGE_HTML.format(title="Erster, geändert"), encoding="utf-8"
        )
        assert "indexed 1 pages" in build()  # the first share only
    assert entry.read_bytes() == first
    assert len(list((output / "pagefind" / "fragment").iterdir())) == 1
    shutil.rmtree(output / "pagefind" / "teil-2")  # e.g. deleted by hand
    with caplog.at_level(logging.INFO):
        assert "unchanged" not in build()  # (Pelican logs a line only once)
    assert entry.read_bytes() == first  # made again
    assert len(list((output / "pagefind" / "fragment").iterdir())) == 1
