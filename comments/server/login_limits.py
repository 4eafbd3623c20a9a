"""Limits on password guessing, shared by the staff login and Isso's admin login.

``LoginThrottle`` counts an attempt *before* the password is checked, under a
lock, so parallel requests cannot all pass the check and be counted only
afterwards; a correct password takes its own attempt back. It limits both the
address and the account (any address: a botnet guessing one password). Unknown
account names are counted like known ones, so the answers tell nothing about
which accounts exist. ``HashSlots`` caps how many password hashes run at once:
each takes 32 MiB (Werkzeug's scrypt), so thirty at once took 900 MiB.
"""

import threading
import time
from collections import defaultdict, deque
from contextlib import contextmanager

ADDRESS_ATTEMPTS = 5  # failed logins per address …
ACCOUNT_ATTEMPTS = 10  # … or per account, from any address …
LOGIN_WINDOW = 600  # … within this many seconds, then 429 until they age out
HASHES_AT_ONCE = 2  # password checks running in parallel (32 MiB each)
HASH_WAIT_SECONDS = 10  # a login waiting longer for a slot gets 503


def client_address(environ):
    """Return the client's address. Behind a trusted proxy werkzeug's ProxyFix
    (comments.server.app) has already put the reader's address here from the
    proxy's X-Forwarded-For, which ``UntrustedForwardingFilter`` keeps from
    trusted proxies only."""
    return environ.get("REMOTE_ADDR", "")


class LoginThrottle:
    """Count login attempts per address and per account; refuse past the limit."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.attempts = defaultdict(deque)

    def reserve(self, address, account):
        """Count one attempt; return its key, or None when it is refused (429)."""
        keys = (
            ("address", address, ADDRESS_ATTEMPTS),
            ("account", account, ACCOUNT_ATTEMPTS),
        )
        with self.lock:
            now = self.clock()
            for kind, name, limit in keys:
                if len(self.recent((kind, name), now)) >= limit:
                    return None
            for kind, name, _ in keys:
                self.attempts[(kind, name)].append(now)
            return now, address, account

    def release(self, reservation):
        """Take back the attempt of a correct password: only failures count."""
        stamp, address, account = reservation
        with self.lock:
            for key in (("address", address), ("account", account)):
                window = self.attempts.get(key)
                if window and stamp in window:
                    window.remove(stamp)

    def recent(self, key, now):
        """Return the attempts of ``key`` inside the window (older ones dropped)."""
        window = self.attempts[key]
        while window and now - window[0] > LOGIN_WINDOW:
            window.popleft()
        if not window:
            del self.attempts[key]  # no memory kept for names tried once
            return ()
        return window


class HashSlots:
    """A bounded number of password hashes at once; the rest wait their turn."""

    def __init__(self, slots=HASHES_AT_ONCE, wait=HASH_WAIT_SECONDS):
        self.semaphore = threading.BoundedSemaphore(slots)
        self.wait = wait

    @contextmanager
    def slot(self):
        """Hold a slot for one hash; yield False when none came free in time."""
        acquired = self.semaphore.acquire(timeout=self.wait)
        try:
            yield acquired
        finally:
            if acquired:
                self.semaphore.release()
