"""Run the comment server with werkzeug on a loopback address.

Used by ``invoke comments``/``invoke serve`` (in the foreground) and by the
tests (in a background thread on an ephemeral port).
"""

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


def comment_server(app, host="127.0.0.1", port=0):
    """Return a threaded werkzeug server for ``app``; port 0 picks a free one."""
    return make_server(host, port, app, threaded=True)


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
