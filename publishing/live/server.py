"""The preview's HTTP server: the built site, the reload script in every HTML
response, and the event stream the script listens to.

Only responses of this server carry the script (``/__preview__/reload.js``);
the files on disk never do. Everything is sent with ``Cache-Control:
no-store``, so a reload always shows the file as it is now.
"""

import io
import os
import socketserver
import sys
from http import HTTPStatus
from http.server import HTTPServer
from pathlib import Path

from pelican.server import ComplexHTTPRequestHandler

from publishing.live import PREVIEW_PREFIX

RELOAD_SCRIPT = Path(__file__).resolve().parent / "reload.js"
EVENTS_PATH = PREVIEW_PREFIX + "events"
SCRIPT_PATH = PREVIEW_PREFIX + "reload.js"
PING_SECONDS = 15  # a comment line that finds closed connections


def reload_tag(generation):
    """Return the script tag a preview page gets, with the event it was served at."""
    return (
        f'<script src="{SCRIPT_PATH}" data-generation="{generation}" defer></script>'
    ).encode()


def inject_script(html, tag):
    """Return ``html`` (bytes) with ``tag`` before ``</head>``, else before
    ``</body>``, else at the end."""
    lowered = html.lower()
    for closing in (b"</head>", b"</body>"):
        position = lowered.rfind(closing)
        if position >= 0:
            return html[:position] + tag + html[position:]
    return html + tag


class PreviewServer(socketserver.ThreadingMixIn, HTTPServer):
    """Serves ``folder`` with one thread per connection; ``broadcaster`` holds
    the events the tabs hear."""

    allow_reuse_address = True
    daemon_threads = True  # Ctrl-C does not wait for open connections

    def __init__(self, folder, address, broadcaster):
        self.folder = str(folder)
        self.broadcaster = broadcaster
        super().__init__(address, PreviewRequestHandler)

    def handle_error(self, request, client_address):
        """Ignore a tab that went away mid-response (it reloads); report others."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def server_close(self):
        """Close the event streams, then the socket."""
        self.broadcaster.close()
        super().server_close()


class PreviewRequestHandler(ComplexHTTPRequestHandler):
    """Pelican's handler for the site, with the preview's own URLs, the script
    injected into HTML, and a 404 page for a missing one (as production)."""

    @property
    def base_path(self):
        """The served folder (Pelican's handler keeps it on the class)."""
        return self.server.folder

    def do_GET(self):
        """Answer the preview's URLs, else serve the site."""
        path = self.path.split("?", 1)[0]
        if path == EVENTS_PATH:
            self.stream_events()
        elif path == SCRIPT_PATH:
            self.write_bytes(RELOAD_SCRIPT.read_bytes(), "text/javascript")
        else:
            super().do_GET()

    def end_headers(self):
        """Add ``Cache-Control: no-store`` to every response."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):
        """Send the headers of an HTML page with the script injected, else as usual."""
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if not path.endswith(".html") or not os.path.isfile(path):
            return super().send_head()
        with open(path, "rb") as page:
            html = page.read()
        tag = reload_tag(self.server.broadcaster.generation)
        return self.send_bytes(inject_script(html, tag), "text/html; charset=utf-8")

    def send_bytes(self, body, content_type, status=HTTPStatus.OK):
        """Send the headers for ``body``; return it as a file for ``copyfile``
        (None for HEAD)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return None if self.command == "HEAD" else io.BytesIO(body)

    def write_bytes(self, body, content_type, status=HTTPStatus.OK):
        """Send a whole response with ``body``."""
        stream = self.send_bytes(body, content_type, status)
        if stream is not None:
            self.wfile.write(stream.getvalue())

    def get_path_that_exists(self, original_path):
        """Return the file for ``original_path``, or send the 404 page."""
        found = super().get_path_that_exists(original_path)
        if found is None:
            page = Path(self.base_path) / "404.html"
            html = page.read_bytes() if page.is_file() else b"Not found\n"
            tag = reload_tag(self.server.broadcaster.generation)
            self.write_bytes(
                inject_script(html, tag),
                "text/html; charset=utf-8",
                HTTPStatus.NOT_FOUND,
            )
        return found

    def stream_events(self):
        """Send the preview's events (server-sent events) until the tab or the
        server goes; the problem shown now first."""
        broadcaster = self.server.broadcaster
        query = self.path.partition("?")[2]
        after = dict(part.partition("=")[::2] for part in query.split("&") if part).get(
            "after", ""
        )
        number = int(after) if after.isdigit() else broadcaster.generation
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        problem = broadcaster.problem
        try:
            if problem is not None:
                self.send_event("problem", problem.as_json())
            while not broadcaster.closed:
                events = broadcaster.wait_after(number, PING_SECONDS)
                if not events:
                    self.wfile.write(b": ping\n\n")
                for number, name, data in events:  # noqa: B007 - the last one counts
                    self.send_event(name, data)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tab was closed or reloaded

    def send_event(self, name, data):
        """Write one server-sent event."""
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())

    def log_message(self, format, *args):
        """Log nothing per request: the terminal is for the build's lines."""
