"""Blog parades as plain data: links, metadata, grouping, status, participants, ics."""

import datetime
import functools
from zoneinfo import ZoneInfo

import icalendar
import pytest

from blog_parade.generator import ascii_slug
from blog_parade.ical import deadline_calendar
from blog_parade.links import is_web_url, normalise_url, site_link
from blog_parade.metadata import GUEST, HOST, parse_metadata
from blog_parade.parades import (
    CLOSED,
    OPEN,
    Contribution,
    Status,
    deadline_status,
    group,
    index_key,
    parade_record,
)
from blog_parade.participants import (
    COMMENT,
    MANUAL,
    Participant,
    from_comments,
    links_in,
    parse_manual,
    unique,
)
from comments.build.data import PENDING, PUBLISHED, REMOVED, WITHDRAWN, Comment
from pelicanconf import SLUG_REGEX_SUBSTITUTIONS
from tests.support import run_alone

BERLIN = ZoneInfo("Europe/Berlin")
slug = functools.partial(
    ascii_slug, regex_subs=SLUG_REGEX_SUBSTITUTIONS, use_unicode=True
)


# Links


@pytest.mark.parametrize(
    ("link", "normalised"),
    [
        ("HTTPS://Blog.Example.NET/Post/", "https://blog.example.net/Post"),
        ("https://blog.example.net", "https://blog.example.net/"),
        ("https://blog.example.net:443/a", "https://blog.example.net/a"),
        ("http://blog.example.net:80/a/", "http://blog.example.net/a"),
        ("http://blog.example.net:8080/a", "http://blog.example.net:8080/a"),
        ("https://blog.example.net/a#kommentare", "https://blog.example.net/a"),
        (
            "https://blog.example.net/a/?utm_source=x&UTM_Medium=y&fbclid=1&gclid=2"
            "&mc_cid=3&mc_eid=4&ref=feed&seite=2&q=a%20b",
            "https://blog.example.net/a?seite=2&q=a%20b",
        ),
        ("https://leser:geheim@blog.example.net/a", "https://blog.example.net/a"),
        ("  https://blog.example.net/a  ", "https://blog.example.net/a"),
        ("javascript:alert(1)", None),
        ("mailto:eva@example.net", None),
        ("/2026/eigener-beitrag/", None),
        ("#harmful-link", None),
        ("https://blog.example.net:abc/", None),
        ("https:///ohne-host", None),
    ],
)
def test_normalise_url(link, normalised):
    assert normalise_url(link) == normalised


def test_web_urls_and_site_links():
    assert is_web_url("https://example.org/aufruf")
    assert not is_web_url("ftp://example.org/aufruf")
    assert not is_web_url("example.org/aufruf")
    assert site_link("https://blog.beispiel.example/", "2026/a/") == (
        "https://blog.beispiel.example/2026/a/"
    )
    assert site_link("", "2026/a/") == "/2026/a/"


# Metadata

GUEST_METADATA = {
    "parade": "Social Media im Kundenservice – was zählt?",
    "parade_host": "Beispiel Bank",
    "parade_url": "https://example.org/aufruf-blogparade",
    "parade_deadline": "2026-12-15",
    "parade_summary": "https://example.org/zusammenfassung",
    "parade_hashtag": "#KundenserviceParade",
}


def test_guest_metadata_parses_with_an_ascii_slug():
    info, problems = parse_metadata(GUEST_METADATA, slug)
    assert problems == []
    assert info.title == "Social Media im Kundenservice – was zählt?"
    assert info.slug == "social-media-im-kundenservice-was-zaehlt"
    assert (info.host, info.url, info.role) == (
        "Beispiel Bank",
        "https://example.org/aufruf-blogparade",
        GUEST,
    )
    assert info.deadline == datetime.date(2026, 12, 15)
    assert info.summary_url == "https://example.org/zusammenfassung"
    assert info.hashtag == "KundenserviceParade"


def test_parade_slug_and_host_role():
    info, problems = parse_metadata(
        {"parade": "Wie offen?", "parade_role": "Host", "parade_slug": "Offen Ä"},
        slug,
        "2026/aufruf/",
    )
    assert problems == []
    assert (info.slug, info.role, info.url) == ("offen-ae", HOST, "")


def test_a_parade_slug_of_dashes_only_falls_back_to_the_title():
    assert slug("---") == "-"  # what Pelican's slugify makes of it
    info, problems = parse_metadata(
        {"parade": "Wie offen?", "parade_slug": "---"}, slug
    )
    assert info.slug == "wie-offen"
    assert [problem.key for problem in problems] == ["Parade_slug"]


def test_non_latin_title_still_gives_an_ascii_slug():
    info, _ = parse_metadata(
        {"parade": "Ελληνικά"},
        functools.partial(ascii_slug, regex_subs=[(r"\s+", "-")], use_unicode=True),
    )
    assert info.slug == "ellenika"


