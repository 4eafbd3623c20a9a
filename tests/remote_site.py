"""Another blog on a loopback port, for the Webmention tests.

``RemoteSite`` serves the pages a test puts in ``pages`` (path → ``Page``),
records every request it gets (method, path, headers, form body) and can
answer slowly. It stands in for a participant's blog (a mention's source)
and for a parade host (the endpoint we discover and post to).
"""

import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    """One answer: status, headers, body, and seconds to wait between chunks."""

    body: str | bytes = ""
    status: int = 200
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/html"})
    drip_seconds: float = 0.0  # a slow server: one chunk of 10 bytes per wait


class RemoteSite:
    """A threaded HTTP server on 127.0.0.1 with scripted pages."""

    def __init__(self):
        self.pages = {}
        self.requests = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                site.requests.append(
                    (self.command, self.path, dict(self.headers), body)
                )
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    page = Page("nicht gefunden", 404)
                content = (
                    page.body
                    if isinstance(page.body, bytes)
                    else (page.body.encode("utf-8"))
                )
                self.send_response(page.status)
                for name, value in page.headers.items():
                    for item in value if isinstance(value, list) else [value]:
                        self.send_header(name, item)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if not page.drip_seconds:
                    self.wfile.write(content)
                    return
                try:
                    for start in range(0, len(content), 10):
                        self.wfile.write(content[start : start + 10])
                        self.wfile.flush()
                        time.sleep(page.drip_seconds)
                except OSError:  # the client gave up
                    pass

            do_GET = do_POST = do_HEAD = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def posts(self, path):
        """Return the forms POSTed to ``path``, each as a dict."""
        return [
            dict(urllib.parse.parse_qsl(body))
            for method, request_path, _, body in self.requests
            if method == "POST" and request_path == path
        ]


def participant_post(
    target,
    title="Mein Beitrag zur Blogparade",
    author="Eva Beispiel",
    published="2026-12-10T09:00:00+01:00",
):
    """Return a participant's post in HTML with an h-entry linking to ``target``."""
    return f"""<!DOCTYPE html>
<html lang="de"><head><title>{title} | Evas Blog</title></head>
<body><article class="h-entry">
<h1 class="p-name">{title}</h1>
<p>von <a class="p-author h-card" href="/">{author}</a>,
<time class="dt-published" datetime="{published}">{published[:10]}</time></p>
<p class="p-summary">Offenheit zahlt sich aus. Das zeigen wir hier.</p>
<div class="e-content"><p>Ich mache mit beim <a href="{target}">Aufruf</a>.</p></div>
</article></body></html>
"""
