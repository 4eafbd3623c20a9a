"""Find what must not go public in a built site, before it is deployed.

``find_leaks(folder, email_allowlist, unpublished, removed)`` walks an output folder and
returns findings ``(relative path, what)``, sorted by path:

- by name or content: a SQLite database (its magic bytes, whatever the name),
  comment snapshots (by name or by the snapshot's JSON shape), the comment
  server's thread-owners file, backups, version control folders, ``.env``
  files, config and secret files, private keys, and symlinks pointing out of
  the site;
- in every text file (HTML entities, ``%40`` and ``\\/`` decoded first): URLs of
  the local machine (``localhost``, ``127.x.x.x``, ``[::1]``, ``0.0.0.0``); and
  in every text file but scripts and stylesheets, email addresses outside the
  allow-list;
- the live preview's reload script (``/__preview__/``), which only the preview
  server adds to its responses;
- drafts and hidden articles, as the build listed them (``build.watch_build``):
  their output files, and links to them from other files;
- the text of a removed comment (``comments.build.removed``): in every HTML
  file, as a reader reads it (tags dropped, blanks collapsed), more often
  than the published comments that say it too show it there (a thread's page,
  named by its ``#isso-thread`` section, shows only that thread's).

It reads files only: no Pelican, no settings (``publishing.publish`` finds
the removed comments' texts).
"""

import fnmatch
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from comments.build.removed import plain_text
from publishing.live import PREVIEW_PREFIX

SQLITE_MAGIC = b"SQLite format 3\x00"
BINARY_PROBE = 8192  # a NUL byte in the first 8 KiB marks a file as binary

# (glob on the lower-cased file name, what it is); the first match counts.
NAME_RULES = (
    ("comments-*.json", "comment snapshot"),
    ("*.snapshot.json", "comment snapshot"),
    ("thread-owners.json", "comment owners file"),
    ("*.db", "database file"),
    ("*.sqlite", "database file"),
    ("*.sqlite3", "database file"),
    ("*.db-journal", "database journal"),
    ("*.db-wal", "database journal"),
    ("*.db-shm", "database journal"),
    ("*.bak", "backup"),
    ("*.backup", "backup"),
    ("*.old", "backup"),
    ("*.orig", "backup"),
    ("*~", "backup"),
    ("*.sql", "database dump"),
    ("*.sql.gz", "database dump"),
    ("*.dump", "database dump"),
    ("*.swp", "editor swap file"),
    (".git", "git repository link"),
    (".env", "environment file"),
    (".env.*", "environment file"),
    ("*.env", "environment file"),
    ("secrets*", "secrets file"),
    ("*.cfg", "config file"),
    ("*.ini", "config file"),
    (".htpasswd", "password file"),
    ("*.pem", "private key or certificate"),
    ("*.key", "private key"),
    ("id_rsa*", "private key"),
    ("id_ed25519*", "private key"),
)
# All of NAME_RULES in one pattern, each a named group ("r0", "r1", …): the
# first rule that matches names the file, as one fnmatch after the other did.
ANY_NAME_RULE = re.compile(
    "|".join(
        f"(?P<r{index}>{fnmatch.translate(pattern)})"
        for index, (pattern, _) in enumerate(NAME_RULES)
    )
)
FOLDER_RULES = {
    ".git": "git repository",
    ".hg": "version control folder",
    ".svn": "version control folder",
}
SNAPSHOT_KEYS = {"format", "read_at", "comments"}  # comments.build.data.to_json

LOCAL_HOST = r"(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)"
# A local host after "//" (any scheme, or none), or bare with a port.
LOCAL_URL = re.compile(
    rf"(?:\b[a-z][a-z0-9+.-]*:)?//{LOCAL_HOST}(?![\w-]|\.[\w-])[^\s\"'<>)\]]*"
    rf"|(?<![\w./-]){LOCAL_HOST}:\d+[^\s\"'<>)\]]*",
    re.IGNORECASE,
)
EMAIL = re.compile(
    r"(?<![\w.+%-])[\w.+%-]+@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)
# EMAIL found from its "@" (``addresses_in``): the same matches, without
# trying the pattern at every character of a page (4 of the 11 s the leak
# check took over a site of 5,000 articles).
LOCAL_PART = re.compile(r"[\w.+%-]+\Z")
DOMAIN = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE
)
LOCAL_CHAR = re.compile(r"[\w.+%-]")
LOCALHOST = re.compile("localhost", re.IGNORECASE)
RETINA_IMAGE = re.compile(r"@\d+(?:\.\d+)?x\.[a-z]+$", re.IGNORECASE)  # logo@2x.png
# Code assets (the theme's and vendored scripts such as Pagefind's UI) credit
# their authors as "Name <a@b.org>"; content and comment data reach the site as
# documents (HTML, XML, JSON, text), which are scanned for addresses.
CODE_SUFFIXES = {".js", ".mjs", ".cjs", ".css", ".map"}
# iCalendar and vCard UIDs look like addresses ("id@host", RFC 5545) but are not.
UID_LINE = re.compile(r"[ \t]*UID[:;]", re.IGNORECASE)
# The comment section of an article page names its thread (includes/comments.html).
THREAD_SECTION = re.compile(r'<section\b[^>]*\bid="isso-thread"[^>]*>')
THREAD_ID = re.compile(r'\bdata-isso-id="([^"]*)"')


