"""``invoke serve``: the built site and the comment server on loopback, together.

Both addresses are checked before the build (a second ``invoke serve`` should
not rebuild the site under the running one only to find its ports taken);
then the site is built, both servers start, and Ctrl-C or SIGTERM stops both.
"""

import socketserver
from pathlib import Path

from invoke import Exit
from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

from comments.cli import (
    allow_site_origins,
    check_free,
    comment_server_address,
    load_comment_config,
    start_comment_server,
)
from comments.server.serve import serve_until_interrupted
from publishing.site_build import pelican_build, read_build_settings


class ThreadedRootedHTTPServer(socketserver.ThreadingMixIn, RootedHTTPServer):
    """Pelican's preview server with one thread per connection: a browser's
    idle preconnected socket would otherwise hold the whole site (and Ctrl-C)
    until it closes."""

    allow_reuse_address = True
    daemon_threads = True  # Ctrl-C does not wait for open connections


class SiteRequestHandler(ComplexHTTPRequestHandler):
    """Pelican's handler, but a missing page gets 404 and the site's 404.html,
    as the web server in production gives it (Pelican's own closes the
    connection without a reply)."""

    def get_path_that_exists(self, original_path):
        """Return the file for ``original_path``, or send the 404 page."""
        found = super().get_path_that_exists(original_path)
        if found is None:
            page = Path(self.base_path) / "404.html"
            body = page.read_bytes() if page.is_file() else b"Not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        return found


def start_site_server(folder, host, port):
    """Create the static file server for ``folder`` on host:port; return it."""
    try:
        return ThreadedRootedHTTPServer(str(folder), (host, port), SiteRequestHandler)
    except OSError as error:
        raise Exit(
            f"site server: cannot listen on {host}:{port} ({error.strerror}); "
            "stop what runs there or pass --port",
            code=1,
        ) from None


def serve_site(settings_file, host, port, build=True):
    """Build with ``settings_file`` (unless ``build`` is false), then serve its
    OUTPUT_PATH on host:port and the comment server until Ctrl-C or SIGTERM."""
    conf = load_comment_config()
    allow_site_origins(conf, port)
    check_free("site server", host, port, "stop what runs there or pass --port")
    comment_host, comment_port = comment_server_address(conf)
    check_free(
        "comment server",
        comment_host,
        comment_port,
        "stop what runs there or change [server] listen",
    )
    output = read_build_settings("serve", settings_file)["OUTPUT_PATH"]
    if build:
        pelican_build(settings_file)
    comment_server = start_comment_server(conf)
    site_server = start_site_server(output, host, port)
    print(f"Blog:           http://localhost:{port}/")
    comments_url = conf.get("server", "listen").replace("127.0.0.1", "localhost")
    print(f"Comment server: {comments_url}")
    print(f"Database:       {conf.get('general', 'dbpath')}")
    print("Ctrl-C stops both.")
    serve_until_interrupted([site_server, comment_server])
