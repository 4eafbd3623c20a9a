"""A synthetic blog for the benchmarks: N articles and M comments, deterministic.

Articles are realistic German posts of 600–900 words made of the blog's own
seed text (the sentences of content/articles: its real vocabulary, which
Pagefind's index grows with) with headings, lists, a quote, a table, code and
links to other posts, full metadata; every 50th joins a blog parade. The
preview bench writes the same corpus. Comments go into a real Isso SQLite
database (tables made by the comment server itself), with verified staff
replies, open threads and a share awaiting moderation.
"""

import random
import re
import sqlite3
import time
from pathlib import Path

from comments.config import load_config
from comments.server.app import build_server

CATEGORIES = ("Kundenservice", "Technik", "Unternehmen", "Produkt", "Team")
AUTHORS = ("Anna Schmidt", "Jonas Weber", "Leyla Demir")
ROOT = Path(__file__).resolve().parent.parent


def seed_sentences():
    """Return the sentences of the blog's own articles (the seed text)."""
    sentences = []
    for path in sorted((ROOT / "content" / "articles").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[-1]
        text = re.sub(r"[#>*|`\[\]()_-]", " ", body)
        sentences += [
            " ".join(s.split()) + "."
            for s in re.split(r"[.!?]\s", text)
            if 6 <= len(s.split()) <= 30
        ]
    return sentences


def paragraph(rng, sentences, count):
    """Return one paragraph of ``count`` seed sentences, some marked up."""
    chosen = [rng.choice(sentences) for _ in range(count)]
    if rng.random() < 0.4:
        words = chosen[0].split()
        words[1] = f"**{words[1]}**"
        chosen[0] = " ".join(words)
    if rng.random() < 0.3:
        words = chosen[-1].split()
        words[-2] = f"*{words[-2]}*"
        chosen[-1] = " ".join(words)
    return " ".join(chosen)


def article_body(rng, sentences, number, count):
    """Return the Markdown of one realistic post: 600–900 words with headings,
    paragraphs, a list, a quote, a table, code and links to other posts."""
    other = f"beitrag-{(number * 7 + 3) % count:05d}"
    parts = [paragraph(rng, sentences, rng.randint(3, 5)) for _ in range(2)]
    parts.append("## Was sich geändert hat")
    parts.append(paragraph(rng, sentences, rng.randint(4, 6)))
    parts.append("\n".join(f"- {rng.choice(sentences)}" for _ in range(4)))
    parts.append(
        f"Mehr dazu im [Beitrag von neulich]({{filename}}/articles/{other}.md) "
        "und auf [der Transparenzseite](/answered/). " + paragraph(rng, sentences, 3)
    )
    parts.append("> " + paragraph(rng, sentences, 2))
    parts.append("### Zahlen")
    rows = "\n".join(
        f"| {month} | {rng.randint(20, 400)} | {rng.randint(1, 47)} h |"
        for month in ("Januar", "Februar", "März", "April")
    )
    parts.append("| Monat | Kommentare | Antwortzeit |\n|---|---:|---:|\n" + rows)
    parts.append(paragraph(rng, sentences, rng.randint(4, 6)))
    parts.append(
        "```python\ndef antwortzeit(kommentar, antwort):\n"
        '    """Sekunden bis zur ersten Antwort."""\n'
        "    return (antwort.erstellt - kommentar.erstellt).total_seconds()\n```"
    )
    parts.append("\n".join(f"{i}. {rng.choice(sentences)}" for i in range(1, 4)))
    parts += [paragraph(rng, sentences, rng.randint(4, 6)) for _ in range(3)]
    body = "\n\n".join(parts)
    while len(body.split()) < 600:
        body += "\n\n" + paragraph(rng, sentences, 4)
    return body


def write_articles(content_dir, count, seed=1):
    """Write ``count`` realistic articles; return their thread (URL) paths."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    articles = Path(content_dir) / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    threads = []
    for number in range(count):
        slug = f"beitrag-{number:05d}"
        date = f"2026-{1 + (number // 28) % 12:02d}-{1 + number % 28:02d} 10:00"
        parade = ""
        if number % 50 == 0:
            parade = (
                f"Parade: Bench-Parade {number // 500}\n"
                "Parade_host: Beispiel Verlag\n"
                "Parade_url: https://example.org/aufruf\n"
                "Parade_deadline: 2026-12-15\n"
            )
        (articles / f"{slug}.md").write_text(
            f"Title: Beitrag {number}: {rng.choice(sentences)[:40].strip()}\n"
            f"Date: {date}\nCategory: {CATEGORIES[number % len(CATEGORIES)]}\n"
            f"Tags: Thema {number % 40}, Thema {number % 13}\nSlug: {slug}\n"
            f"Authors: {AUTHORS[number % len(AUTHORS)]}\n"
            f"Summary: {rng.choice(sentences)}\n{parade}\n"
            f"{article_body(rng, sentences, number, count)}\n",
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