class Finding(NamedTuple):
    """One thing that must not go public, and the file it is in."""

    path: str  # relative to the scanned folder, with "/"
    what: str

    def __str__(self):
        return f"{self.path}: {self.what}"


@dataclass(frozen=True)
class Unpublished:
    """A draft or hidden article of the build, and where it would be."""

    what: str  # e.g. "draft article 'Titel' (articles/titel.md)"
    save_as: str  # output path; "" when the settings do not write it
    url: str  # URL relative to SITEURL; "" when it has none


def find_leaks(folder, email_allowlist=(), unpublished=(), removed=(), only=None):
    """Scan a built site in ``folder``; return the findings, sorted by path.

    ``removed``: ``comments.build.removed.RemovedText`` items;
    ``only``: the relative paths of the files to read (default: all; a
    comment-only publish reads those that differ from the live release,
    which was checked when it went live).
    """
    folder = Path(folder)
    allowlist = {entry.lower() for entry in email_allowlist}
    unpublished = tuple(unpublished)
    by_output_path = {path: item for item in unpublished for path in output_paths(item)}
    files, findings = walk(folder)
    for path in files:
        relative = path.relative_to(folder).as_posix()
        if only is not None and relative not in only:
            continue
        if relative in by_output_path:
            findings.append(Finding(relative, by_output_path[relative].what))
        findings.extend(scan_file(path, relative, allowlist, unpublished))
        if removed and path.suffix.lower() in (".html", ".htm"):
            findings.extend(scan_removed(path, relative, removed))
    return sorted(findings)


def scan_removed(path, relative, removed):
    """Return a finding for each removed comment's text the page shows more
    often than the published comments of its thread that say it too."""
    page = path.read_text(encoding="utf-8", errors="replace")
    shown, thread = plain_text(page), page_thread(page)
    return [
        Finding(
            relative,
            f"the text of comment {text.removal.comment_id}, removed "
            f"({text.removal.reason}); publish from the comment database, not an "
            "older snapshot",
        )
        for text in removed
        if text.fragment in shown
        and shown.count(text.fragment) > text.allowed_on(thread)
    ]


def page_thread(page):
    """Return the URI of the comment thread an HTML page shows, or None."""
    section = THREAD_SECTION.search(page)
    named = section and THREAD_ID.search(section.group(0))
    return html.unescape(named.group(1)) if named else None


def walk(folder):
    """Return the regular files under ``folder``, and findings for folders and links.

    Version control folders are reported once, not entered; symlinks are not
    followed, and reported when they point out of the site.
    """
    files, findings = [], []
    for directory, subfolders, names in os.walk(folder):
        directory = Path(directory)
        for name in sorted(subfolders):  # a copy: entries are removed below
            path = directory / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                findings.extend(check_link(path, relative, folder))
                subfolders.remove(name)
            elif name.lower() in FOLDER_RULES:
                findings.append(Finding(relative + "/", FOLDER_RULES[name.lower()]))
                subfolders.remove(name)
        for name in sorted(names):
            path = directory / name
            if path.is_symlink():
                relative = path.relative_to(folder).as_posix()
                findings.extend(check_link(path, relative, folder))
            else:
                files.append(path)
    return files, findings


def check_link(path, relative, folder):
    """Return a finding when the symlink ``path`` leaves ``folder``."""
    if path.resolve().is_relative_to(folder.resolve()):
        return []
    return [Finding(relative, f"symlink to {os.readlink(path)} outside the site")]


def output_paths(item):
    """Return the output files an unpublished item would have."""
    paths = {item.save_as} if item.save_as else set()
    if item.url and "://" not in item.url:
        url = item.url.lstrip("/")
        paths.add(url + "index.html" if url.endswith("/") or not url else url)
    return paths


