"""The answer desk lists the Webmentions awaiting review (desk_mentions.html)."""

import urllib.error
import urllib.parse
import urllib.request

from bs4 import BeautifulSoup

from comments.store import webmentions
from comments.webmention.source import Entry
from tests.support import NoRedirect

STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}
CALL = "http://localhost:8000/2026/aufruf/"


def checked_mention(server, source, parade, **entry):
    mention_id = webmentions.record_received(
        server.database, source, CALL, "/2026/aufruf/", 1_765_000_000.0
    )
    webmentions.record_checked(
        server.database,
        mention_id,
        webmentions.VERIFIED,
        1_765_000_100.0,
        Entry(**entry),
        parade=parade,
    )
    return mention_id


def desk_section(server):
    cookie = server.client.staff_login("anna", STAFF["anna"][1])
    reply = server.client.request("GET", "/desk", headers={"Cookie": cookie})
    assert reply.status == 200
    return BeautifulSoup(reply.body, "html.parser").select_one("#mentions")


def test_pending_participants_and_other_mentions_are_on_the_desk(
    comment_server_factory,
):
    server = comment_server_factory(staff=STAFF)
    eva = checked_mention(
        server,
        "https://eva.example/beitrag/",
        "offenes-firmenblog",
        title="<script>alert(1)</script>",
        author="Eva",
    )
    ole = checked_mention(server, "https://ole.example/", "", title="Zitat")

    section = desk_section(server)

    assert section.h2.get_text() == "Blogparaden: Teilnahmen per Webmention (1)"
    assert [table.caption.get_text() for table in section.select("table")] == [
        "Wartende Teilnahmen",
        "Andere Erwähnungen unserer Beiträge",
    ]
    row = section.select_one(f"#mention-{eva}")
    assert " ".join(" ".join(td.get_text().split()) for td in row("td")[:4]) == (
        f"{eva} Blogparade offenes-firmenblog <script>alert(1)</script> von Eva "
        "verlinkt"
    )
    assert section.select_one(f"#mention-{eva} script") is None
    assert row.a["rel"] == ["nofollow", "noopener", "noreferrer"]
    assert section.select_one(f"#mention-{ole}") is not None

    webmentions.review(server.database, eva, "approved", "", "anna", 1.0)
    webmentions.review(server.database, ole, "rejected", "spam", "anna", 2.0)
    assert desk_section(server).select_one(".empty").get_text() == (
        "Keine Erwähnung wartet auf Prüfung."
    )


def review(server, cookie, fields, origin=None):
    """POST the desk's review form; return (status, Location)."""
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin or server.url,
    }
    request = urllib.request.Request(
        server.url + "/desk/mention",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
        headers=headers,
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location")


def form_of(server, cookie, mention_id):
    reply = server.client.request("GET", "/desk", headers={"Cookie": cookie})
    page = BeautifulSoup(reply.body, "html.parser")
    form = page.select_one(f"#mention-{mention_id} form.review")
    assert form["action"] == "/desk/mention" and form["method"] == "post"
    return {field["name"]: field.get("value", "") for field in form.select("input")}


def test_staff_approve_and_reject_on_the_desk_recorded_with_their_account(
    comment_server_factory,
):
    server = comment_server_factory(staff=STAFF)
    eva = checked_mention(server, "https://eva.example/", "offenes-firmenblog")
    spam = checked_mention(server, "https://spam.example/", "offenes-firmenblog")
    cookie = server.client.staff_login("anna", STAFF["anna"][1])

    approved = review(
        server, cookie, {**form_of(server, cookie, eva), "decision": "approve"}
    )
    fields = {**form_of(server, cookie, spam), "decision": "reject", "reason": "spam"}
    forged = review(server, cookie, fields, origin="https://evil.example")
    no_token = review(server, cookie, {**fields, "token": ""})
    anonymous = review(server, "", fields)
    rejected = review(server, cookie, fields)

    assert approved == (303, "/desk#mentions")
    # From another site the session does not count at all.
    assert (forged[0], no_token[0], anonymous[0]) == (401, 403, 401)
    assert rejected == (303, "/desk#mentions")
    assert [row[1:4] + row[5:] for row in webmentions.review_log(server.database)] == [
        ("https://eva.example/", "approved", "", "anna"),
        ("https://spam.example/", "rejected", "spam", "anna"),
    ]
    bad = review(server, cookie, {**fields, "reason": "langweilig"})
    assert bad == (409, None)
