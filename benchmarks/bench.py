"""Measure this project against plain Pelican, in one run, on one machine.

``invoke bench`` (or ``python -m benchmarks.bench``) generates a synthetic site
per size, then measures: a full build of this project and of plain Pelican on
the same articles (wall time, peak memory, ratio); the comment-only refresh
after one new comment vs a full build; reading comment data and computing the
figures; and the comment server under a bounded load on loopback. It prints a
Markdown table and writes it to benchmarks/RESULTS.md.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks import load
from benchmarks.synthetic import fill_comments, write_articles, write_comment_config

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SIZES = {"quick": [(100, 2_000)], "full": [(1_000, 20_000), (5_000, 100_000)]}


def run_measured(code, env=None):
    """Run Python ``code`` in a fresh process; return (seconds, peak RSS MiB, out)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"benchmark step failed:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output


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


def measured_build(code):
    """Build in a fresh process; return (seconds, peak MiB with children, own MiB)."""
    seconds, peak, output = run_measured(code)
    own = int(output.rsplit("SELF_MAXRSS_KIB", 1)[1].split()[0]) / 1024
    return seconds, peak, own


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
    """Cold full builds, best of ``rounds``: project, project without search
    indexing (Pagefind is a separate program), and plain Pelican."""
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
    refresh_seconds, _, _ = run_measured(refresh_code)
    answered = json.loads((output / "answered" / "answered.json").read_text())
    article = (output / uri.strip("/") / "index.html").read_text(encoding="utf-8")
    add_comment(db_path, uri)
    warm_seconds, _, _ = run_measured(code)
    return refresh_seconds, warm_seconds, answered, article


def measure_data(work, db_path, rounds=3):
    """Read all comment data and compute the figures as a build does, best of
    ``rounds``: the comment_data plugin's read (its snapshot is written by a
    forked child meanwhile, waited for outside the timing), the heap freeze
    after it, then the transparency page's figures and monthly chart."""
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
        from comments.clock import build_now
        settings = read_settings(
            {str(ROOT / "pelicanconf.py")!r}, override={overrides!r}
        )
        answered_settings = check_settings(settings)
        best = 1e9
        for _ in range({rounds}):
            started = time.perf_counter()
            data = start_build_data(settings)
            now = build_now()
            build = BuildFigures(data, now, answered_settings)
            figures.by_month(build.readers, now, 12)
            best = min(best, time.perf_counter() - started)
            count = len(data.comments)
            finish_build()
            del data, build
        print(best, count)
        """
    )
    _, _, output = run_measured(code)
    seconds, count = output.split()[-2:]
    return float(seconds), int(count)


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


def bench_size(articles, comments, rounds, load_seconds):
    """Run every measurement for one size; return the table rows."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-{articles}-"))
    try:
        threads = write_articles(work / "content", articles)
        db_path = fill_comments(write_comment_config(work), threads, comments)
        project, unsearched, plain = measure_builds(work, db_path, rounds)
        project_s, project_mb, project_own = project
        plain_s, plain_mb, _ = plain
        refresh_s, warm_s, answered, article = measure_refresh(
            work, db_path, threads[1]
        )
        data_s, counted = measure_data(work, db_path)
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
                f"{project_s:.2f} s",
                f"{project_mb:.0f} MiB peak incl. Pagefind; "
                f"Python {project_own:.0f} MiB",
            ),
            (
                size,
                "full build: project without search indexing",
                f"{unsearched[0]:.2f} s",
                f"{unsearched[1]:.0f} MiB",
            ),
            (
                size,
                "full build: plain Pelican",
                f"{plain_s:.2f} s",
                f"{plain_mb:.0f} MiB",
            ),
            (
                size,
                "ratio project / plain",
                f"{project_s / plain_s:.2f} × ({unsearched[0] / plain_s:.2f} × "
                "without search)",
                f"{project_mb / plain_mb:.2f} × (Python alone "
                f"{project_own / plain_mb:.2f} ×)",
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
                f"server, {server['clients']} clients × {server['seconds']} s",
                f"{server['requests_per_second']:.0f} req/s ({server['server']})",
                f"read p50 {server['read_p50_ms']:.1f} ms, "
                f"p99 {server['read_p99_ms']:.1f} ms; "
                f"write p99 {server['write_p99_ms']:.1f} ms; acknowledged "
                f"{server['acknowledged']}, in database {server['stored']}",
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size only")
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    rounds = 1 if args.quick else 2
    load_seconds = 5 if args.quick else 20
    rows = []
    for articles, comments in sizes:
        print(f"Benchmarking N={articles}, M={comments} …", flush=True)
        rows += bench_size(articles, comments, rounds, load_seconds)
    report = (
        f"# Benchmark results\n\n{machine()}. "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"{'quick' if args.quick else 'full'} run; cold builds best of {rounds}.\n\n"
        f"{table(rows)}\n"
    )
    print(report)
    if not args.quick:
        RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
