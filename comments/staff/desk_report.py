"""The answer desk's queue as text for people (``invoke comments.open``), in German.

One block per open comment (id, status, age, article, author, first line,
owner, link), then a summary line against the target: the same words as the
desk page (``comments/templates/desk.html``) and the staff mails
(``comments.staff.mails``). The queue itself comes from ``comments.staff.desk``.
"""

from comments.staff.desk import format_duration, format_hours
from comments.staff.mails import OWNER_RULES, STATUS_LABELS

READER_NOTIFIED = {
    "confirmed": " [bekommt unsere Antwort per E-Mail]",
    "waiting": " [E-Mail an den Leser, sobald bestätigt]",
}


def owner_line(owner):
    """Return 'zuständig: Anna Schmidt (Autor/in des Artikels)', with the last
    hand-over."""
    if owner is None:
        return ""
    line = f"zuständig: {owner.name} ({OWNER_RULES[owner.rule]}"
    if owner.rule == "handed_over":
        last = owner.handovers[-1]
        line += f" durch {last.by_name}, {last.at:%d.%m.%Y %H:%M} UTC"
    return line + ")"


def desk_report(queue, owner_name=""):
    """Return the open comments and a summary line as text for people."""
    settings, summary = queue.settings, queue.summary
    lines = []
    for entry in queue.entries:
        waiting = " [wartet auf Freigabe]" if entry.awaiting_moderation else ""
        waiting += READER_NOTIFIED.get(entry.reader_notified, "")
        lines.append(
            f"#{entry.id:<7} {STATUS_LABELS[entry.status]:<11} "
            f"{format_duration(entry.age_seconds):>12}  {entry.article_title} — "
            f"{entry.author or '(ohne Namen)'}{waiting}"
        )
        if entry.first_line:
            lines.append(f"{'':35}{entry.first_line}")
        if entry.owner:
            lines.append(f"{'':35}{owner_line(entry.owner)}")
        lines.append(f"{'':35}{entry.link}")
    target = format_hours(settings.target_hours)
    owned = f" für {owner_name}" if owner_name else ""
    if not queue.entries:
        lines.append(f"Keine offenen Kommentare{owned} (Ziel: {target} Std.).")
        return "\n".join(lines)
    pending = summary["awaiting_moderation"]
    lines.append(
        f"\n{summary['open']} offen{owned}: {summary['overdue']} überfällig, "
        f"{summary['due_soon']} in den nächsten "
        f"{format_hours(settings.remind_before_hours)} Std. fällig, "
        f"{summary['on_time']} im Ziel (Ziel: {target} Std.)"
        + (f"; {pending} warten auf Freigabe" if pending else "")
        + "."
    )
    return "\n".join(lines)
