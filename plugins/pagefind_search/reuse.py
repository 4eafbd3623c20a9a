"""Keep the search indexes whose pages did not change.

Each index (a share of ``PAGEFIND_PAGES_PER_INDEX`` pages) is known by a
digest of its glob, the files it indexes (path and bytes), the Python that
runs Pagefind (so a new Pagefind package counts) and the excluded selectors.
The digests of the last successful run live in Pelican's cache folder
(``CACHE_PATH/pagefind-indexes.json``); a build indexes only the shares
whose digest changed or whose bundle is missing (a deleted output). After
one edited article, one share of 500 pages is indexed again instead of all.
"""

import hashlib
import json
import shutil
from pathlib import Path

STATE_NAME = "pagefind-indexes.json"
ENTRY = "pagefind-entry.json"  # written last by a finished Pagefind run


def share_digest(output_path, glob, paths, command_line):
    """The digest of one share's input."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps([glob, command_line]).encode())
    for path in paths:
        digest.update(path.encode() + b"\0")
        try:
            digest.update((Path(output_path) / path).read_bytes())
        except OSError:
            digest.update(b"\0missing")
    return digest.hexdigest()


def state_file(settings):
    """Where the last run's digests are kept (None without a CACHE_PATH)."""
    cache = settings.get("CACHE_PATH")
    return Path(cache) / STATE_NAME if cache else None


def load(path):
    """The digests of the last successful run ({} if none or unreadable)."""
    if path is None:
        return {}
    try:
        state = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save(path, digests):
    """Keep this run's digests for the next build."""
    if path is None:
        return
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(digests, sort_keys=True), encoding="utf-8")
    except OSError:
        pass  # the next build indexes everything again


def changed_shares(output_path, shares, digests, previous):
    """The shares (folder, glob, paths) Pagefind must index again."""
    return [
        share
        for share in shares
        if previous.get(share[0]) != digests[share[0]]
        or not (Path(output_path) / share[0] / ENTRY).is_file()
    ]


def clear_bundles(output_path, bundle_dir, shares, todo):
    """Remove the files of the indexes made again and of shares that no longer
    exist (Pagefind names its files by content hash: a bundle must hold exactly
    one index). The first share's bundle holds the others' folders."""
    bundle = Path(output_path) / bundle_dir
    kept = {Path(output_path) / folder for folder, _, _ in shares}
    redo = {Path(output_path) / folder for folder, _, _ in todo}
    if bundle in redo:
        for entry in bundle.iterdir() if bundle.is_dir() else ():
            if entry.is_dir() and entry in kept:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    elif bundle.is_dir():
        for entry in bundle.iterdir():
            if entry.is_dir() and entry.name.startswith("teil-") and entry not in kept:
                shutil.rmtree(entry, ignore_errors=True)
    for folder in redo - {bundle}:
        shutil.rmtree(folder, ignore_errors=True)
