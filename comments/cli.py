"""What the commands in tasks.py need from the comment server.

Its config (secrets generated on this start shown once), the server on its
configured address, the Isso instance a one-off command writes through, and
the arguments people type (whole numbers). Every mistake exits
with one line naming the file or setting and the fix.
"""

import errno
import logging
import os

from invoke import Exit

from comments.command_errors import one_line_errors


def load_comment_config():
    """Load the comment server config; print secrets generated on this start once."""
    from comments.config import load_config

    with one_line_errors("Kommentarserver"):
        conf, generated = load_config()
    for secret in generated:
        if (secret.section, secret.option) == ("admin", "password"):
            print(
                f"Admin-Passwort des Kommentarservers erzeugt: {secret.value}\n"
                f"  (gespeichert in {secret.stored_in}; nur dieses eine Mal gezeigt)"
            )
    return conf


def desk_config(code=1):
    """Load the comment server config for a desk command, with Isso's logging
    quiet; a config that cannot be used exits with ``code``."""
    from comments.config import load_config

    with one_line_errors("Kommentarserver", code=code):
        conf, _ = load_config(create_secrets=False)
    quiet_isso_logging()  # after the import of Isso that load_config makes
    return conf


def quiet_isso_logging():
    """Show warnings only: importing Isso sets the root logger to INFO, and a
    one-off command prints its own summary (else it shows up twice)."""
    logging.getLogger().setLevel(logging.WARNING)


def start_comment_server(conf):
    """Create the comment server on its configured address; return the server."""
    from comments.config import database_path, listen_address
    from comments.server.app import create_app
    from comments.server.serve import comment_server

    # Show comment events (ids and threads only) in the terminal, whatever
    # level an earlier build left the root logger at.
    logging.getLogger("comments").setLevel(logging.INFO)
    try:
        with one_line_errors("Kommentarserver", database=database_path(conf)):
            host, port = listen_address(conf)
            app = create_app(conf)
            return comment_server(app, host, port)
    except OSError as error:
        fix = (
            "das dort Laufende beenden oder [server] listen ändern"
            if error.errno == errno.EADDRINUSE
            else "[server] listen ändern"
        )
        raise Exit(
            f"Kommentarserver: kann nicht auf {conf.get('server', 'listen')} "
            f"lauschen ({error.strerror or error}); {fix}",
            code=1,
        ) from None


def comment_server_address(conf):
    """``[server] listen`` as (host, port); a wrong value exits with one line."""
    from comments.config import listen_address

    with one_line_errors("Kommentarserver"):
        return listen_address(conf)


def allow_site_origins(conf, port):
    """Let the comment server take comments from the local site on ``port``
    (``[general] host`` lists the default port's origins only)."""
    hosts = list(conf.getiter("general", "host"))
    for origin in (f"http://localhost:{port}", f"http://127.0.0.1:{port}"):
        if origin not in hosts:
            hosts.append(origin)
    conf.set("general", "host", "\n".join(hosts))


def check_free(name, host, port, fix):
    """Exit with one line unless ``host:port`` can be listened on now."""
    from comments.server.serve import try_binding

    try:
        try_binding(host, port)
    except OSError as error:
        raise Exit(
            f"{name}: cannot listen on {host}:{port} ({error.strerror or error}); "
            f"{fix}",
            code=1,
        ) from None


def open_comment_server(guard=True):
    """Build the Isso instance in-process for a one-off command on the
    existing comment database."""
    from comments.config import config_file_of, database_path
    from comments.server.app import build_server

    conf = load_comment_config()
    quiet_isso_logging()
    if not guard:
        conf.set("guard", "enabled", "false")  # staff commands are not rate-limited
    db_path = database_path(conf)
    if not db_path.is_file():
        # Isso would create an empty one, and `comments.open` would then
        # report "no open comments" from it.
        raise Exit(
            f"Kommentarserver: {db_path}: Kommentardatenbank nicht gefunden; "
            f"[general] dbpath in {config_file_of(conf)} prüfen",
            code=1,
        )
    with one_line_errors("Kommentarserver", database=db_path):
        return build_server(conf)


def staff_directory(server):
    """Return the staff accounts and sessions of this comment server."""
    from comments.config import config_file_of, database_path
    from comments.staff.accounts import StaffDirectory, staff_file

    return StaffDirectory(
        staff_file(config_file_of(server.conf)), database_path(server.conf)
    )


def whole_number(prefix, name, value):
    """Return ``value`` (an argument typed on the command line) as a whole
    number; exit with one line naming ``name`` when it is none."""
    text = str(value).strip()
    if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
        raise Exit(f"{prefix}: {name} {value!r} ist keine ganze Zahl", code=1)
    number = int(text)
    if not -(2**63) <= number < 2**63:  # SQLite's INTEGER
        raise Exit(f"{prefix}: {name} {value!r} liegt außerhalb des Bereichs", code=1)
    return number


def comment_id_argument(prefix, value):
    """A comment id typed on the command line, checked (``whole_number``)."""
    return whole_number(prefix, "Kommentar-ID", value)


def backups_to_keep(keep):
    """How many backups to keep: ``--keep``, else BLOG_BACKUP_KEEP, else 14;
    read when a backup runs (a wrong value spoils that command only)."""
    if keep is not None:
        return whole_number("backup", "--keep", keep)
    return whole_number(
        "backup", "BLOG_BACKUP_KEEP", os.environ.get("BLOG_BACKUP_KEEP", "14")
    )
