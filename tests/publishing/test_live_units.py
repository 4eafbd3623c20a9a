"""The live preview's pure parts: what a change needs, problems, syncing."""

import os
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, TemplateSyntaxError

from publishing.live.changes import Layout, plan_changes
from publishing.live.problems import Problem, metadata_line, template_problem
from publishing.live.server import inject_script
from publishing.live.sync import page_url, remove_stale_pages, sync_folder
from publishing.live.watch import comment_files_token

LAYOUT = Layout(
    content=Path("/blog/content"),
    source_folders=("articles", "pages"),
    markdown_suffixes=(".md", ".markdown"),
    theme_static=Path("/blog/theme/static"),
    theme_static_target="theme",
    comment_files=(Path("/blog/comments.db"), Path("/blog/comments.db-wal")),
)


def test_a_saved_article_is_rendered_first_then_built():
    plan = plan_changes([("modified", "/blog/content/articles/a.md")], LAYOUT)
    assert plan.sources == [Path("/blog/content/articles/a.md")]
    assert plan.rebuild and not plan.stylesheets


def test_a_comment_written_refreshes_the_comment_pages_without_a_build():
    plan = plan_changes([("modified", "/blog/comments.db-wal")], LAYOUT)
    assert plan.comments and not plan.rebuild and not plan.sources


def test_a_read_of_the_comment_database_is_told_from_a_write(tmp_path):
    database, wal = tmp_path / "c.db", tmp_path / "c.db-wal"
    database.write_bytes(b"x" * 10)
    wal.write_bytes(b"")
    before = comment_files_token((database, wal))
    os.utime(wal, ns=(1, 1))  # a reader opening (or creating) an empty log
    assert comment_files_token((database, wal)) == before
    wal.write_bytes(b"frame")  # a write
    assert comment_files_token((database, wal)) != before


def test_a_stylesheet_is_copied_without_a_build():
    plan = plan_changes([("modified", "/blog/theme/static/css/main.css")], LAYOUT)
    assert plan.stylesheets == [
        (Path("/blog/theme/static/css/main.css"), Path("theme/css/main.css"))
    ]
    assert not plan.rebuild and not plan.sources


@pytest.mark.parametrize(
    "path",
    [
        "/blog/theme/templates/article.html",
        "/blog/content/authors/anna.yml",
        "/blog/pelicanconf.py",
        "/blog/plugins/answered/page.py",
    ],
)
def test_everything_else_is_a_build(path):
    plan = plan_changes([("modified", path)], LAYOUT)
    assert plan.rebuild and not plan.sources and not plan.stylesheets
    # Python code is imported afresh by a new builder process.
    assert plan.new_code == path.endswith(".py")


def test_a_deleted_article_is_a_build_only():
    plan = plan_changes([("deleted", "/blog/content/articles/a.md")], LAYOUT)
    assert plan.rebuild and not plan.sources


@pytest.mark.parametrize(
    "name", [".a.md.swp", "a.md~", "4913", ".#a.md", "x.html.preview-part"]
)
def test_editor_files_change_nothing(name):
    assert not plan_changes([("added", f"/blog/content/articles/{name}")], LAYOUT)


def test_the_metadata_line_of_a_bad_value_is_found():
    text = "Title: Hallo\nDate: gestern\nSlug: hallo\n\nDate: gestern im Text\n"
    assert metadata_line(text, "'gestern' is not a valid date") == 2
    assert metadata_line(text, "something else") is None


def test_a_template_syntax_error_names_file_and_line(tmp_path):
    environment = Environment(loader=DictLoader({"a.html": "<p>\n{% if %}\n"}))
    with pytest.raises(TemplateSyntaxError) as raised:
        environment.get_template("a.html")
    raised.value.filename = str(tmp_path / "theme" / "a.html")
    problem = template_problem(raised.value, tmp_path)
    assert (problem.file, problem.line) == ("theme/a.html", 2)
    assert str(problem).startswith("theme/a.html:2: ")


def test_a_problem_reads_as_one_line():
    problem = Problem("content/articles/a.md", 3, "'x' is not a valid date")
    assert str(problem) == "content/articles/a.md:3: 'x' is not a valid date"
    assert problem.as_dict()["line"] == 3


def test_the_script_goes_before_the_end_of_head():
    tag = b'<script src="/__preview__/reload.js"></script>'
    assert inject_script(b"<html><head></head><body></body></html>", tag) == (
        b'<html><head><script src="/__preview__/reload.js"></script></head>'
        b"<body></body></html>"
    )
    assert inject_script(b"<p>bare", tag) == b"<p>bare" + tag


