"""The blog_parade plugin in real builds: pages, JSON, banner, participants, ics."""

import datetime
import json
import logging

import icalendar
import pytest
from bs4 import BeautifulSoup

from blog_parade.blog_parade import ParadeSettingError
from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.support import build_site, write_files

SITEURL = "https://blog.beispiel.example"
TITLE = "Blogparade „Wir & die Öffentlichkeit“ – Grüße, Ärger, Übermut"
TITLE_SLUG = "blogparade-wir-die-oeffentlichkeit-gruesse-aerger-uebermut"
CALL = "/2026/aufruf/"
STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}


def article(slug, title, date="2026-11-02 09:30", **parade):
    """A Markdown article with full metadata; ``parade`` adds Parade* lines."""
    lines = [
        f"Title: {title}",
        f"Date: {date}",
        "Category: Unternehmen",
        "Tags: Blogparade",
        f"Slug: {slug}",
        "Authors: Anna Schmidt",
        f"Summary: Worum es in „{title}“ geht.",
        *(f"{key}: {value}" for key, value in parade.items()),
        "",
        "Ein kurzer Text.",
    ]
    return "\n".join(lines) + "\n"


def host_article(**extra):
    return article(
        "aufruf",
        "Aufruf zur Blogparade",
        Parade="Wie offen darf ein Firmenblog sein?",
        Parade_role="host",
        Parade_host="Beispiel GmbH",
        Parade_deadline="2026-12-15",
        Parade_slug="offenes-firmenblog",
        **extra,
    )


def guest_article():
    return article(
        "unser-beitrag",
        "Unser Beitrag zur Öffentlichkeit",
        Parade=TITLE,
        Parade_host="Beispiel Bank",
        Parade_url="https://example.org/aufruf-blogparade",
        Parade_deadline="2026-12-15",
        Parade_summary="https://example.org/zusammenfassung",
        Parade_hashtag="OffenUndEhrlich",
    )


def page(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(element):
    return " ".join(element.get_text().split())


def epoch(*moment, tz="Europe/Berlin"):
    from zoneinfo import ZoneInfo

    return str(int(datetime.datetime(*moment, tzinfo=ZoneInfo(tz)).timestamp()))


@pytest.fixture
def at_build_time(monkeypatch):
    """Set the build's "now" (SOURCE_DATE_EPOCH) to a moment in Berlin."""

    def set_now(*moment):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(*moment))

    set_now(2026, 12, 12, 10, 0)
    return set_now


def build(tmp_path, files, **settings):
    write_files(tmp_path / "content", files)
    return build_site(tmp_path / "content", tmp_path / "output", **settings)


# A parade we join


def test_guest_page_shows_the_title_exactly_and_links_back(tmp_path, at_build_time):
    output = build(tmp_path, {"articles/beitrag.md": guest_article()}, SITEURL=SITEURL)
    html = page(output / f"blogparade/{TITLE_SLUG}/index.html")
    assert html.select_one("h1.parade__title").get_text() == TITLE
    assert html.title.get_text() == f"{TITLE} | Beispiel GmbH – Blog"
    raw = (output / f"blogparade/{TITLE_SLUG}/index.html").read_text("utf-8")
    assert f'<h1 class="parade__title">{TITLE.replace("&", "&amp;")}</h1>' in raw
    assert text_of(html.select_one(".parade__host")) == "Beispiel Bank · zum Aufruf"
    assert html.select_one(".parade__host a")["href"] == (
        "https://example.org/aufruf-blogparade"
    )
    assert text_of(html.select_one(".parade__deadline")) == (
        "15.12.2026 · offen – endet in 3 Tagen"
    )
    assert html.select_one(".parade__deadline time")["datetime"] == "2026-12-15"
    assert text_of(html.select_one(".parade__hashtag")) == "#OffenUndEhrlich"
    assert html.select_one(".parade__summary-link a")["href"] == (
        "https://example.org/zusammenfassung"
    )
    assert text_of(html.select_one(".parade__summary-link")) == (
        "Zusammenfassung von Beispiel Bank lesen"
    )
    assert not html.select("a[href$='.ics']")  # only the parades we host

    [entry] = html.select(".parade-entry")
    link = entry.select_one(".parade-entry__title a")
    assert link["href"] == f"{SITEURL}/2026/unser-beitrag/"
    assert link.get_text() == "Unser Beitrag zur Öffentlichkeit"
    assert text_of(entry.select_one(".meta")) == (
        "Veröffentlicht am 02.11.2026 von Anna Schmidt · Kommentare"
    )
    assert entry.select_one("a.comment-count")["data-isso-id"] == (
        "/2026/unser-beitrag/"
    )
    assert text_of(entry.select_one(".parade-entry__summary")) == (
        "Worum es in „Unser Beitrag zur Öffentlichkeit“ geht."
    )
    snippet = entry.select_one("textarea[readonly]")
    assert entry.select_one(f"label[for='{snippet['id']}']")
    copied = BeautifulSoup(snippet.get_text(), "html.parser")
    assert str(copied) == (
        f'<a href="{SITEURL}/2026/unser-beitrag/">Unser Beitrag zur Öffentlichkeit</a>'
    )
    assert not html.select(".parade-participants")


