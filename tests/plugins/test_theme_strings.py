"""The theme's strings: both languages complete, every used key defined."""

import json
import re

import pytest

from tests.support import ROOT
from theme_strings.theme_strings import ThemeStringsError, load_strings, translate

THEME = ROOT / "theme"


def strings_file(lang):
    merged = {}
    for path in sorted((THEME / "strings" / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def test_each_strings_file_has_a_twin_in_the_other_language():
    german = {path.name for path in (THEME / "strings" / "de").glob("*.json")}
    english = {path.name for path in (THEME / "strings" / "en").glob("*.json")}
    assert german == english and "site.json" in german


def test_german_and_english_define_the_same_keys():
    assert set(strings_file("de")) == set(strings_file("en"))


def test_every_key_used_by_a_template_exists():
    used = set()
    for template in (THEME / "templates").rglob("*.html"):
        text = template.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([^"']+)["']""", text))
        for keys in re.findall(r"table_head\(\[([^\]]*)\]", text):
            used |= set(re.findall(r'"([^"]+)"', keys))
    assert used, "templates use t()"
    # A key ending in "." is a prefix completed in the template (reasons).
    prefixes = {key for key in used if key.endswith(".")}
    assert used - prefixes <= set(strings_file("de")), used - set(strings_file("de"))
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in strings_file("de")), prefix


def test_every_removal_reason_has_a_label():
    from comments.schema import REMOVAL_REASONS, SYSTEM_REASONS

    for reason in (*REMOVAL_REASONS, *SYSTEM_REASONS):
        assert f"answered.reason.{reason}" in strings_file("de"), reason


def test_plural_entries_have_one_and_other():
    for lang in ("de", "en"):
        for key, value in strings_file(lang).items():
            if isinstance(value, dict):
                assert set(value) == {"one", "other"}, (lang, key)


def test_translate_fills_values_and_picks_the_plural():
    strings = {"n": {"one": "{count} Kommentar", "other": "{count} Kommentare"}}
    assert translate(strings, "n", count=1) == "1 Kommentar"
    assert translate(strings, "n", count=3) == "3 Kommentare"


def test_missing_key_shows_the_key_and_warns(caplog):
    assert translate({}, "nav.fehlt") == "nav.fehlt"
    assert "nav.fehlt" in caplog.text


def test_unknown_language_falls_back_to_german(caplog):
    assert load_strings(THEME, "fr") == strings_file("de")
    assert "DEFAULT_LANG='fr'" in caplog.text


def test_broken_strings_file_names_the_file_and_line(tmp_path):
    (tmp_path / "strings" / "de").mkdir(parents=True)
    broken = tmp_path / "strings" / "de" / "site.json"
    broken.write_text('{"a": "b",\n}', encoding="utf-8")
    with pytest.raises(ThemeStringsError, match=r"site\.json: not valid JSON \(line 2"):
        load_strings(tmp_path, "de")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (16_200, "4,5 Std."),  # not cut down to 4
        (7_200, "2 Std."),
        (35_999, "10 Std."),  # 9.9997 h rounds to 10, never down to 9
        (36_000 + 1_800, "10 Std."),  # from 10 hours on: whole hours
        (5_940, "99 Min."),
        (3 * 86_400, "3 Tagen"),
    ],
)
def test_durations_below_ten_hours_keep_a_decimal(seconds, text):
    from theme_strings.theme_strings import duration

    strings = load_strings(THEME, "de")
    assert duration(strings, seconds) == text
    if "," in text:
        assert duration(load_strings(THEME, "en"), seconds) == text.replace(
            ",", "."
        ).replace("Std.", "h")
