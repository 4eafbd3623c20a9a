"""Staff accounts and sessions: who may answer as the blog, verified by the server.

Accounts live in ``staff.cfg`` beside the comment server config (or the file
named by ``BLOG_STAFF_FILE``), one section per person with a display name and a
hashed password (``invoke comments.staff-add``), and optionally an ``email``
for the mails about the comments they own (``comments.staff.owners``; without one
they go to ``[smtp] to``). The address is used for mail only: never shown,
logged or exported. A login creates a random session token; only its SHA-256
is stored, in ``blog_staff_sessions``, so logging out really ends the session;
a new password (``staff-add`` again) ends all of the account's sessions.
Isso's own admin login counts as the shared account ``redaktion``
("Redaktion"), with a session of its own (``comments.server.isso_admin``) — a first
step before per-person accounts. A typed name, email or website never makes
anyone staff.
"""

import configparser
import contextvars
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import NamedTuple

from comments.config import write_private_ini
from comments.core import SetupError
from comments.staff.names import hidden_characters, normalise_name
from comments.store import sessions, staff_comments

# The verified staff member sending the request being handled (set by the
# server's StaffLayer), and how they are known: a login "session", or "cli"
# (``invoke comments.reply``).
current_staff = contextvars.ContextVar("current_staff", default=None)
staff_channel = contextvars.ContextVar("staff_channel", default="session")

logger = logging.getLogger(__name__)

STAFF_FILE_VARIABLE = "BLOG_STAFF_FILE"
SESSION_COOKIE = "blog-staff"
SESSION_SECONDS = 12 * 3600
ISSO_ADMIN_COOKIE = "admin-session"
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


class StaffError(SetupError):
    """The staff accounts file or a staff command is wrong; the message says how."""


@dataclass(frozen=True)
class StaffMember:
    """A verified staff identity: account name and public display name."""

    account: str
    display_name: str


ISSO_ADMIN = StaffMember("redaktion", "Redaktion")

# Isso hashes a comment's avatar ("hash") from its email, else its address:
# a staff comment stores this pseudonym as its email, so it hashes by account,
# never like the member's anonymous comments from the same address. It is no
# mail address: nothing mails, shows or exports it (``comments.build.reader`` never
# reads the column), and readers may not type it (``comments.server.reserved_names``).
PSEUDONYM_PREFIX = "staff:"


def staff_pseudonym(member):
    """Return the stand-in for an email that a staff comment is stored with."""
    return f"{PSEUDONYM_PREFIX}{member.account}"


class StaffAccount(NamedTuple):
    """One section of staff.cfg: display name, password hash, optional email."""

    name: str
    password_hash: str
    email: str = ""


def hash_password(password):
    """Return Werkzeug's hash of ``password``.

    Werkzeug is imported here and in ``password_matches``: builds read the
    accounts (thread owners) but never a password, and importing Werkzeug
    loads most of it (1.8 MiB imported alone).
    """
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def password_matches(password_hash, password):
    """True when ``password`` is the one ``password_hash`` was made from."""
    from werkzeug.security import check_password_hash

    return check_password_hash(password_hash, password)


def staff_file(config_file, environ=None):
    """Return the staff accounts file for a comment server config file."""
    environ = os.environ if environ is None else environ
    configured = environ.get(STAFF_FILE_VARIABLE)
    return Path(configured) if configured else Path(config_file).with_name("staff.cfg")


def read_accounts(path):
    """Return {account: StaffAccount}; an absent file has none."""
    parser = configparser.ConfigParser(interpolation=None)
    if not Path(path).exists():
        return {}
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise StaffError(
            f"{path}: unreadable staff file ({str(error).splitlines()[0]})"
        ) from None
    accounts = {}
    for account in parser.sections():
        name = parser.get(account, "name", fallback="").strip()
        password_hash = parser.get(account, "password", fallback="").strip()
        if not name or not password_hash:
            raise StaffError(
                f"{path}: [{account}] needs both 'name' and 'password'; "
                f"recreate it with: invoke comments.staff-add {account} 'Name'"
            )
        email = parser.get(account, "email", fallback="").strip()
        if email and not is_email(email):
            raise StaffError(
                f"{path}: [{account}] email = {email!r} is not a mail address; "
                f"fix it or set it with: invoke comments.staff-add {account} "
                f"'{name}' --email NAME@EXAMPLE.COM"
            )
        accounts[account] = StaffAccount(name, password_hash, email)
    return accounts


def is_email(address):
    """True for a plain mail address (name@domain, no display name)."""
    return (
        "@" in address
        and parseaddr(address)[1] == address
        and not any(c.isspace() for c in address)
    )


