"""The answer desk's queue as text for people (``invoke comments.open``).

One block per open comment (status, age, article, author, first line, owner,
link), then a summary line against the target. The queue itself comes from
``comments.staff.desk``; the staff page ``/desk`` shows the same queue as HTML.
"""

from comments.staff.desk import format_duration, format_hours

DESK_STATUS = {"overdue": "overdue", "due_soon": "due soon", "on_time": "on time"}
READER_NOTIFIED = {
    "confirmed": " [reader gets the answer by mail]",
    "waiting": " [mail to the reader once confirmed]",
}
OWNER_RULES = {
    "metadata": "set in the article",
    "author": "article author",
    "category": "category",
    "fallback": "fallback",
    "handed_over": "handed over",
}


def owner_line(owner):
    """Return 'owner: Anna Schmidt (article author)', with the last hand-over."""
    if owner is None:
        return ""
    line = f"owner: {owner.name} ({OWNER_RULES[owner.rule]}"
    if owner.rule == "handed_over":
        last = owner.handovers[-1]
        line += f" by {last.by_name}, {last.at:%Y-%m-%d %H:%M} UTC"
    return line + ")"


def desk_report(queue, owner_name=""):
    """Return the open comments and a summary line as text for people."""
    settings, summary = queue.settings, queue.summary
    lines = []
    for entry in queue.entries:
        waiting = " [awaiting moderation]" if entry.awaiting_moderation else ""
        waiting += READER_NOTIFIED.get(entry.reader_notified, "")
        lines.append(
            f"{DESK_STATUS[entry.status]:<9} {format_duration(entry.age_seconds):>12}"
            f"  {entry.article_title} — {entry.author or '(no name)'}{waiting}"
        )
        if entry.first_line:
            lines.append(f"{'':24}{entry.first_line}")
        if entry.owner:
            lines.append(f"{'':24}{owner_line(entry.owner)}")
        lines.append(f"{'':24}{entry.link}")
    target = format_hours(settings.target_hours)
    owned = f" owned by {owner_name}" if owner_name else ""
    if not queue.entries:
        lines.append(f"No open reader comments{owned} (target {target} h).")
        return "\n".join(lines)
    pending = summary["awaiting_moderation"]
    lines.append(
        f"\n{summary['open']} open{owned}: {summary['overdue']} past the target, "
        f"{summary['due_soon']} due within "
        f"{format_hours(settings.remind_before_hours)} h, {summary['on_time']} "
        f"on time (target {target} h)"
        + (f"; {pending} awaiting moderation" if pending else "")
        + "."
    )
    return "\n".join(lines)
