"""Send Webmentions for our parade posts after ``invoke publish`` put them live.

What to send is read from the published build's ``parade.json`` files: each
post in a parade we join mentions that parade's call; each of our posts in a
parade we host, but the call itself (the round-up, say), mentions every
participant listed there. A mention goes out only when the post's page
really links to the target (the receiver checks that too), to the address
as the page spells it.

Each mention discovers the target's endpoint (``comments.webmention.discovery``:
``Link`` header, then ``<link>``/``<a rel="webmention">``) and POSTs
``source`` and ``target`` as a form. What was sent, when, to which endpoint
and the answer are recorded in a JSON state file that outlives releases
(``WEBMENTION_STATE_FILE``; default ``webmentions-sent.json`` in a local
``PUBLISH_TARGET``, else ``.webmentions-sent.json`` beside the settings
file), keyed by source and target with a hash of the post's text: an
unchanged post is not mentioned again, a changed one is. A failure is one
line and is tried again on the next publish; it never fails the publish.
Targets on private or loopback addresses are refused unless
``WEBMENTION_ALLOW_PRIVATE`` (tests on 127.0.0.1).
"""

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from comments.webmention.discovery import endpoint_of
from comments.webmention.fetch import FetchRefused, fetch
from comments.webmention.source import linked_address

STATE_NAME = "webmentions-sent.json"
FORMAT = 1
DEFAULTS = {
    "WEBMENTION_SEND": True,
    "WEBMENTION_STATE_FILE": "",
    "WEBMENTION_ALLOW_PRIVATE": False,
}
SENT = "sent"
NO_ENDPOINT = "no endpoint"
FAILED = "failed"
DONE = (SENT, NO_ENDPOINT)  # not tried again while the post stays unchanged


@dataclass(frozen=True)
class Planned:
    """One mention to send: our post (its address and built page) and the target."""

    source: str
    target: str
    page: Path


@dataclass(frozen=True)
class Outcome:
    """What sending one mention did."""

    source: str
    target: str
    status: str  # SENT, NO_ENDPOINT, FAILED or "unchanged"
    detail: str = ""

    def line(self):
        """Return the outcome as one line for people."""
        detail = f": {self.detail}" if self.detail else ""
        return f"webmention {self.status}: {self.source} → {self.target}{detail}"


def state_file(settings, publish_options, settings_file):
    """Return where the record of sent mentions lives."""
    if settings.get("WEBMENTION_STATE_FILE"):
        return Path(settings["WEBMENTION_STATE_FILE"])
    if publish_options.method == "releases":
        return Path(publish_options.target) / STATE_NAME
    return Path(settings_file).resolve().parent / f".{STATE_NAME}"


def page_of(output, site_url, url):
    """Return the built file of one of our addresses, or None."""
    prefix = site_url.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    path = urlsplit(url).path[len(urlsplit(prefix).path) :]
    page = Path(output) / path
    return page / "index.html" if path.endswith("/") or not path else page


def planned_mentions(output, site_url):
    """Return every mention the build's parade posts should send, sorted."""
    planned = set()
    for record_file in sorted(Path(output).rglob("parade.json")):
        record = json.loads(record_file.read_text(encoding="utf-8"))
        call = record.get("url") or ""
        if record.get("role") == "host":
            targets = [item["url"] for item in record.get("participants", ())]
        else:
            targets = [call] if call else []
        for contribution in record.get("contributions", ()):
            source = contribution["url"]
            page = page_of(output, site_url, source)
            if source == call or page is None or not page.is_file():
                continue
            planned.update(Planned(source, target, page) for target in targets)
    return sorted(planned, key=lambda item: (item.source, item.target))


def post_text(html):
    """Return the text of the post itself (not comments or figures around it)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    body = soup.select_one(".e-content") or soup.select_one(".post__body") or soup
    return " ".join(body.get_text(" ").split())


def content_hash(html, target):
    """Return the hash that says whether a post changed for this target."""
    return hashlib.sha256(f"{target}\n{post_text(html)}".encode()).hexdigest()


def read_state(path):
    """Return the sent mentions recorded in ``path`` (``{}`` when none)."""
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    return values.get("mentions", {}) if isinstance(values, dict) else {}


def write_state(path, mentions):
    """Write the record atomically (a crash leaves the old one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"format": FORMAT, "mentions": mentions},
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
    )
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=".webmentions-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text + "\n")
    os.replace(handle.name, path)


def send_one(source, target, allow_private=False):
    """Discover the target's endpoint and send one mention; return
    ``(status, endpoint, detail)``."""
    try:
        page = fetch(target, allow_private=allow_private)
    except FetchRefused as refusal:
        return FAILED, "", f"target not read ({refusal})"
    if page.status >= 400:
        return FAILED, "", f"the target answers {page.status}"
    endpoint = endpoint_of(page)
    if endpoint is None:
        return NO_ENDPOINT, "", "the target names no Webmention endpoint"
    try:
        answer = fetch(
            endpoint,
            method="POST",
            body=urlencode({"source": source, "target": target}).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_private=allow_private,
            max_redirects=0,
        )
    except FetchRefused as refusal:
        return FAILED, endpoint, f"endpoint not reached ({refusal})"
    if 200 <= answer.status < 300:
        return SENT, endpoint, f"{endpoint} answered {answer.status}"
    return FAILED, endpoint, f"{endpoint} answered {answer.status}"


def send_mentions(output, site_url, state_path, allow_private=False, now=None):
    """Send what the build's parade posts should mention and was not sent for
    this version of the post; record it; return the Outcomes."""
    now = now or datetime.datetime.now(datetime.UTC)
    state = read_state(state_path)
    before = json.dumps(state, sort_keys=True)
    outcomes = []
    for planned in planned_mentions(output, site_url):
        html = planned.page.read_text(encoding="utf-8")
        # The address as the post links it: parade.json's is normalised.
        target = linked_address(html, planned.source, planned.target)
        if target is None:
            continue
        planned = Planned(planned.source, target, planned.page)
        key = f"{planned.source} {planned.target}"
        version = content_hash(html, planned.target)
        known = state.get(key, {})
        if known.get("hash") == version and known.get("status") in DONE:
            outcomes.append(Outcome(planned.source, planned.target, "unchanged"))
            continue
        status, endpoint, detail = send_one(
            planned.source, planned.target, allow_private
        )
        state[key] = {
            "source": planned.source,
            "target": planned.target,
            "hash": version,
            "status": status,
            "endpoint": endpoint,
            "answer": detail,
            "at": now.isoformat(timespec="seconds"),
        }
        outcomes.append(Outcome(planned.source, planned.target, status, detail))
    if json.dumps(state, sort_keys=True) != before:
        write_state(state_path, state)
    return outcomes
