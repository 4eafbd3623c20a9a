"""Measure this project against plain Pelican, in one run, on one machine.

``invoke bench`` (or ``python -m benchmarks.bench``) generates a synthetic site
per size, then measures: a full build of this project and of plain Pelican on
the same articles (wall time, peak memory, ratio); the comment-only refresh
after one new comment vs a full build; reading comment data and computing the
figures; the comment server under a bounded load on loopback; and save →
served page with ``invoke serve`` against plain Pelican's autoreload
(``preview_bench``; ``--preview`` runs only that); a new comment and a
removal reaching the static page under ``invoke serve`` and through
``invoke publish --comments`` (``thread_bench``). It prints a Markdown table
and writes it to benchmarks/RESULTS.md.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks import load
from benchmarks.preview_bench import preview_rows
from benchmarks.synthetic import fill_comments, write_articles, write_comment_config

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SIZES = {"quick": [(100, 2_000)], "full": [(1_000, 20_000), (5_000, 100_000)]}


def process_tree(pid):
    """Return ``pid`` and the pids of all its descendants (Linux /proc)."""
    tree, index = [pid], 0
    while index < len(tree):
        for children in Path(f"/proc/{tree[index]}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the process just ended
                tree += [int(child) for child in children.read_text().split()]
        index += 1
    return tree


def proportional_memory(pid):
    """Return (command name, PSS in KiB) of one process, or None if it ended.

    PSS counts a page shared by n processes as 1/n to each, so the sum over
    forked helpers is the memory they really take together."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return name, int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class TreeMemory(threading.Thread):
    """Samples a process tree every 50 ms; keeps the peak of the Python
    processes' summed PSS (the build and the helpers it forks)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()

    def run(self):
        while not self.done.wait(0.05):
            samples = filter(None, map(proportional_memory, process_tree(self.pid)))
            python = sum(kib for name, kib in samples if name.startswith("python"))
            self.peak_kib = max(self.peak_kib, python)


class Measured(NamedTuple):
    """One fresh process's run: wall time, CPU time of it and its children,
    the largest process's peak RSS, its output, its Python processes' peak PSS."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    output: str
    python_mib: float


