"""Staff mails of the answer desk: built from desk entries, sent over SMTP.

Two mails, multipart (plain text and simple HTML), in German, from templates
in ``comments/templates/``: one about a new reader comment, and the reminder
digest. Both name each comment's owner (``comments.staff.owners``, display names
only); the digest also says how long each comment has waited. They are built
from ``comments.staff.desk`` entries and the comment's text as the reader returns
it, so a reader's email or IP address cannot get into them: neither is ever
read. The HTML part escapes everything (Jinja autoescape);
the comment is shown as written, not rendered.

SMTP settings are Isso's ``[smtp]`` section (host, port, security none |
starttls | ssl, username, from, timeout); the password comes from
``ISSO_SMTP_PASSWORD``, or ``[smtp] password`` when that is unset.
"""

import email.utils
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from comments.config import ConfigError
from comments.staff import desk

PASSWORD_VARIABLE = "ISSO_SMTP_PASSWORD"
SECURITY_MODES = ("none", "starttls", "ssl")
SUBJECT_LIMIT = 60

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["duration"] = desk.format_duration
TEMPLATES.filters["hours"] = desk.format_hours

STATUS_LABELS = {
    desk.OVERDUE: "überfällig",
    desk.DUE_SOON: "bald fällig",
    desk.ON_TIME: "im Ziel",
}
TEMPLATES.globals["status_labels"] = STATUS_LABELS

# Why someone owns a comment (comments.staff.owners rules), for mails and the desk.
OWNER_RULES = {
    "metadata": "im Artikel festgelegt",
    "author": "Autor/in des Artikels",
    "category": "zuständig für die Kategorie",
    "fallback": "Vertretung",
    "handed_over": "übergeben",
}
TEMPLATES.globals["owner_rules"] = OWNER_RULES


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server and who the mails come from."""

    host: str
    port: int
    security: str
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_conf(cls, conf, environ):
        """Read and check ``[smtp]``; raise ConfigError naming a wrong option."""
        security = conf.get("smtp", "security").strip().lower()
        if security not in SECURITY_MODES:
            raise ConfigError(
                f"[smtp] security = {security!r}: use one of "
                f"{', '.join(SECURITY_MODES)}"
            )
        number = {}
        for option in ("port", "timeout"):
            try:
                number[option] = float(conf.get("smtp", option))
            except ValueError:
                number[option] = -1
            if number[option] <= 0:
                raise ConfigError(
                    f"[smtp] {option} = {conf.get('smtp', option)!r} must be a "
                    "positive number"
                )
        sender = conf.get("smtp", "from").strip()
        if len(sender.splitlines()) > 1:
            raise ConfigError(
                f"[smtp] from = {sender!r} spans several lines; write the sender "
                'on one line, e.g. "Blog" <blog@example.com>'
            )
        if "@" not in email.utils.parseaddr(sender)[1]:
            raise ConfigError(
                f"[smtp] from = {sender!r}: set the sender address of staff mails, "
                'e.g. "Blog" <blog@example.com>'
            )
        return cls(
            host=conf.get("smtp", "host").strip(),
            port=int(number["port"]),
            security=security,
            username=conf.get("smtp", "username").strip(),
            password=environ.get(PASSWORD_VARIABLE) or conf.get("smtp", "password"),
            sender=sender,
            timeout=number["timeout"],
        )


class SmtpSession:
    """One connection to the SMTP server, for sending a batch of messages."""

    def __init__(self, settings):
        self.settings = settings
        self.client = None

    def __enter__(self):
        settings = self.settings
        if settings.security == "ssl":
            self.client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            self.client = smtplib.SMTP(
                settings.host, settings.port, timeout=settings.timeout
            )
        try:
            if settings.security == "starttls":
                self.client.starttls(context=ssl.create_default_context())
            if settings.username:
                self.client.login(settings.username, settings.password)
        except BaseException:
            self.client.close()
            raise
        return self

    def send(self, message):
        """Send one message; return the recipients the server refused."""
        return self.client.send_message(message)

    def __exit__(self, exc_type, exc_value, traceback):
        try:
            self.client.quit()
        except (OSError, smtplib.SMTPException):
            self.client.close()


MAIL_ERRORS = (OSError, smtplib.SMTPException)
# Refusals of one message; other errors mean the server cannot be used now.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def describe_error(error):
    """Name a sending error without its message (which may hold addresses)."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def on_one_line(text):
    """Return ``text`` with each run of whitespace, line breaks too, as one space.

    Names and titles come from readers: a line break in one would add a line
    of the reader's making ("Antworten: …") to a staff mail.
    """
    return " ".join(text.split())


def quoted(text):
    """Return a reader's comment with each line quoted ("> "), for plain text.

    The quote marks set the reader's lines apart from the server's own.
    """
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def one_line(text, limit=SUBJECT_LIMIT):
    """Return ``text`` on one line, cut to ``limit`` characters (for subjects)."""
    text = on_one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


TEMPLATES.filters["one_line"] = on_one_line
TEMPLATES.filters["quoted"] = quoted


def build_message(smtp, recipients, subject, template, values, now):
    """Return a multipart message from ``template``.txt and ``template``.html."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = email.utils.format_datetime(now)
    domain = email.utils.parseaddr(smtp.sender)[1].rpartition("@")[2]
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    # RFC 3834: no out-of-office replies to machine mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(TEMPLATES.get_template(f"{template}.txt").render(**values))
    message.add_alternative(
        TEMPLATES.get_template(f"{template}.html").render(**values), subtype="html"
    )
    return message


def new_comment_message(smtp, recipients, entry, text, links, settings, now):
    """Return the staff mail about one new reader comment (a desk entry)."""
    waiting = " (wartet auf Freigabe)" if entry.awaiting_moderation else ""
    subject = f"Neuer Kommentar{waiting}: „{one_line(entry.article_title)}“"
    if entry.author:
        subject += f" von {one_line(entry.author, 40)}"
    values = {"entry": entry, "text": text, "settings": settings, **links}
    return build_message(smtp, recipients, subject, "mail_new_comment", values, now)


def digest_message(smtp, recipients, entries, queue, links, now):
    """Return the reminder digest about ``entries`` (each at a reminder stage)."""
    stages = {
        stage: [entry for entry in entries if entry.stage == stage]
        for stage in desk.STAGES
    }
    waiting = (
        "1 Kommentar wartet"
        if len(entries) == 1
        else f"{len(entries)} Kommentare warten"
    )
    subject = (
        f"Erinnerung: {waiting} auf Antwort ({len(stages[desk.OVERDUE])} "
        f"überfällig, {len(stages[desk.DUE_SOON])} bald fällig"
    )
    if stages[desk.ESCALATED]:
        half = desk.format_hours(queue.settings.target_hours / 2)
        subject += f", {len(stages[desk.ESCALATED])} seit über {half} Std."
    subject += ")"
    values = {
        "overdue": stages[desk.OVERDUE],
        "due_soon": stages[desk.DUE_SOON],
        "escalated": stages[desk.ESCALATED],
        "to_everyone": any(entry.escalated for entry in entries),
        "queue": queue,
        "summary": queue.summary,
        "settings": queue.settings,
        **links,
    }
    return build_message(smtp, recipients, subject, "mail_digest", values, now)
