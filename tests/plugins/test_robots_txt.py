"""robots.txt allows every crawler and names the sitemap when one is written."""

import pytest

from robots_txt.robots_txt import RobotsSettingError, robots_document, robots_settings


def test_robots_names_the_sitemap():
    assert robots_document("https://x.example/sitemap.xml") == (
        "User-agent: *\nDisallow:\n\nSitemap: https://x.example/sitemap.xml\n"
    )


def test_robots_without_a_sitemap_only_allows():
    assert robots_document(None) == "User-agent: *\nDisallow:\n"


@pytest.mark.parametrize("value", ["/robots.txt", "../robots.txt"])
def test_save_as_outside_the_output_is_refused(value):
    with pytest.raises(RobotsSettingError, match="ROBOTS_SAVE_AS"):
        robots_settings({"ROBOTS_SAVE_AS": value})