def test_host_article_may_name_itself_as_the_call_but_nothing_else():
    own = {
        "parade": "P",
        "parade_role": "host",
        "parade_url": "https://b.example/2026/a/",
    }
    assert parse_metadata(own, slug, "2026/a/")[1] == []
    other = {**own, "parade_url": "https://example.org/woanders"}
    info, problems = parse_metadata(other, slug, "2026/a/")
    assert info.url == "" and [p.key for p in problems] == ["Parade_url"]


@pytest.mark.parametrize(
    ("metadata", "key", "words"),
    [
        ({"parade_deadline": "15.12.2026"}, "Parade_deadline", "'15.12.2026'"),
        ({"parade_deadline": "2026-02-30"}, "Parade_deadline", "not a date"),
        ({"parade_url": "example.org/aufruf"}, "Parade_url", "not an http(s)"),
        ({"parade_url": "javascript:alert(1)"}, "Parade_url", "not an http(s)"),
        ({"parade_summary": "ftp://example.org/z"}, "Parade_summary", "http(s)"),
        ({"parade_role": "teilnehmer"}, "Parade_role", "using guest"),
        ({"parade_hashtag": "zwei Wörter"}, "Parade_hashtag", "one word"),
        ({"parade_slug": "„“"}, "Parade_slug", "using the title"),
    ],
)
def test_one_bad_value_is_one_problem_and_left_out(metadata, key, words):
    info, problems = parse_metadata({"parade": "Gute Parade", **metadata}, slug)
    assert [problem.key for problem in problems] == [key]
    assert words in problems[0].message
    assert info.slug == "gute-parade"  # the article still joins
    assert info.role == GUEST and not info.url and not info.summary_url


def test_keys_without_a_parade_are_each_one_problem():
    info, problems = parse_metadata(
        {"parade_host": "Beispiel Bank", "parade_role": "host", "title": "x"}, slug
    )
    assert info is None
    assert [problem.key for problem in problems] == ["Parade_host", "Parade_role"]
    assert "Parade is not" in problems[0].message


def test_a_title_without_letters_joins_nothing():
    info, problems = parse_metadata({"parade": "„…“ – !"}, slug)
    assert info is None and [problem.key for problem in problems] == ["Parade"]
    assert "Parade_slug" in problems[0].message


def test_no_parade_metadata_is_no_problem():
    assert parse_metadata({"title": "Ein Artikel"}, slug) == (None, [])


# Grouping


def contribution(path, day, **metadata):
    info, problems = parse_metadata(metadata, slug, f"2026/{path}/")
    assert problems == []
    return Contribution(
        info=info,
        title=f"Artikel {path}",
        url=f"2026/{path}/",
        author="Anna Schmidt",
        date=datetime.date(2026, 11, day),
        date_text=f"{day}.11.2026",
        summary="<p>Kurz.</p>",
        source_path=f"articles/{path}.md",
    )


def test_articles_with_one_slug_form_one_parade_oldest_first():
    newer = contribution("b", 20, parade="P", parade_deadline="2026-12-15")
    older = contribution("a", 10, parade="P", parade_host="Beispiel Bank")
    other = contribution("c", 5, parade="Andere")
    parades, conflicts = group([newer, older, other])
    assert conflicts == []
    assert [parade.slug for parade in parades] == ["andere", "p"]
    merged = parades[1]
    assert [c.source_path for c in merged.contributions] == [
        "articles/a.md",
        "articles/b.md",
    ]
    # The later article fills what the first one left open.
    assert (merged.host, merged.deadline) == (
        "Beispiel Bank",
        datetime.date(2026, 12, 15),
    )


def test_a_contradiction_names_both_files_and_the_first_wins():
    first = contribution("a", 1, parade="P", parade_deadline="2026-12-15")
    second = contribution("b", 2, parade="P", parade_deadline="2026-12-20")
    [parade], [conflict] = group([second, first])
    assert parade.deadline == datetime.date(2026, 12, 15)
    assert (conflict.key, conflict.first_path, conflict.other_path) == (
        "Parade_deadline",
        "articles/a.md",
        "articles/b.md",
    )


def test_the_call_leads_a_parade_we_host():
    guest = contribution(
        "a", 1, parade="P", parade_host="Jemand", parade_url="https://x.example/"
    )
    call = contribution("b", 2, parade="P", parade_role="host", parade_host="Wir")
    [parade], [conflict] = group([guest, call])
    assert parade.role == HOST and parade.call is call
    assert (parade.host, parade.url) == ("Wir", "")
    assert conflict.key == "Parade_host"  # the guest's url is no conflict
    assert conflict.first_path == "articles/b.md"


