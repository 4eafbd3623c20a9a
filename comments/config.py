"""Find, load and complete the comment server's configuration.

One rule for every caller (server, build, tests, tasks): ``ISSO_SETTINGS`` names
the config file when set, else ``comments/isso.cfg``. The file is layered over
Isso's own defaults. Relative paths in it are resolved against its directory.
Secrets come from the environment or, for local use, from a generated
``secrets.cfg`` beside the database (mode 0600, git-ignored).

``load_config`` reads with Isso's own parser, for the server and the tasks.
A build reads the same files through ``read_config`` and never imports Isso:
importing any part of it runs its package's ``__init__``, which loads the whole
server (7.8 MiB imported alone; 2–3 MiB of a build's peak together with
Werkzeug's, benchmarks/FINDINGS.md).
"""

import configparser
import importlib.util
import logging
import math
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from comments import target_calendar
from comments.core import SetupError

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = Path(__file__).with_name("isso.cfg")

# Values shipped in Isso's isso.cfg: public, so never acceptable as secrets.
ISSO_DEFAULT_PASSWORD = "please_choose_a_strong_password"
ISSO_DEFAULT_SALT = "Eech7co8Ohloopo9Ol6baimi"

# The project's own options, in a [blog] section of the same config file.
BLOG_DEFAULTS = {
    # The promise; the transparency page follows it (plugins/answered).
    "answer-target-hours": "24",
    # Which hours count towards it (comments.target_calendar): the policy's
    # "24 Stunden an Werktagen", weekends and public holidays not counted.
    "answer-target-days": "Mo Di Mi Do Fr",
    "answer-target-hours-of-day": "",  # empty: the whole day; or 08:00-18:00
    "answer-target-holidays": "DE",  # a state: DE-NW; empty: none
    "answer-target-timezone": "Europe/Berlin",
    # The reminder digest warns this many hours before the target passes.
    "remind-before-hours": "4",
    # The blog's public address, for links in the desk and in mails.
    "site-url": "http://localhost:8000",
    # Who owns which thread, as the build wrote it (comments.staff.owners); empty:
    # thread-owners.json beside the database, where the build puts it.
    "owners-file": "",
    # Readers may ask for a mail when someone answers them (double opt-in,
    # comments.staff.subscriptions); only while [smtp] host and from are set.
    "reader-notifications": "true",
    # Seconds between two looks for new answers to mail (also on every new
    # comment or approval in this process): a staff answer goes out within it.
    "notification-interval": "20",
    # Days a confirmed address is kept without a new opt-in or confirmation.
    "notification-retention-days": "365",
}

# Receiving Webmentions (comments.server.webmention_web), in [webmention].
WEBMENTION_DEFAULTS = {
    # Answer POST /webmention at all.
    "enabled": "true",
    # Fetch sources on private, loopback or link-local addresses: for tests on
    # 127.0.0.1 only; in production it would let anyone probe the network.
    "allow-private-sources": "false",
}

ADMIN_PASSWORD_LENGTH = 12  # as for staff passwords (comments.staff.accounts)

SECRETS = {
    # (section, option): (environment variable, Isso's public default)
    ("admin", "password"): ("ISSO_ADMIN_PASSWORD", ISSO_DEFAULT_PASSWORD),
    ("hash", "salt"): ("ISSO_HASH_SALT", ISSO_DEFAULT_SALT),
}


# Isso reads these with getboolean / getint; a wrong value there first shows
# when a reader posts (every comment failing with 500), so they are checked on
# start. "duration": Isso's "15m", "1h30m", "3w" or whole seconds.
TYPED_OPTIONS = {
    ("general", "gravatar"): "boolean",
    ("general", "reply-notifications"): "boolean",
    ("general", "latest-enabled"): "boolean",
    ("general", "max-age"): "duration",
    ("moderation", "enabled"): "boolean",
    ("moderation", "approve-if-email-previously-approved"): "boolean",
    ("moderation", "purge-after"): "duration",
    ("guard", "enabled"): "boolean",
    ("guard", "ratelimit"): "positive",
    ("guard", "direct-reply"): "positive",
    ("guard", "reply-to-self"): "boolean",
    ("guard", "require-email"): "boolean",
    ("guard", "require-author"): "boolean",
    ("admin", "enabled"): "boolean",
    ("webmention", "enabled"): "boolean",
    ("webmention", "allow-private-sources"): "boolean",
}
KIND_HINTS = {
    "boolean": "true or false",
    "positive": "a whole number of at least 1",
    "duration": "a duration like 15m, 1h30m or 3w",
}


class ConfigError(SetupError):
    """The comment server's configuration cannot be used; the message says why."""


@dataclass(frozen=True)
class GeneratedSecret:
    """A secret created on this start, to be shown to the operator once."""

    section: str
    option: str
    value: str
    stored_in: Path


def config_path(environ=None):
    """Return the config file in force: ``ISSO_SETTINGS`` or the local default."""
    environ = os.environ if environ is None else environ
    configured = environ.get("ISSO_SETTINGS")
    return Path(configured).resolve() if configured else DEFAULT_CONFIG_FILE


