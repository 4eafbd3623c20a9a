"""Isso's renderings are kept between builds, and only those a build used."""

import sqlite3

from comments.build.html_cache import RenderCache


class CountingRenderer:
    """Stands in for Isso's renderer, counting what it renders."""

    def __init__(self):
        self.rendered = []

    def render(self, text):
        self.rendered.append(text)
        return f"<p>{text}</p>"


def build(path, texts, identity="isso 0.14.0"):
    """One build: render ``texts`` through a fresh cache, save; return the renderer."""
    renderer = CountingRenderer()
    cache = RenderCache(renderer, path, identity)
    assert [cache.render(text) for text in texts] == [f"<p>{t}</p>" for t in texts]
    cache.save()
    return renderer


def kept(path):
    with sqlite3.connect(path) as db:
        rows = sorted(html for (html,) in db.execute("SELECT html FROM rendered"))
    db.close()
    return rows


def test_a_text_is_rendered_once_across_builds(tmp_path):
    path = tmp_path / "cache" / "comment-html.sqlite"
    assert build(path, ["Eins", "Zwei", "Eins"]).rendered == ["Eins", "Zwei"]
    assert build(path, ["Zwei", "Eins", "Drei"]).rendered == ["Drei"]
    assert kept(path) == ["<p>Drei</p>", "<p>Eins</p>", "<p>Zwei</p>"]


def test_a_text_no_build_uses_any_more_leaves_the_cache(tmp_path):
    path = tmp_path / "comment-html.sqlite"
    build(path, ["Bleibt", "Entfernter Kommentar"])
    build(path, ["Bleibt"])
    assert kept(path) == ["<p>Bleibt</p>"]


def test_another_renderer_renders_again(tmp_path):
    path = tmp_path / "comment-html.sqlite"
    build(path, ["Eins"])
    assert build(path, ["Eins"], identity="isso 0.15.0").rendered == ["Eins"]


def test_a_damaged_cache_costs_a_rendering_not_the_build(tmp_path, caplog):
    path = tmp_path / "comment-html.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert build(path, ["Eins"]).rendered == ["Eins"]
    assert build(path, ["Eins"]).rendered == []


def test_a_build_without_comments_keeps_the_cache(tmp_path):
    path = tmp_path / "comment-html.sqlite"
    build(path, ["Eins"])
    build(path, [])
    assert kept(path) == ["<p>Eins</p>"]


def test_a_refresh_keeps_the_renderings_it_did_not_use(tmp_path):
    path = tmp_path / "comment-html.sqlite"
    build(path, ["Eins", "Zwei"])
    refresh = RenderCache(CountingRenderer(), path, "isso 0.14.0")
    refresh.render("Drei")  # the one changed page a refresh renders
    refresh.save(prune=False)
    assert kept(path) == ["<p>Drei</p>", "<p>Eins</p>", "<p>Zwei</p>"]
    assert build(path, ["Eins", "Zwei", "Drei"]).rendered == []


def test_a_refresh_that_rendered_nothing_new_leaves_the_file(tmp_path):
    path = tmp_path / "comment-html.sqlite"
    build(path, ["Eins"])
    before = path.stat().st_mtime_ns
    refresh = RenderCache(CountingRenderer(), path, "isso 0.14.0")
    refresh.render("Eins")
    refresh.save(prune=False)
    assert path.stat().st_mtime_ns == before
