"""A tiny blog for the site-extras tests: three articles in two categories by
two authors, a draft, a draft page, a hidden 404 page, author profiles and
images. Shared by tests/plugins/test_site_extras.py and the browser test."""

SITEURL = "https://blog.example.org"
COMMENTS_URL = "http://127.0.0.1:9999"

# 15 words; 30 of them are 450 words, 2 whole minutes at 200 words a minute.
SENTENCE = (
    "Die neue Version bringt heute eine schnellere Terminplanung und bessere "
    "Druckvorlagen für alle Betriebe mit."
)

OLDEST = "2026/ein-besuch-in-unserer-werkstatt/"
MIDDLE = "2026/auftragsbuch-5-ist-da/"
NEWEST = "2026/kritik-bleibt-stehen/"
ARTICLES = (OLDEST, MIDDLE, NEWEST)
PAGES = ("impressum/",)
DRAFTS = ("entwuerfe/geheimer-entwurf/", "entwuerfe/seiten/neue-seite/")

SITE = {
    "articles/werkstatt.md": """
        Title: Ein Besuch in unserer Werkstatt
        Date: 2026-03-02 09:00
        Category: Unternehmen
        Tags: Team
        Slug: ein-besuch-in-unserer-werkstatt
        Authors: Anna Schmidt
        Summary: Wo unsere Geräte repariert werden.

        In unserer Werkstatt in Musterstadt reparieren wir jedes Gerät selbst.
        Wer vorbeikommt, bekommt einen Kaffee und eine Führung.
    """,
    "articles/update.md": f"""
        Title: Auftragsbuch 5 ist da
        Date: 2026-04-10 10:00
        Modified: 2026-04-12 08:00
        Category: Produkt
        Tags: Update, Auftragsbuch
        Slug: auftragsbuch-5-ist-da
        Authors: Jonas Weber
        Image: images/teaser.svg
        Summary: Was sich mit Version 5 ändert.

        {" ".join([SENTENCE] * 30)}
    """,
    "articles/kritik.md": """
        Title: Kritik bleibt stehen
        Date: 2026-05-20 11:30
        Category: Unternehmen
        Tags: Team
        Slug: kritik-bleibt-stehen
        Authors: Anna Schmidt, Jonas Weber
        Summary: Warum wir nichts löschen, nur weil es wehtut.

        Kritik bleibt bei uns stehen und bekommt eine Antwort.
    """,
    "articles/entwurf.md": """
        Title: Geheimer Entwurf
        Date: 2026-06-01 09:00
        Category: Unternehmen
        Slug: geheimer-entwurf
        Authors: Anna Schmidt
        Status: draft
        Summary: Noch nicht fertig.

        Das Geheimprojekt verraten wir erst später.
    """,
    "pages/impressum.md": """
        Title: Impressum
        Slug: impressum
        Summary: Wer dieses Blog herausgibt.

        Beispiel GmbH, Musterstraße 1, 12345 Musterstadt.
    """,
    "pages/neue-seite.md": """
        Title: Neue Seite
        Slug: neue-seite
        Status: draft

        Noch geheim.
    """,
    "pages/404.md": """
        Title: Seite nicht gefunden
        Slug: 404
        Template: 404
        Status: hidden
        Save_as: 404.html

        Diese Seite gibt es nicht.
    """,
    "authors/anna-schmidt.yml": """
        name: Anna Schmidt
        role: Leiterin Kundendialog
        bio: Anna beantwortet jeden Kommentar & jede Frage.
        photo: images/anna.svg
    """,
    "authors/jonas-weber.yml": """
        name: Jonas Weber
        role: Produktmanager
        bio: Jonas plant die nächste Version.
    """,
    "images/anna.svg": """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2">
          <circle cx="1" cy="1" r="1"/>
        </svg>
    """,
    "images/teaser.svg": """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 1">
          <rect width="2" height="1"/>
        </svg>
    """,
}