def test_guest_json_has_the_documented_keys_and_types(tmp_path, at_build_time):
    output = build(tmp_path, {"articles/beitrag.md": guest_article()}, SITEURL=SITEURL)
    raw = (output / f"blogparade/{TITLE_SLUG}/parade.json").read_text("utf-8")
    assert "Öffentlichkeit" in raw  # real umlauts, not \u escapes
    record = json.loads(raw)
    assert list(record) == sorted(record)
    assert record == {
        "title": TITLE,
        "slug": TITLE_SLUG,
        "host": "Beispiel Bank",
        "url": "https://example.org/aufruf-blogparade",
        "deadline": "2026-12-15",
        "status": "open",
        "role": "guest",
        "contributions": [
            {
                "title": "Unser Beitrag zur Öffentlichkeit",
                "url": f"{SITEURL}/2026/unser-beitrag/",
                "author": "Anna Schmidt",
                "date": "2026-11-02",
            }
        ],
        "participants": [],
    }


def test_article_banner_names_parade_host_and_links(tmp_path, at_build_time):
    output = build(tmp_path, {"articles/beitrag.md": guest_article()})
    html = page(output / "2026/unser-beitrag/index.html")
    banner = html.select_one("article.post > aside.parade-banner")
    assert banner.find_previous_sibling("header", class_="post__header")
    assert text_of(banner) == (
        f"Dieser Beitrag ist Teil der Blogparade „{TITLE}“ von Beispiel Bank"
        " — zum Aufruf · alle Beiträge"
    )
    assert [a["href"] for a in banner.select("a")] == [
        "https://example.org/aufruf-blogparade",
        f"/blogparade/{TITLE_SLUG}/",
    ]
    footer = html.select_one(".site-footer a[href='/blogparade/']")
    assert footer.get_text() == "Blogparaden"


def test_two_articles_join_one_parade_and_a_contradiction_warns(
    tmp_path, at_build_time, caplog
):
    second = article(
        "zweiter-beitrag",
        "Noch ein Beitrag",
        date="2026-11-20 10:00",
        Parade=TITLE,
        Parade_deadline="2026-12-20",
    )
    output = build(
        tmp_path,
        {"articles/beitrag.md": guest_article(), "articles/zweiter.md": second},
    )
    record = json.loads(
        (output / f"blogparade/{TITLE_SLUG}/parade.json").read_text("utf-8")
    )
    assert [c["title"] for c in record["contributions"]] == [
        "Unser Beitrag zur Öffentlichkeit",
        "Noch ein Beitrag",
    ]
    assert record["deadline"] == "2026-12-15"
    [warning] = [r.getMessage() for r in caplog.records if "differs" in r.getMessage()]
    assert "Parade_deadline" in warning
    assert "beitrag.md" in warning and "zweiter.md" in warning
    banner = page(output / "2026/zweiter-beitrag/index.html").select_one(
        ".parade-banner"
    )
    assert "von Beispiel Bank" in text_of(banner)  # filled in from the first


# A parade we host


def post(server, text, author="Leserin", **fields):
    reply = server.client.post(CALL, text, author=author, title="Aufruf", **fields)
    assert reply.status in (201, 202), reply.body
    return reply.body["id"]


