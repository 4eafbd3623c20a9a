"""Put a built site live: atomic releases in a local folder, or rsync.

A local target (``LocalReleases``) holds every deploy as a complete folder and
one symlink the web server serves::

    <target>/releases/20261127T101500Z/    one build each, never changed again
    <target>/current -> releases/20261127T101500Z

A deploy copies the build into ``releases/.partial-<name>/``, renames it to
``releases/<name>/`` once complete, and renames a new symlink over ``current``:
rename(2) replaces it atomically, so a reader gets the old or the new release,
never a mix. Files equal to the live release's are hard-linked from it (no
extra space; their mtime, and with it the web server's ETag, stays the same).
The newest ``keep`` releases before the new one stay for ``rollback``, and so
do the last ``keep`` full deploys and the release before each
(``<target>/.full-publishes`` names them): a comment-only publish makes a
release a minute, and a rollback undoes a full publish. It points
``current`` at the release before the last full deploy the live release
stands on (with none recorded, at the previous release) and moves the
abandoned ones aside as ``<name>.rolled-back`` (removed by the next deploy;
never a rollback target). A lock file keeps two deploys or rollbacks from
overlapping.
A comment-only publish (``deploy_overlay``) writes its few files into a copy
of the live release made of hard links: ``cp -al``, or the copy
``prepare_next`` made after the last one (``releases/.next-<live>``, removed
once another release is live).

An rsync target (``RsyncTarget``) is updated in place with ``rsync
--delay-updates --delete-after``: changed files are written to temporary names
and renamed into place together at the end, deletions follow after that.

Both compare by content and preview (``preview``) without changing anything.
"""

import datetime
import fcntl
import os
import re
import shutil
import stat
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from comments.core import SetupError
from publishing.settings import is_remote

CURRENT = "current"
RELEASES = "releases"
LOCK_FILE = ".publish.lock"
FULL_PUBLISHES = ".full-publishes"  # the releases full deploys made, a line each
PARTIAL_PREFIX = ".partial-"
SPARE_PREFIX = ".next-"  # a copy of release <name> made ahead for the next overlay
ROLLED_BACK_SUFFIX = ".rolled-back"
RELEASE_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<number>\d+))?$")

RSYNC_OPTIONS = (
    "--archive",
    # Pelican rewrites every file on every build, so size and mtime say nothing:
    # compare content, and keep the mtime of unchanged files (the web server's
    # Last-Modified and ETag) instead of copying the build's fresh ones.
    "--checksum",
    "--no-times",
    "--delay-updates",
    "--delete-after",
    "--itemize-changes",
    "--timeout=120",  # a dead connection fails the run instead of hanging cron
)
# One line of --itemize-changes: update type, file type, nine attribute flags.
ITEMIZED = re.compile(
    r"^(?P<update>[<>ch.])(?P<type>[fdLDS])(?P<flags>[.+ ?\w]{9}) (?P<path>.+)$"
)
DELETED = re.compile(r"^\*deleting +(?P<path>.+)$")


@dataclass(frozen=True)
class Changes:
    """Files a deploy adds, changes and removes (paths relative to the site)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.added or self.changed or self.removed)

    def summary(self):
        """Return e.g. "3 added, 1 changed, 0 removed"."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed"
        )

    def lines(self):
        """Return one line per file: what happens to it, and its path."""
        return [
            f"{label:<8} {path}"
            for label, paths in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            for path in paths
        ]


@dataclass(frozen=True)
class Deployment:
    """What a deploy did."""

    target: str
    changes: Changes
    release: str | None = None  # the live release of a local target
    new_release: bool = True  # False when nothing had changed


def target_for(publish_settings):
    """Return the deploy target the settings describe."""
    if publish_settings.method == "rsync":
        return RsyncTarget(publish_settings.target)
    return LocalReleases(publish_settings.target, publish_settings.keep_releases)


def release_key(name):
    """Sort key of a release name: its time, then its number within the second."""
    match = RELEASE_NAME.match(name)
    return match["stamp"], int(match["number"] or 1)


def site_entries(folder):
    """Return the site's files and symlinks by relative path, and its folders."""
    entries, folders = {}, []
    if folder is None or not folder.is_dir():
        return entries, folders
    for directory, subfolders, names in os.walk(folder):
        directory = Path(directory)
        for name in [*subfolders, *names]:
            path = directory / name
            relative = path.relative_to(folder).as_posix()
            if path.is_dir() and not path.is_symlink():
                folders.append(relative)
            else:
                entries[relative] = path
    return entries, folders


