"""The transparency page's arithmetic, against hand-computed answers for every rule."""

import datetime
import random
import re

import pytest

from answered import figures, page
from comments.build import data
from comments.build.digest import digest_of

T0 = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)
MINUTE = 60
HOUR = 3600


def comment(
    id,
    minutes,
    parent=None,
    staff=None,
    state=data.PUBLISHED,
    uri="/a/",
    author="Leser",
):
    return data.Comment(
        id=id,
        thread_uri=uri,
        thread_title="A",
        parent=parent,
        created=T0 + datetime.timedelta(minutes=minutes),
        modified=None,
        state=state,
        author=author,
        website="",
        text="Text",
        likes=0,
        staff_name=staff,
    )


def digest(comments, removals=()):
    return digest_of(data.CommentData(T0, "test", tuple(comments), tuple(removals)))


def answered_ids(comments):
    return {r.comment.id: r.response_seconds for r in figures.classify(comments)}


def test_staff_reply_before_the_reader_comment_in_the_thread_does_not_answer_it():
    comments = [
        comment(1, 0),
        comment(2, 10, parent=1, staff="Anna"),
        comment(3, 20, parent=1),
    ]
    assert answered_ids(comments) == {1: 10 * MINUTE, 3: None}


def test_reader_follow_up_after_a_staff_answer_is_open_again():
    comments = [
        comment(1, 0),
        comment(2, 30, parent=1, staff="Anna"),
        comment(3, 45, parent=1),
    ]
    readers = figures.classify(comments)
    assert [r.comment.id for r in figures.open_comments(readers)] == [3]
    site = digest(comments)
    assert [c.id for c in site.open] == [3]
    assert figures.summarize(site.total, 24 * HOUR).answered == 1


def test_two_reader_comments_answered_by_one_staff_reply():
    comments = [
        comment(1, 0),
        comment(2, 20, parent=1),
        comment(3, 60, parent=1, staff="Jonas"),
    ]
    assert answered_ids(comments) == {1: 60 * MINUTE, 2: 40 * MINUTE}


def test_the_first_later_staff_comment_sets_the_response_time():
    comments = [
        comment(1, 0),
        comment(2, 90, parent=1, staff="Anna"),
        comment(3, 120, parent=1, staff="Jonas"),
    ]
    assert answered_ids(comments) == {1: 90 * MINUTE}


def test_a_staff_reply_after_the_comment_answers_it_whatever_the_clocks_say():
    # The server's clock was set back an hour between question and answer.
    comments = [comment(1, 0), comment(2, -60, parent=1, staff="Anna")]
    assert answered_ids(comments) == {1: 0}
    assert [r.answered_by for r in figures.classify(comments)] == ["Anna"]
    site = digest(comments)
    assert list(site.open) == []
    assert {name: list(times) for name, times in site.by_staff.items()} == {"Anna": [0]}


def test_a_staff_comment_stored_before_the_reader_comment_never_answers_it():
    # The clock ran an hour ahead when Anna answered, then was set right.
    comments = [
        comment(1, 0),
        comment(2, 60, parent=1, staff="Anna"),
        comment(3, 30, parent=1),
    ]
    assert answered_ids(comments) == {1: HOUR, 3: None}
    assert [c.id for c in digest(comments).open] == [3]


def test_pending_comment_is_an_open_reader_comment():
    readers = figures.classify([comment(1, 0, state=data.PENDING)])
    assert [r.answered for r in readers] == [False]


def test_withdrawn_and_removed_comments_owe_no_answer():
    comments = [comment(1, 0, state=data.WITHDRAWN), comment(2, 5, state=data.REMOVED)]
    assert figures.classify(comments) == []


def test_staff_top_level_comment_is_no_reader_comment_and_answers_nothing_before_it():
    comments = [
        comment(1, 0, staff="Anna"),
        comment(2, 10, parent=1),  # a reader replies to staff's top-level comment
    ]
    assert answered_ids(comments) == {2: None}
    comments.append(comment(3, 70, parent=1, staff="Anna"))
    assert answered_ids(comments) == {2: 60 * MINUTE}


def test_impersonated_staff_name_is_not_an_answer():
    comments = [
        comment(1, 0),
        comment(2, 5, parent=1, author="Anna Schmidt (Redaktion)"),
    ]
    assert answered_ids(comments) == {1: None, 2: None}


def test_staff_answer_in_another_thread_of_the_same_article_does_not_count():
    comments = [comment(1, 0), comment(2, 5), comment(3, 10, parent=2, staff="Anna")]
    assert answered_ids(comments) == {1: None, 2: 5 * MINUTE}


