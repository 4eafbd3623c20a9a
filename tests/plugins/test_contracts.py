"""The contracts file lists every name the plugins hand each other."""

import ast

import pytest

import contracts
from tests.support import ROOT

PLUGINS = ROOT / "plugins"
# Pelican's own context keys and content attributes, documented by Pelican.
PELICAN_CONTEXT = {
    "articles",
    "pages",
    "categories",
    "generated_content",
    "static_links",
    "static_content",
    "localsiteurl",
}
CONTENT_NAMES = {"content", "item", "article", "page", "articles"}


def plugin_sources():
    for path in sorted(PLUGINS.rglob("*.py")):
        relative = path.relative_to(PLUGINS)
        if path.name != "contracts.py":
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def contract_values():
    return {
        name: value
        for name, value in vars(contracts).items()
        if name.isupper() and isinstance(value, str)
    }


def is_context(node):
    return (isinstance(node, ast.Name) and node.id == "context") or (
        isinstance(node, ast.Attribute) and node.attr == "context"
    )


def literal(node):
    return node.value if isinstance(node, ast.Constant) else None


def handed_over(tree):
    """Yield (kind, name) for every literal key or attribute in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_context(node.value):
            yield "context key", literal(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if is_context(func.value) and func.attr in {"get", "setdefault", "pop"}:
                yield "context key", literal(node.args[0])
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr"}
        ):
            yield "attribute", literal(node.args[1])
        if isinstance(node, ast.Assign):
            for target in node.targets:
                owner = target.value if isinstance(target, ast.Attribute) else None
                if isinstance(owner, ast.Subscript):
                    owner = owner.value
                if isinstance(owner, ast.Name) and owner.id in CONTENT_NAMES:
                    yield "content attribute", target.attr


def test_the_scan_finds_what_plugins_hand_over():
    found = {name for _, tree in plugin_sources() for _, name in handed_over(tree)}
    assert {"isso", "answered", "blog_parade", "articles"} <= found


def test_no_plugin_repeats_a_contract_as_a_literal():
    values = set(contract_values().values())
    for path, tree in plugin_sources():
        for kind, name in handed_over(tree):
            if kind != "content attribute":  # attribute syntax has no literal
                assert name not in values, f"{path}: {kind} {name!r}: use contracts"


def test_every_context_key_is_pelicans_or_listed():
    for path, tree in plugin_sources():
        for kind, name in handed_over(tree):
            if kind == "context key" and name is not None:
                assert name in PELICAN_CONTEXT, f"{path}: {name!r} not in contracts"


def test_every_attribute_set_on_content_is_listed():
    listed = set(contract_values().values())
    for path, tree in plugin_sources():
        for kind, name in handed_over(tree):
            if kind == "content attribute":
                assert name in listed, f"{path}: .{name} not in contracts"


def documented_names():
    tree = ast.parse((PLUGINS / "contracts.py").read_text(encoding="utf-8"))
    body = tree.body
    for statement, following in zip(body, body[1:], strict=False):
        if isinstance(statement, ast.Assign):
            doc = literal(following.value) if isinstance(following, ast.Expr) else ""
            yield statement.targets[0].id, doc or ""


@pytest.mark.parametrize("name", sorted(contract_values()))
def test_every_contract_says_who_writes_and_reads_it(name):
    docs = dict(documented_names())
    assert "Writer" in docs[name] and "Reader" in docs[name], name


@pytest.mark.parametrize("name", sorted(contract_values()))
def test_every_contract_is_used_by_a_plugin(name):
    sources = "".join(
        path.read_text(encoding="utf-8")
        for path in PLUGINS.rglob("*.py")
        if path.name != "contracts.py"
    )
    assigned = {
        attribute
        for _, tree in plugin_sources()
        for kind, attribute in handed_over(tree)
        if kind == "content attribute"
    }
    assert f"contracts.{name}" in sources or contract_values()[name] in assigned
