"""The transparency page as built: figures, JSON, languages, reproducibility."""

import datetime
import filecmp
import json

import pytest
from bs4 import BeautifulSoup

from comments.server.app import build_server
from comments.staff.removal import remove_comment
from tests.support import (
    PROMISED_HOURS,
    build_site,
    set_created,
    write_files,
    write_isso_config,
)

ARTICLE = "/2026/ein-artikel/"
T0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC).timestamp()
HOUR = 3600
AS_OF = int(T0 + 3 * 24 * HOUR)
HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[klick](javascript:alert(3)) Ende"
)
CONTENT = {
    "articles/a.md": """
        Title: Ein Artikel
        Date: 2026-10-01 09:00
        Category: Technik
        Slug: ein-artikel
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """,
    "articles/b.md": """
        Title: Ohne Kommentare
        Date: 2026-10-02 09:00
        Category: Technik
        Slug: ohne-kommentare
        Authors: Anna Schmidt
        Summary: Kurz.

        Text.
    """,
}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A real server's database: answered, open (hostile text) and removed comments."""
    from comments.config import load_config
    from comments.server.app import create_app
    from comments.server.serve import running_in_thread
    from comments.staff.accounts import add_account
    from tests.support import CommentClient, write_isso_config

    base = tmp_path_factory.mktemp("answered-db")
    # fixed dates: the promised calendar (working days in Berlin)
    config = write_isso_config(base, guard={"enabled": "false"}, blog=PROMISED_HOURS)
    add_account(base / "staff.cfg", "anna", "Anna Schmidt", "ein-langes-passwort")
    conf, _ = load_config(config, environ={})
    with running_in_thread(create_app(conf, environ={})) as url:
        client = CommentClient(url)
        first = client.post(ARTICLE, "Wann kommt das Update?", author="Eva").body["id"]
        cookie = client.staff_login("anna", "ein-langes-passwort")
        answer = client.post(
            ARTICLE, "Nächste Woche.", parent=first, headers={"Cookie": cookie}
        ).body["id"]
        hostile = client.post(ARTICLE, HOSTILE, author="<b>Mallory</b>").body["id"]
        spam = client.post(ARTICLE, "Kaufen!", author="Spam").body["id"]
    set_created(conf.get("general", "dbpath"), first, T0)
    set_created(conf.get("general", "dbpath"), answer, T0 + 2 * HOUR)
    set_created(conf.get("general", "dbpath"), hostile, T0 + 24 * HOUR)
    remove_comment(build_server(conf), spam, "spam", note="Werbung")
    return conf.get("general", "dbpath"), hostile


def build(tmp_path, database, monkeypatch, name="out", **settings):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(AS_OF))
    write_files(tmp_path / "content", CONTENT)
    return build_site(
        tmp_path / "content",
        tmp_path / name,
        COMMENTS_DATABASE=database[0],
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        **settings,
    )


def text_of(page, selector):
    """The text of the first element matching ``selector``, spaces joined."""
    return " ".join(page.select_one(selector).get_text().split())


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


WAITING = {
    "due": 2,
    "due_answered_within_target": 1,
    "km_median_response_seconds": 2 * HOUR,
    "km_p90_response_seconds": None,
    "counted_km_median_response_seconds": 0,
    "counted_km_p90_response_seconds": None,
    "longest_observed_seconds": 2 * 24 * HOUR,
}