def scan_file(path, relative, allowlist, unpublished):
    """Return the findings of one regular file."""
    by_name = name_rule(path.name)
    if by_name:
        return [Finding(relative, by_name)]
    with path.open("rb") as stream:
        head = stream.read(BINARY_PROBE)
        if head.startswith(SQLITE_MAGIC):
            return [Finding(relative, "SQLite database")]
        if b"\x00" in head:
            return []
        raw = head + stream.read()
    text = raw.decode("utf-8", errors="replace")
    if path.suffix.lower() == ".json" and is_snapshot(text):
        return [Finding(relative, "comment snapshot (JSON)")]
    emails = path.suffix.lower() not in CODE_SUFFIXES
    return scan_text(text, relative, allowlist, unpublished, emails)


def name_rule(name):
    """Return what a file of this name is, if it must not be published."""
    matched = ANY_NAME_RULE.match(name.lower())
    return NAME_RULES[int(matched.lastgroup[1:])][1] if matched else ""


def is_snapshot(text):
    """True when ``text`` is comment data in the snapshot format."""
    try:
        values = json.loads(text)
    except ValueError:
        return False
    return isinstance(values, dict) and values.keys() >= SNAPSHOT_KEYS


def scan_text(text, relative, allowlist, unpublished, emails=True):
    """Return local URLs, foreign emails and links to unpublished content."""
    text = html.unescape(text).replace("%40", "@").replace("\\/", "/")
    findings = {}
    for match in LOCAL_URL.finditer(text) if may_name_local_host(text) else ():
        what = f"local URL {match.group(0)}"
        findings.setdefault(what, line_of(text, match.start()))
    for start, address in addresses_in(text) if emails else ():
        if (
            is_allowed(address, allowlist)
            or RETINA_IMAGE.search(address)
            or UID_LINE.match(text, text.rfind("\n", 0, start) + 1)
        ):
            continue
        what = f"email address {address} (not in PUBLISH_EMAIL_ALLOWLIST)"
        findings.setdefault(what, line_of(text, start))
    position = text.find(PREVIEW_PREFIX)
    if position >= 0:
        what = f"the live preview's reload script ({PREVIEW_PREFIX}); publish a build"
        findings.setdefault(what, line_of(text, position))
    for item in unpublished:
        if relative in output_paths(item) or not item.url:
            continue
        position = text.find("/" + item.url.lstrip("/"))
        if position >= 0:
            findings.setdefault(f"link to {item.what}", line_of(text, position))
    return [
        Finding(relative, f"line {line}: {what}") for what, line in findings.items()
    ]


def addresses_in(text):
    """Yield ``(position, address)`` of each match of ``EMAIL`` in ``text``,
    as ``EMAIL.finditer`` finds them, looking only around each "@"."""
    end = 0  # where the last match ended: the next starts at or after it
    at = text.find("@")
    while at >= 0:
        start = local_part_start(text, end, at)
        domain = DOMAIN.match(text, at + 1) if start is not None else None
        if domain:
            yield start, text[start : domain.end()]
            end = domain.end()
        at = text.find("@", max(at + 1, end))


def local_part_start(text, end, at):
    """Return where the address whose "@" is at ``at`` starts: the whole run
    of local-part characters before it, not before ``end``; None when there
    is none (or the run goes on before ``end``, as a match could not)."""
    low = max(end, at - 256)
    while True:
        run = LOCAL_PART.search(text, low, at)
        if run is None:
            return None
        if run.start() > low or low == end:
            break
        low = max(end, low - 4096)  # a run longer than looked at: look further
    start = run.start()
    if start > 0 and LOCAL_CHAR.match(text, start - 1):
        return None  # the run began before the last match ended
    return start


def may_name_local_host(text):
    """False when ``text`` holds none of the strings ``LOCAL_HOST`` needs:
    the pattern is not tried then (it took 0.4 s over a 6 MB page)."""
    return (
        "127." in text
        or "[::1]" in text
        or "0.0.0.0" in text
        or "localhost" in text.lower()
        # "ſ" and the Kelvin sign fold to "s" and "k" (UTS 46 too): rare, so
        # looked for only when present
        or (("ſ" in text or "\u212a" in text) and LOCALHOST.search(text) is not None)
    )


def is_allowed(address, allowlist):
    """True when the address or its whole domain is on the allow-list."""
    address = address.lower()
    return address in allowlist or address[address.index("@") :] in allowlist


def line_of(text, position):
    """Return the 1-based line number of ``position`` in ``text``."""
    return text.count("\n", 0, position) + 1