def test_staff_comment_awaiting_moderation_answers_nothing():
    comments = [
        comment(1, 0),
        comment(2, 5, parent=1, staff="Anna", state=data.PENDING),
    ]
    assert answered_ids(comments) == {1: None}


def test_empty_site_has_zeros_and_no_times():
    assert figures.summarize(digest([]).total, 24 * HOUR) == figures.Summary(
        reader_comments=0,
        answered=0,
        open=0,
        answered_within_target=0,
        median_response_seconds=None,
        p90_response_seconds=None,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [([5], 5), ([3, 1, 2], 2), ([4, 1, 3, 2], 2), ([1, 2], 1), ([10, 20, 30, 41], 25)],
)
def test_median_of_odd_and_even_counts(values, expected):
    # Even counts: the mean of the two middle values, rounded down to seconds.
    assert figures.median(values) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, 1), (9, 9), (10, 9), (11, 10), (20, 18), (21, 19)],
)
def test_p90_is_the_value_at_rank_ceil_of_nine_tenths(count, expected):
    assert figures.percentile_nearest_rank(list(range(1, count + 1)), 90) == expected


def test_summary_counts_within_target_inclusively():
    comments = [
        comment(1, 0),
        comment(2, 24 * 60, parent=1, staff="Anna"),  # exactly 24 h
        comment(3, 0, uri="/b/"),
        comment(4, 24 * 60 + 1, parent=3, staff="Anna", uri="/b/"),  # 24 h 1 min
        comment(5, 0, uri="/c/"),
    ]
    summary = figures.summarize(digest(comments).total, 24 * HOUR)
    assert summary == figures.Summary(
        reader_comments=3,
        answered=2,
        open=1,
        answered_within_target=1,
        median_response_seconds=(24 * HOUR + 24 * HOUR + MINUTE) // 2,
        p90_response_seconds=24 * HOUR + MINUTE,
    )


def test_age_is_as_of_minus_creation():
    [reader] = figures.classify([comment(1, 0)])
    assert (
        reader.age_seconds(T0 + datetime.timedelta(hours=3, seconds=5)) == 3 * HOUR + 5
    )


def test_by_month_groups_by_the_reader_comments_month():
    comments = [
        comment(1, 0),  # October
        comment(2, 120, parent=1, staff="Anna"),
        comment(3, 40 * 24 * 60, uri="/b/"),  # November, open
    ]
    months = figures.by_month(
        digest(comments).by_month,
        datetime.datetime(2026, 11, 27, tzinfo=datetime.UTC),
        3,
    )
    assert [
        (
            m.year,
            m.month,
            m.reader_comments,
            m.answered,
            m.open,
            m.median_response_seconds,
        )
        for m in months
    ] == [
        (2026, 9, 0, 0, 0, None),
        (2026, 10, 1, 1, 0, 2 * HOUR),
        (2026, 11, 1, 0, 1, None),
    ]


def test_a_comment_dated_after_as_of_counts_in_the_month_of_as_of():
    comments = [
        comment(1, 0),  # October, open
        comment(2, 40 * 24 * 60, uri="/b/"),  # November: the clock ran ahead
        comment(3, 41 * 24 * 60, parent=2, staff="Anna", uri="/b/"),
    ]
    site = digest(comments)
    months = figures.by_month(
        site.by_month, datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC), 3
    )
    assert [(m.month, m.reader_comments, m.answered, m.open) for m in months] == [
        (8, 0, 0, 0),
        (9, 0, 0, 0),
        (10, 2, 1, 1),
    ]
    assert sum(m.reader_comments for m in months) == len(site.total) == 2


def test_state_counts_split_withdrawn_from_removals_by_reason():
    comments = [
        comment(1, 0, state=data.PENDING),
        comment(2, 0, state=data.WITHDRAWN),
        comment(3, 0, state=data.REMOVED),
    ]
    removals = [
        data.Removal(3, "/a/", T0, "spam"),
        data.Removal(4, "/a/", T0, "spam"),
        data.Removal(5, "/a/", T0, "withdrawn"),
        data.Removal(6, "/a/", T0, "unrecorded"),
    ]
    assert figures.state_counts(digest(comments, removals)) == (
        1,
        2,
        {"spam": 2, "unrecorded": 1},
    )


