"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import email
import email.policy
import logging
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd logs every SMTP command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)

STAFF = "redaktion@firma.example"
SENDER = "Firmenblog <blog@firma.example>"


@dataclass
class Delivery:
    """One message as the SMTP server received it."""

    mail_from: str
    recipients: list
    raw: bytes

    @property
    def message(self):
        """The parsed message."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def part(self, subtype):
        """Return the decoded text/<subtype> part, with plain newlines."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content().replace("\r\n", "\n")


class Mailbox:
    """aiosmtpd handler: collect every delivered message."""

    def __init__(self):
        self.deliveries = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.changed:
            self.deliveries.append(
                Delivery(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count, timeout=10):
        """Wait until ``count`` messages arrived; return them all."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.deliveries) >= count, timeout)
        return list(self.deliveries)

    def clear(self):
        """Forget what arrived so far."""
        with self.changed:
            self.deliveries.clear()


def free_port():
    """Return a loopback port nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def password_check(username, password):
    """Return an aiosmtpd authenticator that accepts one login."""

    def authenticate(server, session, envelope, mechanism, auth_data):
        valid = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (username, password)
        return AuthResult(success=valid)

    return authenticate


@contextmanager
def running_mailbox(port=None, login=None):
    """Run a Mailbox on loopback for the block; yield it (``.port`` set).

    With ``login=(username, password)`` it requires that login (AUTH without TLS).
    """
    mailbox = Mailbox()
    mailbox.port = port or free_port()
    auth = (
        {
            "authenticator": password_check(*login),
            "auth_required": True,
            "auth_require_tls": False,
        }
        if login
        else {}
    )
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, **auth)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def smtp_section(port, **options):
    """Return the ``[smtp]`` options of a test server that mails ``STAFF``."""
    return {
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "to": STAFF,
        "from": SENDER,
        "timeout": "5",
        **options,
    }


def wait_until(condition, timeout=10):
    """Poll ``condition`` until it is true; return its last value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value
