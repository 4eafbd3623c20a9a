"""Participants by Webmention, end to end: a participant's blog on a loopback
port mentions our call, the real comment server checks it, staff approve, and
the next build lists it on the parade page and in parade.json."""

import json
import time

import pytest
from bs4 import BeautifulSoup

from comments.staff import parade_review
from tests.plugins.test_blog_parade import CALL, SITEURL, build, epoch, host_article
from tests.remote_site import Page, RemoteSite, participant_post

PARADE = "blogparade/offenes-firmenblog"


@pytest.fixture
def at_build_time(monkeypatch):
    """Build as of 12 December 2026 in Berlin: the parade is open."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(2026, 12, 12, 10, 0))


@pytest.fixture
def server(comment_server_factory):
    return comment_server_factory(
        webmention={"allow-private-sources": "true"},
        blog={"site-url": SITEURL},
    )


@pytest.fixture
def remote():
    with RemoteSite() as site:
        yield site


def mention_and_wait(server, source):
    """Send one Webmention for our call; return the mention once checked."""
    reply = server.client.form(
        "/webmention", {"source": source, "target": f"{SITEURL}{CALL}"}
    )
    assert reply.status == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for found in parade_review.mentions(server.database):
            if found.source == source and found.status != "queued":
                return found
        time.sleep(0.05)
    raise AssertionError(f"{source} was not checked in time")


def record_of(output):
    return json.loads((output / PARADE / "parade.json").read_text("utf-8"))


@pytest.mark.usefixtures("at_build_time")
def test_an_approved_mention_joins_the_parade_page_late_ones_marked(
    tmp_path, server, remote
):
    eva, spaet = f"{remote.url}/eva/", f"{remote.url}/spaet/"
    remote.pages["/eva/"] = Page(participant_post(f"{SITEURL}{CALL}"))
    remote.pages["/spaet/"] = Page(
        participant_post(
            f"{SITEURL}{CALL}",
            title="Nachzügler",
            author="Ole Spät",
            published="2026-12-20T08:00:00+01:00",
        )
    )
    manual = f"- name: Eva per Mail\n  url: {eva}\n"
    files = {
        "articles/aufruf.md": host_article(),
        "parades/offenes-firmenblog.yml": manual,
    }
    settings = {"SITEURL": SITEURL, "COMMENTS_DATABASE": server.database}
    build(tmp_path, files, **settings)  # tells the server which page is a call

    first = mention_and_wait(server, eva)
    late = mention_and_wait(server, spaet)
    assert (first.parade, first.review) == ("offenes-firmenblog", "pending")
    assert [item.id for item in parade_review.pending(server.database)[0]] == [
        first.id,
        late.id,
    ]
    # Pending: not on the page yet (Eva only through the YAML file).
    assert [
        item["source"]
        for item in record_of(build(tmp_path, files, **settings))["participants"]
    ] == ["manual"]

    parade_review.approve(server.database, first.id, by="anna")
    parade_review.approve(server.database, late.id, by="anna")
    output = build(tmp_path, files, **settings)

    assert record_of(output)["participants"] == [
        {
            "name": "Eva per Mail",
            "url": eva.rstrip("/"),
            "source": "manual",
            "title": "Mein Beitrag zur Blogparade",
            "date": "2026-12-10",
            "summary": "Offenheit zahlt sich aus.",
        },
        {
            "name": "Ole Spät",
            "url": spaet.rstrip("/"),
            "source": "webmention",
            "title": "Nachzügler",
            "date": "2026-12-20",
            "late": True,
            "summary": "Offenheit zahlt sich aus.",
        },
    ]
    html = BeautifulSoup(
        (output / PARADE / "index.html").read_text("utf-8"), "html.parser"
    )
    items = [
        " ".join(li.get_text().split()) for li in html.select(".parade-participants li")
    ]
    assert items == [
        "Mein Beitrag zur Blogparade – Eva per Mail, 10.12.2026",
        "Nachzügler – Ole Spät, 20.12.2026 (nach dem Einsendeschluss)",
    ]


@pytest.mark.usefixtures("at_build_time")
def test_a_rejected_mention_stays_off_the_page(tmp_path, server, remote):
    remote.pages["/spam/"] = Page(participant_post(f"{SITEURL}{CALL}", title="Kauf!"))
    files = {"articles/aufruf.md": host_article()}
    settings = {"SITEURL": SITEURL, "COMMENTS_DATABASE": server.database}
    build(tmp_path, files, **settings)
    spam = mention_and_wait(server, f"{remote.url}/spam/")

    parade_review.reject(server.database, spam.id, "spam", by="anna")

    assert record_of(build(tmp_path, files, **settings))["participants"] == []


@pytest.mark.usefixtures("at_build_time")
def test_every_page_names_the_endpoint_and_articles_carry_an_h_entry(tmp_path):
    import mf2py

    files = {"articles/aufruf.md": host_article()}
    output = build(
        tmp_path, files, SITEURL=SITEURL, COMMENTS_URL="https://kommentare.example"
    )

    for path in ("index.html", "2026/aufruf/index.html", f"{PARADE}/index.html"):
        html = BeautifulSoup((output / path).read_text("utf-8"), "html.parser")
        assert [link["href"] for link in html.select('link[rel="webmention"]')] == [
            "https://kommentare.example/webmention"
        ], path
    article = (output / "2026/aufruf/index.html").read_text("utf-8")
    [entry] = [
        item
        for item in mf2py.parse(doc=article, url=f"{SITEURL}{CALL}")["items"]
        if "h-entry" in item["type"]
    ]
    properties = entry["properties"]
    assert properties["name"] == ["Aufruf zur Blogparade"]
    assert properties["author"][0]["properties"]["name"] == ["Anna Schmidt"]
    assert properties["published"][0].startswith("2026-11-02")
    assert "Ein kurzer Text." in properties["content"][0]["value"]