def test_json_has_every_key_with_the_right_types_and_values(
    tmp_path, database, monkeypatch
):
    output = build(tmp_path, database, monkeypatch)
    document = json.loads(
        (output / "answered/answered.json").read_text(encoding="utf-8")
    )
    assert document == {
        "as_of": "2026-11-04T09:00:00Z",
        "target_hours": 24,
        "reader_comments": 2,
        "answered": 1,
        "open": 1,
        "no_answer_needed": 0,
        "answered_within_target": 1,
        "median_response_seconds": 2 * HOUR,
        "p90_response_seconds": 2 * HOUR,
        "awaiting_moderation": 0,
        "withdrawn": 0,
        "removed": {"spam": 1},
        # Sunday 09:00 UTC answered after 2 h; Monday 09:00 UTC open, as of
        # Wednesday: both due (48 counted hours), one within target; the open
        # one is censored at 48 h, so half still wait at 2 h (0 counted: Sunday).
        **WAITING,
        "target_calendar": {
            "days": "Mo Di Mi Do Fr",
            "every_hour": False,
            "holidays": "DE",
            "hours_of_day": None,
            "timezone": "Europe/Berlin",
        },
        "months": [
            *(
                {
                    "month": month,
                    "reader_comments": 0,
                    "answered": 0,
                    "open": 0,
                    "median_response_seconds": None,
                    "due": 0,
                    "due_answered_within_target": 0,
                }
                for month in [f"2025-{m:02d}" for m in (12,)]
                + [f"2026-{m:02d}" for m in range(1, 11)]
            ),
            {
                "month": "2026-11",
                "reader_comments": 2,
                "answered": 1,
                "open": 1,
                "median_response_seconds": 2 * HOUR,
                "due": 2,
                "due_answered_within_target": 1,
            },
        ],
        "articles": [
            {
                "url": ARTICLE,
                "title": "Ein Artikel",
                "reader_comments": 2,
                "answered": 1,
                "open": 1,
                "no_answer_needed": 0,
                "median_response_seconds": 2 * HOUR,
                **WAITING,
            }
        ],
        "open_comments": [
            {
                "id": database[1],
                "article_url": ARTICLE,
                "created": "2026-11-02T09:00:00Z",
                "age_seconds": 2 * 24 * HOUR,
                "awaiting_moderation": False,
            }
        ],
        "data": {"source": "database", "snapshot_of": None},
        "list_pages": {"open_comments": [], "articles": []},
        "staff": [
            {
                "name": "Anna Schmidt",
                "answers": 1,
                "median_response_seconds": 2 * HOUR,
                "answered_within_target": 1,
            }
        ],
    }
    text = json.dumps(document)
    assert "Mallory" not in text and "alert" not in text  # no comment text or names


def test_page_states_the_claim_truthfully(tmp_path, database, monkeypatch):
    page = soup(build(tmp_path, database, monkeypatch) / "answered/index.html")
    headline = " ".join(page.select_one(".answered__headline").get_text().split())
    assert headline == "1 von 2 beantwortet · 1 offen · der älteste wartet seit 2 Tagen"
    assert page.select_one("[data-figure=median]").get_text() == "2 Std."
    assert page.select_one("[data-figure=within_target]").get_text() == "100 % (1/1)"
    assert text_of(page, "[data-figure=due_within_target]") == (
        "1 von 2 fälligen Kommentaren innerhalb von 24 Std. beantwortet (50 %)"
    )
    assert text_of(page, "[data-figure=km_median]") == (
        "2 Std. (gezählt wie versprochen: unter 1 Min.)"
    )
    assert text_of(page, "[data-figure=km_p90]") == (
        "mehr als ein Zehntel wartet nach 2 Tagen noch auf eine Antwort"
    )
    assert "Mo Di Mi Do Fr" in text_of(page, ".answered__calendar")
    assert page.select_one("[data-figure=removed]").get_text() == "1"
    [removal] = page.select(".answered__removals tbody tr")
    assert [cell.get_text(strip=True) for cell in removal.select("td")][1:] == [
        "Ein Artikel",
        "Spam",
        "Werbung",
    ]
    assert page.select_one("time")["datetime"] == "2026-11-04T09:00:00Z"
    assert page.select_one("svg[role=img] title").get_text()
    assert len(page.select(".answered__chart-table tbody tr")) == 12


def test_open_comment_links_to_itself_and_its_excerpt_is_inert(
    tmp_path, database, monkeypatch
):
    page = soup(build(tmp_path, database, monkeypatch) / "answered/index.html")
    [item] = page.select(".answered__open > li")
    assert item.select_one(f"a[href$='#isso-{database[1]}']")["href"] == (
        f"{ARTICLE}#isso-{database[1]}"
    )
    assert "wartet seit 2 Tagen" in item.get_text()
    assert "<b>Mallory</b>" in item.get_text()  # shown as text, not markup
    assert item.select_one(".answered__open-meta bdi").get_text() == "<b>Mallory</b>"
    assert item.find("b") is None
    main = page.select_one("main")
    assert main.find("script") is None and main.find("img") is None
    assert not [a for a in page.find_all("a") if a["href"].startswith("javascript:")]
    assert "klick" in item.select_one(".answered__excerpt").get_text()


def test_article_shows_its_line_linking_to_the_page(tmp_path, database, monkeypatch):
    output = build(tmp_path, database, monkeypatch)
    line = soup(output / "2026/ein-artikel/index.html").select_one(".answered-line a")
    assert " ".join(line.get_text().split()) == (
        "2 Kommentare · 1 offen · Antwort im Median nach 2 Std."
    )
    assert line["href"] == "/answered/"
    assert (
        soup(output / "2026/ohne-kommentare/index.html").select_one(".answered-line")
        is None
    )
    assert soup(output / "index.html").select_one("footer a[href='/answered/']")