def same_entry(new, old):
    """True when two files (or symlinks) have the same content and mode."""
    if new.is_symlink() or old.is_symlink():
        return (
            new.is_symlink()
            and old.is_symlink()
            and os.readlink(new) == os.readlink(old)
        )
    new_stat, old_stat = new.stat(), old.stat()
    same_mode = stat.S_IMODE(new_stat.st_mode) == stat.S_IMODE(old_stat.st_mode)
    if new_stat.st_size != old_stat.st_size or not same_mode:
        return False
    with new.open("rb") as new_stream, old.open("rb") as old_stream:
        while True:
            new_block, old_block = new_stream.read(1 << 16), old_stream.read(1 << 16)
            if new_block != old_block:
                return False
            if not new_block:
                return True


def compare_sites(new, old):
    """Compare site ``new`` with ``old`` (or None); return Changes, unchanged paths."""
    new_entries, _ = site_entries(new)
    old_entries, _ = site_entries(old)
    added, changed, unchanged = [], [], set()
    for relative, path in sorted(new_entries.items()):
        if relative not in old_entries:
            added.append(relative)
        elif same_entry(path, old_entries[relative]):
            unchanged.add(relative)
        else:
            changed.append(relative)
    removed = sorted(set(old_entries) - set(new_entries))
    return Changes(tuple(added), tuple(changed), tuple(removed)), unchanged


def copy_site(build, release, live, unchanged):
    """Copy ``build`` into a new ``release``; hard-link ``unchanged`` from ``live``."""
    entries, folders = site_entries(build)
    release.mkdir()
    for relative in folders:
        (release / relative).mkdir()
    for relative, source in entries.items():
        target = release / relative
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
            continue
        if relative in unchanged:
            try:
                os.link(live / relative, target)
                continue
            except OSError:
                pass  # no hard links here (file system, link limit): copy
        shutil.copy2(source, target)


def link_tree(source, release):
    """Make ``release`` a copy of the site ``source`` whose files are hard
    links to its files (``cp -al``: one process walks and links; Python's
    walk when it is missing or fails, e.g. no hard links here)."""
    cp = shutil.which("cp")
    if cp:
        result = subprocess.run(
            [cp, "-al", "--", str(source), str(release)], capture_output=True
        )
        if result.returncode == 0:
            return
        shutil.rmtree(release, ignore_errors=True)
    entries, _ = site_entries(source)
    copy_site(source, release, source, set(entries))