def run_measured(code, env=None):
    """Run Python ``code`` in a fresh process; return its Measured."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = TreeMemory(process.pid)
    sampler.start()
    output = process.stdout.read()
    sampler.done.set()
    sampler.join()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"benchmark step failed:\n{output[-3000:]}")
    return Measured(
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        output,
        sampler.peak_kib / 1024,
    )


def pelican_code(settings_file, overrides):
    """Python code that builds with Pelican in-process, like `invoke build`."""
    return textwrap.dedent(
        f"""
        import logging, sys
        sys.path.insert(0, {str(ROOT / "plugins")!r})
        from pelican import Pelican
        from pelican.log import init
        from pelican.settings import read_settings
        init(level=logging.ERROR)
        Pelican(read_settings({settings_file!r}, override={overrides!r})).run()
        import resource
        print("SELF_MAXRSS_KIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )


class Build(NamedTuple):
    """A measured build; ``own_mib`` is the build process's own peak RSS."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    own_mib: float
    python_mib: float


def measured_build(code):
    """Build in a fresh process; return its Build."""
    run = run_measured(code)
    own = int(run.output.rsplit("SELF_MAXRSS_KIB", 1)[1].split()[0]) / 1024
    return Build(run.seconds, run.cpu_seconds, run.peak_mib, own, run.python_mib)


def plain_settings(work):
    """Write plain Pelican settings (default theme, no plugins) for the same site."""
    path = work / "plainconf.py"
    path.write_text(
        'SITENAME = "Plain"\nSITEURL = ""\nTIMEZONE = "Europe/Berlin"\n'
        'DEFAULT_LANG = "de"\nPLUGINS = []\nFEED_ALL_ATOM = None\n'
        "CATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nDEFAULT_PAGINATION = 5\n"
        'ARTICLE_URL = "{date:%Y}/{slug}/"\n'
        'ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"\n',
        encoding="utf-8",
    )
    return str(path)


def project_overrides(work, db_path, output):
    """Settings overrides that point the project's build at the synthetic site."""
    return {
        "PATH": str(work / "content"),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(work / f"cache-{output.name}"),
        "COMMENTS_DATABASE": str(db_path),
        "COMMENTS_SNAPSHOT_DIR": str(work / "snapshots"),
        "DELETE_OUTPUT_DIRECTORY": True,
    }


def measure_builds(work, db_path, rounds):
    """Cold full builds, best of ``rounds``: the project,
    project without search indexing (Pagefind is a separate program), and
    plain Pelican."""
    from pelican.settings import read_settings

    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    project, unsearched, plain = [], [], []
    for index in range(rounds):
        output = work / f"project-{index}"
        overrides = project_overrides(work, db_path, output)
        overrides.update(CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False)
        project.append(
            measured_build(pelican_code(str(ROOT / "pelicanconf.py"), overrides))
        )
        overrides.update(
            OUTPUT_PATH=str(work / f"unsearched-{index}"),
            PLUGINS=[p for p in plugins if p != "pagefind_search"],
        )
        unsearched.append(
            measured_build(pelican_code(str(ROOT / "pelicanconf.py"), overrides))
        )
        plain_output = work / f"plain-{index}"
        plain.append(
            measured_build(
                pelican_code(
                    plain_settings(work),
                    {
                        "PATH": str(work / "content"),
                        "OUTPUT_PATH": str(plain_output),
                        "CACHE_CONTENT": False,
                        "LOAD_CONTENT_CACHE": False,
                    },
                )
            )
        )
    return min(project), min(unsearched), min(plain)


def add_comment(db_path, uri):
    """Add one reader comment, as the server would have stored it."""
    with sqlite3.connect(db_path) as db:
        tid = db.execute("SELECT id FROM threads WHERE uri = ?", (uri,)).fetchone()[0]
        db.execute(
            "INSERT INTO comments (tid, parent, created, mode, author, text, "
            "remote_addr, voters) VALUES (?, NULL, ?, 1, 'Neu', 'Neue Frage', "
            "'127.0.0.0', x'00')",
            (tid, time.time()),
        )
    db.close()


def measure_refresh(work, db_path, uri):
    """Warm build with caches on, one new comment, then the comment-only refresh."""
    output = work / "refresh"
    overrides = project_overrides(work, db_path, output)
    overrides.update(CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True)
    code = pelican_code(str(ROOT / "pelicanconf.py"), overrides)
    run_measured(code)  # fills the cache
    add_comment(db_path, uri)
    refresh_code = textwrap.dedent(
        f"""
        import logging, sys
        sys.path.insert(0, {str(ROOT / "plugins")!r})
        from pelican.log import init
        from pelican.settings import read_settings
        from comment_refresh.refresh import refresh_comment_pages
        init(level=logging.ERROR)
        settings = read_settings(
            {str(ROOT / "pelicanconf.py")!r}, override={overrides!r}
        )
        print(refresh_comment_pages(settings))
        """
    )
    refresh_seconds = run_measured(refresh_code).seconds
    answered = json.loads((output / "answered" / "answered.json").read_text())
    article = (output / uri.strip("/") / "index.html").read_text(encoding="utf-8")
    add_comment(db_path, uri)
    warm_seconds = run_measured(code).seconds
    return refresh_seconds, warm_seconds, answered, article


def measure_data(work, db_path, rounds=3):
    """Read all comment data and compute the figures as a build does, best of
    ``rounds``: the comment_data plugin's read (one pass: digest, snapshot and
    vanish check), the heap freeze after it, then the transparency page's
    figures and monthly chart; and the figures alone (the issue-23 budget:
    ≤ 1 s at 100,000 comments)."""
    overrides = {
        "COMMENTS_DATABASE": str(db_path),
        "COMMENTS_SNAPSHOT_DIR": str(work / "snapshots-data"),
    }
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT / "plugins")!r})
        from pelican.settings import read_settings
        from answered.answered import BuildFigures, check_settings
        from answered import figures
        from comment_data.comment_data import finish_build, start_build_data
        from comments.core import build_now
        settings = read_settings(
            {str(ROOT / "pelicanconf.py")!r}, override={overrides!r}
        )
        answered_settings = check_settings(settings)
        best = best_figures = 1e9
        for _ in range({rounds}):
            started = time.perf_counter()
            data = start_build_data(settings)
            now = build_now()
            read = time.perf_counter()
            build = BuildFigures(data, now, answered_settings)
            figures.by_month(build.digest.by_month, now, 12, build.due_by_month)
            done = time.perf_counter()
            best = min(best, done - started)
            best_figures = min(best_figures, done - read)
            count = data.comment_count
            finish_build()
            del data, build
        print(best, best_figures, count)
        """
    )
    seconds, figures_seconds, count = run_measured(code).output.split()[-3:]
    return float(seconds), float(figures_seconds), int(count)


def machine():
    """Describe the CPU and Python of this run."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores; Python {platform.python_version()}"