def test_english_page_follows_default_lang(tmp_path, database, monkeypatch):
    page = soup(
        build(tmp_path, database, monkeypatch, DEFAULT_LANG="en")
        / "answered/index.html"
    )
    assert page.html["lang"] == "en"
    assert page.select_one("h1").get_text() == "We answer every comment"
    headline = " ".join(page.select_one(".answered__headline").get_text().split())
    assert headline == "1 of 2 answered · 1 open · the oldest has waited 2 days"


def test_two_builds_with_source_date_epoch_are_byte_identical(
    tmp_path, database, monkeypatch
):
    first = build(tmp_path, database, monkeypatch, name="first")
    second = build(tmp_path, database, monkeypatch, name="second")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(second) for p in second.rglob("*") if p.is_file()
    )
    _, mismatch, errors = filecmp.cmpfiles(
        first, second, [str(f) for f in files], shallow=False
    )
    assert mismatch == [] and errors == []


def test_all_answered_headline_and_empty_site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(AS_OF))
    write_files(tmp_path / "content", CONTENT)
    output = build_site(tmp_path / "content", tmp_path / "out")
    page = soup(output / "answered/index.html")
    assert page.select_one(".answered__headline").get_text(strip=True) == (
        "Noch keine Kommentare – schreiben Sie den ersten."
    )
    assert page.select_one(".answered__notice")  # says the data was unavailable
    for figure in ("km_median", "km_p90"):  # nothing waits: no "wartet nach –"
        shown = page.select_one(f'[data-figure="{figure}"]').get_text(strip=True)
        assert shown == "noch keine Antwort"
    document = json.loads((output / "answered/answered.json").read_text())
    assert document["median_response_seconds"] is None
    assert document["p90_response_seconds"] is None
    assert document["open_comments"] == [] and document["articles"] == []


def test_bad_target_setting_stops_the_build_naming_it(tmp_path, monkeypatch):
    from answered.answered import AnsweredSettingError

    write_files(tmp_path / "content", CONTENT)
    with pytest.raises(AnsweredSettingError, match="ANSWERED_TARGET_HOURS='24'"):
        build_site(tmp_path / "content", tmp_path / "out", ANSWERED_TARGET_HOURS="24")


def test_page_says_when_its_figures_come_from_a_snapshot(
    tmp_path, database, monkeypatch
):
    build(tmp_path, database, monkeypatch, name="fresh")
    away = (str(tmp_path / "verschwunden.db"), database[1])
    output = build(tmp_path, away, monkeypatch, name="stale")
    document = json.loads((output / "answered/answered.json").read_text())
    assert document["data"]["source"] == "snapshot"
    assert document["data"]["snapshot_of"].endswith("Z")
    assert document["reader_comments"] == 2  # the snapshot's figures
    notice = soup(output / "answered/index.html").select_one(".answered__notice")
    assert "nicht erreichbar" in notice.get_text()


def test_who_answered_shows_names_answers_and_median(tmp_path, database, monkeypatch):
    page = soup(build(tmp_path, database, monkeypatch) / "answered/index.html")
    section = page.select_one("#staff-heading").find_parent("section")
    rows = [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in section.select("tbody tr")
    ]
    assert rows == [["Anna Schmidt", "1", "1", "2 Std."]]  # answers, within target
    assert section.select_one("tbody th bdi").get_text() == "Anna Schmidt"
    definitions = page.select_one(".answered__definitions").get_text()
    assert "zählt als eine Antwort der Person, die die erste Antwort" in definitions


def test_who_answered_disappears_when_switched_off(tmp_path, database, monkeypatch):
    output = build(tmp_path, database, monkeypatch, ANSWERED_SHOW_STAFF=False)
    page = soup(output / "answered/index.html")
    assert page.select_one("#staff-heading") is None
    assert "Anna Schmidt" not in page.select_one("main").get_text()
    assert "erste Antwort darauf" not in page.get_text()
    document = json.loads((output / "answered/answered.json").read_text())
    assert "staff" not in document


def test_show_staff_must_be_a_boolean(tmp_path, monkeypatch):
    from answered.answered import AnsweredSettingError

    write_files(tmp_path / "content", CONTENT)
    with pytest.raises(AnsweredSettingError, match="ANSWERED_SHOW_STAFF='nein'"):
        build_site(tmp_path / "content", tmp_path / "out", ANSWERED_SHOW_STAFF="nein")


