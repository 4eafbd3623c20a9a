"""``invoke stage``: the production stack on loopback, before going live.

A production build (``publishconf.py``) for http://localhost:8000 deployed as
a release into ``.stage/site-releases/`` (the leak check is skipped: a staged
site links localhost by design), the comment server under gunicorn with the
shipped sample config (``deploy/comments.cfg``, ``trusted-proxies`` set) on a
database of its own, and Debian's nginx as the current user serving the
shipped sites (``deploy/nginx/``, rendered by ``nginx_config``) in front of
both. Ctrl-C (or SIGTERM) stops all of it.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from invoke import Exit

from comments.command_errors import one_line_errors
from comments.core import SetupError
from publishing.deploy import LocalReleases
from publishing.nginx_config import DEPLOY, LocalStack, write_config
from publishing.site_build import pelican_build
from publishing.system_packages import ensure_nginx, nginx_binary

READY_SECONDS = 30
STAGE_LINES = {
    # deploy/comments.cfg's production values → the staged ones.
    "dbpath": "dbpath = {folder}/comments/comments.db",
    "host": "host = {site_url}",
    "listen": "listen = http://127.0.0.1:{app_port}",
    "public-endpoint": "public-endpoint = {comments_url}",
    "site-url": "site-url = {site_url}",
}


def comments_config(stack, folder):
    """Write deploy/comments.cfg with the staged addresses; return its path."""
    values = {
        "folder": folder,
        "site_url": stack.site_url,
        "comments_url": stack.comments_url,
        "app_port": stack.app_port,
    }
    lines = []
    for line in (DEPLOY / "comments.cfg").read_text(encoding="utf-8").splitlines():
        option = line.split("=", 1)[0].strip()
        if "=" in line and option in STAGE_LINES:
            line = STAGE_LINES[option].format(**values)
        lines.append(line)
    (folder / "comments").mkdir(parents=True, exist_ok=True)
    config = folder / "comments" / "comments.cfg"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def stage_release(settings_file, stack, database, folder):
    """Build with ``settings_file`` for the staged addresses and deploy it as a
    new release of ``folder``/site-releases (unchanged files stay hard links)."""
    with tempfile.TemporaryDirectory(prefix="blog-stage-") as work:
        output = Path(work) / "output"
        pelican_build(
            settings_file,
            SITEURL=stack.site_url,
            COMMENTS_URL=stack.comments_url,
            COMMENTS_DATABASE=str(database),
            COMMENT_OWNERS_FILE=str(Path(database).with_name("thread-owners.json")),
            CACHE_PATH=str(Path(work) / "cache"),
            OUTPUT_PATH=str(output),
        )
        return LocalReleases(folder / "site-releases").deploy(output)


def wait_for_port(port, process, name):
    """Wait until ``process`` accepts connections on ``port``, or fail naming it."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"{name} stopped at start (exit {process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SetupError(f"{name} did not listen on 127.0.0.1:{port} in {READY_SECONDS} s")


def wait_for_comment_server(port, process):
    """Wait until a gunicorn worker answers, or fail naming it.

    gunicorn's master listens before any worker has made the database's
    tables, and a build reading the file then finds no comments table.
    """
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            code = process.returncode
            raise SetupError(f"the comment server stopped at start (exit {code})")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/config", timeout=2
            ) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SetupError(
        f"gunicorn (comment server) did not answer on 127.0.0.1:{port} in "
        f"{READY_SECONDS} s"
    )


def check_free(port, option):
    """Refuse a port another program already listens on."""
    with socket.socket() as probe:
        # As gunicorn and nginx do: a closed connection's TIME_WAIT is no owner.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SetupError(
                f"port {port} is taken; stop what uses it or choose another "
                f"with {option}"
            ) from None


@one_line_errors("stage")
def stage_site(settings_file, folder, blog_port, comments_port, app_port):
    """Build, deploy and serve the production stack on loopback until Ctrl-C
    (the ports as typed: whole numbers, free)."""
    from comments.cli import whole_number

    ensure_nginx()
    ports = []
    for port, option in (
        (blog_port, "--port"),
        (comments_port, "--comments-port"),
        (app_port, "--app-port"),
    ):
        ports.append(whole_number("stage", option, port))
        check_free(ports[-1], option)
    blog_port, comments_port, app_port = ports
    folder = Path(folder).resolve()
    stack = LocalStack(
        blog_port, comments_port, app_port, folder / "site-releases" / "current"
    )
    config = comments_config(stack, folder)
    environment = {**os.environ, "ISSO_SETTINGS": str(config)}
    processes = []
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Started from a background job (`cmd &` in a script), SIGINT arrives
    # ignored and Python keeps it so: Ctrl-C (or a supervisor's SIGINT) would
    # never stop the stack.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{app_port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "comments.server.wsgi:application",
        ]
        processes.append(subprocess.Popen(gunicorn, env=environment))
        wait_for_comment_server(app_port, processes[-1])
        release = stage_release(
            settings_file, stack, folder / "comments" / "comments.db", folder
        )
        print(f"Staged release {release.release} ({release.changes.summary()}).")
        nginx_conf = write_config(stack, folder / "nginx")
        nginx = [nginx_binary(), "-p", str(folder / "nginx"), "-c", str(nginx_conf)]
        check = subprocess.run(
            [*nginx, "-t", "-q", "-e", "stderr"], capture_output=True, text=True
        )
        if check.returncode:
            lines = check.stderr.strip().splitlines() or ["no output"]
            problem = next((line for line in lines if "[emerg]" in line), lines[-1])
            raise SetupError(f"nginx refused the rendered config: {problem}")
        processes.append(
            subprocess.Popen([*nginx, "-e", str(folder / "nginx" / "error.log")])
        )
        wait_for_port(blog_port, processes[-1], "nginx")
        print(
            f"Staged: the blog on {stack.site_url}/, the comment server on "
            f"{stack.comments_url}/ (nginx → gunicorn on 127.0.0.1:{app_port}); "
            f"comment config {config}. Ctrl-C stops all.",
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        stopped, log = (
            ("gunicorn", "its output above")
            if processes[0].poll() is not None
            else ("nginx", folder / "nginx" / "error.log")
        )
        raise Exit(f"stage: {stopped} stopped; see {log}", code=1)
    except KeyboardInterrupt:
        print("Stopping the staged stack.")
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                # As Ctrl-C in a terminal reaches each of them: nginx's fast
                # shutdown (SIGTERM) and gunicorn's quick one (SIGINT); its
                # graceful one waits up to 30 s for idle keep-alive threads.
                quick = signal.SIGINT if process is processes[0] else signal.SIGTERM
                process.send_signal(quick)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def stop_on_sigterm(signum, frame):
    """Stop on SIGTERM as on Ctrl-C."""
    raise KeyboardInterrupt
