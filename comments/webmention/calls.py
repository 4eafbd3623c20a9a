"""``parade-calls.json`` beside the comment database: which pages are our calls.

The build knows which articles are calls of parades we host; the comment
server does not. After each build the blog_parade plugin writes
``{"format": 1, "calls": {"/2026/aufruf/": "slug", …}}`` here, and the server
reads it when it checks a mention: a mention of a call is a participant of
that parade. Without the file (a build elsewhere) a mention is kept all the
same, as one of our posts' mentions, and the build still lists it once
approved: it decides by the target's path.
"""

import json
import os
import tempfile
from pathlib import Path

CALLS_FILE_NAME = "parade-calls.json"
FORMAT = 1


def calls_file(db_path):
    """Return the calls file beside the database ``db_path``."""
    return Path(db_path).with_name(CALLS_FILE_NAME)


def read_calls(path):
    """Return ``{call path: parade slug}``; empty when there is no usable file."""
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    calls = values.get("calls") if isinstance(values, dict) else None
    if not isinstance(calls, dict):
        return {}
    return {
        thread_path(path): slug
        for path, slug in calls.items()
        if isinstance(path, str) and isinstance(slug, str)
    }


def thread_path(path):
    """Return a site path as one key: leading and trailing slash."""
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def write_calls(path, calls):
    """Write ``{call path: slug}`` atomically; return True when it changed."""
    path = Path(path)
    text = json.dumps(
        {"format": FORMAT, "calls": {thread_path(k): v for k, v in calls.items()}},
        sort_keys=True,
        indent=2,
    )
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=".parade-calls-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return True