def add_account(path, account, display_name, password, email=None):
    """Add or replace one account in the staff file (password stored hashed).

    ``email`` None keeps the account's address as it is; "" removes it.
    """
    if not ACCOUNT_NAME.match(account):
        raise StaffError(
            f"Kontoname {account!r}: 1–40 Kleinbuchstaben, Ziffern, . _ - verwenden"
        )
    if not display_name.strip():
        raise StaffError("der Anzeigename ist leer; Leser sehen ihn am Abzeichen")
    if hidden_characters(display_name):
        raise StaffError(
            f"der Anzeigename {display_name!r} enthält unsichtbare Zeichen "
            "(Zeilenumbrüche, Nullbreiten- oder Bidi-Steuerzeichen); ohne sie neu "
            "eingeben"
        )
    if len(password) < 12:
        raise StaffError("das Passwort braucht mindestens 12 Zeichen")
    if email and not is_email(email.strip()):
        raise StaffError(f"E-Mail {email!r} ist keine Mailadresse (name@example.com)")
    if account == ISSO_ADMIN.account:
        raise StaffError(
            f"Kontoname {account!r} ist die gemeinsame Anmeldung von Issos "
            "Admin-Seite; einen persönlichen Namen wählen"
        )
    parser = configparser.ConfigParser(interpolation=None)
    if Path(path).exists():
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as error:
            raise StaffError(
                f"{path}: Redaktionsdatei unlesbar ({str(error).splitlines()[0]}); "
                "von Hand reparieren (je Konto ein [konto]-Abschnitt), nichts "
                "wurde geändert"
            ) from None
    name = display_name.strip()
    for other in parser.sections():
        taken = parser.get(other, "name", fallback="").strip()
        if other != account and normalise_name(taken) == normalise_name(name):
            raise StaffError(
                f"der Anzeigename {name!r} gehört schon zum Konto {other!r}; "
                "Leser könnten die beiden nicht unterscheiden"
            )
    if normalise_name(name) == normalise_name(ISSO_ADMIN.display_name):
        raise StaffError(
            f"der Anzeigename {name!r} ist der des gemeinsamen Kontos (Issos "
            "Admin-Anmeldung); einen persönlichen Namen wählen"
        )
    if not parser.has_section(account):
        parser.add_section(account)
    parser.set(account, "name", display_name.strip())
    parser.set(account, "password", hash_password(password))
    if email is not None and email.strip():
        parser.set(account, "email", email.strip())
    elif email is not None:
        parser.remove_option(account, "email")
    write_private_ini(
        path, parser, "Staff accounts of the comment server; passwords are hashed."
    )


class StaffDirectory:
    """Staff accounts and sessions for one comment database."""

    def __init__(self, accounts_file, db_path, clock=time.time):
        self.accounts_file = Path(accounts_file)
        self.db_path = db_path
        self.clock = clock
        self._accounts = {}
        self._accounts_stamp = None
        self._dummy_hash = None
        self._dummy_lock = threading.Lock()

    def accounts(self):
        """Return the accounts, re-read when the file changed."""
        try:
            stamp = self.accounts_file.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp != self._accounts_stamp:
            self._accounts = read_accounts(self.accounts_file) if stamp else {}
            self._accounts_stamp = stamp
        return self._accounts

    def member(self, account):
        """Return the StaffMember for an account name, or None."""
        if account == ISSO_ADMIN.account and account not in self.accounts():
            return ISSO_ADMIN
        entry = self.accounts().get(account)
        return StaffMember(account, entry.name) if entry else None

    def dummy_hash(self):
        """Return a hash of a random password, made once (``StaffLayer`` makes
        it at start): unknown names are checked against it."""
        with self._dummy_lock:
            if self._dummy_hash is None:
                self._dummy_hash = hash_password(secrets.token_urlsafe(16))
            return self._dummy_hash

    def check_password(self, account, password):
        """Return the StaffMember when the password matches, else None.

        Known and unknown names cost one hash each, so the time of the answer
        does not tell which accounts exist.
        """
        entry = self.accounts().get(account)
        password_hash = entry.password_hash if entry else self.dummy_hash()
        if password_matches(password_hash, password) and entry is not None:
            return StaffMember(account, entry.name)
        return None

    def open_session(self, member):
        """Start a session for ``member``; return the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        sessions.add_session(
            self.db_path, token_hash(token), member.account, now, now + SESSION_SECONDS
        )
        return token

    def close_session(self, token):
        """End the session of ``token`` (logging out)."""
        sessions.remove_session(self.db_path, token_hash(token))

    def session_member(self, token):
        """Return the StaffMember of a live session token, else None."""
        if not token or len(token) > 100:
            return None
        account = sessions.live_account(self.db_path, token_hash(token), self.clock())
        return self.member(account) if account else None


def end_sessions(db_path, account):
    """End every session of ``account`` in the database; return how many.

    A database the server never opened (no sessions table yet) has none.
    """
    if not Path(db_path).is_file():
        return 0
    return sessions.remove_account_sessions(db_path, account)


def token_hash(token):
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record_staff_comment(db_path, comment_id, created, member, via, now=None):
    """Record that comment ``comment_id`` was written by ``member``."""
    staff_comments.add_staff_comment(
        db_path,
        comment_id,
        created,
        member.account,
        member.display_name,
        via,
        now or time.time(),
    )
    logger.info("comment %s recorded as written by staff (%s)", comment_id, via)


def staff_names_for_thread(db_path, uri):
    """Return {comment id: display name} of verified staff comments in a thread."""
    return staff_comments.staff_names_in_thread(db_path, uri)
