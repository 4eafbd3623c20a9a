"""A synthetic blog for the benchmarks: N articles and M comments, deterministic.

Articles are ~500 words of German-looking text with full metadata; every 50th
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

WORDS = [
    "antwort",
    "kommentar",
    "kunden",
    "service",
    "daten",
    "server",
    "blog",
    "frage",
    "zeit",
    "team",
    "woche",
    "projekt",
    "update",
    "lösung",
    "fehler",
    "hinweis",
    "dank",
    "idee",
    "leser",
    "beitrag",
    "redaktion",
    "transparenz",
    "ziel",
    "stunde",
    "zahl",
    "seite",
    "thema",
    "gespräch",
    "kritik",
    "vorschlag",
    "änderung",
    "version",
    "sicherheit",
    "schutz",
    "betrieb",
    "nutzer",
    "erfahrung",
]
CATEGORIES = ("Kundenservice", "Technik", "Unternehmen", "Produkt", "Team")
AUTHORS = ("Anna Schmidt", "Jonas Weber", "Leyla Demir")


def paragraph(rng, words):
    """Return one paragraph of ``words`` pseudo-German words."""
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


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
        body = "\n\n".join(paragraph(rng, 100) for _ in range(5))
        (articles / f"{slug}.md").write_text(
            f"Title: Beitrag {number}: {rng.choice(WORDS).title()} und mehr\n"
            f"Date: 2026-{month:02d}-{day:02d} 10:00\n"
            f"Category: {CATEGORIES[number % len(CATEGORIES)]}\n"
            f"Tags: {rng.choice(WORDS)}, {rng.choice(WORDS)}\n"
            f"Slug: {slug}\n"
            f"Authors: {AUTHORS[number % len(AUTHORS)]}\n"
            f"Summary: {paragraph(rng, 20)}\n"
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