class ConfigReader(configparser.ConfigParser):
    """Reads a config as Isso's ``IssoParser`` does (values may be empty, no
    ``%`` interpolation, ``$VARIABLES`` expanded on reading), for processes that
    do not run Isso. Isso's own methods (``getlist``, ``section``…) are not here."""

    def __init__(self):
        super().__init__(allow_no_value=True, interpolation=None)

    def get(self, section, option, **kwargs):
        value = super().get(section, option, **kwargs)
        return os.path.expandvars(value) if isinstance(value, str) else value


def isso_defaults_file():
    """Return Isso's own isso.cfg, found without importing Isso."""
    spec = importlib.util.find_spec("isso")
    return Path(spec.submodule_search_locations[0]) / "isso.cfg"


def load_config(path=None, environ=None, create_secrets=True):
    """Load the config file over Isso's defaults; return (conf, generated secrets).

    ``conf`` is Isso's own parser, as its server needs it. With
    ``create_secrets=False`` (read-only tools) nothing is written: missing
    secrets are simply left unset. A build uses ``read_config``.
    """
    from isso import config as isso_config  # the whole server: see the docstring

    environ = os.environ if environ is None else environ
    conf = layered_config(
        path,
        environ,
        isso_config.new,
        lambda: isso_config.load(isso_config.default_file()),
    )
    check_option_types(conf, isso_config.timedelta)
    generated = fill_secrets(conf, environ) if create_secrets else []
    return conf, generated


def check_option_types(conf, parse_duration):
    """Raise a one-line ConfigError for the first option in ``TYPED_OPTIONS``
    whose value Isso could not read (or would read as nonsense)."""
    for (section, option), kind in TYPED_OPTIONS.items():
        if not conf.has_option(section, option):
            continue
        value = conf.get(section, option, raw=True).strip()
        if not value_fits(value, kind, parse_duration):
            raise ConfigError(
                f"{config_file_of(conf)}: [{section}] {option} = {value!r} must be "
                f"{KIND_HINTS[kind]}"
            )


def check_admin_password(conf):
    """Refuse a short password for Isso's admin page (it makes one staff)."""
    if not conf.getboolean("admin", "enabled"):
        return
    length = len(conf.get("admin", "password"))
    if length < ADMIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"{config_file_of(conf)}: [admin] password is too short ({length} of "
            f"at least {ADMIN_PASSWORD_LENGTH} characters); set a longer "
            "ISSO_ADMIN_PASSWORD, or unset it and [admin] password to have one "
            "generated"
        )


def value_fits(value, kind, parse_duration):
    """Whether ``value`` is one Isso reads as ``kind`` (``TYPED_OPTIONS``)."""
    if kind == "boolean":
        return value.lower() in configparser.ConfigParser.BOOLEAN_STATES
    if value.isascii() and value.isdigit():
        return kind == "duration" or int(value) >= 1
    if kind == "duration" and value:
        try:
            return parse_duration(value).total_seconds() > 0
        except ValueError:
            return False
    return False


def read_config(path=None, environ=None):
    """Load the config file over Isso's defaults as a build reads it: the same
    files, checks and paths as ``load_config``, read by ``ConfigReader`` without
    importing Isso; no secrets."""

    def isso_defaults():
        defaults = ConfigReader()
        with open(isso_defaults_file(), encoding="utf-8") as handle:
            defaults.read_file(handle)
        return defaults

    environ = os.environ if environ is None else environ
    return layered_config(path, environ, ConfigReader, isso_defaults)


def layered_config(path, environ, new_parser, isso_defaults):
    """Read the config file with ``new_parser()`` over ``isso_defaults()``."""
    path = Path(path) if path else config_path(environ)
    if not path.is_file():
        raise ConfigError(
            f"{path}: comment server config not found; "
            "set ISSO_SETTINGS to an existing file or unset it for comments/isso.cfg"
        )
    user = new_parser()
    try:
        with open(path, encoding="utf-8") as handle:
            user.read_file(handle)
    except (configparser.Error, UnicodeDecodeError) as error:
        first_line = str(error).splitlines()[0]
        raise ConfigError(f"{path}: not a valid config file ({first_line})") from None
    conf = layer_over_isso_defaults(user, path, isso_defaults())
    resolve_paths(conf, path.parent)
    # Remembered for files kept beside the config (staff accounts).
    conf.set("blog", "config-file", str(path.resolve()))
    return conf


