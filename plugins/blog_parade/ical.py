"""The deadline of a parade we host as an iCalendar file (RFC 5545).

One all-day event on the deadline day. Its UID depends only on the parade's
slug and the site's host, so a calendar that imports the file again updates
the event instead of adding a second one when the deadline moves.
"""

import datetime

LINE_OCTETS = 75  # RFC 5545 3.1: longer lines are folded


def escape_text(value):
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line):
    """Fold a content line into pieces of at most 75 octets, never inside a char."""
    pieces, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        limit = LINE_OCTETS if not pieces else LINE_OCTETS - 1  # leading space
        if size + octets > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += octets
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_stamp(moment):
    """Format an aware datetime as an iCalendar UTC date-time."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def deadline_calendar(
    *, uid, stamp, deadline, summary, description, url="", product="blog_parade"
):
    """Return the calendar text (CRLF line endings) for one deadline."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{escape_text(product)}//blog_parade//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART;VALUE=DATE:{deadline:%Y%m%d}",
        f"DTEND;VALUE=DATE:{deadline + datetime.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        *([f"URL:{url}"] if url else []),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
