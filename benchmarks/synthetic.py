"""A synthetic blog for the benchmarks: N articles and M comments, deterministic.

Articles are realistic German posts of 600–900 words (headings, lists, a
quote, a table, code, links to other posts) with full metadata; every 50th
joins a blog parade. Comments go into a real Isso SQLite database (tables made
by the comment server itself), with verified staff replies, open threads and a
share awaiting moderation.
"""

import random
import sqlite3
import time
from pathlib import Path

from comments.config import load_config
from comments.server.app import build_server

SENTENCES = (
    "Wir beantworten jeden Kommentar, und zwar innerhalb von zwei Werktagen.",
    "Die Zahlen dazu stehen öffentlich auf unserer Transparenzseite.",
    "Viele Leserinnen und Leser fragen, wie wir die Antwortzeit eigentlich messen.",
    "Gezählt wird vom Eingang des Kommentars bis zur ersten Antwort des Teams.",
    "Kommentare, die noch warten, zählen in jeder Zahl mit, die von Zeit spricht.",
    "Im letzten Quartal haben wir unseren Kommentarserver auf neue Hardware umgezogen.",
    "Kein einziger Kommentar ist verloren gegangen, das zeigt das Protokoll.",
    "Kritik nehmen wir ernst, auch wenn sie manchmal unbequem formuliert ist.",
    "Eine gute Frage verdient eine ausführliche Antwort und keinen Textbaustein.",
    "Unser Kundenservice arbeitet montags bis freitags von acht bis achtzehn Uhr.",
    "Wer eine Benachrichtigung per E-Mail möchte, bestätigt das zweimal.",
    "Die Daten bleiben auf unserem eigenen Server in Frankfurt am Main.",
    "Externe Dienste binden wir grundsätzlich nicht ein, auch keine Schriftarten.",
    "Im Team haben wir lange darüber diskutiert, ob sich der Aufwand lohnt.",
    "Die Antwort lautet ja, denn die Gespräche unter den Beiträgen sind besser.",
    "Besonders freuen wir uns über Vorschläge, die wir direkt umsetzen können.",
    "Manche Änderungen brauchen allerdings mehr Zeit, als uns lieb ist.",
    "Ein Beispiel ist die neue Suche, die ohne Cookies und ohne Tracking auskommt.",
    "Sie durchsucht alle Beiträge, Seiten und Autorenprofile des Blogs.",
    "Wir veröffentlichen regelmäßig, wie viele Kommentare offen sind und warum.",
    "Wartet ein Kommentar länger, bekommt das zuständige Teammitglied eine Erinnerung.",
    "Am Wochenende übernimmt die Redaktion, damit niemand zu lange warten muss.",
    "Das Verfahren ist einfach, aber es verlangt Disziplin von allen Beteiligten.",
    "Die Erfahrung der ersten Monate zeigt, dass es sich im Alltag bewährt.",
)
WORDS = (
    "Antwortzeit",
    "Kommentar",
    "Kundenservice",
    "Datenschutz",
    "Server",
    "Blogparade",
    "Transparenz",
    "Redaktion",
    "Sicherheit",
    "Betrieb",
    "Suche",
    "Backup",
    "Team",
    "Projekt",
    "Umzug",
    "Erfahrung",
)
CATEGORIES = ("Kundenservice", "Technik", "Unternehmen", "Produkt", "Team")
AUTHORS = ("Anna Schmidt", "Jonas Weber", "Leyla Demir")


def paragraph(rng, sentences):
    """Return one paragraph of ``sentences`` German sentences, some marked up."""
    chosen = [rng.choice(SENTENCES) for _ in range(sentences)]
    if rng.random() < 0.4:
        chosen[0] = chosen[0].replace("Kommentar", "**Kommentar**", 1)
    if rng.random() < 0.3:
        chosen[-1] = chosen[-1].replace("Team", "*Team*", 1)
    return " ".join(chosen)


def article_body(rng, number, count):
    """Return the Markdown of one realistic post: ~600–900 words with headings,
    paragraphs, a list, a quote, a table, code and links to other posts."""
    other = f"beitrag-{(number * 7 + 3) % count:05d}"
    parts = [paragraph(rng, rng.randint(4, 7)) for _ in range(2)]
    parts.append(f"## {rng.choice(WORDS)} im Alltag")
    parts.append(paragraph(rng, rng.randint(5, 8)))
    parts.append(
        "\n".join(f"- {rng.choice(SENTENCES)}" for _ in range(rng.randint(3, 5)))
    )
    parts.append(
        f"Mehr dazu steht im Beitrag [über {rng.choice(WORDS)}]({{filename}}/"
        f"articles/{other}.md) und auf [der Transparenzseite](/answered/). "
        + paragraph(rng, rng.randint(3, 5))
    )
    parts.append("> " + paragraph(rng, 2))
    parts.append(f"### Zahlen zu {rng.choice(WORDS)}")
    rows = "\n".join(
        f"| {month} | {rng.randint(20, 400)} | {rng.randint(1, 47)} h |"
        for month in ("Januar", "Februar", "März", "April")
    )
    parts.append("| Monat | Kommentare | Antwortzeit |\n|---|---:|---:|\n" + rows)
    parts.append(paragraph(rng, rng.randint(5, 8)))
    parts.append(f"## {rng.choice(WORDS)} und {rng.choice(WORDS)}")
    parts.append(paragraph(rng, rng.randint(5, 8)))
    parts.append(
        "```python\n"
        "def antwortzeit(kommentar, antwort):\n"
        '    """Sekunden bis zur ersten Antwort."""\n'
        "    return (antwort.erstellt - kommentar.erstellt).total_seconds()\n"
        "```"
    )
    parts.append(
        "\n".join(
            f"{index}. {rng.choice(SENTENCES)}"
            for index in range(1, rng.randint(3, 5) + 1)
        )
    )
    parts += [paragraph(rng, rng.randint(4, 6)) for _ in range(rng.randint(2, 4))]
    return "\n\n".join(parts)


