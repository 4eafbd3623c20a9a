"""Check received Webmentions in the background, one at a time.

``check_mention`` fetches the source (``fetch``: http(s) only, 5 s, 1 MB, three
redirects, no private addresses), makes sure it is an HTML page that links
to the target, reads its h-entry (``source``) and records the outcome
(``comments.store.webmentions``): verified, unlinked (a source that stopped
linking is marked so on its next mention), gone (404/410), failed or
ignored (not HTML).

``MentionQueue`` is the server's one worker thread per process, fed by
``POST /webmention``: the queue is bounded (a flood is refused with 503,
never held in memory) and a mention already waiting is not queued twice.
The thread starts with the first mention in each process (gunicorn forks
its workers after loading the app), and mentions received but not yet
checked when the server last stopped are queued again then.
"""

import logging
import os
import queue
import threading
import time
from urllib.parse import urlsplit

from comments.store import webmentions
from comments.webmention.calls import calls_file, read_calls, thread_path
from comments.webmention.fetch import FetchRefused, fetch
from comments.webmention.source import entry_of, is_html, links_to

logger = logging.getLogger(__name__)

QUEUE_SIZE = 200  # mentions waiting for their check, per process
ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def check_source(source, target, allow_private=False):
    """Return ``(status, Entry or None, problem)`` for one mention."""
    try:
        fetched = fetch(source, headers={"Accept": ACCEPT}, allow_private=allow_private)
    except FetchRefused as refusal:
        return webmentions.FAILED, None, str(refusal)
    if fetched.status in (404, 410):
        return webmentions.GONE, None, f"the source answers {fetched.status}"
    if not 200 <= fetched.status < 300:
        return webmentions.FAILED, None, f"the source answers {fetched.status}"
    if not is_html(fetched.content_type):
        kind = fetched.content_type or "no type"
        return webmentions.IGNORED, None, f"not an HTML page ({kind})"
    html = fetched.text()
    if not links_to(html, fetched.url, target):
        return webmentions.UNLINKED, None, "the source does not link to the target"
    return webmentions.VERIFIED, entry_of(html, fetched.url), ""


def check_mention(db_path, mention_id, source, target, allow_private=False):
    """Check one mention's source and record what was found; return the status."""
    status, entry, problem = check_source(source, target, allow_private)
    parade = read_calls(calls_file(db_path)).get(thread_path(urlsplit(target).path))
    webmentions.record_checked(
        db_path, mention_id, status, time.time(), entry, problem, parade or ""
    )
    logger.info(
        "webmention %s: %s%s", mention_id, status, f" ({problem})" if problem else ""
    )
    return status


class MentionQueue:
    """A bounded queue of mentions and the thread that checks them."""

    def __init__(self, db_path, allow_private=False, size=QUEUE_SIZE):
        self.db_path = db_path
        self.allow_private = allow_private
        self.jobs = queue.Queue(maxsize=size)
        self.waiting = set()
        self.lock = threading.Lock()
        self.pid = None

    def put(self, mention_id, source, target):
        """Queue one mention; return False when the queue is full."""
        self.start()
        with self.lock:
            if mention_id in self.waiting:
                return True
            try:
                self.jobs.put_nowait((mention_id, source, target))
            except queue.Full:
                return False
            self.waiting.add(mention_id)
            return True

    def start(self):
        """Start this process's worker thread, once; queue what a stop left."""
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.jobs = queue.Queue(maxsize=self.jobs.maxsize)  # none from a parent
            self.waiting = set()
            threading.Thread(target=self.work, name="webmention", daemon=True).start()
        for row in webmentions.queued(self.db_path)[: self.jobs.maxsize // 2]:
            self.put(*row)

    def work(self):
        """Check queued mentions for as long as the process runs."""
        jobs = self.jobs
        while True:
            mention_id, source, target = jobs.get()
            with self.lock:
                # A mention sent again while this check runs is checked again.
                self.waiting.discard(mention_id)
            try:
                check_mention(
                    self.db_path, mention_id, source, target, self.allow_private
                )
            except Exception as error:  # the worker must outlive any one source
                logger.error("webmention %s: not checked: %r", mention_id, error)
                self.record_failure(mention_id, error)
            finally:
                jobs.task_done()

    def record_failure(self, mention_id, error):
        """Mark a mention whose check broke as failed, so it is not queued forever."""
        try:
            webmentions.record_checked(
                self.db_path,
                mention_id,
                webmentions.FAILED,
                time.time(),
                problem=f"not checked: {error.__class__.__name__}",
            )
        except Exception as again:  # the database itself: the next start retries
            logger.error("webmention %s: stays queued: %r", mention_id, again)

    def wait(self, timeout=10):
        """Wait until every queued mention is checked (tests); True when done."""
        deadline = time.monotonic() + timeout
        while self.jobs.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True
