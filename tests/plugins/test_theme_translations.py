"""The theme's gettext catalogs: complete, in step with the templates, loaded."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.support import ROOT
from theme_translations.theme_translations import (
    CatalogError,
    catalog_path,
    duration,
    load_translations,
)

THEME = ROOT / "theme"


def catalog(lang):
    with catalog_path(THEME, lang).open("rb") as file:
        return read_po(file)


def searched(folder):
    """Skip what pybabel skips (hidden folders) and what holds no texts."""
    name = Path(folder).name
    return not name.startswith((".", "_")) and name not in {"node_modules", "output"}


def extracted_ids():
    """Every (context, msgid) babel.cfg finds in the templates and plugins."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = set()
    for _, _, message, _, context in extract_from_dir(
        ROOT, method_map, options_map, directory_filter=searched
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def catalog_ids(lang):
    return {
        (entry.context, entry.id[0] if entry.pluralizable else entry.id)
        for entry in catalog(lang)
        if entry.id
    }


@pytest.fixture(scope="module")
def used():
    return extracted_ids()


def test_templates_and_plugins_use_texts(used):
    assert (None, "Archive") in used
    assert ("button", "Search") in used
    assert (None, "Deadline: blog parade “%(title)s”") in used  # ical, Python


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_catalog_holds_exactly_the_texts_in_use(used, lang):
    """pybabel update (README) brings a catalog in step after a template edit."""
    assert catalog_ids(lang) == used


def test_german_translates_every_text_without_fuzzy_entries():
    for entry in catalog("de"):
        if entry.id:
            strings = entry.string if entry.pluralizable else (entry.string,)
            assert all(strings), entry.id
            assert not entry.fuzzy, entry.id


def test_german_keeps_the_placeholders_of_every_text():
    for entry in catalog("de"):
        if entry.id and entry.python_format:
            ids = entry.id if entry.pluralizable else (entry.id,)
            strings = entry.string if entry.pluralizable else (entry.string,)
            names = {name for text in ids for name in placeholders(text)}
            for text in strings:
                assert placeholders(text) <= names, (entry.id, text)


def placeholders(text):
    return set(re.findall(r"%\((\w+)\)", text))


def test_every_removal_reason_has_a_label():
    from comments.store.schema import REMOVAL_REASONS, SYSTEM_REASONS

    template = (THEME / "templates" / "includes" / "removal_reasons.html").read_text(
        encoding="utf-8"
    )
    for reason in (*REMOVAL_REASONS, *SYSTEM_REASONS):
        assert f'"{reason}": _("' in template, reason


def test_german_catalog_translates_with_plurals():
    german = load_translations(THEME, "de")
    assert german.gettext("Archive") == "Archiv"
    assert german.pgettext("button", "Search") == "Suchen"
    assert german.gettext("Search") == "Suche"
    assert german.ngettext("%(num)d post", "%(num)d posts", 1) % {"num": 1} == (
        "1 Beitrag"
    )
    assert german.ngettext("%(num)d post", "%(num)d posts", 3) % {"num": 3} == (
        "3 Beiträge"
    )


def test_english_is_the_message_ids():
    english = load_translations(THEME, "en")
    assert english.gettext("Archive") == "Archive"


def test_duration_in_whole_units_rounded_down():
    german = load_translations(THEME, "de")
    said = [duration(german, s) for s in (None, 59, 60, 7199, 7200, 172799, 172800)]
    assert said == [
        *("–", "unter 1 Min.", "1 Min.", "119 Min."),
        *("2 Std.", "47 Std.", "2 Tagen"),  # "wartet seit 2 Tagen"
    ]
    assert duration(gettext.NullTranslations(), 86400 * 3) == "3 days"


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
    assert duration(load_translations(THEME, "de"), seconds) == text
    if "," in text:
        english = text.replace(",", ".").replace("Std.", "h")
        assert duration(load_translations(THEME, "en"), seconds) == english


def test_unknown_language_falls_back_to_german(caplog):
    assert load_translations(THEME, "fr").gettext("Archive") == "Archiv"
    assert "DEFAULT_LANG='fr'" in caplog.text


def test_missing_german_catalog_names_the_file(tmp_path):
    with pytest.raises(CatalogError, match=r"de/LC_MESSAGES/messages\.po: missing"):
        load_translations(tmp_path, "de")


def test_broken_catalog_names_the_file(tmp_path):
    path = catalog_path(tmp_path, "de")
    path.parent.mkdir(parents=True)
    path.write_text('msgid "a"\nbogus\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"messages\.po: not a valid catalog"):
        load_translations(tmp_path, "de")


def test_no_compiled_catalog_in_the_theme():
    """Catalogs are compiled in memory at build time, never committed as .mo."""
    load_translations(THEME, "de")
    assert not list(THEME.rglob("*.mo"))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_reader_may_take_the_staff_badge_label_as_a_name(lang):
    """comments/server/reserved_names.py refuses the badge's label in every language."""
    from comments.server.reserved_names import BADGE_WORD
    from comments.staff.names import normalise_name

    label = load_translations(THEME, lang).gettext("Staff")
    assert BADGE_WORD.search(normalise_name(label)), label
