"""Theme assets under names that change with their content."""

import hashlib
from types import SimpleNamespace

from jinja2 import Environment

from theme_assets.theme_assets import (
    fingerprinted_name,
    theme_asset,
    write_fingerprinted_copies,
)

SETTINGS = {"SITEURL": "https://blog.firma.de", "THEME_STATIC_DIR": "theme"}


def test_the_name_carries_the_start_of_the_content_hash():
    digest = hashlib.sha256(b"body{}").hexdigest()[:10]
    assert fingerprinted_name("style.css", b"body{}") == f"style.{digest}.css"


def test_templates_link_the_name_the_build_writes(tmp_path):
    theme = tmp_path / "theme"
    (theme / "static" / "css").mkdir(parents=True)
    (theme / "static" / "css" / "style.css").write_bytes(b"body{}")
    settings = {**SETTINGS, "THEME": str(theme), "THEME_STATIC_PATHS": ["static"]}
    template = Environment().from_string('{{ theme_asset("css/style.css") }}')
    template.globals["theme_asset"] = theme_asset
    url = template.render(**settings)

    output = tmp_path / "output"
    (output / "theme" / "css").mkdir(parents=True)
    (output / "theme" / "css" / "style.css").write_bytes(b"body{}")
    (output / "theme" / "logo.png").write_bytes(b"\x89PNG")
    pelican = SimpleNamespace(output_path=str(output), settings=SETTINGS)
    write_fingerprinted_copies(pelican)
    write_fingerprinted_copies(pelican)  # a second build into the same output/

    name = fingerprinted_name("style.css", b"body{}")
    assert url == f"https://blog.firma.de/theme/css/{name}"
    assert sorted(path.name for path in (output / "theme").rglob("*")) == sorted(
        ["css", "style.css", name, "logo.png"]
    )
