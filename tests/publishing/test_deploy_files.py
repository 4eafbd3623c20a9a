"""The shipped production files (deploy/) and the README say the same, and
`invoke stage` renders exactly those files for loopback."""

import base64
import hashlib
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from publishing.nginx_config import (
    BROTLI_MODULE,
    CHECKOUT,
    DEPLOY,
    LocalStack,
    render_site,
)
from publishing.system_packages import nginx_binary
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ISSO_CLIENT_DEFAULTS = (
    Path(__import__("isso").__file__).parent / "js" / "app" / "default_config.js"
)


def shipped(relative):
    return (DEPLOY / relative).read_text(encoding="utf-8")


def test_the_readme_names_every_shipped_file_and_no_other():
    files = {
        f"deploy/{path.relative_to(DEPLOY)}"
        for path in DEPLOY.rglob("*")
        if path.is_file()
    }
    named = set(re.findall(r"`(deploy/[\w./-]+\.\w+)`", README))
    assert files - named == set(), "not in the README"
    assert named - files == set(), "named in the README, not shipped"


def test_the_readme_runs_gunicorn_as_the_unit_does():
    readme_command = re.search(r"^    (gunicorn --bind .*)$", README, re.MULTILINE)[1]
    unit = shipped("systemd/blog-comments.service")
    exec_start = re.search(r"^ExecStart=\S+/(gunicorn .*)$", unit, re.MULTILINE)[1]
    assert shlex.split(readme_command) == shlex.split(exec_start)


def test_gunicorn_nginx_and_the_comment_config_agree_on_the_port():
    bind = re.search(r"--bind (\S+)", shipped("systemd/blog-comments.service"))[1]
    proxy = re.search(r"proxy_pass http://(\S+);", shipped("nginx/comments.conf"))[1]
    listen = re.search(r"^listen = http://(\S+)$", shipped("comments.cfg"), re.M)[1]
    assert bind == proxy == listen
    assert "trusted-proxies = 127.0.0.1" in shipped("comments.cfg")
    assert "X-Forwarded-For $remote_addr;" in shipped("nginx/comments.conf")


def test_the_blog_policy_allows_exactly_isso_avatar_colours():
    defaults = ISSO_CLIENT_DEFAULTS.read_text(encoding="utf-8")
    background = re.search(r'"avatar-bg": "(#\w+)"', defaults)[1]
    foreground = re.findall(r"#[0-9a-f]{6}", defaults.split('"avatar-fg"')[1])[:8]
    expected = {
        "'sha256-{}'".format(
            base64.b64encode(
                hashlib.sha256(f"fill: {colour}".encode()).digest()
            ).decode()
        )
        for colour in [background, *foreground]
    }
    policy = re.search(
        r'Content-Security-Policy "([^"]+)"', shipped("nginx/blog.conf")
    )[1]
    attributes = re.search(r"style-src-attr 'unsafe-hashes' ([^;]+);", policy)[1]
    assert set(attributes.split()) == expected
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_hsts_is_sent_with_tls_only():
    assert "Strict-Transport-Security" in shipped("nginx/tls.conf")
    for name in ("blog.conf", "comments.conf"):
        assert "include /srv/blog/deploy/nginx/tls.conf;" in shipped(f"nginx/{name}")


def test_the_staged_site_is_the_shipped_one_without_tls(tmp_path):
    stack = LocalStack(8000, 8001, 8002, tmp_path / "current")
    production = shipped("nginx/blog.conf")
    staged = render_site(production, 8000, stack, tmp_path)
    assert "listen 127.0.0.1:8000;" in staged
    for gone in ("443", "ssl_", "tls.conf", "example.org", "/srv/blog", "/var/www"):
        assert gone not in staged, gone
    assert f"root {tmp_path / 'current'};" in staged
    assert "script-src 'self' 'wasm-unsafe-eval' http://localhost:8001;" in staged
    # Apart from those lines, every line is served as shipped.
    kept = [
        line
        for line in production.splitlines()
        if not re.search(r"listen|ssl_|tls\.conf|example\.org|/srv/blog|/var/www", line)
    ]
    assert kept == [line for line in staged.splitlines() if line in kept]


@pytest.mark.skipif(
    not (nginx_binary() and shutil.which("openssl")),
    reason="needs nginx and openssl (apt-get install nginx openssl)",
)
def test_the_production_sites_pass_nginx_t_with_tls(tmp_path):
    """The shipped files as they are, TLS lines included, with a test certificate
    in place of Let's Encrypt's and the checkout in a temporary folder."""
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-keyout", str(key), "-out", str(certificate), "-days", "1"),
            *("-subj", "/CN=blog.example.org"),
        ],
        check=True,
        capture_output=True,
    )
    sites = []
    for source in DEPLOY.joinpath("nginx").rglob("*.conf"):
        text = source.read_text(encoding="utf-8")
        text = re.sub(
            r"/etc/letsencrypt/live/\S+/fullchain\.pem", str(certificate), text
        )
        text = re.sub(r"/etc/letsencrypt/live/\S+/privkey\.pem", str(key), text)
        text = text.replace(CHECKOUT, f"{tmp_path}/deploy/")
        target = tmp_path / "deploy" / source.relative_to(DEPLOY)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if target.parent.name == "nginx" and "server {" in text:
            sites.append(target)
    module = f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else ""
    if not BROTLI_MODULE.exists():
        shutil.rmtree(tmp_path / "deploy" / "nginx" / "brotli")
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"{module}\npid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n"
        "include /etc/nginx/mime.types;\n"
        + "".join(f"include {site};\n" for site in sites)
        + "}\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert len(sites) == 3