class LocalReleases:
    """A local folder of releases with a ``current`` symlink."""

    def __init__(self, folder, keep=5):
        self.folder = Path(folder)
        self.keep = keep
        self.releases_dir = self.folder / RELEASES
        self.current_link = self.folder / CURRENT

    def releases(self):
        """Return the names of the complete releases, oldest first."""
        if not self.releases_dir.is_dir():
            return []
        names = [
            path.name
            for path in self.releases_dir.iterdir()
            if RELEASE_NAME.match(path.name) and path.is_dir()
        ]
        return sorted(names, key=release_key)

    def current_release(self):
        """Return the name of the release ``current`` points to, or None."""
        link = self.current_link
        if not link.is_symlink():
            if link.exists():
                raise SetupError(
                    f"{link} is a real folder, not a symlink; move it aside once "
                    f"(e.g. to {self.releases_dir}/) and publish again"
                )
            return None
        pointed = Path(os.path.normpath(self.folder / os.readlink(link)))
        if pointed.parent != self.releases_dir or not RELEASE_NAME.match(pointed.name):
            raise SetupError(
                f"{link} points to {os.readlink(link)}, not to a release in "
                f"{self.releases_dir}; fix or remove the link and publish again"
            )
        return pointed.name

    def preview(self, build):
        """Return the Changes a deploy of ``build`` would make; change nothing."""
        self.check_first_deploy()
        live = self.current_release() if self.folder.is_dir() else None
        return compare_sites(Path(build), self.live_folder(live))[0]

    def check_first_deploy(self):
        """Before the first deploy: refuse a target whose parent is missing (a
        mistyped path would be created and published to) or a folder that
        holds a site of another kind (releases/ and current beside it)."""
        if self.releases_dir.is_dir():
            return
        if not self.folder.exists():
            if not self.folder.parent.is_dir():
                raise SetupError(
                    f"PUBLISH_TARGET {self.folder}: {self.folder.parent} does not "
                    "exist; fix the path, or create the folder above the target "
                    "(a first publish creates only the target itself)"
                )
            return
        others = sorted(
            entry.name
            for entry in self.folder.iterdir()
            if entry.name not in (RELEASES, CURRENT, LOCK_FILE, FULL_PUBLISHES)
        )
        if others:
            shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
            raise SetupError(
                f"PUBLISH_TARGET {self.folder} holds files of its own ({shown}); "
                "publish into an empty folder (the web server serves its "
                f"{CURRENT}/), or move them aside"
            )

    def deploy(self, build, now=None):
        """Copy ``build`` into a new release and make it current atomically."""
        self.check_first_deploy()
        try:
            self.releases_dir.mkdir(parents=True, exist_ok=True)
            with self.locked():
                return self.deploy_locked(Path(build), now)
        except OSError as error:
            message = f"cannot deploy to {self.folder}: {describe(error)}"
            raise SetupError(message) from None

    def deploy_locked(self, build, now):
        """Deploy while holding the lock (see ``deploy``)."""
        live = self.current_release()
        live_folder = self.live_folder(live)
        changes, unchanged = compare_sites(build, live_folder)
        if live_folder and not changes:
            return Deployment(str(self.folder), changes, live, new_release=False)
        self.remove_leftovers()
        name = self.new_release_name(now or datetime.datetime.now(datetime.UTC))
        partial = self.releases_dir / f"{PARTIAL_PREFIX}{name}"
        copy_site(build, partial, live_folder, unchanged)
        os.rename(partial, self.releases_dir / name)
        self.point_current_to(name)
        self.note_full_releases([*self.full_releases(), name])
        self.prune(name)
        return Deployment(str(self.folder), changes, name)

    def deploy_overlay(self, overlay, finish=None, now=None, always=False, check=None):
        """Make a new release of the live one with ``overlay``'s files written
        over it (every other file hard-linked from the live release), and
        make it current atomically; a comment-only publish changes a few
        pages. ``check(overlay, changes)`` returns reasons to refuse the
        files that differ from the live ones before any copy is made (e.g.
        leaks); ``finish(folder)`` works on the complete copy before it goes
        live (e.g. the search index) and returns reasons to refuse it;
        ``always``: make the release even when the overlay changes nothing.
        Older releases stay until ``prune_releases``: the new one goes live
        without waiting for their removal."""
        live = self.current_release() if self.folder.is_dir() else None
        if live is None:
            raise SetupError(
                f"PUBLISH_TARGET {self.folder} has no live release to update; run "
                "`invoke publish` first"
            )
        try:
            with self.locked():
                return self.deploy_overlay_locked(
                    Path(overlay), live, finish, now, always, check
                )
        except OSError as error:
            message = f"cannot deploy to {self.folder}: {describe(error)}"
            raise SetupError(message) from None

    def deploy_overlay_locked(self, overlay, live, finish, now, always, check):
        """Deploy an overlay while holding the lock (see ``deploy_overlay``)."""
        live_folder = self.live_folder(live)
        written, _ = site_entries(overlay)
        added, changed = [], []
        for relative, path in sorted(written.items()):
            old = live_folder / relative
            if not old.is_symlink() and not old.exists():
                added.append(relative)
            elif old.is_dir() and not old.is_symlink():
                raise SetupError(
                    f"{relative} is a folder in release {live}, a file in this "
                    "publish; run a full `invoke publish`"
                )
            elif not same_entry(path, old):
                changed.append(relative)
        changes = Changes(tuple(added), tuple(changed))
        if not changes and not always:
            return Deployment(str(self.folder), changes, live, new_release=False)
        refusals = check(overlay, changes) if check else ()
        if refusals:
            raise SetupError("\n".join(refusals))
        # Leftovers (an interrupted run's copy, a stale spare) go after the
        # switch, in ``prune_releases``: removing 5,000 folders takes seconds.
        name = self.new_release_name(now or datetime.datetime.now(datetime.UTC))
        partial = self.releases_dir / f"{PARTIAL_PREFIX}{name}"
        if partial.exists():
            shutil.rmtree(partial)
        spare = self.releases_dir / f"{SPARE_PREFIX}{live}"
        if spare.is_dir():
            os.rename(spare, partial)  # made ahead by ``prepare_next``
        else:
            link_tree(live_folder, partial)
        for relative in (*added, *changed):
            target = partial / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            # A hard link to the live file: replaced, never written through.
            target.unlink(missing_ok=True)
            shutil.copy2(written[relative], target)
        refusals = finish(partial) if finish else ()
        if refusals:
            shutil.rmtree(partial)
            raise SetupError("\n".join(refusals))
        os.rename(partial, self.releases_dir / name)
        self.point_current_to(name)
        return Deployment(str(self.folder), changes, name)

    def prepare_next(self):
        """Make the next overlay's copy of the live release ahead of time
        (``releases/.next-<live>``, all hard links): the next comment-only
        publish then writes its few files into it instead of making a tree
        of the whole site while readers wait. A release other than the
        live one (a full publish, a rollback) makes it stale; it is removed
        then."""
        live = self.current_release() if self.folder.is_dir() else None
        if live is None:
            return
        try:
            with self.locked():
                live = self.current_release()
                self.remove_leftovers()
                spare = self.releases_dir / f"{SPARE_PREFIX}{live}"
                if not spare.is_dir():
                    partial = (
                        self.releases_dir / f"{PARTIAL_PREFIX}{SPARE_PREFIX}{live}"
                    )
                    link_tree(self.releases_dir / live, partial)
                    os.rename(partial, spare)
        except OSError as error:
            message = (
                f"cannot prepare the next release in {self.folder}: {describe(error)}"
            )
            raise SetupError(message) from None

    def prune_releases(self):
        """Remove releases beyond the newest ``keep`` before the live one."""
        live = self.current_release() if self.folder.is_dir() else None
        if live is None:
            return
        try:
            with self.locked():
                self.remove_leftovers()
                self.prune(self.current_release())
        except OSError as error:
            message = f"cannot remove old releases in {self.folder}: {describe(error)}"
            raise SetupError(message) from None

    def rollback(self):
        """Point ``current`` at the previous release; return (previous, abandoned)."""
        live = self.current_release() if self.folder.is_dir() else None
        if live is None:
            raise SetupError(
                f"nothing to roll back: {self.current_link} does not exist"
            )
        try:
            with self.locked():
                return self.rollback_locked()
        except OSError as error:
            message = f"cannot roll back {self.folder}: {describe(error)}"
            raise SetupError(message) from None

    def rollback_locked(self):
        """Roll back while holding the lock (see ``rollback``): return the
        release live again and the full deploy undone."""
        live = self.current_release()
        releases = self.releases()
        fulls = [
            name
            for name in self.full_releases()
            if release_key(name) <= release_key(live)
        ]
        undone = fulls[-1] if fulls else live  # what the live release stands on
        before = [name for name in releases if release_key(name) < release_key(undone)]
        if not before:
            raise SetupError(
                f"no release before {undone} in {self.releases_dir}; "
                "nothing to roll back to"
            )
        previous = before[-1]
        self.point_current_to(previous)
        for name in releases:
            if release_key(name) > release_key(previous):
                aside = self.releases_dir / f"{name}{ROLLED_BACK_SUFFIX}"
                if aside.exists():
                    shutil.rmtree(aside)
                os.rename(self.releases_dir / name, aside)
        return previous, undone

    def full_releases(self):
        """Return the releases full deploys made that still exist, oldest
        first (none recorded: an older target, or comment-only releases)."""
        try:
            names = (self.folder / FULL_PUBLISHES).read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            return []
        existing = set(self.releases())
        return sorted({name for name in names if name in existing}, key=release_key)

    def note_full_releases(self, names):
        """Record which releases full deploys made (under the lock)."""
        path = self.folder / FULL_PUBLISHES
        temporary = path.with_name(f"{FULL_PUBLISHES}.{os.getpid()}.tmp")
        temporary.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
        os.replace(temporary, path)

    def live_folder(self, live):
        """Return the folder of release ``live`` if it exists."""
        folder = self.releases_dir / live if live else None
        return folder if folder and folder.is_dir() else None

    def new_release_name(self, now):
        """Return a name that sorts after every existing release."""
        stamp = f"{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
        existing = self.releases()
        if not existing or release_key(stamp) > release_key(existing[-1]):
            return stamp
        # Same second, or a clock that went back: count on from the newest.
        newest_stamp, number = release_key(existing[-1])
        return f"{newest_stamp}-{number + 1}"

    def point_current_to(self, name):
        """Swap ``current`` to ``releases/name`` in one rename."""
        temporary = self.folder / f".{CURRENT}.{os.getpid()}.tmp"
        temporary.unlink(missing_ok=True)
        # Relative, so the folder can move or be mounted elsewhere.
        os.symlink(Path(RELEASES) / name, temporary)
        os.replace(temporary, self.current_link)

    def prune(self, newest):
        """Remove releases beyond the newest ``keep`` before ``newest``, but
        not the last ``keep`` full deploys nor the release before each (what
        a rollback of that deploy goes back to)."""
        releases = self.releases()
        names = [name for name in releases if name != newest]
        kept = set(names[len(names) - self.keep :]) if self.keep > 0 else set()
        fulls = self.full_releases()
        for full in fulls[-self.keep :] if self.keep > 0 else ():
            position = releases.index(full)
            kept.update(releases[max(position - 1, 0) : position + 1])
        for name in names:
            if name not in kept:
                shutil.rmtree(self.releases_dir / name)
        if any(name not in kept and name != newest for name in fulls):
            self.note_full_releases(
                [name for name in fulls if name in kept or name == newest]
            )

    def remove_leftovers(self):
        """Remove interrupted copies and rolled-back releases (under the lock)."""
        live = self.current_release()
        for path in self.releases_dir.iterdir():
            name = path.name
            if (
                name.startswith(PARTIAL_PREFIX)
                or name.endswith(ROLLED_BACK_SUFFIX)
                or (name.startswith(SPARE_PREFIX) and name != f"{SPARE_PREFIX}{live}")
            ):
                shutil.rmtree(path)
        for path in self.folder.glob(f".{CURRENT}.*.tmp"):
            path.unlink()

    @contextmanager
    def locked(self):
        """Hold the target's lock file; refuse when another run holds it."""
        with (self.folder / LOCK_FILE).open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SetupError(
                    f"another publish or rollback is running on {self.folder} "
                    f"(it holds {LOCK_FILE}); try again when it is done"
                ) from None
            yield


