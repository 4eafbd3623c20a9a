"""Finding and loading the comment server config: one rule for every entry point."""

import os
import stat
import subprocess
import sys

import pytest

from comments.config import (
    DEFAULT_CONFIG_FILE,
    ConfigError,
    config_path,
    listen_address,
    load_config,
    read_config,
)
from tests.support import ROOT


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_isso_settings_chooses_the_file(tmp_path):
    chosen = write(tmp_path / "other.cfg", "[general]\ndbpath = x.db\n")
    assert config_path({"ISSO_SETTINGS": str(chosen)}) == chosen
    assert config_path({}).name == "isso.cfg"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    config = write(tmp_path / "c.cfg", "[general]\ndbpath = data/comments.db\n")
    conf, _ = load_config(config, environ={}, create_secrets=False)
    assert conf.get("general", "dbpath") == str(tmp_path / "data" / "comments.db")


def test_secrets_are_generated_once_private_and_stable(tmp_path):
    config = write(tmp_path / "c.cfg", "[general]\ndbpath = comments.db\n")
    conf, generated = load_config(config, environ={})
    assert {(g.section, g.option) for g in generated} == {
        ("admin", "password"),
        ("hash", "salt"),
    }
    secrets_file = tmp_path / "secrets.cfg"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    again, generated_again = load_config(config, environ={})
    assert generated_again == []
    assert again.get("admin", "password") == conf.get("admin", "password")
    assert conf.get("hash", "salt") != "Eech7co8Ohloopo9Ol6baimi"


def test_environment_overrides_secrets_and_nothing_is_written(tmp_path):
    config = write(tmp_path / "c.cfg", "[general]\ndbpath = comments.db\n")
    conf, generated = load_config(
        config, environ={"ISSO_ADMIN_PASSWORD": "aus-env", "ISSO_HASH_SALT": "salz"}
    )
    assert generated == [] and not (tmp_path / "secrets.cfg").exists()
    assert conf.get("admin", "password") == "aus-env"


@pytest.mark.parametrize("password", ["a", "elf-zeichen"])
def test_a_short_admin_password_stops_the_start_in_one_line(tmp_path, password):
    from comments.server.app import create_app

    config = write(
        tmp_path / "c.cfg",
        "[general]\ndbpath = comments.db\nhost = http://localhost:8000\n"
        "[admin]\nenabled = true\n",
    )
    environ = {"ISSO_ADMIN_PASSWORD": password, "ISSO_HASH_SALT": "salz"}
    conf, _ = load_config(config, environ=environ)
    with pytest.raises(ConfigError) as raised:
        create_app(conf, environ={})
    assert str(raised.value) == (
        f"{config}: [admin] password is too short ({len(password)} of at least 12 "
        "characters); set a longer ISSO_ADMIN_PASSWORD, or unset it and [admin] "
        "password to have one generated"
    )
    conf.set("admin", "password", "zwölf-zeichen")
    assert create_app(conf, environ={})
    conf.set("admin", "password", "a")
    conf.set("admin", "enabled", "false")  # no admin page: no password needed
    assert create_app(conf, environ={})


def test_builds_never_write_secrets(tmp_path):
    config = write(tmp_path / "c.cfg", "[general]\ndbpath = comments.db\n")
    load_config(config, environ={}, create_secrets=False)
    assert not (tmp_path / "secrets.cfg").exists()


def test_blog_section_has_defaults_and_is_checked(tmp_path):
    config = write(tmp_path / "c.cfg", "[blog]\nanswer-target-hours = 12\n")
    conf, _ = load_config(config, environ={}, create_secrets=False)
    assert conf.get("blog", "answer-target-hours") == "12"
    assert conf.get("blog", "remind-before-hours") == "4"
    bad = write(tmp_path / "bad.cfg", "[blog]\nanswer-target-hours = bald\n")
    with pytest.raises(ConfigError, match=r"\[blog\] answer-target-hours = 'bald'"):
        load_config(bad, environ={}, create_secrets=False)


