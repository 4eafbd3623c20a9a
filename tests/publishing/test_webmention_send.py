"""`invoke publish` sends Webmentions for our parade posts, once per version.

The parade's host is a RemoteSite on 127.0.0.1 under the name
``gastgeber.test`` (the resolver is stubbed: the leak check refuses pages
linking to 127.0.0.1): its call advertises an endpoint (in a header, a
<link>, an <a>, relatively, or not at all) and records every POST it gets.
"""

import json
import socket

import pytest

from publishing.publish import publish_site
from tests.publishing.test_publish import PUBLISHCONF, site_settings
from tests.remote_site import Page, RemoteSite
from tests.support import write_files

SOURCE = "https://blog.example.org/2026/unser-beitrag/"
GUEST = """
    Title: Unser Beitrag
    Date: 2026-11-02 09:30
    Category: Unternehmen
    Slug: unser-beitrag
    Authors: Anna Schmidt
    Summary: Kurz.
    Parade: Offenheit im Kundenservice
    Parade_host: Beispiel Bank
    Parade_url: {call}
    Parade_deadline: 2026-12-15

    {text}
"""


HOST_NAME = "gastgeber.test"


@pytest.fixture(autouse=True)
def host_name_on_loopback(monkeypatch):
    """``gastgeber.test`` resolves to 127.0.0.1; other names as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        return real("127.0.0.1" if host == HOST_NAME else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def host():
    with RemoteSite() as site:
        site.url = site.url.replace("127.0.0.1", HOST_NAME)
        yield site


def publish(tmp_path, call, text="Unsere Erfahrungen."):
    write_files(
        tmp_path / "content",
        {"articles/beitrag.md": GUEST.format(call=call, text=text)},
    )
    publish_site(
        PUBLISHCONF,
        allow_placeholder=True,
        **site_settings(tmp_path, WEBMENTION_ALLOW_PRIVATE=True),
    )


@pytest.mark.parametrize(
    "call_page, endpoint",
    [
        (
            Page("<p>Aufruf</p>", headers={"Link": "</wm/header>; rel=webmention"}),
            "/wm/header",
        ),
        (Page('<head><link rel="webmention" href="/wm/link"></head>'), "/wm/link"),
        (Page('<a rel="nofollow webmention" href="/wm/a">wm</a>'), "/wm/a"),
        (Page('<link rel="webmention" href="../wm/relativ">'), "/wm/relativ"),
    ],
)
def test_a_guest_post_mentions_the_call_once(
    tmp_path, host, capsys, call_page, endpoint
):
    host.pages["/aufruf/"] = call_page
    host.pages[endpoint] = Page("", 202)
    call = f"{host.url}/aufruf/"

    publish(tmp_path, call)
    assert host.posts(endpoint) == [{"source": SOURCE, "target": call}]
    assert f"webmention sent: {SOURCE} → {call}" in capsys.readouterr().out

    publish(tmp_path, call)  # unchanged: not sent again
    assert len(host.posts(endpoint)) == 1

    publish(tmp_path, call, text="Ergänzt um einen Absatz.")  # changed: sent again
    assert len(host.posts(endpoint)) == 2
    state = json.loads((tmp_path / "site" / "webmentions-sent.json").read_text())
    [entry] = state["mentions"].values()
    assert (entry["status"], entry["endpoint"]) == ("sent", f"{host.url}{endpoint}")


def test_a_call_without_endpoint_is_noted_not_retried(tmp_path, host, capsys):
    host.pages["/aufruf/"] = Page("<p>Kein Endpunkt.</p>")
    call = f"{host.url}/aufruf/"

    publish(tmp_path, call)
    assert "webmention no endpoint" in capsys.readouterr().out
    publish(tmp_path, call)
    assert "webmention" not in capsys.readouterr().out
    assert [r for r in host.requests if r[0] == "POST"] == []


def test_a_failure_is_one_line_the_publish_goes_on_and_retries(tmp_path, host, capsys):
    host.pages["/aufruf/"] = Page('<link rel="webmention" href="/wm">')
    host.pages["/wm"] = Page("kaputt", 500)
    call = f"{host.url}/aufruf/"

    publish(tmp_path, call)
    out = capsys.readouterr().out
    assert "Published" in out
    [line] = [line for line in out.splitlines() if line.startswith("webmention")]
    assert line == f"webmention failed: {SOURCE} → {call}: {host.url}/wm answered 500"
    assert (tmp_path / "site" / "current" / "2026/unser-beitrag/index.html").is_file()

    host.pages["/wm"] = Page("", 201)
    publish(tmp_path, call)
    assert len(host.posts("/wm")) == 2


def test_an_unreachable_host_never_fails_the_publish(tmp_path, capsys):
    publish(tmp_path, f"http://{HOST_NAME}:9/aufruf/")
    out = capsys.readouterr().out
    assert "Published" in out
    assert "webmention failed" in out and "target not read" in out


CALL_ARTICLE = """
    Title: Aufruf zur Blogparade
    Date: 2026-11-02 09:30
    Category: Unternehmen
    Slug: aufruf
    Authors: Anna Schmidt
    Summary: Macht mit.
    Parade: Wie offen darf ein Firmenblog sein?
    Parade_role: host
    Parade_slug: offenes-firmenblog

    Schreibt mit!
"""
ROUNDUP = """
    Title: Zusammenfassung der Blogparade
    Date: 2026-12-20 09:30
    Category: Unternehmen
    Slug: zusammenfassung
    Authors: Anna Schmidt
    Summary: Alle Beiträge.
    Parade: Wie offen darf ein Firmenblog sein?
    Parade_slug: offenes-firmenblog

    {links}
"""


def test_the_round_up_mentions_every_participant_the_call_none(tmp_path, host):
    names = ("eva", "ole")
    for name in names:
        host.pages[f"/{name}/"] = Page(f'<link rel="webmention" href="/wm/{name}">')
        host.pages[f"/wm/{name}"] = Page("", 202)
    participants = "".join(
        f"- name: {name}\n  url: {host.url}/{name}/\n" for name in names
    )
    links = "\n    ".join(f"- [{name}]({host.url}/{name}/)" for name in names)
    write_files(
        tmp_path / "content",
        {
            "articles/aufruf.md": CALL_ARTICLE,
            "articles/zusammenfassung.md": ROUNDUP.format(links=links),
            "parades/offenes-firmenblog.yml": participants,
        },
    )

    publish_site(
        PUBLISHCONF,
        allow_placeholder=True,
        **site_settings(tmp_path, WEBMENTION_ALLOW_PRIVATE=True),
    )

    roundup = "https://blog.example.org/2026/zusammenfassung/"
    for name in names:
        assert host.posts(f"/wm/{name}") == [
            {"source": roundup, "target": f"{host.url}/{name}/"}
        ]