def test_the_page_promises_what_the_comment_server_holds_staff_to(
    tmp_path, monkeypatch, caplog
):
    config = write_isso_config(tmp_path, blog={"answer-target-hours": "48"})
    monkeypatch.setenv("ISSO_SETTINGS", str(config))
    write_files(
        tmp_path / "content", {"articles/a.md": "Title: A\nDate: 2026-01-01\n\nText.\n"}
    )
    output = build_site(tmp_path / "content", tmp_path / "out")
    document = json.loads((output / "answered/answered.json").read_text("utf-8"))
    assert document["target_hours"] == 48
    assert "promises other hours" not in caplog.text

    build_site(tmp_path / "content", tmp_path / "out2", ANSWERED_TARGET_HOURS=24)
    assert (
        "ANSWERED_TARGET_HOURS = 24, but the comment server's [blog] "
        "answer-target-hours = 48: the page promises other hours" in caplog.text
    )


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), 0, -1, "24", True])
def test_a_promise_that_is_no_positive_number_is_refused(hours):
    from answered.answered import AnsweredSettingError, check_settings

    with pytest.raises(AnsweredSettingError, match="must be a positive number"):
        check_settings({"ANSWERED_TARGET_HOURS": hours})


DRAFT = """
    Title: Noch geheim
    Date: 2026-10-03 09:00
    Category: Technik
    Slug: noch-geheim
    Status: draft

    Entwurf.
"""


def test_threads_without_a_published_page_count_but_show_no_address_or_title(
    tmp_path, monkeypatch, comment_server
):
    client = comment_server.client
    assert client.post(ARTICLE, "Echte Frage").status == 201
    # Isso takes any address when the poster sends a title; a draft's address
    # can be guessed from its slug.
    for uri, title in (
        ("/gibt-es-nicht/", "Kauft hier ein"),
        ("/entwuerfe/noch-geheim/", "Noch geheim"),
    ):
        assert client.post(uri, "Hallo?", title=title).status == 201
    write_files(tmp_path / "content", {**CONTENT, "articles/draft.md": DRAFT})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(AS_OF))
    output = build_site(
        tmp_path / "content",
        tmp_path / "out",
        COMMENTS_DATABASE=comment_server.database,
    )
    page = (output / "answered/index.html").read_text(encoding="utf-8")
    document = json.loads((output / "answered/answered.json").read_text("utf-8"))
    for hidden in ("gibt-es-nicht", "Kauft hier ein", "entwuerfe", "Noch geheim"):
        assert hidden not in page and hidden not in json.dumps(document)
    assert document["reader_comments"] == 3 and document["open"] == 3
    assert [(row["url"], row["reader_comments"]) for row in document["articles"]] == [
        ("/2026/ein-artikel/", 1),
        (None, 2),
    ]
    assert sorted(item["article_url"] or "" for item in document["open_comments"]) == [
        "",
        "",
        "/2026/ein-artikel/",
    ]
    assert "Adressen ohne veröffentlichte Seite" in page
    draft = (output / "entwuerfe/noch-geheim/index.html").read_text(encoding="utf-8")
    assert "data-isso" not in draft  # no comment form on a draft


@pytest.fixture
def jumping_clocks(tmp_path):
    """A database written while the server's clock jumped: an answer dated an
    hour before its question, and a question dated after the page's "as of"."""
    from comments.config import load_config
    from comments.server.app import create_app
    from comments.server.serve import running_in_thread
    from comments.staff.accounts import add_account
    from tests.support import CommentClient

    base = tmp_path / "clock-db"
    base.mkdir()
    # fixed dates: the promised calendar (working days in Berlin)
    config = write_isso_config(base, guard={"enabled": "false"}, blog=PROMISED_HOURS)
    add_account(base / "staff.cfg", "anna", "Anna Schmidt", "ein-langes-passwort")
    conf, _ = load_config(config, environ={})
    with running_in_thread(create_app(conf, environ={})) as url:
        client = CommentClient(url)
        question = client.post(ARTICLE, "Geht die Uhr?", author="Eva").body["id"]
        cookie = client.staff_login("anna", "ein-langes-passwort")
        answer = client.post(
            ARTICLE, "Jetzt wieder.", parent=question, headers={"Cookie": cookie}
        ).body["id"]
        ahead = client.post(ARTICLE, "Aus der Zukunft", author="Zeno").body["id"]
    database = conf.get("general", "dbpath")
    set_created(database, question, T0 + HOUR)
    set_created(database, answer, T0)  # the clock was set back an hour
    set_created(database, ahead, AS_OF + 40 * 24 * HOUR)  # a clock far ahead
    return database, None


