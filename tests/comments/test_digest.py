"""The build's comment digest: the same answers as classifying every comment."""

import datetime
import random

import pytest

from blog_parade.links import normalise_url
from blog_parade.participants import links_in
from comments import answers, config
from comments.build import data, reader
from comments.build.digest import (
    OPEN,
    OpenComments,
    digest_of,
    may_link,
    open_reader_comment,
)

T0 = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)
STATES = (data.PUBLISHED,) * 6 + (data.PENDING, data.WITHDRAWN, data.REMOVED)


def random_site(rng, count):
    """Comments over three articles, one level of replies, staff among them."""
    comments = []
    for id in range(1, count + 1):
        tops = [c.id for c in comments if c.parent is None]
        parent = rng.choice(tops) if tops and rng.random() < 0.6 else None
        uri = (
            next(c.thread_uri for c in comments if c.id == parent)
            if parent
            else rng.choice(["/a/", "/b/", "/c/"])
        )
        comments.append(
            data.Comment(
                id=id,
                thread_uri=uri,
                thread_title=uri.strip("/").upper(),
                parent=parent,
                # Coarse times: ties between a comment and its answer happen.
                created=T0 + datetime.timedelta(hours=rng.randrange(0, 24 * 90, 7)),
                modified=None,
                state=rng.choice(STATES),
                author="Leser",
                website="",
                text=rng.choice(["Danke", "Siehe https://blog.example/x", "&amp;"]),
                likes=0,
                staff_name=rng.choice([None, None, "Anna", "Jonas"]),
            )
        )
    return comments


def expected_from_classify(comments):
    """The figures the old way: every reader comment classified."""
    readers = answers.classify(comments)

    def time_of(reader_comment):
        seconds = reader_comment.response_seconds
        return OPEN if seconds is None else seconds

    by_thread, by_month, by_staff = {}, {}, {}
    for r in readers:
        by_thread.setdefault(r.comment.thread_uri, []).append(time_of(r))
        created = r.comment.created
        by_month.setdefault((created.year, created.month), []).append(time_of(r))
        if r.answered:
            by_staff.setdefault(r.answered_by, []).append(r.response_seconds)
    return {
        "total": sorted(map(time_of, readers)),
        "by_thread": {k: sorted(v) for k, v in by_thread.items()},
        "by_month": {k: sorted(v) for k, v in by_month.items()},
        "by_staff": {k: sorted(v) for k, v in by_staff.items()},
        "open": [open_reader_comment(r.comment) for r in readers if not r.answered],
    }


@pytest.mark.parametrize("seed", range(25))
def test_digest_gives_what_classifying_every_comment_gives(seed):
    comments = random_site(random.Random(seed), 60)
    rng = random.Random(seed)
    shuffled = rng.sample(comments, len(comments))  # order must not matter
    site = digest_of(data.CommentData(T0, "test", tuple(shuffled)))
    expected = expected_from_classify(comments)
    assert sorted(site.total) == expected["total"]
    assert {k: sorted(v) for k, v in site.by_thread.items()} == expected["by_thread"]
    assert {k: sorted(v) for k, v in site.by_month.items()} == expected["by_month"]
    assert {k: sorted(v) for k, v in site.by_staff.items()} == expected["by_staff"]
    assert list(site.open) == expected["open"]  # oldest first, like classify
    assert site.comment_count == len(comments)
    assert site.pending == sum(c.state == data.PENDING for c in comments)
    assert site.withdrawn == sum(c.state == data.WITHDRAWN for c in comments)
    for uri in ("/a/", "/b/", "/c/"):
        kept = [
            c
            for c in comments
            if c.thread_uri == uri
            and c.state == data.PUBLISHED
            and not c.is_staff
            and may_link(c.text)
        ]
        assert list(site.linking_comments(uri)) == sorted(kept, key=data.oldest_first)


def test_open_comments_keep_what_the_page_shows_exactly():
    created = [
        datetime.datetime(2026, 9, 1, 9, 0, 0, 999_999, tzinfo=datetime.UTC),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=datetime.UTC),
        datetime.datetime(2026, 9, 1, 9, 0, 0, 999_999, tzinfo=datetime.UTC),
    ]
    comments = [
        data.Comment(
            id=id,
            thread_uri="/a/",
            thread_title="Ein Titel",
            parent=None,
            created=moment,
            modified=None,
            state=state,
            # a string of its own per row, as SQLite gives them
            author="".join(["Leserin", " Ä"]) if state == data.PUBLISHED else "",
            website="https://leserin.example/",
            text="Frage „offen“?" if state == data.PUBLISHED else "",
            likes=2,
        )
        for id, moment, state in zip(
            [9, 4, 7],
            created,
            [data.PUBLISHED, data.PENDING, data.PUBLISHED],
            strict=True,
        )
    ]
    assert comments[0].author is not comments[2].author
    kept = OpenComments({"/a/": "Ein Titel"})
    for comment in comments:
        kept.append(comment)
    kept.sort()
    expected = [open_reader_comment(c) for c in sorted(comments, key=data.oldest_first)]
    assert list(kept) == expected and kept == expected
    assert [c.id for c in kept] == [4, 7, 9]  # a tie in time: the lower id first
    assert kept[0].created == created[1] and kept[0].created.tzinfo is datetime.UTC
    assert kept[1:] == expected[1:] and kept[-1] == expected[-1]
    assert kept[1].author is kept[2].author  # one string per distinct name
    assert kept != expected[:2]


LINKING_TEXTS = [  # links with the project's renderer (mistune, HTML escaped)
    "Mein Beitrag: https://blog.example/beitrag",
    "HTTP://LAUT.EXAMPLE/POST",
    "[Beitrag](https://markdown.example/x)",
    "<a href='https://roh.example/'>roh</a>",
    "<https://spitz.example/>",
]
OTHER_RENDERER_TEXTS = [  # links with misaka's autolink or raw HTML allowed
    "www.ohne-schema.example/post",
    "&#104;ttps://entity.example/",
    "ht<!-- -->tps://kommentar.example/x",
]
PLAIN_TEXTS = [
    "Danke für den Beitrag!",
    "h**t**tps://getrennt.example",
    "Schreib mir: eva@mail.example",
    "",
]


@pytest.fixture(scope="module")
def renderer():
    conf, _ = config.load_config(environ={}, create_secrets=False)
    return reader.make_renderer(conf)


def web_links(renderer, text):
    """The http(s) links a parade would find in the comment as Isso shows it."""
    return [link for link in links_in(renderer.render(text)) if normalise_url(link)]


@pytest.mark.parametrize("text", LINKING_TEXTS + OTHER_RENDERER_TEXTS + PLAIN_TEXTS)
def test_a_text_may_link_whenever_isso_renders_a_web_link(renderer, text):
    if web_links(renderer, text):
        assert may_link(text)


def test_the_link_cases_are_real_and_plain_text_is_passed_over(renderer):
    # The texts above really render to links (else the test above proves
    # nothing), and a comment without a hint is not kept.
    assert all(web_links(renderer, text) for text in LINKING_TEXTS)
    assert all(may_link(text) for text in OTHER_RENDERER_TEXTS)
    assert not any(may_link(text) for text in PLAIN_TEXTS[:1] + PLAIN_TEXTS[3:])
