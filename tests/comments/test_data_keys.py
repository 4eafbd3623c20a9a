"""A comment's key is the same whether it comes from the comment itself or
from a ``blog_*`` table that recorded its id and creation time."""

import datetime

from comments.build import data
from comments.build.reader import utc_time


def test_a_recorded_time_gives_the_comments_own_key():
    # Times Isso wrote (time.time()) where round(created * 1e6) is one
    # microsecond off the datetime the reader makes of the same float.
    for created in (1796481927.7681346, 1764939491.1234565, 1795000000.0000005):
        comment = data.Comment(
            7,
            "/2026/a/",
            "A",
            None,
            utc_time(created, 7, "/2026/a/"),
            None,
            data.PUBLISHED,
            "Ida",
            "",
            "Text",
            0,
        )
        assert data.stored_comment_key(7, created) == data.comment_key(comment)


def test_keys_agree_for_many_times():
    start = 1_795_000_000.0
    for step in range(20_000):
        created = start + step * 0.0000137 + step * 1.37
        moment = datetime.datetime.fromtimestamp(created, datetime.UTC)
        assert data.stored_comment_key(1, created)[1] == data.microseconds(moment)
