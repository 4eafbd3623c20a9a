"""parallel_build: the same site, read and rendered by several processes."""

import json
import logging
import os
import threading

import pytest
from jinja2 import Environment
from pelican.readers import Readers
from pelican.settings import read_settings
from pelican.writers import FileOverwriteFailedError, Writer

from parallel_build import parallel_build, prefetch
from parallel_build.forks import replay_logs
from parallel_build.prefetch import Prefetch, read_ahead
from parallel_build.workers import BuildWorkersError, build_workers, may_fork
from parallel_build.writer import (
    SMALLEST_BATCH,
    ParallelWriter,
    lists_every_article,
    write_arguments,
)
from tests.support import ROOT, run_alone

ARTICLES = 70  # enough to fork for reading (32) and writing (64 calls)


def plain_settings(tmp_path, workers):
    """Plain Pelican with only this plugin, so the two builds can be compared."""
    path = tmp_path / f"plain-{workers}.py"
    path.write_text(
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        'PLUGINS = ["parallel_build"]\n'
        f"BUILD_WORKERS = {workers}\n"
        'SITENAME = "Plain"\nTIMEZONE = "Europe/Berlin"\nDEFAULT_PAGINATION = 5\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n",
        encoding="utf-8",
    )
    return str(path)


def article(number, **extra):
    lines = [
        f"Title: Beitrag {number}",
        f"Date: 2026-03-{1 + number % 28:02d} {number % 24:02d}:00",
        f"Category: {['Team', 'Technik', 'Werkstatt'][number % 3]}",
        f"Tags: t{number % 5}, gemeinsam",
        f"Summary: Kurz zu *{number}*.",
        *(f"{key}: {value}" for key, value in extra.items()),
        "",
        f"Text **{number}** mit [Link](https://example.org/{number}).",
        "",
        "| a | b |\n|---|---|\n| 1 | 2 |",
    ]
    return "\n".join(lines) + "\n"


