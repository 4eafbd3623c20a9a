"""Pages built from comments made in Chromium: the transparency page counts only
verified staff answers, the hosted parade lists a reader who left a link.

Every browser here comes from 127.0.0.1, so Isso's guard would refuse staff's
reply as a reply to one's own comment (``reply-to-self``): the comment server
runs without its guard (``unguarded_blog``).
"""

import time

import pytest

from tests.e2e.conftest import STAFF_ACCOUNT
from tests.support import set_created

pytestmark = pytest.mark.browser

ARTICLE = "/2026/hinter-den-kulissen-so-messen-wir-unsere-antwortzeit/"
CALL = "/2026/blogparade-wie-offen-darf-ein-firmenblog-sein/"
PARADE = "/blogparade/offenes-firmenblog/"
HOUR = 3600


def working_tuesday_morning(now):
    """Return 09:00 in Berlin (08:00 UTC) of a Tuesday at least a week before
    ``now`` whose Tuesday to Thursday are German working days: the 48 hours
    after it all count towards the answer target ("24 hours on working
    days"), whatever day the test runs on."""
    import datetime

    import holidays

    day = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
    day -= datetime.timedelta(days=7 + (day.weekday() - 1) % 7)
    german = holidays.country_holidays("DE")
    while any(day + datetime.timedelta(days=n) in german for n in range(3)):
        day -= datetime.timedelta(days=7)
    morning = datetime.datetime.combine(day, datetime.time(8), datetime.UTC)
    return int(morning.timestamp())


STAFF_EMAIL = "anna.schmidt@firma.example"


def write_comment(page, text, name, email=""):
    """Fill in Isso's form at the end of the thread, send it, wait for the comment."""
    postbox = page.locator("#isso-thread > .isso-postbox")
    postbox.get_by_role("textbox", name="Ihr Kommentar").fill(text)
    postbox.get_by_role("textbox", name="Name").fill(name)
    postbox.get_by_role("textbox", name="E-Mail").fill(email)
    postbox.locator("input[type=submit]").click()
    return comment_with(page, text)


def reply_to(comment, text, name, email=""):
    """Answer ``comment`` with the reply form Isso opens inside it (``name``
    None: as the logged-in staff member, whose form has no name fields)."""
    comment.locator(".isso-reply").first.click()
    postbox = comment.locator(".isso-postbox")
    postbox.get_by_role("textbox", name="Ihr Kommentar").fill(text)
    if name is None:
        postbox.locator(".staff-form-note").wait_for()
    else:
        postbox.get_by_role("textbox", name="Name").fill(name)
        postbox.get_by_role("textbox", name="E-Mail").fill(email)
    postbox.locator("input[type=submit]").click()
    return comment_with(comment.page, text)


def comment_with(page, text):
    """Wait for the comment showing ``text``; return its element."""
    comment = page.locator(
        ".isso-comment", has=page.locator(".isso-text", has_text=text)
    )
    comment.last.wait_for()
    return comment.last


def comment_id(comment):
    return int(comment.get_attribute("id").removeprefix("isso-"))


def log_in_as_staff(page, comments_url):
    account, display_name, password = STAFF_ACCOUNT
    page.goto(f"{comments_url}/staff/login")
    page.get_by_label("Konto").fill(account)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_text(f"Angemeldet als {display_name}").wait_for()


def backdate(database, created):
    """Set comments' creation times ({id: Unix time}): a test cannot wait hours.

    Staff comments are recorded by (id, created), so their record moves along.
    """
    for comment, seconds in created.items():
        set_created(database, comment, seconds)


@pytest.fixture(scope="module")
def blog(unguarded_blog):
    """The live blog without Isso's guard (see above), for this module."""
    return unguarded_blog


def cells(row):
    return [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]