@pytest.fixture
def call_server(comment_server_factory):
    """A moderated server: every comment but one pending is approved."""
    server = comment_server_factory(
        staff=STAFF,
        moderation={"enabled": "true"},
        guard={"ratelimit": "100", "direct-reply": "100", "reply-to-self": "true"},
    )
    isso = build_server(server.conf)
    cookie = server.client.staff_login("anna", "ein-langes-passwort")
    ids = {
        "markdown": post(
            server,
            "Mein Beitrag: [Offen reden](https://Blog.Example.net/2026/offen/"
            "?utm_source=isso#teil-2)",
            author="Eva Beispiel",
        ),
        "bare": post(server, "Hier ist meiner: https://zweiter.example.org/beitrag."),
        "duplicate": post(
            server, "Nochmal: https://blog.example.net/2026/offen", author="Eva B."
        ),
        "script": post(server, "[Klick](javascript:alert(1))", author="Mallory"),
        "own": post(server, f"Siehe auch {SITEURL}/2026/anderes/", author="Ute"),
        "staff": post(
            server,
            "Danke! Unser Nachtrag: https://staff.example.com/",
            headers={"Cookie": cookie},
        ),
        "removed": post(server, "Kauf hier: https://spam.example.com/", author="Spam"),
        "pending": post(server, "Meiner: https://wartet.example.com/", author="Kai"),
    }
    for name, comment_id in ids.items():
        if name != "pending":
            isso.db.comments.activate(comment_id)
    remove_comment(isso, ids["removed"], "spam")
    server.client.request(
        "POST",
        "/new?uri=/2026/anderes/",
        {"text": "https://anderer-faden.example/", "author": "X", "title": "A"},
    )
    server.ids, server.isso = ids, isso
    return server


MANUAL = """
- name: Per Post
  url: https://post.example.net/blogparade/
- name: Eva doppelt
  url: https://blog.example.net/2026/offen/
"""


def test_participants_come_from_real_comments_and_the_yaml_file(
    tmp_path, at_build_time, call_server
):
    files = {
        "articles/aufruf.md": host_article(),
        "articles/anderes.md": article("anderes", "Anderes"),
        "parades/offenes-firmenblog.yml": MANUAL,
    }
    settings = {"SITEURL": SITEURL, "COMMENTS_DATABASE": call_server.database}
    output = build(tmp_path, files, **settings)
    folder = output / "blogparade/offenes-firmenblog"
    record = json.loads((folder / "parade.json").read_text("utf-8"))
    assert record["role"] == "host" and record["url"] == f"{SITEURL}{CALL}"
    assert record["participants"] == [
        {
            "name": "Eva Beispiel",
            "url": "https://blog.example.net/2026/offen",
            "source": "comment",
        },
        {
            "name": "Leserin",
            "url": "https://zweiter.example.org/beitrag",
            "source": "comment",
        },
        {
            "name": "Per Post",
            "url": "https://post.example.net/blogparade",
            "source": "manual",
        },
    ]
    html = page(folder / "index.html")
    items = html.select(".parade-participants li a")
    assert [(a.get_text(), a.get("rel")) for a in items] == [
        ("Eva Beispiel", ["ugc", "nofollow"]),
        ("Leserin", ["ugc", "nofollow"]),
        ("Per Post", None),
    ]
    assert text_of(html.select_one("#parade-participants")) == (
        "Bisher dabei (3 Beiträge)"
    )

    # A removed comment takes its participant along with the next build: first
    # the next comment with the same address stands in, then the YAML entry.
    remove_comment(call_server.isso, call_server.ids["markdown"], "spam")
    assert participants_of(build(tmp_path, files, **settings)) == [
        ("Leserin", "comment"),
        ("Eva B.", "comment"),
        ("Per Post", "manual"),
    ]
    remove_comment(call_server.isso, call_server.ids["duplicate"], "spam")
    assert participants_of(build(tmp_path, files, **settings)) == [
        ("Leserin", "comment"),
        ("Per Post", "manual"),
        ("Eva doppelt", "manual"),
    ]


def participants_of(output):
    path = output / "blogparade/offenes-firmenblog/parade.json"
    record = json.loads(path.read_text("utf-8"))
    return [(item["name"], item["source"]) for item in record["participants"]]


