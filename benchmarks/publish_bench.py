"""A full publish after one edited article: what an editor waits for.

``invoke publish`` builds into an empty folder every time, checks the whole
site for leaks and deploys it as a release. Measured here: one cold publish,
then per round one edited article published, each a fresh process (wall,
CPU of the whole tree, peak of the tree's summed PSS).

``python -m benchmarks.publish_bench 5000 100000 [--rounds 3]``; ``invoke
bench`` adds its rows to RESULTS.md.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.bench import edit_one_article, run_measured
from benchmarks.thread_bench import PUBLISHCONF, spread, synthetic_site

ROOT = Path(__file__).resolve().parent.parent


def publish_code(overrides):
    """Python code for one full publish in a fresh process (no Webmentions)."""
    return textwrap.dedent(
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


def measure_edit_publishes(work, config, rounds):
    """Return (cold publish, [Measured publish after one edit per round])."""
    from comments.config import load_config

    conf, _ = load_config(config, environ={"ISSO_ADMIN_PASSWORD": "x" * 12})
    overrides = {
        "PATH": str(work / "content"),
        "PUBLISH_TARGET": str(work / "site"),
        "COMMENTS_DATABASE": conf.get("general", "dbpath"),
        "COMMENTS_SNAPSHOT_DIR": str(work / "snapshots"),
        "CACHE_PATH": str(work / "publish-cache"),
    }
    environ = {"ISSO_SETTINGS": str(config)}
    cold = run_measured(publish_code(overrides), environ)
    edited = []
    for _ in range(rounds):
        edit_one_article(work)
        edited.append(run_measured(publish_code(overrides), environ))
    return cold, edited


def edit_publish_rows(articles, comments, rounds):
    """Measure; return Markdown table rows (as ``bench.table``)."""
    work = Path(tempfile.mkdtemp(prefix=f"publish-edit-{articles}-"))
    try:
        _, config = synthetic_site(work, articles, comments)
        cold, edited = measure_edit_publishes(work, config, rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = f"N={articles:,}, M={comments:,}"
    walls = [run.seconds for run in edited]
    return [
        (
            size,
            "full publish, cold (empty cache, no live release)",
            f"{cold.seconds:.1f} s",
            f"CPU {cold.cpu_seconds:.1f} s, tree peak {cold.tree_mib:.0f} MiB",
        ),
        (
            size,
            "full publish after one edited article",
            f"{statistics.median(walls):.1f} s",
            f"median of {rounds} ({spread(walls)}), CPU "
            f"{statistics.median(run.cpu_seconds for run in edited):.1f} s, "
            f"tree peak {max(run.tree_mib for run in edited):.0f} MiB",
        ),
    ]


def main(argv=None):
    """Print the rows for the size asked for."""
    from benchmarks.bench import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("comments", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(table(edit_publish_rows(args.articles, args.comments, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