class RsyncTarget:
    """Any rsync destination: ``user@host:/path``, ``rsync://…`` or a local folder."""

    def __init__(self, destination):
        folder = destination.split(":", 1)[1] if is_remote(destination) else destination
        if folder.strip() in ("", "/", "~", "~/", ".", "./"):
            raise SetupError(
                f"PUBLISH_TARGET={destination!r} names no site folder, and rsync "
                "--delete-after would empty it; give the web root, e.g. "
                "deploy@host:/srv/blog/"
            )
        self.destination = destination.rstrip("/") + "/"

    def preview(self, build):
        """Return the Changes a deploy of ``build`` would make; change nothing."""
        return self.run_rsync(build, "--dry-run")

    def deploy(self, build, now=None):
        """Update the destination in place, renaming all changes in at the end."""
        return Deployment(self.destination, self.run_rsync(build))

    def rollback(self):
        """Refuse: an rsync target keeps no earlier release."""
        raise SetupError(
            f"{self.destination} is an rsync target, which keeps no releases; "
            "publish the earlier state again instead (e.g. from a git checkout)"
        )

    def run_rsync(self, build, *extra):
        """Run rsync from ``build`` to the destination; return its Changes."""
        rsync = shutil.which("rsync")
        if rsync is None:
            raise SetupError(
                "rsync is not installed (apt-get install rsync); it is needed for "
                f"PUBLISH_TARGET={self.destination!r}"
            )
        command = [rsync, *RSYNC_OPTIONS, *extra, f"{build}/", self.destination]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            reasons = [line for line in result.stderr.splitlines() if line.strip()]
            reason = reasons[0] if reasons else "no message"
            raise SetupError(
                f"rsync to {self.destination} failed (exit {result.returncode}): "
                f"{reason}"
            )
        return parse_itemized(result.stdout)


def parse_itemized(output):
    """Return the Changes in rsync's ``--itemize-changes`` output (files only)."""
    added, changed, removed = [], [], []
    for line in output.splitlines():
        if deleted := DELETED.match(line):
            if not deleted["path"].endswith("/"):
                removed.append(deleted["path"])
            continue
        item = ITEMIZED.match(line)
        if item is None or item["type"] == "d":
            continue
        if item["flags"] == "+" * 9:
            added.append(item["path"])
        elif item["update"] != "." or item["flags"].strip(". "):
            changed.append(item["path"])
    return Changes(tuple(sorted(added)), tuple(sorted(changed)), tuple(sorted(removed)))


def describe(error):
    """Return an OSError as "reason (file)" for a one-line message."""
    if error.filename:
        return f"{error.strerror} ({error.filename})"
    return error.strerror or str(error)