def bench_size(work, articles, comments, rounds, load_seconds):
    """Run every measurement for one size in the folder ``work``; return the
    table rows."""
    threads = write_articles(work / "content", articles)
    db_path = fill_comments(write_comment_config(work), threads, comments)
    project, unsearched, plain = measure_builds(work, db_path, rounds)
    refresh_s, warm_s, answered, article = measure_refresh(work, db_path, threads[1])
    data_s, figures_s, counted = measure_data(work, db_path)
    server = load.run_load(work, seconds=load_seconds)
    consistent = (
        f"{answered['reader_comments']} reader comments on the page; "
        "answer line present"
        if "answered-line" in article
        else "line missing"
    )
    size = f"N={articles:,}/M={comments:,}"
    return [
        (
            size,
            "full build: project",
            f"{project.seconds:.2f} s (CPU {project.cpu_seconds:.1f} s)",
            f"Python processes together {project.python_mib:.0f} MiB (PSS), "
            f"build process {project.own_mib:.0f} MiB; "
            f"{project.peak_mib:.0f} MiB peak of one process incl. Pagefind",
        ),
        (
            size,
            "full build: project without search indexing",
            f"{unsearched.seconds:.2f} s (CPU {unsearched.cpu_seconds:.1f} s)",
            f"{unsearched.python_mib:.0f} MiB (PSS)",
        ),
        (
            size,
            "full build: plain Pelican",
            f"{plain.seconds:.2f} s (CPU {plain.cpu_seconds:.1f} s)",
            f"{plain.python_mib:.0f} MiB (PSS), {plain.own_mib:.0f} MiB RSS",
        ),
        (
            size,
            "ratio project / plain",
            f"{project.seconds / plain.seconds:.2f} × "
            f"({unsearched.seconds / plain.seconds:.2f} × without search); "
            f"CPU {project.cpu_seconds / plain.cpu_seconds:.2f} ×",
            f"Python {project.python_mib / plain.python_mib:.2f} × (PSS); "
            f"build process {project.own_mib / plain.own_mib:.2f} × (RSS)",
        ),
        (
            size,
            "comment-only refresh (invoke refresh)",
            f"{refresh_s:.2f} s",
            consistent,
        ),
        (size, "warm full build (reader cache)", f"{warm_s:.2f} s", ""),
        (size, f"read + figures, {counted:,} comments", f"{data_s:.3f} s", ""),
        (
            size,
            f"figures alone (due, within target, Kaplan–Meier), {counted:,} comments",
            f"{figures_s:.3f} s",
            "the promised calendar; per article, month and staff member",
        ),
        (
            size,
            f"server, {server['clients']} clients × {server['seconds']} s",
            f"{server['requests_per_second']:.0f} req/s ({server['server']})",
            f"read p50 {server['read_p50_ms']:.1f} ms, "
            f"p99 {server['read_p99_ms']:.1f} ms; "
            f"write p99 {server['write_p99_ms']:.1f} ms; acknowledged "
            f"{server['acknowledged']}, in database {server['stored']}, "
            f"misattributed {server['misattributed']}",
        ),
    ]


def table(rows):
    """Format the rows as a Markdown table."""
    lines = [
        "| size | measurement | time / rate | memory / notes |",
        "|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    """Run the benchmarks and write benchmarks/RESULTS.md."""
    from benchmarks.thread_bench import publish_rows, serve_rows  # imports bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size only")
    parser.add_argument(
        "--preview", action="store_true", help="only save → served page (serve)"
    )
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    rounds = 1 if args.quick else 3
    load_seconds = 5 if args.quick else 20
    rows, works = [], []
    try:
        for articles, comments in sizes:
            print(f"Benchmarking N={articles}, M={comments} …", flush=True)
            # Folders are removed only at the end: ext4 allocates new inodes
            # slowly while many were freed in the last minutes, which would
            # slow the next size's builds by seconds at random.
            works.append(Path(tempfile.mkdtemp(prefix=f"bench-{articles}-")))
            if not args.preview:
                rows += bench_size(works[-1], articles, comments, rounds, load_seconds)
            rows += preview_rows(articles, 2 if args.quick else 5)
            if not args.preview:  # comment → static page (benchmarks/thread_bench.py)
                rows += serve_rows(articles, comments, 2 if args.quick else 3)
                rows += publish_rows(articles, comments, 2 if args.quick else 3)
    finally:
        for work in works:
            shutil.rmtree(work, ignore_errors=True)
    report = (
        f"# Benchmark results\n\n{machine()}. "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"{'quick' if args.quick else 'full'} run; cold builds best of {rounds}.\n\n"
        f"{table(rows)}\n"
    )
    print(report)
    if not args.quick and not args.preview:
        RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
