"""The project's plugins in any order, and one line when one lacks another."""

import sys
from pathlib import Path

import pytest
from invoke import Exit
from pelican.plugins._utils import load_plugins

from pelicanconf import PLUGINS
from publishing.plugin_setup import plugin_module
from publishing.site_build import pelican_build
from tests.support import ROOT, run_alone

CALL = "/2026/blogparade-wie-offen-darf-ein-firmenblog-sein/"  # content/articles


def build_in_fresh_interpreter(work, database, plugins):
    """Build the repo's content with ``plugins`` in a new interpreter, where
    no plugin folder is on ``sys.path`` (as in ``invoke build``); return the
    output's files."""
    run_alone(f"""
        from tests.support import build_site
        build_site(
            {str(ROOT / "content")!r}, {str(work / "output")!r},
            PLUGINS={plugins!r}, COMMENTS_DATABASE={str(database)!r},
        )
    """)
    output = work / "output"
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file()
    }


def test_the_plugins_build_the_same_site_in_any_order(
    tmp_path, monkeypatch, comment_server
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796112000")  # 2026-12-01
    reply = comment_server.client.post(
        CALL, "Mein Beitrag: https://leserin.example.org/offen/", author="Leserin"
    )
    assert reply.status == 201
    listed = build_in_fresh_interpreter(
        tmp_path / "listed", comment_server.database, PLUGINS
    )
    reversed_order = build_in_fresh_interpreter(
        tmp_path / "reversed", comment_server.database, PLUGINS[::-1]
    )
    # blog_parade, first now, loads the plugins it imports itself
    parade = "blogparade/offenes-firmenblog/parade.json"
    assert b'https://leserin.example.org/offen"' in reversed_order[parade]
    assert reversed_order.keys() == listed.keys()
    assert [name for name in listed if listed[name] != reversed_order[name]] == []


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        ("comment_data", "the plugin blog_parade needs comment_data, which is not"),
        ("isso_comments", "the plugin blog_parade needs isso_comments, which is not"),
        ("answered", "the plugin comment_refresh needs answered, which is not"),
        (
            "theme_translations",
            "the theme in theme/ needs the plugin theme_translations",
        ),
    ],
)
def test_a_plugin_left_out_that_another_needs_stops_the_build_with_one_line(
    tmp_path, left_out, message
):
    plugins = [name for name in PLUGINS if name != left_out]
    with pytest.raises(Exit) as failure:
        pelican_build(
            str(ROOT / "pelicanconf.py"),
            PLUGINS=plugins,
            OUTPUT_PATH=str(tmp_path / "output"),
            CACHE_PATH=str(tmp_path / "cache"),
            COMMENTS_DATABASE=str(tmp_path / "comments.db"),
            COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        )
    text = str(failure.value.message)
    assert text.startswith(f"build failed: PLUGINS: {message}")
    assert "list it in PLUGINS in the settings file" in text
    assert "\n" not in text
    assert not (tmp_path / "output").exists()  # stopped before writing anything


def test_a_sibling_plugin_is_loaded_once_under_the_name_pelican_gives_it(
    tmp_path, monkeypatch
):
    base = tmp_path / "plugins" / "base_plugin_for_test"
    user = tmp_path / "plugins" / "user_plugin_for_test"
    for folder in (base, user):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("def register():\n    pass\n")
    (base / "core.py").write_text("TOKEN = object()\n")
    (user / "__init__.py").write_text(
        "from publishing.plugin_setup import plugin_module\n"
        "TOKEN = plugin_module('base_plugin_for_test.core', __file__).TOKEN\n"
        "def register():\n    pass\n"
    )
    for name in (
        "base_plugin_for_test",
        "base_plugin_for_test.core",
        "user_plugin_for_test",
    ):
        monkeypatch.delitem(sys.modules, name, raising=False)  # removed again after

    loaded = load_plugins(
        {
            "PLUGINS": ["user_plugin_for_test", "base_plugin_for_test"],
            "PLUGIN_PATHS": [str(tmp_path / "plugins")],
        }
    )
    user_module, base_module = loaded
    assert base_module is sys.modules["base_plugin_for_test"]
    assert user_module.TOKEN is sys.modules["base_plugin_for_test.core"].TOKEN
    assert Path(base_module.__file__).parent == base
    assert plugin_module("base_plugin_for_test", user / "__init__.py") is base_module