def test_transparency_page_counts_the_staff_answer_not_the_impostor(
    blog, new_page, monkeypatch
):
    _, display_name, _ = STAFF_ACCOUNT
    reader = new_page()
    reader.goto(blog.site_url + ARTICLE)
    question = write_comment(
        reader,
        "Wie „schnell“ ist schnell? Grüße, Jörg",
        "Jörg Müller",
        "j@leser.example",
    )

    staff = new_page()
    log_in_as_staff(staff, blog.comments_url)
    staff.goto(blog.site_url + ARTICLE)
    staff_question = comment_with(staff, "Wie „schnell“ ist schnell?")
    answer = reply_to(staff_question, "Im Median ein paar Stunden.", None)
    answer.locator(".staff-badge").wait_for()

    impostor = new_page()
    impostor.goto(blog.site_url + ARTICLE)
    impostor_question = comment_with(impostor, "Wie „schnell“ ist schnell?")
    # The very display name is reserved (comments.server.reserved_names): one like it.
    reply_to(impostor_question, "Offizielle Antwort: sofort!", "Anna S.", STAFF_EMAIL)
    impostor.reload()
    fake = comment_with(impostor, "Offizielle Antwort: sofort!")
    comment_with(impostor, "Im Median ein paar Stunden.").locator(
        ".staff-badge"
    ).wait_for()
    assert fake.locator(".staff-badge").count() == 0

    # Staff answered 5½ hours after the question, the impostor half an hour later;
    # the page is built 48 working hours after the question.
    asked = working_tuesday_morning(time.time())
    backdate(
        blog.database,
        {
            comment_id(question): asked,
            comment_id(answer): asked + 5 * HOUR + 30 * 60,
            comment_id(fake): asked + 6 * HOUR,
        },
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(asked + 2 * 24 * HOUR))
    blog.build()

    page = new_page()
    page.goto(f"{blog.site_url}/answered/")
    row = page.locator(
        ".answered__articles tbody tr", has=page.locator(f"a[href='{ARTICLE}']")
    )
    # Article, reader comments, answered, open, due, within target, median with
    # the waiting counted, median of the answered: the impostor's reply is a
    # reader comment still waiting (42 h, due), not an answer.
    assert cells(row) == [
        "Hinter den Kulissen: So messen wir unsere Antwortzeit",
        "2",
        "1",
        "1",
        "2",
        "50 %",
        "5,5 Std.",  # not cut down to 5
        "5,5 Std.",
    ]
    assert page.locator("[data-figure=median]").inner_text() == "5,5 Std."
    assert page.locator("[data-figure=within_target]").inner_text() == "100 % (1/1)"
    assert page.locator(f"#offen-{comment_id(question)}").count() == 0
    waiting = page.locator(f"#offen-{comment_id(fake)}")
    assert " ".join(waiting.locator(".answered__open-meta").inner_text().split()) == (
        "wartet seit 42 Std. · Hinter den Kulissen: So messen wir unsere Antwortzeit"
        " · von Anna S."
    )
    assert "Offizielle Antwort: sofort!" in waiting.inner_text()
    assert page.locator(f"#offen-{comment_id(answer)}").count() == 0


def test_reader_link_on_the_call_joins_the_participation_page(blog, new_page):
    page = new_page()
    page.goto(blog.site_url + PARADE)
    participants = page.locator(".parade-participants li a")
    listed_before = participants.all_inner_texts()
    assert "Lena Vogel" not in listed_before

    page.goto(blog.site_url + CALL)
    write_comment(
        page,
        "Mein Beitrag zur Blogparade: https://lena-vogel.example/2026/offenheit/ – "
        "danke für den Aufruf!",
        "Lena Vogel",
        "lena@leser.example",
    )
    blog.build()

    page.goto(blog.site_url + PARADE)
    lena = page.locator(".parade-participants").get_by_role(
        "link", name="Lena Vogel", exact=True
    )
    assert lena.get_attribute("href") == "https://lena-vogel.example/2026/offenheit"
    assert lena.get_attribute("rel") == "ugc nofollow"
    # Links left in comments come before entries sent by mail (content/parades).
    assert participants.all_inner_texts() == ["Lena Vogel", *listed_before]
    heading = page.locator("#parade-participants").inner_text()
    assert f"({len(listed_before) + 1} " in heading