@pytest.mark.parametrize(
    ("moment", "status", "page_status", "banner_status"),
    [
        ((2026, 12, 14, 12, 0), "open", "offen – endet morgen", "offen – endet morgen"),
        ((2026, 12, 15, 23, 30), "open", "offen – endet heute", "offen – endet heute"),
        ((2026, 12, 16, 0, 30), "closed", "beendet", "beendet"),
    ],
)
def test_status_before_on_and_after_the_deadline(
    tmp_path, at_build_time, moment, status, page_status, banner_status
):
    at_build_time(*moment)
    files = {
        "articles/aufruf.md": host_article(),
        "parades/offenes-firmenblog.yml": MANUAL,
    }
    output = build(tmp_path, files)
    folder = output / "blogparade/offenes-firmenblog"
    assert json.loads((folder / "parade.json").read_text("utf-8"))["status"] == status
    html = page(folder / "index.html")
    assert text_of(html.select_one(".parade-status")) == page_status
    heading = text_of(html.select_one("#parade-participants"))
    banner = page(output / "2026/aufruf/index.html").select_one(".parade-banner")
    assert text_of(banner.select_one(".parade-status")) == banner_status
    assert text_of(banner.select_one(".parade-banner__text")) == (
        "Dies ist unser Aufruf zur Blogparade „Wie offen darf ein Firmenblog sein?“"
        " — alle Beiträge"
    )
    summary = banner.select_one(".parade-banner__summary")
    if status == "open":
        assert heading == "Bisher dabei (2 Beiträge)"
        assert banner.select_one("a[type='text/calendar']")["href"] == (
            "/blogparade/offenes-firmenblog/deadline.ics"
        )
        assert summary is None
    else:
        assert heading == "Zusammenfassung: alle Teilnehmenden (2 Beiträge)"
        assert not banner.select("a[type='text/calendar']")
        assert [a.get_text() for a in summary.select("li a")] == [
            "Per Post",
            "Eva doppelt",
        ]


def test_deadline_ics_is_one_valid_all_day_event(tmp_path, at_build_time):
    output = build(tmp_path, {"articles/aufruf.md": host_article()}, SITEURL=SITEURL)
    raw = (output / "blogparade/offenes-firmenblog/deadline.ics").read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.decode("utf-8").split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = "\r\n".join(lines).replace("\r\n ", "").split("\r\n")
    assert unfolded[0] == "BEGIN:VCALENDAR" and unfolded[-1] == "END:VCALENDAR"
    fields = dict(line.split(":", 1) for line in unfolded)
    assert fields["VERSION"] == "2.0"
    assert fields["UID"] == "offenes-firmenblog-deadline@blog.beispiel.example"
    assert fields["DTSTAMP"] == "20261212T090000Z"  # SOURCE_DATE_EPOCH
    assert fields["DTSTART;VALUE=DATE"] == "20261215"
    assert fields["DTEND;VALUE=DATE"] == "20261216"
    assert fields["SUMMARY"] == (
        "Einsendeschluss: Blogparade „Wie offen darf ein Firmenblog sein?“"
    )
    assert fields["DESCRIPTION"] == (
        "Beiträge zur Blogparade „Wie offen darf ein Firmenblog sein?“ bis "
        f"einschließlich 15.12.2026.\\n{SITEURL}{CALL}"
    )
    assert fields["URL"] == f"{SITEURL}{CALL}"
    assert [line for line in unfolded if line.startswith("BEGIN:")] == [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
    ]
    calendar = icalendar.Calendar.from_ical(raw)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime.date(2026, 12, 15)
    assert str(event["URL"]) == f"{SITEURL}{CALL}"


def test_our_own_post_in_our_parade_links_to_the_call(tmp_path, at_build_time, caplog):
    own = article(
        "unsere-antwort",
        "Unsere eigene Antwort",
        date="2026-11-10 10:00",
        Parade="Wie offen darf ein Firmenblog sein?",
        Parade_slug="offenes-firmenblog",
        Parade_url=f"{SITEURL}{CALL}",
    )
    files = {"articles/aufruf.md": host_article(), "articles/eigen.md": own}
    output = build(tmp_path, files)
    assert not [r for r in caplog.records if r.getMessage().startswith("blog_")]
    banner = page(output / "2026/unsere-antwort/index.html").select_one(
        ".parade-banner"
    )
    assert text_of(banner) == (
        "Dieser Beitrag ist Teil unserer Blogparade „Wie offen darf ein Firmenblog "
        "sein?“ — zum Aufruf · alle Beiträge"
    )
    assert [a["href"] for a in banner.select("a")] == [
        CALL,
        "/blogparade/offenes-firmenblog/",
    ]
    html = page(output / "blogparade/offenes-firmenblog/index.html")
    titles = [text_of(h) for h in html.select(".parade-entry__title")]
    assert titles == ["Aufruf zur Blogparade Aufruf", "Unsere eigene Antwort"]