def test_who_answered_credits_each_answered_comment_to_its_first_answer():
    comments = [
        comment(1, 0),
        comment(2, 10, parent=1),
        comment(3, 30, parent=1, staff="Anna"),  # first answer to 1 and 2
        comment(4, 40, parent=1, staff="Jonas"),  # answers nobody first
        comment(5, 50, parent=1),
        comment(6, 110, parent=1, staff="Jonas"),  # first answer to 5
        comment(7, 0, uri="/b/"),
        comment(8, 5, uri="/b/"),  # open
        comment(9, 120, parent=7, uri="/b/", staff="Anna"),  # answers 7 only
    ]
    site = digest(comments)
    assert figures.by_staff(site.by_staff) == [
        # 30, 20 and 120 minutes: the middle one is 30.
        figures.StaffAnswers("Anna", 3, 30 * MINUTE),
        figures.StaffAnswers("Jonas", 1, 60 * MINUTE),
    ]
    staff_total = sum(row.answers for row in figures.by_staff(site.by_staff))
    assert staff_total == figures.summarize(site.total, 24 * HOUR).answered == 4


def test_who_answered_orders_by_answers_then_name_and_is_empty_without_answers():
    comments = [
        comment(1, 0),
        comment(2, 10, parent=1, staff="Zoe"),
        comment(3, 0, uri="/b/"),
        comment(4, 20, parent=3, uri="/b/", staff="Bea"),
    ]
    rows = figures.by_staff(digest(comments).by_staff)
    assert [(row.name, row.median_response_seconds) for row in rows] == [
        ("Bea", 20 * MINUTE),
        ("Zoe", 10 * MINUTE),
    ]
    assert figures.by_staff(digest([comment(1, 0)]).by_staff) == []


def test_classify_follows_the_named_rules_it_writes_out_inline():
    """classify inlines is_reader_comment and thread_key for speed; it must
    still pick exactly those comments and answer them within their thread."""
    comments = [
        comment(1, 0),
        comment(2, 5, state=data.PENDING),
        comment(3, 6, state=data.WITHDRAWN),
        comment(4, 7, state=data.REMOVED),
        comment(5, 8, staff="Anna"),
        comment(6, 9, parent=5),
        comment(7, 10, parent=1, staff="Anna", state=data.PENDING),
        comment(8, 11, parent=1, staff="Jonas"),
        comment(9, 12, uri="/b/"),
        comment(10, 13, parent=9, staff="Anna", uri="/a/"),  # other thread
    ]
    readers = figures.classify(comments)
    assert [r.comment for r in readers] == [
        c for c in comments if figures.is_reader_comment(c)
    ]
    staff_by_thread = {}
    for c in comments:
        if c.is_staff and c.state == data.PUBLISHED:
            staff_by_thread.setdefault(figures.thread_key(c), []).append(c)
    for reader in readers:
        later = [
            s
            for s in staff_by_thread.get(figures.thread_key(reader.comment), [])
            if s.id > reader.comment.id
        ]
        assert reader.answered_by == (later[0].staff_name if later else None)
    assert {r.comment.id: r.answered_by for r in readers} == {
        1: "Jonas",  # Anna's reply awaits moderation; Jonas answered first
        2: None,  # a thread of its own
        6: None,  # a reader reply under a staff top-level comment
        9: None,  # Anna answered in another thread
    }


def excerpt_by_the_rules(markdown_text, limit):
    """The excerpt as first written: three substitutions on every comment."""
    text = re.sub(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", markdown_text)
    text = re.sub(r"(^|\s)[#>]+\s|[*_`~]{1,3}", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:–-") + "…"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ganz **fett** und _schräg_, `Code` ~~weg~~",
            "Ganz fett und schräg, Code weg",
        ),
        ("Siehe [die Doku](https://x.example/a_(b)) hier", "Siehe die Doku hier"),
        ("# Titel\n> Zitat\n\nText", "Titel Zitat Text"),
        ("# # doppelt", "# doppelt"),  # the first mark takes the space
        ("a *# b", "a # b"),  # a mark not after a space stays
        ("Zeile\u00a0mit\tRaum \n", "Zeile mit Raum"),
        ("**", ""),
    ],
)
def test_excerpt_keeps_words_and_drops_markdown_marks(text, expected):
    assert page.excerpt(text, 160) == expected == excerpt_by_the_rules(text, 160)


@pytest.mark.parametrize(
    "text",
    [
        "Schreibt an private*@*example.net",
        "Schreibt an [private](https://x.example)@example.net",
        "Schreibt an private_@_example.net",
    ],
)
def test_an_address_the_marks_hid_is_masked_in_the_excerpt(text):
    assert page.excerpt(text, 160) == "Schreibt an [E-Mail-Adresse entfernt]"


def test_excerpt_equals_its_rules_on_every_mix_of_marks():
    alphabet = "ab #>*_`~[]()!\n\t\u00a0.,"
    rng = random.Random(8)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for limit in (4, 160):
            assert page.excerpt(text, limit) == excerpt_by_the_rules(text, limit), text