def test_clock_jumps_leave_no_comment_open_for_ever_and_months_add_up(
    tmp_path, jumping_clocks, monkeypatch
):
    output = build(tmp_path, jumping_clocks, monkeypatch)
    document = json.loads((output / "answered/answered.json").read_text())
    assert (document["reader_comments"], document["answered"]) == (2, 1)
    assert document["median_response_seconds"] == 0
    page = soup(output / "answered/index.html")
    monthly = [
        int(row.select("td")[0].get_text())
        for row in page.select(".answered__chart-table tbody tr")
    ]
    assert sum(monthly) == 2 and monthly[-1] == 2  # November 2026, "as of"
    definitions = page.select_one(".answered__definitions").get_text()
    assert "nicht die Uhrzeit" in definitions
    assert "zählt er im Monat des Stands" in definitions


def test_long_lists_go_on_follow_up_pages_linked_from_the_first(
    tmp_path, database, monkeypatch
):
    output = build(
        tmp_path,
        database,
        monkeypatch,
        ANSWERED_OPEN_FIRST_PAGE=1,
        ANSWERED_ARTICLES_FIRST_PAGE=1,
        ANSWERED_LIST_PAGE_SIZE=1,
    )
    page = soup(output / "answered/index.html")
    # one open comment, one article: all on the first page, no follow-up page
    assert len(page.select(".answered__open > li")) == 1
    assert not page.select(".answered__more")
    assert not (output / "answered/offen/2/index.html").exists()


def test_list_pages_number_every_item_once():
    from answered.page import ListPage, list_pages

    pages = list_pages(2_350, 100, 1_000, "o/{number}/", "o/{number}/index.html")
    assert pages == [
        ListPage(2, 101, 1_100, "o/2/", "o/2/index.html"),
        ListPage(3, 1_101, 2_100, "o/3/", "o/3/index.html"),
        ListPage(4, 2_101, 2_350, "o/4/", "o/4/index.html"),
    ]
    assert list_pages(100, 100, 1_000, "{number}", "{number}") == []


def test_each_follow_up_page_gets_its_items_and_neighbours():
    from answered.page import list_page_values, list_pages

    opened = list(range(1, 2_351))
    values = {
        "open_comments": opened,
        "open_pages": list_pages(2_350, 100, 1_000, "o/{number}/", "o/{number}/i"),
        "as_of": None,
    }
    shown = [values for _, values in list_page_values(values, "open")]
    assert [len(page["entries"]) for page in shown] == [1_000, 1_000, 250]
    assert shown[0]["entries"][0] == 101 and shown[-1]["entries"][-1] == 2_350
    assert shown[0]["previous"] is None and shown[0]["next"].number == 3
    assert shown[-1]["previous"].number == 3 and shown[-1]["next"] is None


def test_every_open_comment_is_listed_once_on_the_first_or_a_follow_up_page(
    tmp_path, monkeypatch
):
    from benchmarks.synthetic import fill_comments, write_articles, write_comment_config

    threads = write_articles(tmp_path / "content", 3)
    database = fill_comments(write_comment_config(tmp_path), threads, 60)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(AS_OF))
    output = build_site(
        tmp_path / "content",
        tmp_path / "out",
        COMMENTS_DATABASE=str(database),
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        ANSWERED_OPEN_FIRST_PAGE=2,
        ANSWERED_ARTICLES_FIRST_PAGE=1,
        ANSWERED_LIST_PAGE_SIZE=3,
    )
    document = json.loads((output / "answered/answered.json").read_text("utf-8"))
    first = soup(output / "answered/index.html")
    listed = [li["id"] for li in first.select(".answered__open > li")]
    assert len(listed) == 2
    links = [a["href"] for a in first.select(".answered__more a")]
    for link in links:
        page = soup(output / link.lstrip("/") / "index.html")
        listed += [li["id"] for li in page.select(".answered__open > li")]
    expected = [f"offen-{item['id']}" for item in document["open_comments"]]
    assert len(expected) > 5 and listed == expected  # oldest first, each once
    article_pages = [link for link in links if "/beitraege/" in link]
    assert len(article_pages) == 1  # 3 articles: 1 first, 2 on page 2
    assert document["list_pages"]["articles"] == ["answered/beitraege/2/"]

    # Fewer open comments later: the pages no longer needed go.
    stale = output / "answered/offen/2/index.html"
    assert stale.exists()
    build_site(
        tmp_path / "content",
        output,
        COMMENTS_DATABASE=str(database),
        COMMENTS_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        ANSWERED_OPEN_FIRST_PAGE=1_000,
        ANSWERED_ARTICLES_FIRST_PAGE=1,
        ANSWERED_LIST_PAGE_SIZE=3,
        DELETE_OUTPUT_DIRECTORY=False,  # as `invoke refresh` writes into it
    )
    assert (output / "answered/beitraege/2/index.html").exists()
    assert not stale.exists() and not stale.parent.exists()
