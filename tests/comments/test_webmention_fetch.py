"""Fetching other sites safely, and finding their Webmention endpoint.

Every request goes to a RemoteSite on 127.0.0.1; where a test needs a name
that resolves elsewhere, ``socket.getaddrinfo`` is stubbed and any connection
to an address other than 127.0.0.1 fails the test.
"""

import socket
import time

import pytest

from comments.webmention import fetch as fetching
from comments.webmention.discovery import endpoint_of
from comments.webmention.fetch import FetchRefused, fetch
from tests.remote_site import Page, RemoteSite


@pytest.fixture
def remote():
    with RemoteSite() as site:
        yield site


@pytest.fixture
def outside_loopback_forbidden(monkeypatch):
    """Names resolve as the test says; connecting anywhere but 127.0.0.1 fails."""
    names = {}
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(sock, address):
        if address[0] != "127.0.0.1":
            raise AssertionError(f"a connection to {address} was attempted")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return names


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "10.0.0.7",
        "192.168.1.1",
        "172.16.0.1",
        "127.0.0.1",
        "0.0.0.0",
    ],
)
def test_names_resolving_inside_the_network_are_refused(
    outside_loopback_forbidden, address
):
    outside_loopback_forbidden["blog.example"] = address

    with pytest.raises(FetchRefused, match="private, loopback or link-local"):
        fetch("http://blog.example/beitrag/")


def test_a_redirect_into_the_network_is_refused(
    outside_loopback_forbidden, remote, monkeypatch
):
    """The first host counts as public here; its redirect points at the
    metadata service through a name, and is checked before any connection."""
    outside_loopback_forbidden["metadata.example"] = "169.254.169.254"
    monkeypatch.setattr(fetching, "is_public", lambda address: address == "127.0.0.1")
    remote.pages["/weiter/"] = Page(
        "", 302, {"Location": "http://metadata.example/latest/meta-data/"}
    )

    with pytest.raises(FetchRefused, match="metadata.example: resolves to a private"):
        fetch(f"{remote.url}/weiter/")
    assert [request[1] for request in remote.requests] == ["/weiter/"]


def test_other_schemes_are_refused():
    for url in ("file:///etc/passwd", "gopher://example.org/", "ftp://example.org/"):
        with pytest.raises(FetchRefused, match="not an http"):
            fetch(url, allow_private=True)


def test_redirects_are_followed_three_times_at_most(remote):
    for number in range(4):
        remote.pages[f"/{number}/"] = Page("", 301, {"Location": f"/{number + 1}/"})
    remote.pages["/4/"] = Page("<p>angekommen</p>")

    assert fetch(f"{remote.url}/1/", allow_private=True).url == f"{remote.url}/4/"
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        fetch(f"{remote.url}/0/", allow_private=True)


def test_a_slow_source_times_out_as_a_whole(remote):
    remote.pages["/tropf/"] = Page("x" * 400, drip_seconds=0.1)  # 4 s in all

    started = time.monotonic()
    with pytest.raises(FetchRefused, match="within"):
        fetch(f"{remote.url}/tropf/", allow_private=True, timeout=1)
    assert time.monotonic() - started < 2


def endpoint(remote, path, page):
    remote.pages[path] = page
    return endpoint_of(fetch(remote.url + path, allow_private=True))


def test_endpoint_in_the_link_header_comes_first(remote):
    page = Page(
        '<link rel="webmention" href="/aus-html">',
        headers={
            "Content-Type": "text/html",
            "Link": ['<https://example.org/>; rel="other"', "</hdr>; rel=webmention"],
        },
    )
    assert endpoint(remote, "/a/", page) == f"{remote.url}/hdr"


def test_endpoint_with_several_rel_values_in_a_header(remote):
    page = Page(
        "",
        headers={
            "Content-Type": "text/html",
            "Link": '<https://a.example/x>; rel="me", '
            '<../wm>; rel="webmention nofollow"',
        },
    )
    assert endpoint(remote, "/b/c/", page) == f"{remote.url}/b/wm"


def test_endpoint_in_link_and_a_elements_in_document_order(remote):
    page = Page(
        '<a rel="nofollow webmention" href="erst">a</a>'
        '<link rel="webmention" href="zweit">'
    )
    assert endpoint(remote, "/doc/", page) == f"{remote.url}/doc/erst"


def test_relative_endpoint_resolves_against_the_page_after_redirects(remote):
    remote.pages["/alt/"] = Page("", 301, {"Location": "/neu/seite"})
    page = Page('<html><head><link rel="Webmention" href="endpunkt?x=1"></head></html>')
    assert endpoint(remote, "/neu/seite", page) == f"{remote.url}/neu/endpunkt?x=1"
    assert endpoint_of(fetch(f"{remote.url}/alt/", allow_private=True)) == (
        f"{remote.url}/neu/endpunkt?x=1"
    )


def test_an_empty_href_is_the_page_itself(remote):
    assert endpoint(remote, "/selbst/", Page('<link rel="webmention" href="">')) == (
        f"{remote.url}/selbst/"
    )


def test_no_endpoint(remote):
    assert endpoint(remote, "/ohne/", Page('<a href="/x" rel="me">x</a>')) is None
    plain = Page("rel=webmention", headers={"Content-Type": "text/plain"})
    assert endpoint(remote, "/text/", plain) is None


def test_what_is_no_endpoint_is_skipped(remote):
    page = Page(
        '<!-- <link rel="webmention" href="/kommentar"> -->'
        '<link rel="webmention">'
        '<link rel="not-webmention" href="/nicht">'
        '<a rel="webmention" href="/richtig">x</a>'
    )
    assert endpoint(remote, "/fallen/", page) == f"{remote.url}/richtig"


def test_header_names_and_values_in_any_case(remote):
    headers = {"Content-Type": "text/html", "LinK": "</wm>; REL=WebMention"}
    page = Page("", headers=headers)
    assert endpoint(remote, "/gross/", page) == f"{remote.url}/wm"