def test_sync_replaces_changed_files_and_removes_vanished_ones(tmp_path):
    built, served = tmp_path / "built", tmp_path / "served"
    for folder, files in (
        (built, {"a/index.html": "neu", "b/index.html": "gleich"}),
        (served, {"a/index.html": "alt", "b/index.html": "gleich", "c/x.css": "x"}),
    ):
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    unchanged = (served / "b/index.html").stat().st_ino
    changed = sync_folder(built, served)
    assert changed == [Path("a/index.html"), Path("c/x.css")]
    assert (served / "a/index.html").read_text() == "neu"
    assert (served / "b/index.html").stat().st_ino == unchanged
    assert not (served / "c").exists()
    assert [page_url(path) for path in changed] == ["/a/", "/c/x.css"]


def test_pages_a_build_did_not_write_again_are_stale(tmp_path):
    for name in ("alt/index.html", "neu/index.html", "theme/css/a.css", "theme/x.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    os.utime(tmp_path / "alt/index.html", (1, 1))
    os.utime(tmp_path / "theme/x.json", (1, 1))
    since = (tmp_path / "neu/index.html").stat().st_mtime - 1
    assert remove_stale_pages(tmp_path, since, [Path("theme")]) == [
        Path("alt/index.html")
    ]
    assert (tmp_path / "theme/x.json").exists()


def test_a_batch_of_template_changes_names_them_for_the_build():
    layout = Layout(
        **{**LAYOUT.__dict__, "theme_templates": Path("/blog/theme/templates")}
    )
    templates = Path("/blog/theme/templates")
    plan = plan_changes(
        [
            ("modified", templates / "tag.html"),
            ("modified", templates / "includes/x.html"),
        ],
        layout,
    )
    assert plan.rebuild
    assert plan.changed_templates == ["tag.html", "includes/x.html"]
    mixed = plan_changes(
        [
            ("modified", templates / "tag.html"),
            ("modified", Path("/blog/pelicanconf.py")),
        ],
        layout,
    )
    assert mixed.changed_templates is None  # every page is rendered


class RecordingSite:
    """A warm site that records builds; ``during_build`` runs inside each."""

    def __init__(self, tmp_path, during_build=lambda: None):
        self.output, self.during_build = tmp_path, during_build
        self.builds, self.refreshes = [], 0

    def render_source(self, source):
        return "/" + Path(source).stem + "/"

    def build(self, superseded, templates=None):
        from publishing.live.site import BuildResult

        self.builds.append(templates)
        self.during_build()
        return BuildResult(changed=["/a/"], superseded=superseded())

    def refresh_comments(self):
        self.refreshes += 1
        return []


class Broadcaster:
    def publish(self, kind, data):
        pass

    def show_problem(self, problem):
        pass


def preview_worker(site):
    from publishing.live.watch import PreviewWorker

    lines = []
    return PreviewWorker(site, Broadcaster(), LAYOUT, lines.append), lines


def test_the_builds_own_read_of_the_comments_overtakes_no_build(tmp_path):
    site = RecordingSite(tmp_path)
    worker, lines = preview_worker(site)
    site.during_build = lambda: worker.changes.put([("modified", "/blog/comments.db")])
    worker.handle([("modified", "/blog/content/articles/a.md")])
    assert any(line.startswith("preview: site rebuilt") for line in lines)
    worker.handle(worker.pending())  # the comment change: a refresh, no build
    assert site.builds == [None]


def test_a_build_overtaken_by_an_edit_is_made_by_the_next_batch(tmp_path):
    site = RecordingSite(tmp_path / "output")
    worker, lines = preview_worker(site)
    worker.layout = Layout(**{**LAYOUT.__dict__, "theme_static": tmp_path / "static"})
    stylesheet = tmp_path / "static/css/main.css"
    stylesheet.parent.mkdir(parents=True)
    stylesheet.write_text("a {}", encoding="utf-8")
    site.during_build = lambda: worker.changes.put([("modified", str(stylesheet))])
    worker.handle([("modified", "/blog/content/articles/a.md")])
    assert not any("site rebuilt" in line for line in lines)  # dropped
    site.during_build = lambda: None
    worker.handle(worker.pending())  # a stylesheet asks for no build …
    assert any(line.endswith("main.css swapped in") for line in lines)
    assert site.builds == [None, None]  # … the dropped one is still made
    assert any(line.startswith("preview: site rebuilt") for line in lines)


def test_an_owed_build_covers_the_templates_of_both():
    from publishing.live.watch import owed_templates

    layout = Layout(
        **{**LAYOUT.__dict__, "theme_templates": Path("/blog/theme/templates")}
    )
    plan = plan_changes([("modified", "/blog/theme/templates/a.html")], layout)
    assert owed_templates(False, plan) == ["a.html"]
    assert owed_templates(["tag.html"], plan) == ["a.html", "tag.html"]
    assert owed_templates(None, plan) is None  # the whole site was owed