@pytest.mark.parametrize(
    ("section", "option", "value", "must_be"),
    [
        ("guard", "ratelimit", "two", "a whole number of at least 1"),
        ("guard", "ratelimit", "-5", "a whole number of at least 1"),
        ("guard", "direct-reply", "3.5", "a whole number of at least 1"),
        ("guard", "reply-to-self", "maybe", "true or false"),
        ("general", "max-age", "fifteen", "a duration like 15m, 1h30m or 3w"),
        ("moderation", "enabled", "yes please", "true or false"),
        ("blog", "answer-target-hours", "nan", "a positive number of hours"),
        ("blog", "remind-before-hours", "inf", "a positive number of hours"),
    ],
)
def test_a_value_isso_cannot_read_stops_the_start_in_one_line(
    tmp_path, section, option, value, must_be
):
    config = write(tmp_path / "c.cfg", f"[{section}]\n{option} = {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(config, environ={}, create_secrets=False)
    assert str(raised.value) == (
        f"{config}: [{section}] {option} = {value!r} must be {must_be}"
    )


@pytest.mark.parametrize(
    ("section", "option", "value"),
    [
        ("general", "max-age", "1h30m"),
        ("general", "max-age", "0"),
        ("moderation", "purge-after", "30d"),
        ("guard", "ratelimit", "5"),
        ("guard", "require-email", "Yes"),
    ],
)
def test_values_isso_reads_pass(tmp_path, section, option, value):
    config = write(tmp_path / "c.cfg", f"[{section}]\n{option} = {value}\n")
    conf, _ = load_config(config, environ={}, create_secrets=False)
    assert conf.get(section, option) == value


def test_unknown_options_are_warned_about_naming_the_file(tmp_path, caplog):
    config = write(tmp_path / "c.cfg", "[general]\ndbpaht = x.db\n[blog]\nziel = 3\n")
    load_config(config, environ={}, create_secrets=False)
    assert f"{config}: no such option [general] dbpaht" in caplog.text
    assert f"{config}: no such option [blog] ziel" in caplog.text


@pytest.mark.parametrize(
    "content",
    [b"[general\ndbpath = x\n", b"kein abschnitt = 1\n", b"[general]\n\xff\xfe = 1\n"],
)
def test_broken_config_is_one_line_naming_the_file(tmp_path, content):
    config = tmp_path / "c.cfg"
    config.write_bytes(content)
    with pytest.raises(ConfigError) as failure:
        load_config(config, environ={})
    assert str(failure.value).startswith(f"{config}: not a valid config file")
    assert "\n" not in str(failure.value)


def test_missing_file_names_it_and_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="fehlt.cfg: comment server config not found"):
        load_config(tmp_path / "fehlt.cfg", environ={})


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("http://127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("http://localhost:9/", ("localhost", 9)),
    ],
)
def test_listen_address(tmp_path, listen, expected):
    config = write(tmp_path / "c.cfg", f"[server]\nlisten = {listen}\n")
    conf, _ = load_config(config, environ={}, create_secrets=False)
    assert listen_address(conf) == expected


@pytest.mark.parametrize(
    "listen",
    [
        "unix:///tmp/isso.sock",
        "http://127.0.0.1",
        "http://:x",
        "http://127.0.0.1:99999",  # would bind 99999 - 65536 = 34463
        "http://127.0.0.1:0",
    ],
)
def test_unusable_listen_address_is_refused(tmp_path, listen):
    config = write(tmp_path / "c.cfg", f"[server]\nlisten = {listen}\n")
    conf, _ = load_config(config, environ={}, create_secrets=False)
    with pytest.raises(ConfigError, match=r"\[server\] listen"):
        listen_address(conf)


@pytest.mark.parametrize("text", [None, "variables"])
def test_a_build_reads_every_value_the_server_reads(tmp_path, monkeypatch, text):
    """read_config (builds: no Isso) and load_config (Isso's parser) agree on
    every option, $VARIABLES and relative paths included. Only [smtp] from
    differs: Isso gives an address without a name one of its own."""
    if text is None:
        config = DEFAULT_CONFIG_FILE
    else:
        monkeypatch.setenv("BLOG_TEST_DB", "aus-der-umgebung.db")
        config = write(
            tmp_path / "c.cfg",
            "[general]\ndbpath = $BLOG_TEST_DB\nhost =\n  http://a.example/\n"
            "  http://b.example/\n[guard]\nratelimit = 5\n"
            "[blog]\nsite-url = https://blog.example/%s\nowners-file = o.json\n",
        )
    server, _ = load_config(config, environ={}, create_secrets=False)
    build = read_config(config, environ={})
    assert build.sections() == server.sections()
    for section in server.sections():
        for option in server[section]:
            if (section, option) != ("smtp", "from"):
                assert build.get(section, option) == server.get(section, option), (
                    section,
                    option,
                )
    if text:
        assert build.get("general", "dbpath") == str(tmp_path / "aus-der-umgebung.db")


def test_a_build_process_never_imports_isso(tmp_path):
    """Importing any part of Isso loads its whole server, and Werkzeug's most of
    Werkzeug: the build's plugins and its config reading leave both out
    (benchmarks/FINDINGS.md)."""
    code = (
        "import sys\n"
        "from pelican import Pelican\n"
        "from pelican.settings import read_settings\n"
        "from comments.config import read_config\n"
        "Pelican(read_settings('pelicanconf.py'))\n"
        "read_config()\n"
        "left_out = ('isso', 'werkzeug')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in left_out))\n"
    )
    environment = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