def layer_over_isso_defaults(user, path, conf):
    """Return Isso's defaults ``conf`` with the user's options, plus the [blog]
    section.

    Like ``isso.config.load``, but the project's own ``[blog]`` section is taken
    out first (Isso would warn about it) and checked here.
    """
    known = {
        (section, option) for section in conf.sections() for option in conf[section]
    }
    for section in user.sections():
        if section in ("blog", "webmention"):
            continue
        if not conf.has_section(section):
            conf.add_section(section)
        for option in user[section]:
            if (section, option) not in known:
                logger.warning("%s: no such option [%s] %s", path, section, option)
            conf.set(section, option, user.get(section, option, raw=True))
    endpoint = conf.get("server", "public-endpoint")
    conf.set("server", "public-endpoint", endpoint.rstrip("/"))
    conf.add_section("blog")
    for option, default in BLOG_DEFAULTS.items():
        value = user.get("blog", option, fallback=default, raw=True)
        conf.set("blog", option, value)
    unknown = set(user["blog"]) - set(BLOG_DEFAULTS) if user.has_section("blog") else ()
    for option in sorted(unknown):
        logger.warning("%s: no such option [blog] %s", path, option)
    conf.add_section("webmention")
    for option, default in WEBMENTION_DEFAULTS.items():
        conf.set("webmention", option, user.get("webmention", option, fallback=default))
    if user.has_section("webmention"):
        for option in sorted(set(user["webmention"]) - set(WEBMENTION_DEFAULTS)):
            logger.warning("%s: no such option [webmention] %s", path, option)
    for option in ("answer-target-hours", "remind-before-hours"):
        try:
            hours = float(conf.get("blog", option))
        except ValueError:
            hours = -1
        if not (0 < hours < math.inf):  # nan and inf are no promise either
            raise ConfigError(
                f"{path}: [blog] {option} = {conf.get('blog', option)!r} must be "
                "a positive number of hours"
            )
    if conf.get("blog", "reader-notifications").strip().lower() not in (
        configparser.ConfigParser.BOOLEAN_STATES
    ):
        raise ConfigError(
            f"{path}: [blog] reader-notifications = "
            f"{conf.get('blog', 'reader-notifications')!r} must be true or false"
        )
    for option, unit in (
        ("notification-interval", "seconds"),
        ("notification-retention-days", "days"),
    ):
        try:
            amount = float(conf.get("blog", option))
        except ValueError:
            amount = -1
        if not (0 < amount < math.inf):
            raise ConfigError(
                f"{path}: [blog] {option} = {conf.get('blog', option)!r} must be "
                f"a positive number of {unit}"
            )
    try:
        target_calendar.spec_of_conf(conf)
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    return conf


def resolve_paths(conf, base_dir):
    """Make relative file paths absolute against the config file's directory."""
    for section, option in (
        ("general", "dbpath"),
        ("general", "log-file"),
        ("blog", "owners-file"),
    ):
        value = conf.get(section, option)
        if value and not os.path.isabs(value):
            conf.set(section, option, str((base_dir / value).resolve()))


def config_file_of(conf):
    """Return the config file ``conf`` was loaded from."""
    return Path(conf.get("blog", "config-file"))


def database_path(conf):
    """Return the SQLite database file named by the config."""
    return Path(conf.get("general", "dbpath"))


def secrets_path(conf):
    """Return the local secrets file, kept beside the database."""
    return database_path(conf).with_name("secrets.cfg")


def fill_secrets(conf, environ):
    """Take secrets from the environment, else the local secrets file, else make them.

    A value in the config file itself is kept unless it is Isso's public default.
    Returns the secrets generated on this call.
    """
    stored = read_secrets(secrets_path(conf))
    generated = []
    for (section, option), (variable, public_default) in SECRETS.items():
        from_env = environ.get(variable)
        if from_env:
            conf.set(section, option, from_env)
            continue
        current = conf.get(section, option)
        if current and current != public_default:
            continue
        if stored.has_option(section, option):
            conf.set(section, option, stored.get(section, option))
            continue
        value = secrets.token_urlsafe(18)
        conf.set(section, option, value)
        if not stored.has_section(section):
            stored.add_section(section)
        stored.set(section, option, value)
        generated.append(GeneratedSecret(section, option, value, secrets_path(conf)))
    if generated:
        write_secrets(secrets_path(conf), stored)
    return generated


def read_secrets(path):
    """Read the local secrets file; an absent file holds no secrets."""
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as error:
            raise ConfigError(
                f"{path}: unreadable secrets file ({str(error).splitlines()[0]}); "
                "fix it or delete it to generate new secrets"
            ) from None
    return parser


def write_private_ini(path, parser, header):
    """Write an INI file readable by its owner only (secrets, password hashes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR
    )
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# {header}\n")
        parser.write(handle)


def write_secrets(path, parser):
    """Write the secrets file readable by its owner only."""
    write_private_ini(
        path, parser, "Generated by the comment server. Keep secret; do not commit."
    )


def listen_address(conf):
    """Return (host, port) from ``[server] listen``; only http:// is served here."""
    listen = conf.get("server", "listen")
    if not listen.startswith("http://"):
        raise ConfigError(
            f"[server] listen = {listen!r}: `invoke comments` serves http://HOST:PORT "
            "only; use gunicorn with comments.server.wsgi:application for unix sockets"
        )
    host, _, port = listen.removeprefix("http://").rstrip("/").rpartition(":")
    if not host or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(
            f"[server] listen = {listen!r}: expected http://HOST:PORT, "
            "e.g. http://127.0.0.1:8080"
        )
    return host, int(port)
