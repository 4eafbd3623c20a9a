"""Building on both cores: the same bytes as one process, Markdown converted
by a forked helper, pages written by two processes, and Pelican's checks kept."""

import filecmp
import os
import re

import pytest
from both_cores.reading import MIN_SOURCES, Pool
from both_cores.writing import MIN_CALLS, ParallelWriter
from jinja2 import DictLoader, Environment
from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG, read_settings
from pelican.writers import FileOverwriteFailedError

from tests.support import ROOT, run_alone, write_files

ARTICLE = """\
    Title: Beitrag {number}
    Date: 2026-03-{day:02d} 10:00
    Category: Technik
    Tags: Thema {tag}, Server
    Authors: Anna Schmidt
    Summary: Eine **kurze** Zusammenfassung {number}.

    ## Was sich geändert hat

    Wir antworten auf jeden Kommentar, Beitrag {number}.

    - eins
    - zwei

    > Ein Zitat.

    | Monat | Kommentare |
    |---|---:|
    | Januar | {number} |

    ```python
    def antwort():
        return {number}
    ```
"""


def articles(count):
    """``count`` small articles with the parts real posts have."""
    return {
        f"articles/beitrag-{number:03d}.md": ARTICLE.format(
            number=number, day=1 + number % 28, tag=number % 7
        )
        for number in range(count)
    }


def differences(left, right):
    """Files that differ or exist on one side only, below two folders."""
    compared = filecmp.dircmp(left, right)
    found = compared.left_only + compared.right_only + compared.diff_files
    found += [
        name
        for name in compared.common_files
        if not filecmp.cmp(left / name, right / name, shallow=False)
    ]
    for folder in compared.common_dirs:
        found += [
            f"{folder}/{name}" for name in differences(left / folder, right / folder)
        ]
    return found


def test_a_build_on_both_cores_writes_the_same_bytes_as_one_process(tmp_path):
    write_files(tmp_path / "content", articles(MIN_SOURCES + 24))
    logs = {}
    for helpers in (0, 1):  # a fresh process: a process with threads never forks
        logs[helpers] = run_alone(f"""
            import logging, os, sys
            os.environ["SOURCE_DATE_EPOCH"] = "1796112000"
            sys.path.insert(0, {str(ROOT / "plugins")!r})
            from pelican.log import init
            from pelican.settings import read_settings
            from tests.support import build_site
            init(level=logging.INFO)
            plugins = read_settings("pelicanconf.py")["PLUGINS"]
            build_site(
                {str(tmp_path / "content")!r},
                {str(tmp_path / f"build-{helpers}" / "output")!r},
                BUILD_HELPERS={helpers},
                # Pagefind names its files by content hash
                PLUGINS=[p for p in plugins if p != "pagefind_search"],
            )
        """)
    assert "both_cores: " not in logs[0]
    assert re.search(r"both_cores: [1-9]\d* of 40 Markdown sources", logs[1])
    assert re.search(r"both_cores: [1-9]\d* of \d+ files written by 1", logs[1])
    output = {helpers: tmp_path / f"build-{helpers}" / "output" for helpers in logs}
    assert (output[1] / "2026" / "beitrag-7" / "index.html").is_file()
    assert differences(output[0], output[1]) == []


def markdown_settings():
    """Pelican's default settings with the project's Markdown extensions."""
    settings = dict(DEFAULT_CONFIG)
    settings["MARKDOWN"] = read_settings(str(ROOT / "pelicanconf.py"))["MARKDOWN"]
    return settings


def test_a_helper_converts_sources_the_build_has_not_reached(tmp_path):
    write_files(tmp_path, articles(MIN_SOURCES))
    paths = sorted(str(path) for path in (tmp_path / "articles").glob("*.md"))
    settings = markdown_settings()
    pool = Pool(paths, settings, helpers=1)
    try:
        os.waitpid(pool.pids[0], 0)  # let the helper take all it can
        pool.pids = [0]
        taken = [pool.take(path) for path in paths]
    finally:
        pool.finish()
    reader = MarkdownReader(settings)
    converted = [result for result in taken if result is not None]
    assert len(converted) == len(paths)  # the build process reached none first
    for path, (content, metadata) in zip(paths, converted, strict=True):
        expected_content, expected_metadata = reader.read(path)
        assert content == expected_content
        assert metadata["category"].settings is settings  # not a copy
        assert metadata == expected_metadata


def test_a_source_the_helper_cannot_read_is_left_to_the_build(tmp_path):
    write_files(tmp_path, articles(MIN_SOURCES))
    paths = sorted(str(path) for path in (tmp_path / "articles").glob("*.md"))
    paths[-1] = str(tmp_path / "missing.md")
    pool = Pool(paths, markdown_settings(), helpers=1)
    try:
        assert pool.take(paths[-1]) is None  # converted (and reported) here
    finally:
        pool.finish()


