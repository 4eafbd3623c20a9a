"""Does a mechanism pay? Full builds with and without it, paired, best of N.

``python -m benchmarks.paired 1000 20000 --rounds 3 VARIANT …`` writes one
synthetic site (``benchmarks.synthetic``), then for each round builds it as
``invoke build`` does (cold: no content cache) once with the project's
settings and once per variant, one after another, so that a slow minute of a
shared machine hits both sides alike. A variant is ``name=SETTING=JSON ;; …``,
e.g. ``no-feeds=FEED_ALL_ATOM=null``, or the name of one listed plugin
prefixed by ``-`` to build without it; ``_PRELUDE`` is Python code run before
the build. Prints best-of-N wall and CPU seconds for each (CPU time, the
build's and its children's, suffers less from a busy machine).
"""

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.bench import measured_build, pelican_code, project_overrides
from benchmarks.synthetic import fill_comments, write_articles, write_comment_config

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = str(ROOT / "pelicanconf.py")


def variant_overrides(spec, plugins):
    """Return (name, settings overrides) for one variant given on the command line."""
    if spec.startswith("-"):
        return spec, {"PLUGINS": [name for name in plugins if name != spec[1:]]}
    name, _, assignments = spec.partition("=")
    overrides = {}
    for assignment in filter(None, assignments.split(" ;; ")):
        key, _, value = assignment.partition("=")
        overrides[key] = json.loads(value)
    return name, overrides


def main(argv=None):
    """Build the site with and without each variant; print the best times."""
    from pelican.settings import read_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("comments", type=int)
    parser.add_argument("variants", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", action="store_true", help="reader cache on, warm")
    args = parser.parse_args(argv)
    plugins = read_settings(SETTINGS)["PLUGINS"]
    variants = [("project", {})]
    variants += [variant_overrides(spec, plugins) for spec in args.variants]
    work = Path(tempfile.mkdtemp(prefix="paired-"))
    try:
        threads = write_articles(work / "content", args.articles)
        db_path = fill_comments(write_comment_config(work), threads, args.comments)
        times = {name: [] for name, _ in variants}
        cpu = {name: [] for name, _ in variants}
        for index in range(args.rounds):
            for position, (name, extra) in enumerate(variants):
                output = work / f"out-{position}"
                overrides = project_overrides(work, db_path, output)
                overrides.update(CACHE_CONTENT=args.warm, LOAD_CONTENT_CACHE=args.warm)
                overrides.update(extra)
                prelude = overrides.pop("_PRELUDE", "")
                code = prelude + "\n" + pelican_code(SETTINGS, overrides)
                if args.warm and index == 0:
                    measured_build(code)  # fills the cache
                build = measured_build(code)
                times[name].append(build.seconds)
                cpu[name].append(build.cpu_seconds)
                print(
                    f"round {index + 1} {name}: {build.seconds:.2f} s "
                    f"(CPU {build.cpu_seconds:.2f} s)",
                    flush=True,
                )
        for name, seconds in times.items():
            print(
                f"{name}: best {min(seconds):.2f} s, CPU {min(cpu[name]):.2f} s "
                f"(wall {', '.join(f'{s:.2f}' for s in sorted(seconds))})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