def test_closed_parade_without_participants_says_so(tmp_path, at_build_time):
    at_build_time(2027, 1, 10, 12, 0)
    output = build(tmp_path, {"articles/aufruf.md": host_article()})
    banner = page(output / "2026/aufruf/index.html").select_one(".parade-banner")
    assert text_of(banner.select_one(".parade-banner__summary")) == (
        "Zusammenfassung: alle Teilnehmenden "
        "Zu dieser Blogparade wurde kein Beitrag verlinkt."
    )


def test_two_builds_write_the_same_bytes(tmp_path, at_build_time):
    files = {
        "articles/aufruf.md": host_article(),
        "articles/beitrag.md": guest_article(),
        "parades/offenes-firmenblog.yml": MANUAL,
    }

    def written():
        output = build(tmp_path, files, SITEURL=SITEURL)
        return {
            path.relative_to(output): path.read_bytes()
            for path in (output / "blogparade").rglob("*")
            if path.is_file()
        }

    first = written()
    assert len(first) == 6
    assert written() == first


# The overview


def test_overview_lists_open_parades_first_then_latest_deadline(
    tmp_path, at_build_time
):
    deadlines = {
        "alt": "2026-06-01",
        "bald": "2026-12-14",
        "spaet": "2027-01-31",
        "neulich": "2026-12-01",
    }
    files = {
        f"articles/{name}.md": article(
            name, f"Beitrag {name}", Parade=f"Parade {name}", Parade_deadline=day
        )
        for name, day in deadlines.items()
    }
    files["articles/aufruf.md"] = host_article()
    output = build(tmp_path, files)
    html = page(output / "blogparade/index.html")
    items = html.select(".parade-list__item")
    assert [text_of(item.select_one("h2")) for item in items] == [
        "Parade spaet",
        "Wie offen darf ein Firmenblog sein?",
        "Parade bald",
        "Parade neulich",
        "Parade alt",
    ]
    assert text_of(items[1].select_one(".meta")) == (
        "Unser Aufruf · von Beispiel GmbH · Einsendeschluss: 15.12.2026 · "
        "offen – endet in 3 Tagen · 0 Beiträge"
    )
    assert [item["class"][1] for item in items] == [
        "parade-list__item--open",
        "parade-list__item--open",
        "parade-list__item--open",
        "parade-list__item--closed",
        "parade-list__item--closed",
    ]


def test_pages_load_nothing_from_other_hosts(tmp_path, at_build_time):
    files = {
        "articles/aufruf.md": host_article(),
        "articles/beitrag.md": guest_article(),
    }
    output = build(tmp_path, files, SITEURL=SITEURL)
    allowed = (f"{SITEURL}/", "http://localhost:8080/")  # site, comment server
    pages = [
        output / "blogparade/index.html",
        output / "blogparade/offenes-firmenblog/index.html",
        output / f"blogparade/{TITLE_SLUG}/index.html",
        output / "2026/aufruf/index.html",
        output / "2026/unser-beitrag/index.html",
    ]
    for path in pages:
        html = page(path)
        loaded = [
            element.get("src") or element.get("href")
            for element in html.select("script[src], img[src], iframe, link[href]")
        ]
        assert loaded, path
        assert all(url.startswith(allowed) for url in loaded), (path, loaded)


# Mistakes and switches


BAD_ARTICLES = {
    "deadline.md": ({"Parade_deadline": "15.12.2026"}, "Parade_deadline"),
    "url.md": ({"Parade_url": "example.org/aufruf"}, "Parade_url"),
    "summary.md": ({"Parade_summary": "javascript:alert(1)"}, "Parade_summary"),
    "role.md": ({"Parade_role": "teilnehmer"}, "Parade_role"),
    "hashtag.md": ({"Parade_hashtag": "zwei Wörter"}, "Parade_hashtag"),
    "slug.md": ({"Parade_slug": "„“"}, "Parade_slug"),
    "typo.md": ({"Parade_dedline": "2026-12-15"}, "Parade_dedline"),
}