def page_calls(output, names):
    """Kept write_file calls of a one-line template, one per name."""
    template = Environment().from_string("<p>{{ output_file }}</p>")
    writer = ParallelWriter(str(output), settings={"BUILD_HELPERS": 1})
    for name in names:
        writer.write_file(name, template, {"localsiteurl": ""})
    return writer


def test_kept_pages_are_written_by_both_processes(tmp_path):
    names = [f"seite-{number}/index.html" for number in range(MIN_CALLS * 2)]
    writer = page_calls(tmp_path, names)
    assert not (tmp_path / names[0]).exists()  # kept until flush
    writer.flush()
    for name in names:
        assert (tmp_path / name).read_text() == f"<p>{name}</p>"
    assert len(writer._written_files) == len(names)
    writer.write_file("danach.html", writer.kept or Environment().from_string("x"), {})
    assert (tmp_path / "danach.html").read_text() == "x"  # at once after flush


def test_a_file_written_twice_is_refused_as_pelican_does(tmp_path):
    names = [f"seite-{number}.html" for number in range(MIN_CALLS * 2)]
    names[-1] = names[0]
    with pytest.raises(FileOverwriteFailedError, match="seite-0.html"):
        page_calls(tmp_path, names).flush()


def test_the_articles_own_files_are_written_first_for_the_search_index(tmp_path):
    template = Environment().from_string("<p>{{ output_file }}</p>")
    writer = ParallelWriter(str(tmp_path), settings={"BUILD_HELPERS": 1})
    for number in range(MIN_CALLS * 2):
        writer.write_file(f"a{number}.html", template, {}, article=number)
    writer.write_file("archiv.html", template, {})
    assert writer.keeps_content
    writer.flush(content_only=True)
    assert not writer.keeps_content
    assert (tmp_path / "a0.html").is_file()
    assert not (tmp_path / "archiv.html").exists()  # listings follow at finalized
    writer.flush()
    assert (tmp_path / "archiv.html").is_file()


def test_listed_after_the_readers_of_the_output_it_writes_at_once(tmp_path):
    writer = ParallelWriter(
        str(tmp_path),
        settings={"BUILD_HELPERS": 1, "PLUGINS": ["sitemap_robots", "both_cores"]},
    )
    writer.write_file("x.html", Environment().from_string("x"), {})
    assert (tmp_path / "x.html").read_text() == "x"


def test_a_page_whose_templates_did_not_change_is_kept_as_it_is(tmp_path):
    loader = DictLoader(
        {
            "base.html": "<main>{% block main %}{% endblock %}</main>",
            "article.html": '{% extends "base.html" %}{% block main %}A{% endblock %}',
            "tag.html": '{% extends "base.html" %}{% block main %}T'
            '{% include "includes/liste.html" %}{% endblock %}',
            "includes/liste.html": "<ul></ul>",
        }
    )
    environment = Environment(loader=loader)
    settings = {"BUILD_HELPERS": 0, "BUILD_CHANGED_TEMPLATES": ["includes/liste.html"]}
    (tmp_path / "artikel.html").write_text("alt")
    (tmp_path / "thema.html").write_text("alt")
    os.utime(tmp_path / "artikel.html", (1, 1))
    writer = ParallelWriter(str(tmp_path), settings=settings)
    writer.write_file(
        "artikel.html",
        environment.get_template("article.html"),
        {"localsiteurl": ""},
        article=1,
    )
    writer.write_file(
        "thema.html", environment.get_template("tag.html"), {"localsiteurl": ""}
    )
    writer.write_file(
        "neu.html",
        environment.get_template("article.html"),
        {"localsiteurl": ""},
        article=1,
    )
    assert (tmp_path / "artikel.html").read_text() == "alt"  # not rendered again
    assert (tmp_path / "artikel.html").stat().st_mtime > 1  # but touched
    assert (tmp_path / "thema.html").read_text() == "<main>T<ul></ul></main>"
    assert (tmp_path / "neu.html").read_text() == "<main>A</main>"  # was missing


def test_a_running_child_takes_a_helpers_place(tmp_path, caplog):
    import logging
    import subprocess
    import sys

    from both_cores.writing import running_children

    before = running_children()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert running_children() == before + 1
        writer = page_calls(tmp_path, [f"s{n}.html" for n in range(MIN_CALLS * 2)])
        writer.settings["BUILD_HELPERS"] = 1 + before
        with caplog.at_level(logging.INFO, logger="both_cores.writing"):
            writer.flush()  # Pagefind beside the build: no helper forked
        assert "helper(s)" not in caplog.text
        assert len(writer._written_files) == MIN_CALLS * 2
    finally:
        child.kill()
        child.wait()


def test_pelicans_memo_of_written_content_is_let_go():
    from types import SimpleNamespace

    from both_cores.both_cores import write_content
    from pelican.contents import Content

    Content.get_content.cache[("article", "")] = "<p>HTML</p>"
    write_content(SimpleNamespace(), SimpleNamespace(keeps_content=True))
    assert Content.get_content.cache  # pages still to write read it
    write_content(SimpleNamespace(), None)
    assert not Content.get_content.cache
