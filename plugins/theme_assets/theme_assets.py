"""Fingerprinted theme assets: ``style.css`` is also served as
``style.3f2a9c01d4.css``, named by its content, so the web server may let
browsers keep it for a year (deploy/nginx/blog.conf) and a changed file is a
new name.

Templates link ``{{ theme_asset("css/style.css") }}`` (a Jinja global set at
``generator_init``); after the build (``finalized``) every stylesheet, script
and SVG Pelican copied into ``THEME_STATIC_DIR`` gets its fingerprinted copy
beside it. Both read the same bytes, so the names agree.
"""

import hashlib
import re
import shutil
from functools import lru_cache
from pathlib import Path, PurePosixPath

from jinja2 import pass_context
from pelican import signals

from publishing.plugin_setup import plugin_module

contracts = plugin_module("contracts", __file__)

FINGERPRINTED = {".css", ".js", ".svg"}
DIGEST_LENGTH = 10
ALREADY_FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}$")


def fingerprinted_name(name, content):
    """Return ``name`` with the start of its content's SHA-256 before the suffix."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:DIGEST_LENGTH]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


@lru_cache(maxsize=64)
def fingerprint_of(path, modified_ns, size):
    """Return the fingerprinted name of a theme file (cached while it is unchanged)."""
    return fingerprinted_name(path.name, path.read_bytes())


@pass_context
def theme_asset(settings, name):
    """Return the URL of a theme asset under its fingerprinted name."""
    # ``settings`` is the template's Jinja context: Pelican's settings and more.
    source = theme_source(settings, name)
    url = f"{settings['SITEURL']}/{settings['THEME_STATIC_DIR']}/{name}"
    if source is None or PurePosixPath(name).suffix not in FINGERPRINTED:
        return url
    status = source.stat()
    fingerprinted = fingerprint_of(source, status.st_mtime_ns, status.st_size)
    return url.rsplit("/", 1)[0] + "/" + fingerprinted


def theme_source(settings, name):
    """Return the theme's file behind ``name``, or None."""
    for folder in settings["THEME_STATIC_PATHS"]:
        candidate = Path(settings["THEME"]) / folder / name
        if candidate.is_file():
            return candidate
    return None


def install_asset_global(generator):
    """Make ``theme_asset`` available to every template."""
    generator.env.globals[contracts.THEME_ASSET] = theme_asset


def write_fingerprinted_copies(pelican):
    """Copy each stylesheet, script and SVG of the theme to its fingerprinted name."""
    static = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
    if not static.is_dir():
        return
    for path in sorted(static.rglob("*")):
        if ALREADY_FINGERPRINTED.search(path.stem):
            continue  # a copy from an earlier build into the same output/
        if path.suffix in FINGERPRINTED and path.is_file():
            target = path.with_name(fingerprinted_name(path.name, path.read_bytes()))
            if target != path and not target.exists():
                shutil.copyfile(path, target)


def register():
    """Connect the receivers."""
    signals.generator_init.connect(install_asset_global)
    signals.finalized.connect(write_fingerprinted_copies)