def test_each_bad_value_is_one_warning_naming_file_and_key(
    tmp_path, at_build_time, caplog
):
    files = {
        f"articles/{name}": article(
            name[:-3], f"Artikel {name}", Parade=f"Parade {name[:-3]}", **metadata
        )
        for name, (metadata, _) in BAD_ARTICLES.items()
    }
    files["articles/ohne.md"] = article(
        "ohne", "Ohne Parade", Parade_host="Beispiel Bank", Parade_role="host"
    )
    files["articles/leer.md"] = article("leer", "Leerer Titel", Parade="„…“ – !")
    expected = {name: key for name, (_, key) in BAD_ARTICLES.items()}
    expected["ohne.md"] = ("Parade_host", "Parade_role")
    expected["leer.md"] = "Parade"
    with caplog.at_level(logging.WARNING):
        output = build(tmp_path, files)
    warnings = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("blog_")
    ]
    for name, keys in expected.items():
        keys = keys if isinstance(keys, tuple) else (keys,)
        mine = [w for w in warnings if f"/articles/{name}:" in w]
        assert [w.split(": ")[2].split()[0] for w in mine] == list(keys), mine
    assert len(warnings) == 10
    [typo] = [w for w in warnings if "/articles/typo.md:" in w]
    assert typo.endswith("is not a parade key, ignored; did you mean Parade_deadline?")
    for name in expected:
        assert (output / f"2026/{name[:-3]}/index.html").exists()
    for name in BAD_ARTICLES:  # the article still joins its parade
        assert (output / f"blogparade/parade-{name[:-3]}/index.html").exists()
    assert not (output / "blogparade/ohne").exists()


def test_parade_metadata_on_a_page_is_one_warning_and_the_build_goes_on(
    tmp_path, at_build_time, caplog
):
    files = {
        "articles/aufruf.md": host_article(),
        "pages/seite.md": "Title: Seite\nParade: Eine andere Parade\n\nText.\n",
    }
    with caplog.at_level(logging.WARNING):
        output = build(tmp_path, files)  # with comment_refresh's state written
    warnings = [
        r.getMessage() for r in caplog.records if "blog_parade" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        "/pages/seite.md: Parade metadata on a page is ignored; only articles "
        "join a parade"
    )
    assert (output / "seite/index.html").is_file()
    assert sorted(p.name for p in (output / "blogparade").iterdir()) == [
        "index.html",
        "offenes-firmenblog",
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("- name: [offen\n", "YAML does not parse (line 2"),
        ("name: Eva\n", "YAML is a dict"),
        ("- name: Eva\n  url: ftp://eva.example/\n", "entry 1: url 'ftp://"),
    ],
)
def test_a_bad_participants_file_is_one_warning_and_the_build_goes_on(
    tmp_path, at_build_time, caplog, text, key
):
    files = {
        "articles/aufruf.md": host_article(),
        "parades/offenes-firmenblog.yml": text,
        "parades/vertippt.yaml": "- name: Eva\n",
    }
    output = build(tmp_path, files)
    warnings = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("blog_")
    ]
    assert len(warnings) == 2, warnings
    assert f"/parades/offenes-firmenblog.yml: {key}" in warnings[0]
    assert "/parades/vertippt.yaml: not used" in warnings[1]
    record = json.loads(
        (output / "blogparade/offenes-firmenblog/parade.json").read_text("utf-8")
    )
    assert record["participants"] == []
    assert (output / "2026/aufruf/index.html").exists()


def test_parades_switched_off_write_nothing_and_show_nothing(tmp_path, at_build_time):
    output = build(
        tmp_path, {"articles/beitrag.md": guest_article()}, PARADE_ENABLED=False
    )
    assert not (output / "blogparade").exists()
    html = page(output / "2026/unser-beitrag/index.html")
    assert not html.select(".parade-banner")
    assert not html.select("a[href='/blogparade/']")


def test_a_build_without_the_plugin_is_untouched(tmp_path, at_build_time):
    output = build(
        tmp_path,
        {"articles/beitrag.md": guest_article()},
        PLUGINS=["theme_translations", "theme_assets", "comment_data", "isso_comments"],
    )
    assert not (output / "blogparade").exists()
    assert not page(output / "2026/unser-beitrag/index.html").select(
        "a[href='/blogparade/']"
    )


def test_a_parade_path_without_slug_stops_the_build_naming_the_setting(tmp_path):
    with pytest.raises(ParadeSettingError, match=r"PARADE_SAVE_AS='parade\.html'"):
        build(
            tmp_path,
            {"articles/beitrag.md": guest_article()},
            PARADE_SAVE_AS="parade.html",
        )
