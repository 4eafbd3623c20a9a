"""Run the comment server with werkzeug on a loopback address.

Used by ``invoke comments``/``invoke serve`` (in the foreground, with
``serve_until_interrupted``, which also runs the local site server) and by the
tests (in a background thread on an ephemeral port).
"""

import signal
import socket
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server, select_address_family


def comment_server(app, host="127.0.0.1", port=0):
    """Return a threaded werkzeug server for ``app``; port 0 picks a free one.

    An address that cannot be bound raises OSError: werkzeug itself would
    print the error and end the whole process (``sys.exit``), leaving the
    caller no say in the message.
    """
    if port:
        try_binding(host, port)
    return make_server(host, port, app, threaded=True)


def try_binding(host, port):
    """Bind ``host:port`` as a server would and let go; raise OSError if it
    cannot be listened on (in use, not this machine's, not resolvable)."""
    with socket.socket(select_address_family(host, port)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


@contextmanager
def running_in_thread(app, host="127.0.0.1", port=0):
    """Serve ``app`` in a daemon thread for the duration of the block; yield its URL."""
    server = comment_server(app, host, port)
    # A short poll interval makes shutdown quick (tests start many servers).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def stop_on_sigterm(signum, frame):
    """Treat SIGTERM (systemd, `kill`) like Ctrl-C."""
    raise KeyboardInterrupt


def serve_until_interrupted(servers):
    """Run each server in a thread until Ctrl-C or SIGTERM, then stop them all."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    threads = [
        threading.Thread(target=server.serve_forever, daemon=True) for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        while all(thread.is_alive() for thread in threads):
            threads[0].join(timeout=0.5)
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