def write_site(content, count=ARTICLES, **special):
    """Write ``count`` articles; ``special`` maps a file name to its text."""
    files = {f"articles/a{number:03d}.md": article(number) for number in range(count)}
    files.update(special)
    for relative, text in files.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def output_files(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def build_alone(tmp_path, output, settings_file=None, **overrides):
    """Build ``tmp_path/content`` in a fresh single-threaded interpreter (this
    test process may run servers' threads, and then the plugin rightly builds
    in one process). Return what it saw: how many processes wrote pages
    (``content_written`` runs where a page is written), whether each source
    came from a reading helper, and the log's lines."""
    log = tmp_path / f"{output}.writers"
    code = f"""
        import json, logging, os, sys
        sys.path.insert(0, {str(ROOT / "plugins")!r})
        from pelican import signals
        from parallel_build.prefetch import Prefetch
        from tests.support import build_site

        def record(path, context=None):
            with open({str(log)!r}, "a", encoding="utf-8") as stream:
                stream.write(f"{{os.getpid()}}\\n")

        taken, take = [], Prefetch.take

        def counting_take(self, path):
            result = take(self, path)
            taken.append(result is not None)
            return result

        signals.content_written.connect(record)
        Prefetch.take = counting_take
        logging.basicConfig(format="LOG %(levelname)s %(message)s")
        build_site(
            {str(tmp_path / "content")!r}, {str(tmp_path / output)!r},
            *{[settings_file] if settings_file else []!r}, **{overrides!r}
        )
        writers = set(open({str(log)!r}, encoding="utf-8").read().split())
        print("REPORT", json.dumps({{"writers": len(writers), "taken": taken}}))
    """
    printed = run_alone(code)
    report = json.loads(printed.split("REPORT ", 1)[1].splitlines()[0])
    report["log"] = [line for line in printed.splitlines() if line.startswith("LOG ")]
    return report


def test_two_processes_write_the_same_site_as_one(tmp_path):
    write_site(tmp_path / "content")
    single = build_alone(tmp_path, "one", plain_settings(tmp_path, 1))
    assert single["writers"] == 1
    assert single["taken"] == []
    parallel = build_alone(tmp_path, "two", plain_settings(tmp_path, 2))
    assert parallel["writers"] == 2  # the build process and a forked helper
    assert len(parallel["taken"]) == ARTICLES and all(parallel["taken"])
    expected = output_files(tmp_path / "one")
    assert len([name for name in expected if name.endswith(".html")]) > 100
    assert output_files(tmp_path / "two") == expected


def test_the_project_builds_the_same_site_with_helpers(tmp_path):
    write_site(tmp_path / "content")
    assert build_alone(tmp_path, "one", BUILD_WORKERS=1)["writers"] == 1
    parallel = build_alone(tmp_path, "two", BUILD_WORKERS=2)
    assert parallel["writers"] == 2 and all(parallel["taken"])
    single = output_files(tmp_path / "one")
    assert output_files(tmp_path / "two").keys() == single.keys()
    differing = {
        name
        for name, content in output_files(tmp_path / "two").items()
        if single[name] != content
    }
    # only the transparency page and its data carry the time of the build
    assert differing <= {"answered/index.html", "answered/answered.json"}


def test_a_source_that_fails_is_reported_and_skipped_as_pelican_does(tmp_path):
    write_site(
        tmp_path / "content",
        **{"articles/kaputt.md": "Title: Kaputt\nDate: kein Datum\n\nText\n"},
    )
    report = build_alone(tmp_path, "output", plain_settings(tmp_path, 2))
    failures = [line for line in report["log"] if "Could not process" in line]
    assert len(failures) == 1 and "kaputt.md" in failures[0]
    assert report["taken"].count(False) == 1  # read again here, which reported it
    assert report["taken"].count(True) == ARTICLES
    assert not (tmp_path / "output" / "kaputt.html").exists()
    assert (tmp_path / "output" / "beitrag-0.html").is_file()


def test_warnings_from_a_reading_helper_reach_the_build_log(tmp_path):
    twice = "Title: Eins\nDate: 2026-03-01 09:00\nDate: 2026-03-02 09:00\n\nText\n"
    write_site(tmp_path / "content", **{"articles/doppelt.md": twice})
    report = build_alone(tmp_path, "output", plain_settings(tmp_path, 2))
    assert all(report["taken"])  # doppelt.md too was read by a helper
    warnings = [
        line for line in report["log"] if "Duplicate definition of `date`" in line
    ]
    assert len(warnings) == 1
    assert warnings[0].startswith("LOG WARNING") and "doppelt.md" in warnings[0]


def readers_for(tmp_path, count):
    settings = read_settings(plain_settings(tmp_path, 2))
    content = tmp_path / "content"
    write_site(content, count)
    paths = sorted(str(path) for path in (content / "articles").glob("*.md"))
    return Readers(settings), paths


def test_prefetch_hands_over_what_the_reader_reads(tmp_path):
    readers, paths = readers_for(tmp_path, 12)
    reader = readers.readers["md"]
    expected = {path: reader.read(path) for path in paths}
    ahead = Prefetch(readers, paths[1:], 2)
    try:
        assert ahead.take(paths[0]) is None  # not planned: read here
        for path in reversed(paths[1:]):  # any order
            content, metadata = ahead.take(path)
            assert content == expected[path][0]
            assert metadata == expected[path][1]
            # objects made in the helper refer to the build's own settings
            assert metadata["category"].settings is readers.settings
        assert ahead.take(paths[1]) is None  # each result is handed over once
    finally:
        ahead.close()
    assert all(child.exit_code == 0 for child in ahead.children)


def test_sources_of_a_helper_that_broke_are_read_here(tmp_path, caplog):
    import io

    readers, paths = readers_for(tmp_path, 6)
    reader = readers.readers["md"]
    expected = {path: reader.read(path) for path in paths}
    ahead = Prefetch(readers, paths, 2)
    ahead.children[0].stream = io.BytesIO(b"")  # its pipe ends at once
    read_ahead(reader, ahead)
    with caplog.at_level(logging.WARNING):
        results = {path: reader.read(path) for path in paths}
    ahead.close()
    assert results == expected
    assert "a reading helper stopped" in caplog.text


def test_sources_to_read_follow_pelicans_order_and_skip_cached_ones(tmp_path):
    readers, paths = readers_for(tmp_path, 4)

    class Generator:  # what sources_to_read uses of an ArticlesGenerator
        path = str(tmp_path / "content")
        settings = readers.settings

        def __init__(self):
            self.readers = readers

        def get_files(self, paths, exclude=None):
            return ["articles/a002.md", "articles/a000.md", "notes.txt"]

        def get_cached_data(self, relative, default=None):
            return "cached" if relative == "articles/a000.md" else default

    (tmp_path / "content" / "notes.txt").write_text("x")
    assert prefetch.sources_to_read(Generator(), ["articles"], []) == [
        str(tmp_path / "content" / "articles" / "a002.md")
    ]


TEMPLATES = Environment()
PAGE = TEMPLATES.from_string("{{ label }}: {{ 100 // divisor }}")


def write_calls(writer, count, divisor_for=lambda index: 1):
    for index in range(count):
        writer.write_file(
            f"page-{index}.html", PAGE, {}, label=index, divisor=divisor_for(index)
        )


def parallel_writer(output, workers=2):
    return ParallelWriter(
        str(output), settings={"RELATIVE_URLS": False, "BUILD_WORKERS": workers}
    )


def test_kept_calls_and_overrides_leave_the_files_pelican_leaves(tmp_path):
    def run(writer, flush):
        writer.write_file(
            "over-early.html",
            PAGE,
            {},
            label="override",
            divisor=1,
            override_output=True,
        )
        write_calls(writer, SMALLEST_BATCH + 10)
        # the same names again, as a page with save_as would: it wins
        writer.write_file(
            "page-3.html",
            PAGE,
            {},
            label="override",
            divisor=1,
            override_output=True,
        )
        writer.write_file("over-early.html", PAGE, {}, label="skipped", divisor=1)
        flush()

    run(Writer(str(tmp_path / "one"), settings={}), lambda: None)
    writer = parallel_writer(tmp_path / "two")
    run(writer, writer.flush)
    assert output_files(tmp_path / "two") == output_files(tmp_path / "one")
    assert (tmp_path / "two" / "page-3.html").read_text() == "override: 100"
    assert (tmp_path / "two" / "over-early.html").read_text() == "override: 100"


def test_two_kept_calls_for_one_file_fail_as_in_pelican(tmp_path):
    writer = parallel_writer(tmp_path / "out")
    write_calls(writer, SMALLEST_BATCH + 10)
    write_calls(writer, 1)  # page-0.html a second time
    with pytest.raises(FileOverwriteFailedError, match="page-0.html"):
        writer.flush()


def test_an_error_while_rendering_in_a_helper_is_raised_here(tmp_path):
    writer = parallel_writer(tmp_path / "out")
    count = SMALLEST_BATCH * 3
    # every other call fails, so both processes meet a failure
    write_calls(writer, count, divisor_for=lambda index: index % 2)
    with pytest.raises(ZeroDivisionError):
        writer.flush()


def test_a_writer_with_one_worker_writes_at_once(tmp_path):
    writer = parallel_writer(tmp_path / "out", workers=1)
    write_calls(writer, 3)
    assert writer.kept == []
    assert (tmp_path / "out" / "page-2.html").read_text() == "2: 100"


ARCHIVE = (
    "{% for title in dates %}"
    "<a href='{{ SITEURL }}/{{ title }}'>{{ title }}</a>"
    "{% endfor %}"
)


def archive_call(writer):
    titles = [f"Beitrag {number} – Grüße" for number in range(2000)]
    writer.write_file(
        "archiv/index.html",
        writer.archive,
        {"SITEURL": "https://blog.example"},
        relative_urls=True,
        articles=titles,
        dates=titles,
        template_name="archives",
        url="archiv/",
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_page_listing_every_article_is_written_piece_by_piece(tmp_path, workers):
    pelican = Writer(str(tmp_path / "pelican"), settings=read_settings(None))
    pelican.archive = Environment().from_string(ARCHIVE)
    archive_call(pelican)

    def whole(*args, **kwargs):
        raise AssertionError("the archive was rendered to one string")

    writer = parallel_writer(tmp_path / "parallel", workers)
    writer.archive = Environment().from_string(ARCHIVE)
    writer.archive.render = whole
    archive_call(writer)
    writer.flush()
    page = "archiv/index.html"
    expected = (tmp_path / "pelican" / page).read_bytes()
    assert b"href='../Beitrag 1999" in expected
    assert (tmp_path / "parallel" / page).read_bytes() == expected


@pytest.mark.parametrize(
    "arguments, streamed",
    [
        ({"dates": [1], "articles": [1], "template_name": "archives"}, True),
        ({"dates": [1], "articles": [1], "template_name": "period_archives"}, True),
        ({"dates": [1], "articles": [1], "template_name": "tag"}, False),
        ({"dates": [1], "template_name": "tag", "paginated": {}}, True),
        ({"articles": [1], "template_name": "archives"}, False),
        ({"label": 1}, False),
    ],
)
def test_only_pages_listing_a_whole_article_list_are_streamed(arguments, streamed):
    settings = read_settings(None)
    call = write_arguments(**arguments)
    assert lists_every_article(call, settings) == streamed


@pytest.mark.parametrize("value", [0, -1, "2", 1.5, True])
def test_a_wrong_build_workers_setting_is_named(value):
    with pytest.raises(BuildWorkersError, match=r"^BUILD_WORKERS=.* at least 1"):
        build_workers({"BUILD_WORKERS": value})


def test_build_workers_defaults_to_the_usable_cores():
    assert build_workers({}) == len(os.sched_getaffinity(0))
    assert build_workers({"BUILD_WORKERS": 3}) == 3


def test_a_process_running_threads_builds_in_one(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert may_fork({"BUILD_WORKERS": 2}) == 2
    monkeypatch.undo()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert may_fork({"BUILD_WORKERS": 2}) == 1
        settings = {"BUILD_WORKERS": 2, "PLUGINS": ["parallel_build"]}
        assert (
            parallel_build.parallel_writer(type("P", (), {"settings": settings}))
            is None
        )
    finally:
        stop.set()
        thread.join()


def test_files_written_by_a_helper_are_checked_against_this_process(tmp_path):
    writer = parallel_writer(tmp_path / "out")
    writer._written_files.add("/site/a.html")
    writer.merge([os.devnull, "/site/b.html"])  # a skipped write is no file
    assert writer._written_files == {"/site/a.html", "/site/b.html"}
    with pytest.raises(FileOverwriteFailedError, match="a.html"):
        writer.merge(["/site/a.html"])


def test_records_from_helpers_are_logged_once_as_pelican_logs_them(caplog):
    import pelican.log  # noqa: F401 - Pelican's logger class drops repeats

    def record(text):
        made = logging.LogRecord("pelican.x", logging.WARNING, "", 0, text, None, None)
        made.msg, made.args = made.getMessage(), None
        return made

    with caplog.at_level(logging.WARNING):
        replay_logs([record("gleich 100%"), record("gleich 100%"), record("anders")])
    assert [r.getMessage() for r in caplog.records] == ["gleich 100%", "anders"]
    assert all(r.name == "pelican.x" for r in caplog.records)


def test_when_no_helper_can_start_the_build_process_does_it_all(
    tmp_path, monkeypatch, caplog
):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    readers, paths = readers_for(tmp_path, 6)
    reader = readers.readers["md"]
    expected = {path: reader.read(path) for path in paths}
    monkeypatch.setattr(os, "fork", no_fork)
    with caplog.at_level(logging.WARNING):
        ahead = Prefetch(readers, paths, 2)
        read_ahead(reader, ahead)
        assert {path: reader.read(path) for path in paths} == expected
        writer = parallel_writer(tmp_path / "out")
        write_calls(writer, SMALLEST_BATCH + 1)
        writer.flush()
    ahead.close()
    assert (tmp_path / "out" / f"page-{SMALLEST_BATCH}.html").read_text() == (
        f"{SMALLEST_BATCH}: 100"
    )
    assert "a reading helper failed to start" in caplog.text
    assert "a writing helper failed to start" in caplog.text
