"""Where a comment from the plain form lands: its article on the blog, nowhere else."""

import pytest

from comments.server.form_landing import PUBLISHED, WAITING, is_blog_path, landing_url

BLOG = "https://blog.example"


@pytest.mark.parametrize(("pending", "fragment"), [(False, PUBLISHED), (True, WAITING)])
def test_it_lands_on_the_article_with_the_outcome(pending, fragment):
    assert landing_url(BLOG, "/2026/slug/", pending) == (
        f"https://blog.example/2026/slug/#{fragment}"
    )
    assert fragment in ("kommentar-veroeffentlicht", "kommentar-wartet")


def test_a_configured_origin_with_a_slash_gets_no_second_one():
    assert landing_url(BLOG + "/", "/a/", False) == f"{BLOG}/a/#{PUBLISHED}"


def test_non_ascii_and_markup_are_percent_encoded_already_encoded_stays():
    assert landing_url(BLOG, "/2026/grüße/", False).startswith(
        f"{BLOG}/2026/gr%C3%BC%C3%9Fe/#"
    )
    assert landing_url(BLOG, '/a/"<b>/', False).startswith(f"{BLOG}/a/%22%3Cb%3E/#")
    assert landing_url(BLOG, "/2026/gr%C3%BC/", False).startswith(
        f"{BLOG}/2026/gr%C3%BC/#"
    )


@pytest.mark.parametrize(
    "uri",
    [
        "//evil.example",
        "//evil.example/2026/slug/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/2026/slug/\r\nSet-Cookie: x=1",
        "/2026/slug/\nLocation: //evil.example",
        "/2026/ slug/",
        "/2026/slug/\u2028",
        "/2026/slug/?next=//evil.example",
        "/2026/slug/#kommentar-veroeffentlicht",
        "",
        "2026/slug/",
        None,
    ],
)
def test_anything_off_the_blog_lands_on_its_home_page(uri):
    assert not is_blog_path(uri)
    assert landing_url(BLOG, uri, False) == f"{BLOG}/#{PUBLISHED}"


@pytest.mark.parametrize("uri", ["/", "/2026/slug/", "/seite/impressum.html"])
def test_blog_paths_pass(uri):
    assert is_blog_path(uri)
