"""Helpers for the publishing tests."""

import os
import shutil
import stat

import pytest


def tree(folder):
    """Everything about a folder that a deploy could change."""
    state = {}
    for directory, subfolders, names in os.walk(folder):
        for name in [*subfolders, *names]:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            key = os.path.relpath(path, folder)
            if stat.S_ISLNK(info.st_mode):
                state[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                state[key] = ("dir", info.st_mode, info.st_mtime_ns)
            else:
                with open(path, "rb") as stream:
                    content = stream.read()
                state[key] = ("file", content, info.st_mode, info.st_mtime_ns)
    return state


# `invoke test` installs rsync; a plain pytest run without it says why it skips.
needs_rsync = pytest.mark.skipif(
    shutil.which("rsync") is None,
    reason="rsync is not installed (sudo apt-get install -y rsync; `invoke test` "
    "installs it)",
)
