"""The shipped nginx sites (``deploy/nginx/``) rendered for loopback ports.

``invoke stage`` serves exactly the production files with a few lines
changed: the TLS lines go (certificates, ``tls.conf``, the HTTP redirect), the
``listen`` lines bind 127.0.0.1 on local ports, and the placeholder host names,
the release folder, gunicorn's port and the checkout's path become the local
ones. Everything else — headers, compression, cache policy, proxying — is
served as shipped. Pure text in, text out; ``main_config`` adds the few
lines that let nginx run as the current user.
"""

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")

# Production values in deploy/, as the README documents them.
CHECKOUT = "/srv/blog/deploy/"
LIVE_SITE = "/var/www/blog/current"
GUNICORN = "127.0.0.1:8080"
BLOG_HOST = "blog.example.org"
COMMENTS_HOST = "kommentare.example.org"
TLS_LINE = re.compile(r"^\s*(ssl_certificate|include \S*/tls\.conf)")
LISTEN_TLS = re.compile(r"^(\s*)listen 443 ssl http2;$", re.MULTILINE)


@dataclass(frozen=True)
class LocalStack:
    """Where the staged stack listens and what it serves."""

    blog_port: int
    comments_port: int
    app_port: int
    live_site: Path
    brotli: bool = BROTLI_MODULE.exists()

    @property
    def site_url(self):
        return f"http://localhost:{self.blog_port}"

    @property
    def comments_url(self):
        return f"http://localhost:{self.comments_port}"


def render_site(text, port, stack, folder):
    """Return one shipped nginx file as ``stack`` serves it on ``port``, its
    includes read from ``folder``."""
    lines = [line for line in text.splitlines() if not TLS_LINE.match(line)]
    text = "\n".join(lines) + "\n"
    text = LISTEN_TLS.sub(rf"\g<1>listen 127.0.0.1:{port};", text)
    replacements = (
        (f"https://{BLOG_HOST}", stack.site_url),
        (f"https://{COMMENTS_HOST}", stack.comments_url),
        (BLOG_HOST, "localhost"),
        (COMMENTS_HOST, "localhost"),
        (LIVE_SITE, str(stack.live_site)),
        (GUNICORN, f"127.0.0.1:{stack.app_port}"),
        (CHECKOUT, f"{folder}/deploy/"),
    )
    for production, local in replacements:
        text = text.replace(production, local)
    return text


def main_config(stack, folder):
    """Return nginx.conf for an unprivileged nginx in ``folder`` serving both sites."""
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    module = f"load_module {BROTLI_MODULE};\n" if stack.brotli else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/temp/{kind};" for kind in TEMP_KINDS
    )
    return f"""{module}{user}worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{
    worker_connections 256;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    access_log {folder}/access.log;
{temp}
    include {folder}/deploy/nginx/blog.conf;
    include {folder}/deploy/nginx/comments.conf;
}}
"""


def write_config(stack, folder):
    """Render deploy/nginx/ and nginx.conf into ``folder``; return nginx.conf."""
    folder = Path(folder)
    for kind in TEMP_KINDS:
        (folder / "temp" / kind).mkdir(parents=True, exist_ok=True)
    ports = {"blog.conf": stack.blog_port, "comments.conf": stack.comments_port}
    for source in sorted((DEPLOY / "nginx").rglob("*.conf")):
        relative = source.relative_to(DEPLOY)
        if relative.parts[-2] == "brotli" and not stack.brotli:
            continue  # the shipped glob include then matches nothing
        if source.name == "redirect.conf":
            continue  # HTTP to HTTPS: production only
        text = source.read_text(encoding="utf-8")
        rendered = render_site(text, ports.get(source.name, 0), stack, folder)
        target = folder / "deploy" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rendered, encoding="utf-8")
    config = folder / "nginx.conf"
    config.write_text(main_config(stack, folder), encoding="utf-8")
    return config