def test_two_calls_for_one_parade_are_a_conflict():
    first = contribution("a", 1, parade="P", parade_role="host")
    second = contribution("b", 2, parade="P", parade_role="host")
    [parade], [conflict] = group([first, second])
    assert parade.call is first and conflict.key == "Parade_role"


# Status and order


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (datetime.datetime(2026, 12, 13, 23, 30, tzinfo=BERLIN), Status(OPEN, 2)),
        (datetime.datetime(2026, 12, 14, 0, 0, tzinfo=BERLIN), Status(OPEN, 1)),
        (datetime.datetime(2026, 12, 15, 0, 0, tzinfo=BERLIN), Status(OPEN, 0)),
        (datetime.datetime(2026, 12, 15, 23, 59, 59, tzinfo=BERLIN), Status(OPEN, 0)),
        (datetime.datetime(2026, 12, 16, 0, 0, tzinfo=BERLIN), Status(CLOSED)),
        # 23:30 UTC on the 15th is already the 16th in Berlin.
        (datetime.datetime(2026, 12, 15, 23, 30, tzinfo=datetime.UTC), Status(CLOSED)),
    ],
)
def test_the_deadline_day_is_open_until_it_ends_in_the_parade_timezone(moment, status):
    assert deadline_status(moment, datetime.date(2026, 12, 15), BERLIN) == status


def test_without_a_deadline_a_parade_stays_open():
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    assert deadline_status(now, None, BERLIN) == Status(OPEN, None)


def test_overview_order_open_first_then_latest_deadline():
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    items = [
        contribution("a", 1, parade="Alt", parade_deadline="2026-06-01"),
        contribution("b", 1, parade="Bald", parade_deadline="2026-12-05"),
        contribution("c", 1, parade="Offen ohne Frist"),
        contribution("d", 1, parade="Spaet", parade_deadline="2027-01-31"),
        contribution("e", 1, parade="Neulich", parade_deadline="2026-11-30"),
    ]
    parades, _ = group(items)
    ordered = sorted(
        parades,
        key=lambda p: index_key(p, deadline_status(now, p.deadline, BERLIN)),
    )
    assert [p.slug for p in ordered] == [
        "spaet",
        "bald",
        "offen-ohne-frist",
        "neulich",
        "alt",
    ]


def test_parade_record_has_exactly_the_documented_keys():
    call = contribution("a", 2, parade="P", parade_role="host", parade_host="Wir")
    [parade], _ = group([call])
    participant = Participant("Eva", "https://blog.example.net/a", COMMENT)
    record = parade_record(
        parade, Status(OPEN, 3), [participant], "https://blog.beispiel.example"
    )
    assert record == {
        "title": "P",
        "slug": "p",
        "host": "Wir",
        "url": "https://blog.beispiel.example/2026/a/",
        "deadline": None,
        "status": "open",
        "role": "host",
        "contributions": [
            {
                "title": "Artikel a",
                "url": "https://blog.beispiel.example/2026/a/",
                "author": "Anna Schmidt",
                "date": "2026-11-02",
            }
        ],
        "participants": [
            {"name": "Eva", "url": "https://blog.example.net/a", "source": "comment"}
        ],
    }


# Participants

THREAD = "/2026/aufruf/"
CREATED = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=datetime.UTC)


def comment(number, author="Eva", state=PUBLISHED, thread=THREAD, staff=None):
    return Comment(
        id=number,
        thread_uri=thread,
        thread_title="Aufruf",
        parent=None,
        created=CREATED + datetime.timedelta(minutes=number),
        modified=None,
        state=state,
        author=author,
        website="https://homepage.example.com/",
        text="(rendered below)",
        likes=0,
        staff_name=staff,
    )


def test_links_in_finds_links_and_bare_addresses_once_each():
    html = (
        '<p>Mein Beitrag: <a href="https://a.example/x" rel="nofollow noopener">'
        "https://a.example/x</a>, und auch https://b.example/y. Siehe "
        "(https://de.wikipedia.org/wiki/Blog_(Begriff)) und "
        "„https://c.example/z“!</p><pre><code>https://d.example/</code></pre>"
    )
    assert links_in(html) == [
        "https://a.example/x",
        "https://b.example/y",
        "https://de.wikipedia.org/wiki/Blog_(Begriff)",
        "https://c.example/z",
        "https://d.example/",
    ]


