"""Which saved files need what: a page rendered first, a stylesheet copied, a
build, or — the comment database written — the comment pages refreshed.

A batch that changed theme templates only names them (``changed_templates``):
the build then renders only the pages whose templates use one of them.

``plan_changes`` turns the watcher's changes (kind, path) into a ``Plan``;
files editors write beside the real one (swap files, backups) are ignored.
"""

from dataclasses import dataclass, field
from pathlib import Path

EDITOR_FILES = (".swp", ".swx", ".tmp", "~", ".preview-part")
IGNORED_FOLDERS = {"__pycache__", ".git", "node_modules"}


@dataclass(frozen=True)
class Layout:
    """Where the sources are, as the settings say."""

    content: Path  # PATH
    source_folders: tuple  # ARTICLE_PATHS and PAGE_PATHS, below content
    markdown_suffixes: tuple  # ".md", ".markdown", …
    theme_static: Path  # the theme's static folder
    theme_static_target: str  # THEME_STATIC_DIR in the output
    theme_templates: Path | None = None  # the theme's templates folder
    comment_files: tuple = ()  # the comment database and its write-ahead log


@dataclass
class Plan:
    """What to do for one batch of changes."""

    sources: list = field(default_factory=list)  # Markdown files to render first
    stylesheets: list = field(default_factory=list)  # (file, output path)
    rebuild: bool = False  # a full build follows
    comments: bool = False  # the comment database changed: refresh its pages
    new_code: bool = False  # plugin code changed: a fresh builder process
    templates: list = field(default_factory=list)  # theme templates changed
    beyond_templates: bool = False  # a change the templates do not cover

    @property
    def changed_templates(self):
        """The changed templates' names when nothing else changed, else None
        (then every page is rendered)."""
        if self.templates and not self.beyond_templates and not self.sources:
            return list(self.templates)
        return None

    def __bool__(self):
        return bool(self.sources or self.stylesheets or self.rebuild or self.comments)


def is_editor_file(path):
    """True for files editors keep beside the real one (``.x.swp``, ``x~``)."""
    name = path.name
    return (
        name.startswith((".#", "#"))
        or name.endswith(EDITOR_FILES)
        or name == "4913"  # vim's probe whether it may write the folder
        or any(part in IGNORED_FOLDERS for part in path.parts)
    )


def is_source(path, layout):
    """True for a Markdown article or page of the site."""
    return path.suffix in layout.markdown_suffixes and any(
        path.is_relative_to(layout.content / folder) for folder in layout.source_folders
    )


def plan_changes(changes, layout):
    """Return the Plan for ``changes``: (kind, path) with kind "added",
    "modified" or "deleted"."""
    plan = Plan()
    for kind, path in changes:
        path = Path(path)
        if path in layout.comment_files:
            plan.comments = True
            continue
        if is_editor_file(path):
            continue
        if kind != "deleted" and is_source(path, layout):
            if path not in plan.sources:
                plan.sources.append(path)
            plan.rebuild = True
        elif (
            kind != "deleted"
            and path.suffix == ".css"
            and path.is_relative_to(layout.theme_static)
        ):
            target = Path(layout.theme_static_target) / path.relative_to(
                layout.theme_static
            )
            if (path, target) not in plan.stylesheets:
                plan.stylesheets.append((path, target))
        elif (
            kind != "deleted"
            and layout.theme_templates is not None
            and path.suffix == ".html"
            and path.is_relative_to(layout.theme_templates)
        ):
            name = path.relative_to(layout.theme_templates).as_posix()
            if name not in plan.templates:
                plan.templates.append(name)
            plan.rebuild = True
        else:
            plan.rebuild = True
            plan.beyond_templates = True
            plan.new_code = (
                plan.new_code
                or path.suffix == ".py"
                and not any(path.is_relative_to(folder) for folder in (layout.content,))
            )
    return plan
