"""Hostile and odd input in Chromium: every payload of tests/e2e/payloads.py is
posted as comment text, author name and website on an article and on the
hosted parade's call, the site is built again, and the article, the
transparency page and the parade page are opened 375 px wide.

Nothing runs, nothing is injected, nothing loads from elsewhere and nothing is
wider than the screen; what the server stored is shown, what it refused it
refused with a 4xx and a reason. The outcome of every post is written to
test-results/hostile-input.json for a person to read.
"""

import html
import json
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import pytest

from comments.build.masking import mask_personal_data
from comments.server.reserved_names import HIDDEN_REASON, STAFF_REASON, refusal_reason
from comments.staff.accounts import ISSO_ADMIN
from tests.e2e.conftest import STAFF_ACCOUNT
from tests.e2e.payloads import MARKER, PAYLOADS
from tests.support import ROOT, CommentClient

pytestmark = pytest.mark.browser

ARTICLE = "/2026/wie-wir-mit-kritik-umgehen/"
CALL = "/2026/blogparade-wie-offen-darf-ein-firmenblog-sein/"
PAGES = {
    "article": ARTICLE,
    "answered": "/answered/",
    "parade": "/blogparade/offenes-firmenblog/",
}
FIELDS = ("text", "author", "website")
READER_EMAIL = "leserin@beispiel.example"
PHONE = {"width": 375, "height": 800}
REPORT = ROOT / "test-results" / "hostile-input.json"

