"""The deadline of a parade we host as an iCalendar file (RFC 5545).

One all-day event on the deadline day, written by the ``icalendar`` package
(escaping, folding at 75 octets, CRLF). Its UID depends only on the parade's
slug and the site's host, so a calendar that imports the file again updates
the event instead of adding a second one when the deadline moves.
"""

import datetime

from icalendar import Calendar, Event


def deadline_calendar(
    *, uid, stamp, deadline, summary, description, url="", product="blog_parade"
):
    """Return the calendar text (CRLF line endings) for one deadline."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", f"-//{product}//blog_parade//DE")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("dtstart", deadline)  # a date: an all-day event
    event.add("dtend", deadline + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    event.add("transp", "TRANSPARENT")
    calendar.add_component(event)
    return calendar.to_ical(sorted=False).decode("utf-8")  # in the order above