def test_only_published_reader_comments_on_the_call_count():
    link = '<p><a href="https://{0}.example/">x</a></p>'
    entries = [
        (comment(1, "Eva"), link.format("eva")),
        (comment(2, "Ole", state=PENDING), link.format("pending")),
        (comment(3, "", state=WITHDRAWN), link.format("withdrawn")),
        (comment(4, "", state=REMOVED), link.format("removed")),
        (comment(5, "Anna", staff="Anna Schmidt"), link.format("staff")),
        (comment(6, "Ute", thread="/2026/anderes/"), link.format("other")),
        (comment(7, "Kai"), link.format("www.beispiel")),
        (comment(8, "Kai"), '<p><a href="/2026/eigen/">x</a></p>'),
        (comment(9, "Kai"), '<p><a href="#harmful-link">x</a></p>'),
        (comment(10, "Eva zwei"), link.format("EVA") + "https://eva.example/#c"),
        (comment(11, " "), link.format("anonym")),
    ]
    participants = from_comments(entries, THREAD, ["beispiel.example"])
    assert participants == [
        Participant("Eva", "https://eva.example/", COMMENT),
        Participant("anonym.example", "https://anonym.example/", COMMENT),
    ]


def test_manual_entries_parse_and_comments_win_duplicates():
    text = """
    - name: Per Post
      url: https://Post.example.net/blogparade/?utm_campaign=x
    - name: Eva nochmal
      url: https://eva.example/
    """
    participants, problems = parse_manual(text)
    assert problems == []
    assert participants == [
        Participant("Per Post", "https://post.example.net/blogparade", MANUAL),
        Participant("Eva nochmal", "https://eva.example/", MANUAL),
    ]
    from_comment = [Participant("Eva", "https://eva.example/", COMMENT)]
    assert [p.name for p in unique(from_comment, participants)] == ["Eva", "Per Post"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- name: [offen\n", [("YAML", "does not parse (line 2: ")]),
        ("name: Eva\nurl: https://eva.example/\n", [("YAML", "is a dict, not a list")]),
        ("- Eva\n", [("entry 1", "is not a mapping")]),
        ("- url: https://eva.example/\n", [("entry 1: name", "is missing")]),
        ("- name: Eva\n  url: eva.example\n", [("entry 1: url", "'eva.example'")]),
        (
            "- name: Eva\n  url: https://eva.example/\n  titel: x\n",
            [("entry 1: titel", "unknown key")],
        ),
    ],
)
def test_manual_file_problems_name_the_key(text, expected):
    _, problems = parse_manual(text)
    assert [
        (p.key, p.message[: len(words)])
        for p, (_, words) in zip(problems, expected, strict=True)
    ] == expected


def test_an_empty_manual_file_is_no_entries():
    assert parse_manual("# noch niemand\n") == ([], [])


# iCalendar


def test_text_values_are_escaped_and_lines_folded_at_75_octets():
    text = deadline_calendar(
        uid="p-deadline@blog.beispiel.example",
        stamp=datetime.datetime(2026, 12, 1, 8, 30, tzinfo=datetime.UTC),
        deadline=datetime.date(2026, 12, 31),
        summary="Ä" * 60 + "; a,b\\c",
        description="Zeile eins\nZeile zwei",
    )
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert "DESCRIPTION:Zeile eins\\nZeile zwei" in lines
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Ä" * 60 + "; a,b\\c"
    assert str(event["DESCRIPTION"]) == "Zeile eins\nZeile zwei"
    assert "URL" not in event


def test_deadline_calendar_is_one_all_day_event_with_crlf():
    text = deadline_calendar(
        uid="p-deadline@blog.beispiel.example",
        stamp=datetime.datetime(2026, 12, 1, 8, 30, tzinfo=datetime.UTC),
        deadline=datetime.date(2026, 12, 31),
        summary="Einsendeschluss: „P“",
        description="Bis einschließlich 31.12.2026, 24 Uhr",
        url="https://blog.beispiel.example/2026/a/",
        product="Beispiel GmbH – Blog",
    )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert text.split("\r\n")[:-1] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Beispiel GmbH – Blog//blog_parade//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        "UID:p-deadline@blog.beispiel.example",
        "DTSTAMP:20261201T083000Z",
        "DTSTART;VALUE=DATE:20261231",
        "DTEND;VALUE=DATE:20270101",
        "SUMMARY:Einsendeschluss: „P“",
        "DESCRIPTION:Bis einschließlich 31.12.2026\\, 24 Uhr",
        "URL:https://blog.beispiel.example/2026/a/",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime.date(2026, 12, 31)
    assert event.decoded("DTEND") == datetime.date(2027, 1, 1)
    assert str(event["DESCRIPTION"]) == "Bis einschließlich 31.12.2026, 24 Uhr"


def test_beautifulsoup_is_imported_only_to_parse_a_comment():
    output = run_alone(
        """
        import sys
        sys.path.insert(0, "plugins")
        import blog_parade.blog_parade
        from blog_parade.participants import links_in
        print("before", "bs4" in sys.modules)
        links_in('<a href="https://a.example/">a</a>')
        print("after", "bs4" in sys.modules)
        """
    )
    assert output.split() == ["before", "False", "after", "True"]
