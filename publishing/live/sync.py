"""Copy a built folder into the served one, one file at a time, atomically.

Each changed file is written beside its place and renamed over it
(``os.replace``), so a browser never reads half a page; files the build no
longer makes are removed afterwards. Unchanged files are left alone. The
staging folder is kept between builds (deleting and recreating its 2,000
folders cost 15 % of a build at 1,000 articles); ``remove_stale_pages`` drops
what a build did not write again.
"""

import contextlib
import filecmp
import os
import shutil
from pathlib import Path

TEMPORARY_SUFFIX = ".preview-part"
# What a build writes anew every time (pages, feeds, sitemaps, JSON, calendars).
PAGE_SUFFIXES = {".html", ".xml", ".json", ".ics", ".txt"}


def replace_file(source, target):
    """Put a copy of ``source`` at ``target`` in one rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}{TEMPORARY_SUFFIX}")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def files_below(folder):
    """Return the relative paths of the files below ``folder``."""
    found = set()
    for directory, _, names in os.walk(folder):
        base = Path(directory).relative_to(folder)
        found.update(base / name for name in names)
    return found


def sync_folder(source, target):
    """Make ``target`` hold exactly the files of ``source``; return the
    relative paths that changed (written or removed), sorted."""
    source, target = Path(source), Path(target)
    built = files_below(source)
    changed = []
    for relative in sorted(built):
        new, old = source / relative, target / relative
        if old.is_file() and filecmp.cmp(new, old, shallow=False):
            continue
        replace_file(new, old)
        changed.append(relative)
    for relative in sorted(files_below(target) - built):
        (target / relative).unlink(missing_ok=True)
        changed.append(relative)
    remove_empty_folders(target)
    return sorted(changed)


def remove_empty_folders(folder):
    """Remove the empty folders below ``folder``, deepest first."""
    for directory, subfolders, names in os.walk(folder, topdown=False):
        if Path(directory) != Path(folder) and not subfolders and not names:
            with contextlib.suppress(OSError):  # a file arrived meanwhile
                os.rmdir(directory)


def remove_stale_pages(folder, since, kept=()):
    """Remove the pages below ``folder`` not written since ``since`` (a time
    stamp); return their relative paths. Pelican writes every page on every
    build, so an older one belongs to a source renamed or removed. Files below
    the ``kept`` folders (copied static files, the search bundle) are left."""
    stale = []
    for relative in sorted(files_below(folder)):
        if relative.suffix not in PAGE_SUFFIXES or any(
            relative.is_relative_to(part) for part in kept
        ):
            continue
        path = Path(folder) / relative
        if path.stat().st_mtime < since:
            path.unlink()
            stale.append(relative)
    return stale


def page_url(relative):
    """Return the URL path a written file is served at (``a/index.html`` → ``/a/``)."""
    path = "/" + Path(relative).as_posix()
    return path[: -len("index.html")] if path.endswith("/index.html") else path