def write_articles(content_dir, count, seed=1):
    """Write ``count`` Markdown articles; return their thread paths."""
    rng = random.Random(seed)
    articles = Path(content_dir) / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    threads = []
    for number in range(count):
        day = 1 + number % 28
        month = 1 + (number // 28) % 12
        slug = f"beitrag-{number:05d}"
        parade = ""
        if number % 50 == 0:
            parade = (
                f"Parade: Bench-Parade {number // 500}\n"
                "Parade_host: Beispiel Verlag\n"
                "Parade_url: https://example.org/aufruf\n"
                "Parade_deadline: 2026-12-15\n"
            )
        body = article_body(rng, number, count)
        (articles / f"{slug}.md").write_text(
            f"Title: Beitrag {number}: {rng.choice(WORDS)} und mehr\n"
            f"Date: 2026-{month:02d}-{day:02d} 10:00\n"
            f"Category: {CATEGORIES[number % len(CATEGORIES)]}\n"
            f"Tags: {rng.choice(WORDS)}, {rng.choice(WORDS)}\n"
            f"Slug: {slug}\n"
            f"Authors: {AUTHORS[number % len(AUTHORS)]}\n"
            f"Summary: {paragraph(rng, 2)}\n"
            f"{parade}\n{body}\n",
            encoding="utf-8",
        )
        threads.append(f"/2026/{slug}/")
    return threads


def write_comment_config(directory):
    """Write a comment server config for the benchmark (guard relaxed)."""
    path = Path(directory) / "bench.cfg"
    path.write_text(
        "[general]\ndbpath = comments.db\nhost = http://localhost:8000\n"
        "notify = stdout\n[server]\nlisten = http://127.0.0.1:0\n"
        "[guard]\nenabled = false\n[admin]\nenabled = false\n",
        encoding="utf-8",
    )
    return path


def fill_comments(config_file, threads, count, seed=2, now=None):
    """Insert ``count`` comments over ``threads``; return the database path."""
    conf, _ = load_config(
        config_file, environ={"ISSO_ADMIN_PASSWORD": "x", "ISSO_HASH_SALT": "y"}
    )
    build_server(conf)  # Isso's tables and the project's, as in production
    db_path = conf.get("general", "dbpath")
    rng = random.Random(seed)
    now = now or time.time()
    rows, staff = [], []
    comment_id = 0
    with sqlite3.connect(db_path) as db:
        thread_ids = {}
        for uri in threads:
            cursor = db.execute(
                "INSERT INTO threads (uri, title) VALUES (?, ?)", (uri, uri)
            )
            thread_ids[uri] = cursor.lastrowid
        while comment_id < count:
            uri = rng.choice(threads)
            created = now - rng.uniform(3600, 365 * 86400)
            comment_id += 1
            top = comment_id
            mode = 2 if rng.random() < 0.02 else 1
            rows.append((thread_ids[uri], top, None, created, mode, "Leser"))
            if comment_id < count and rng.random() < 0.8:
                comment_id += 1
                answer_at = created + rng.uniform(600, 48 * 3600)
                rows.append((thread_ids[uri], comment_id, top, answer_at, 1, "Anna"))
                staff.append((comment_id, answer_at))
            if comment_id < count and rng.random() < 0.3:
                comment_id += 1
                rows.append(
                    (thread_ids[uri], comment_id, top, created + 120, 1, "Leserin")
                )
        db.executemany(
            "INSERT INTO comments (tid, id, parent, created, mode, author, text, "
            "remote_addr, email, voters, likes, dislikes) "
            "VALUES (?, ?, ?, ?, ?, ?, 'Ein Kommentar mit **Text** und Fragen.', "
            "'127.0.0.0', 'leser@example.com', x'00', 0, 0)",
            rows,
        )
        db.executemany(
            "INSERT INTO blog_staff_comments VALUES (?, ?, 'anna', 'Anna Schmidt', "
            "'session', ?)",
            [(cid, created, created) for cid, created in staff],
        )
    db.close()
    return db_path
