"""The answer desk lists the Webmentions awaiting review (desk_mentions.html)."""

from bs4 import BeautifulSoup

from comments.store import webmentions
from comments.webmention.source import Entry

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
    assert " ".join(row.get_text().split()) == (
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