# Where readers' input lands on each page, and the elements it may become
# there: Isso's sanitiser allows these in comment text; the rest is the
# markup the widget and the theme's templates put around names and excerpts.
ISSO_TEXT_ELEMENTS = [
    *("a", "p", "hr", "br", "ol", "ul", "li", "pre", "code", "blockquote"),
    *("del", "ins", "strong", "em", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("sub", "sup", "table", "thead", "tbody", "th", "td"),
]
USER_CONTENT = {
    "article": {
        "#isso-root .isso-text": ISSO_TEXT_ELEMENTS,
        "#isso-root .isso-comment-header": ["a", "span", "time"],
    },
    # the thread in the page's HTML (includes/comment_thread.html)
    "static": {
        ".comments-static .isso-text": ISSO_TEXT_ELEMENTS,
        ".comments-static .isso-comment-header": ["a", "span", "time"],
    },
    "answered": {".answered__open": ["li", "p", "strong", "a", "blockquote", "bdi"]},
    "parade": {".parade-participants": ["li", "a", "bdi"]},
}

# Finds what an injection would leave behind, whatever its trick.
PROBE = """({marker, containers}) => {
  const urls = ["href", "src", "action", "formaction", "xlink:href",
                "data", "poster", "background", "cite"];
  const describe = el => el.localName + (el.id ? "#" + el.id : "");
  const found = {handlers: [], markers: [], addresses: [], elements: []};
  for (const el of document.querySelectorAll("*")) {
    for (const {name, value} of el.attributes) {
      if (name.startsWith("on")) {
        found.handlers.push(`${describe(el)} ${name}`);
      }
      if (name.includes(marker) ||
          (["id", "class", "name", "style"].includes(name) && value.includes(marker))) {
        found.markers.push(`${describe(el)} ${name}`);
      }
      // Stricter than browsers, which drop tabs, newlines and leading controls.
      const address = value.replace(/[\\s\\u0000-\\u001f\\u200b-\\u200f\\ufeff]/g, "");
      if (urls.includes(name) && /^(javascript|vbscript|data):/i.test(address)) {
        found.addresses.push(`${describe(el)} ${name}=${value.slice(0, 60)}`);
      }
    }
  }
  for (const [selector, allowed] of Object.entries(containers)) {
    for (const container of document.querySelectorAll(selector)) {
      for (const el of container.querySelectorAll("*")) {
        if (!allowed.includes(el.localName)) {
          found.elements.push(`${selector} ${el.localName}`);
        }
      }
    }
  }
  found.foreign = [...document.querySelectorAll(
    "iframe, frame, object, embed, base, math, body style, body link, body meta"
  )].map(describe);
  found.scripts = [...document.scripts].map(
    script => script.src || `inline ${script.type} ${script.textContent.length}`
  );
  return found;
}"""

# The page's width against the screen's and, to say why, the innermost
# elements that stick out or overflow (outside boxes that scroll by themselves,
# like the tables).
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const clips = el => getComputedStyle(el).overflowX !== "visible";
  const inScrollingBox = el => {
    for (let up = el.parentElement; up !== document.body; up = up.parentElement) {
      if (clips(up)) return true;
    }
    return false;
  };
  const sticksOut = el => el.getBoundingClientRect().right > width + 0.5 ||
    (el.scrollWidth > el.clientWidth + 1 && !clips(el));
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => sticksOut(el) && !inScrollingBox(el));
  const holdsAnother = el => wide.some(other => other !== el && el.contains(other));
  const innermost = wide.filter(el => !holdsAnother(el))
    .slice(0, 5)
    .map(el => el.localName + (el.className ? "." + el.className : ""));
  return {scroll: document.documentElement.scrollWidth, client: width, wide: innermost};
}"""

# Ids (and text) of the elements a selector finds; addresses and text of links.
DRAWN = """selector => [...document.querySelectorAll(selector)]
  .map(el => [el.id, el.textContent])"""
LINKS = """selector => [...document.querySelectorAll(selector)]
  .map(link => [link.getAttribute("href"), link.textContent])"""
VALUES = {payload.name: payload.value for payload in PAYLOADS}


@dataclass
class Outcome:
    """What the comment server did with one payload in one field."""

    number: int  # also in the comment's link: https://beitrag.example/<number>/
    payload: str
    field: str
    thread: str
    status: int
    comment_id: int | None
    message: str


def post_payload(client, thread, payload, field, number):
    """Post ``payload`` in ``field`` of an otherwise ordinary comment."""
    values = {
        # A link to a contribution: on the call, the author becomes a participant.
        "text": f"Kommentar {number}, mein Beitrag: https://beitrag.example/{number}/",
        "author": f"Leserin {number}",
        "website": None,
        "email": READER_EMAIL,
    }
    values[field] = payload.value
    reply = client.post(thread, values.pop("text"), **values)
    stored = reply.status == 201
    return Outcome(
        number,
        payload.name,
        field,
        thread,
        reply.status,
        reply.body["id"] if stored else None,
        "" if stored else reason_in(reply.body),
    )


def reason_in(body):
    """Return the reason in a refusal: our JSON's code, or werkzeug's HTML page."""
    if isinstance(body, str):
        found = re.search(r"<p>(.*?)</p>", body, re.DOTALL)
        return html.unescape(found.group(1)).strip() if found else body.strip()
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        return body["reason"]  # comments/server/refusals.py
    return json.dumps(body)


def shown_name(payload):
    """A payload as a name on the site: addresses and numbers masked."""
    return mask_personal_data(VALUES[payload])


def shown_as_text(value):
    """What a browser shows of ``value`` written into a page as escaped text."""
    value = value.strip().replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\x00", "")


def watch(page, dialogs, hosts):
    """Record dialogs (dismissing them) and the hosts of all requests."""
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    return page


def load(page, blog, name, comments_shown=0):
    """Open one of PAGES and wait until its comments are drawn and all is loaded."""
    page.goto(blog.site_url + PAGES[name])
    if comments_shown:
        page.wait_for_function(
            "count => document.querySelectorAll('#isso-root > .isso-comment')"
            ".length === count",
            arg=comments_shown,
        )
    page.wait_for_load_state("networkidle")


def probe(page, name):
    return page.evaluate(
        PROBE, {"marker": MARKER, "containers": USER_CONTENT.get(name, {})}
    )


@pytest.fixture(scope="module")
def hostile(unguarded_blog, browser):
    """Scripts of each page before, then every payload posted and the site built."""
    baseline = {}
    context = browser.new_context(locale="de-DE", viewport=PHONE)
    for name in PAGES:
        page = context.new_page()
        load(page, unguarded_blog, name)
        baseline[name] = probe(page, name)["scripts"]
    context.close()

    client = CommentClient(unguarded_blog.comments_url)
    outcomes = []
    for thread in (ARTICLE, CALL):
        for payload in PAYLOADS:
            for field in FIELDS:
                number = len(outcomes) + 1
                outcomes.append(post_payload(client, thread, payload, field, number))
    # every payload on the transparency page's first page (the follow-up pages
    # render the same template include)
    unguarded_blog.build(ANSWERED_OPEN_FIRST_PAGE=len(outcomes))

    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps([asdict(outcome) for outcome in outcomes], indent=1) + "\n",
        encoding="utf-8",
    )
    return unguarded_blog, outcomes, baseline


def stored(outcomes, thread=None, field=None):
    return [
        outcome
        for outcome in outcomes
        if outcome.comment_id
        and thread in (None, outcome.thread)
        and field in (None, outcome.field)
    ]


def test_every_payload_is_stored_or_refused_with_a_reason(hostile):
    _, outcomes, _ = hostile
    assert len(PAYLOADS) >= 40
    unclear = [
        outcome
        for outcome in outcomes
        if outcome.status != 201
        and not (400 <= outcome.status < 500 and outcome.message)
    ]
    assert unclear == []
    # Isso refuses only what breaks its limits (text under 3 or over 65,535
    # characters, a website that is no address or over 254); the server
    # refuses names with invisible characters or staff words
    # (comments.server.reserved_names). Texts here are all stored, and so must all be
    # shown inert.
    refused = {(o.field, o.payload) for o in outcomes if o.status != 201}
    assert {field for field, _ in refused} == {"website", "author"}
    staff_names = (ISSO_ADMIN.display_name, STAFF_ACCOUNT[1])
    assert {payload for field, payload in refused if field == "author"} == {
        payload.name
        for payload in PAYLOADS
        if refusal_reason(payload.value, staff_names)
    }
    assert {o.message for o in outcomes if o.status != 201} <= {
        "website",
        HIDDEN_REASON,
        STAFF_REASON,
    }
    assert len(stored(outcomes, field="website")) >= 2 * 5  # some pass as addresses


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_hostile_input_inert_and_fits_a_phone(hostile, new_page, name):
    blog, outcomes, baseline = hostile
    dialogs, hosts = [], set()
    page = watch(new_page(viewport=PHONE), dialogs, hosts)
    on_article = stored(outcomes, thread=ARTICLE)
    load(page, blog, name, comments_shown=len(on_article) if name == "article" else 0)

    found = probe(page, name)
    assert dialogs == []
    assert found == {
        "handlers": [],
        "markers": [],
        "addresses": [],
        "elements": [],
        "foreign": [],
        "scripts": baseline[name],
    }
    assert hosts <= {urlsplit(blog.site_url).netloc, urlsplit(blog.comments_url).netloc}

    if name == "article":
        drawn = dict(page.evaluate(DRAWN, "#isso-root .isso-comment"))
        assert {f"isso-{o.comment_id}" for o in on_article} <= drawn.keys()
        assert page.locator(".comments-static").count() == 0  # Isso's took over
    elif name == "answered":  # no staff answered: every reader comment is open
        listed = dict(page.evaluate(DRAWN, ".answered__open > li"))
        for outcome in stored(outcomes):
            text = listed[f"offen-{outcome.comment_id}"]
            if outcome.field == "author":
                assert shown_as_text(shown_name(outcome.payload)) in text, outcome
    else:  # each name left with a link on the call is listed, as written
        listed = dict(page.evaluate(LINKS, ".parade-participants a"))
        for outcome in stored(outcomes, thread=CALL, field="author"):
            link = f"https://beitrag.example/{outcome.number}"
            assert listed.get(link) == shown_as_text(shown_name(outcome.payload)), (
                outcome
            )

    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= layout["client"], layout


def test_static_thread_shows_hostile_input_inert_without_javascript(hostile, new_page):
    blog, outcomes, _ = hostile
    hosts = set()
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(blog.site_url + ARTICLE)
    page.wait_for_load_state("networkidle")

    found = probe(page, "static")
    assert {key: found[key] for key in found if key != "scripts"} == {
        "handlers": [],
        "markers": [],
        "addresses": [],
        "elements": [],
        "foreign": [],
    }
    assert hosts <= {urlsplit(blog.site_url).netloc, urlsplit(blog.comments_url).netloc}
    drawn = dict(page.evaluate(DRAWN, ".comments-static .isso-comment"))
    on_article = stored(outcomes, thread=ARTICLE)
    assert {f"isso-{o.comment_id}" for o in on_article} <= drawn.keys()
    for outcome in stored(outcomes, thread=ARTICLE, field="author"):
        name = shown_as_text(shown_name(outcome.payload))
        assert name in drawn[f"isso-{outcome.comment_id}"], outcome
    links = page.evaluate(LINKS, ".comments-static a.isso-author")
    assert all(href.startswith(("https://", "http://")) for href, _ in links), links
    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= layout["client"], layout
