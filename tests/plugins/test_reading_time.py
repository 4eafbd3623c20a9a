"""Reading time: words of the rendered text, whole minutes rounded up."""

import pytest

from reading_time.reading_time import (
    ReadingTimeSettingError,
    count_words,
    reading_minutes,
    reading_settings,
)


def test_tags_and_entities_are_not_words():
    html = (
        '<p>Grüße aus <a href="https://example.org/x-y">Köln</a> &amp; Bonn.</p>'
        "<pre><code>SELECT id FROM comments;</code></pre>"
    )
    assert count_words(html) == 8


def test_hyphenated_words_and_numbers_count_once():
    assert count_words("<p>Auftragsbuch-Update 4.3 am 21.09.</p>") == 4


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (450, 3), (1000, 5)]
)
def test_minutes_are_rounded_up_and_at_least_one(words, minutes):
    assert reading_minutes(words, 200) == minutes


@pytest.mark.parametrize("speed", [0, -5, 200.5, "200", True])
def test_bad_reading_speed_is_refused_naming_the_setting(speed):
    with pytest.raises(ReadingTimeSettingError, match="READING_TIME_WORDS_PER_MINUTE"):
        reading_settings({"READING_TIME_WORDS_PER_MINUTE": speed})
