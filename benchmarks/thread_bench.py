"""Comment → static page: how soon a new comment and a removal are in the HTML.

- under ``invoke serve``: a comment posted to the running comment server (or
  removed with ``comments.remove``'s code) until the article's served HTML
  holds it (or no longer does);
- in production: ``invoke publish --comments`` after one new comment and after
  its removal, as the one-minute timer runs it (a fresh process, after one full
  publish; its parade posts send no Webmentions), with its CPU time until the
  pages are live.

A removal is timed from the command's return: its own start is not counted.

- in a full build: what the static threads cost, as cold builds of one site
  with and without ``COMMENT_THREAD_ENABLED`` in interleaved pairs, in one
  process (wall and CPU, each pair's ratio: a busy minute of a shared
  machine hits both alike).

``python -m benchmarks.thread_bench [--serve 1000 20000] [--publish 5000
100000] [--cost 5000 100000] [--rounds 3]``; ``invoke bench`` adds its rows
to RESULTS.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from benchmarks.bench import (
    add_comment,
    measured_build,
    pelican_code,
    project_overrides,
)
from benchmarks.preview_bench import Server, free_port, wait_until
from benchmarks.synthetic import fill_comments, write_articles, write_comment_config

ROOT = Path(__file__).resolve().parent.parent
PUBLISHCONF = str(ROOT / "publishconf.py")


def page_holds(url, text):
    """True when the page at ``url`` holds ``text``."""
    with urllib.request.urlopen(url, timeout=30) as reply:
        return text in reply.read().decode("utf-8")


def synthetic_site(work, articles, comments):
    """Write the articles and the comment database; return (threads, config)."""
    threads = write_articles(work / "content", articles)
    config = write_comment_config(work)
    config.write_text(
        config.read_text().replace("127.0.0.1:0", f"127.0.0.1:{free_port()}")
    )
    fill_comments(config, threads, comments)
    return threads, config


def measure_serve(work, threads, config, rounds):
    """Run `invoke serve`; return (seconds to a comment shown, to it removed)."""
    from comments.config import load_config
    from comments.server.app import build_server
    from comments.staff.removal import remove_comment
    from tests.support import CommentClient

    port = free_port()
    settings = work / "serveconf.py"
    settings.write_text(
        "from pelicanconf import *\n"
        f"PATH = {str(work / 'content')!r}\nOUTPUT_PATH = {str(work / 'output')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"CACHE_PATH = {str(work / 'cache')!r}\n"
        f"COMMENTS_SNAPSHOT_DIR = {str(work / 'snapshots')!r}\n",
        encoding="utf-8",
    )
    environ = {"ISSO_SETTINGS": str(config), "ISSO_ADMIN_PASSWORD": "x" * 12}
    server = Server(
        [sys.executable, "-m", "invoke", "serve", "--port", str(port)]
        + ["--settings", str(settings)],
        env=environ,
    )
    shown, removed = [], []
    try:
        server.wait_for_line("Blog:", 0, timeout=900)
        conf, _ = load_config(config, environ=environ)
        client = CommentClient(conf.get("server", "listen"))
        isso = build_server(conf)
        for index in range(rounds):
            uri = threads[1 + index * 37]
            text = f"Neue Frage {time.time_ns()} an die Redaktion"
            started = time.perf_counter()
            comment = client.post(uri, text, author="Ida").body["id"]
            url = f"http://127.0.0.1:{port}{uri}"
            shown.append(wait_until(lambda u=url, t=text: page_holds(u, t)) - started)
            remove_comment(isso, comment, "spam")
            started = time.perf_counter()  # from the commit: the command's own
            removed.append(
                wait_until(lambda u=url, t=text: not page_holds(u, t)) - started
            )
            time.sleep(1)
    finally:
        server.stop()
    return shown, removed


def publish_code(overrides):
    """Python code for one comment-only publish in a fresh process (the timer's);
    it prints ``CPU <seconds> <seconds>`` (its own CPU time, its children's:
    the transparency page's) just before the line that says the pages are
    live."""
    return textwrap.dedent(
        f"""
        import logging, os, sys, time
        from pelican.log import init
        from publishing.publish import publish_comments
        init(level=logging.ERROR)
        class Marked:
            def write(self, text):
                if text.startswith("Published comments"):
                    kids = os.times().children_user + os.times().children_system
                    sys.__stdout__.write(
                        f"CPU {{time.process_time():.3f}} {{kids:.3f}}\\n"
                    )
                return sys.__stdout__.write(text)
            def flush(self):
                sys.__stdout__.flush()
        sys.stdout = Marked()
        publish_comments({PUBLISHCONF!r}, allow_placeholder=True, **{overrides!r})
        """
    )


def timed_publish(overrides, environ):
    """Run one comment-only publish; return (seconds until its pages are live,
    its CPU seconds until then, seconds until it ended, its children's CPU
    seconds until its pages were live)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", publish_code(overrides)],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        text=True,
    )
    live = cpu = children = None
    for line in process.stdout:  # the pages are live: then the search index
        if line.startswith("CPU "):
            cpu, children = (float(value) for value in line.split()[1:3])
        if line.startswith("Published comments"):
            live = time.perf_counter() - started
    if process.wait() != 0 or live is None:
        raise RuntimeError("invoke publish --comments failed or published nothing")
    return live, cpu, time.perf_counter() - started, children


def measure_publish(work, threads, config, rounds):
    """One full publish, then a comment and ``publish --comments`` per round;
    return (full publish seconds, comment-only publish seconds per round)."""
    from comments.config import load_config

    conf, _ = load_config(config, environ={"ISSO_ADMIN_PASSWORD": "x" * 12})
    database = conf.get("general", "dbpath")
    overrides = {
        "PATH": str(work / "content"),
        "PUBLISH_TARGET": str(work / "site"),
        "COMMENTS_DATABASE": database,
        "COMMENTS_SNAPSHOT_DIR": str(work / "snapshots"),
        "CACHE_PATH": str(work / "publish-cache"),
    }
    full = textwrap.dedent(
        f"""
        import logging
        from pelican.log import init
        from publishing.publish import publish_site
        init(level=logging.ERROR)
        publish_site(
            {PUBLISHCONF!r}, allow_placeholder=True, WEBMENTION_SEND=False,
            **{overrides!r}
        )
        """
    )
    environ = {**os.environ, "ISSO_SETTINGS": str(config)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", full], cwd=ROOT, env=environ, check=True)
    full_seconds = time.perf_counter() - started
    kept = work / "publish-cache" / "comment-refresh-pages.pickle"
    kept_note = (
        "the full publish keeps its pages for it: "
        f"{kept.stat().st_size / 2**20:.0f} MiB"
    )
    from comments.server.app import build_server
    from comments.staff.removal import remove_comment

    isso = build_server(conf)
    added, removed = [], []  # (live, CPU until live, total) per round
    for index in range(rounds):
        comment = add_comment(database, threads[2 + index * 41])
        added.append(timed_publish(overrides, environ))
        remove_comment(isso, comment, "spam")
        removed.append(timed_publish(overrides, environ))
    add_comment(database, threads[2])
    timed_publish(overrides, environ)
    page = work / "site" / "current" / threads[2].strip("/") / "index.html"
    assert "Neue Frage" in page.read_text(encoding="utf-8"), "comment not published"
    quiet = []  # the timer's usual minute: no comment changed
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", publish_code(overrides)],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        )
        quiet.append(time.perf_counter() - started)
        if not result.stdout.startswith("Nothing changed since the last publish"):
            raise RuntimeError(f"a quiet minute published: {result.stdout!r}")
    return full_seconds, added, removed, kept_note, quiet


def spread(values):
    """Return the values as "0.41, 0.52 s"."""
    return ", ".join(f"{value:.2f}" for value in values) + " s"


def serve_rows(articles, comments, rounds):
    """Measure under `invoke serve`; return Markdown table rows (as bench.table)."""
    work = Path(tempfile.mkdtemp(prefix=f"thread-serve-{articles}-"))
    try:
        threads, config = synthetic_site(work, articles, comments)
        shown, removed = measure_serve(work, threads, config, rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = f"N={articles:,}, M={comments:,}"
    return [
        (
            size,
            "new comment → in the static page: invoke serve",
            f"{statistics.median(shown):.2f} s",
            f"median of {rounds} ({spread(shown)}); target ≤ 3 s",
        ),
        (
            size,
            "comments.remove → gone from the static page: invoke serve",
            f"{statistics.median(removed):.2f} s",
            f"median of {rounds} ({spread(removed)}); target ≤ 3 s",
        ),
    ]


def publish_rows(articles, comments, rounds):
    """Measure `invoke publish --comments`; return Markdown table rows."""
    work = Path(tempfile.mkdtemp(prefix=f"thread-publish-{articles}-"))
    try:
        threads, config = synthetic_site(work, articles, comments)
        full, added, removed, kept, quiet = measure_publish(
            work, threads, config, rounds
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = f"N={articles:,}, M={comments:,}"
    live, cpu, totals, children = ([run[part] for run in added] for part in range(4))
    gone, gone_cpu = ([run[part] for run in removed] for part in range(2))
    gone_children = [run[3] for run in removed]
    return [
        (
            size,
            "new comment → live: invoke publish --comments",
            f"{statistics.median(live):.2f} s",
            f"median of {rounds} ({spread(live)}), a fresh process each, "
            f"CPU {statistics.median(cpu):.2f} s (its children "
            f"{statistics.median(children):.2f} s beside it); target ≤ 5 s; "
            f"the full publish before it: {full:.0f} s",
        ),
        (
            size,
            "comments.remove → gone: invoke publish --comments",
            f"{statistics.median(gone):.2f} s",
            f"median of {rounds} ({spread(gone)}), "
            f"CPU {statistics.median(gone_cpu):.2f} s (its children "
            f"{statistics.median(gone_children):.2f} s); target ≤ 5 s",
        ),
        (
            size,
            "… and its search index live (second release)",
            f"{statistics.median(totals):.2f} s",
            f"median of {rounds} ({spread(totals)}); {kept}",
        ),
        (
            size,
            "… a minute without a changed comment (no release)",
            f"{statistics.median(quiet):.2f} s",
            f"median of {rounds} ({spread(quiet)}), a fresh process each",
        ),
    ]


def measure_thread_cost(work, db_path, rounds):
    """Return [(with threads, without)] Build pairs of cold project builds in
    one process (``BUILD_HELPERS = 0``; Pagefind still runs beside it);
    which of a pair goes first alternates.

    One process, because on this machine's two virtual cores the CPU time
    of the same two-core build came out 68–70 s or 82–86 s at 5,000 /
    100,000 (five builds, with and without threads alike): two cores busy at
    once make each CPU second slower, by more than the 5 % this measures."""
    pairs = []
    for index in range(rounds):
        pair = {}
        for enabled in (True, False) if index % 2 == 0 else (False, True):
            name = f"threads-{'on' if enabled else 'off'}-{index}"
            overrides = project_overrides(work, db_path, work / name)
            overrides.update(
                CACHE_CONTENT=False,
                LOAD_CONTENT_CACHE=False,
                COMMENT_THREAD_ENABLED=enabled,
                BUILD_HELPERS=0,
            )
            code = pelican_code(str(ROOT / "pelicanconf.py"), overrides)
            pair[enabled] = measured_build(code)
            shutil.rmtree(work / name, ignore_errors=True)
        pairs.append((pair[True], pair[False]))
    return pairs


def percent_more(pairs, value):
    """The median and each pair's extra of the first over the second, in %."""
    extras = [100 * (value(on) / value(off) - 1) for on, off in pairs]
    rounds = ", ".join(f"{extra:+.1f}" for extra in extras)
    return f"{statistics.median(extras):+.1f} % (pairs: {rounds})"


def thread_cost_rows(work, db_path, articles, comments, rounds):
    """Measure the static threads' cost in a full build of the site in
    ``work``; return Markdown table rows."""
    pairs = measure_thread_cost(work, db_path, rounds)
    size = f"N={articles:,}, M={comments:,}"
    return [
        (
            size,
            "static threads' cost in a cold full build (search on, one process)",
            percent_more(pairs, lambda build: build.seconds) + " wall",
            percent_more(pairs, lambda build: build.cpu_seconds)
            + " CPU; target ≤ 5 %; with threads "
            + ", ".join(f"{on.seconds:.1f}" for on, _ in pairs)
            + " s, without "
            + ", ".join(f"{off.seconds:.1f}" for _, off in pairs)
            + " s",
        )
    ]


def main(argv=None):
    """Print the rows for the sizes asked for."""
    from benchmarks.bench import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, nargs=2, metavar=("N", "M"))
    parser.add_argument("--publish", type=int, nargs=2, metavar=("N", "M"))
    parser.add_argument("--cost", type=int, nargs=2, metavar=("N", "M"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    if args.serve:
        rows += serve_rows(*args.serve, args.rounds)
    if args.publish:
        rows += publish_rows(*args.publish, args.rounds)
    if args.cost:
        articles, comments = args.cost
        work = Path(tempfile.mkdtemp(prefix=f"thread-cost-{articles}-"))
        try:
            threads = write_articles(work / "content", articles)
            db_path = fill_comments(write_comment_config(work), threads, comments)
            rows += thread_cost_rows(work, db_path, articles, comments, args.rounds)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
