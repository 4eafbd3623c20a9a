"""The route table: every route answers on a live server, nothing else does."""

import re

import pytest

from comments.config import load_config
from comments.server.app import build_server
from comments.server.routes import ROUTES, bare
from tests.support import write_isso_config

STAFF = {"anna": ("Anna Schmidt", "ein-langes-passwort")}
TOKEN = "export-token-" + "x" * 32
ADMIN = {"enabled": "true", "password": "admin-passwort-123"}
# A value for each placeholder of the table's paths.
SAMPLES = {
    "id": "1",
    "action": "activate",
    "key": "kein-schluessel",
    "email": "kein-empfaenger",
    "token": "kein-token",
}
FILES = {"js": "embed.min.js", "css": "isso.css", "img": "isso.svg"}
QUERIES = {"fetch": "?uri=/2026/a/", "feed": "?uri=/2026/a/", "latest": "?limit=5"}


@pytest.fixture
def server(comment_server_factory):
    """A server with every optional route switched on, and one comment."""
    server = comment_server_factory(
        environ={"BLOG_EXPORT_TOKEN": TOKEN},
        staff=STAFF,
        admin=ADMIN,
        rss={"base": "http://localhost:8000"},
        general={"latest-enabled": "true"},
        guard={"ratelimit": "100", "direct-reply": "100"},
    )
    assert server.client.post("/2026/a/", "Ein Kommentar").status == 201
    return server


def concrete(route):
    """Return a path that reaches ``route``, placeholders filled in."""
    if route.layer == "static":
        return route.path.replace("<path:file>", FILES[route.endpoint])

    def sample(match):
        return SAMPLES[match.group(1)]

    path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", sample, route.path)
    return path + QUERIES.get(route.endpoint, "")


def test_every_route_in_the_table_answers(server):
    cookie = server.client.staff_login("anna", STAFF["anna"][1])
    headers = {"Cookie": cookie, "Authorization": f"Bearer {TOKEN}"}
    unanswered = []
    for route in ROUTES:
        for method in route.methods:
            payload = (
                {"text": "Noch ein Kommentar"} if method in ("POST", "PUT") else None
            )
            if route.endpoint == "counts":
                payload = ["/2026/a/"]
            reply = server.client.request(method, concrete(route), payload, headers)
            if reply.status in (404, 405):
                unanswered.append((method, concrete(route), reply.status))
    assert unanswered == []


@pytest.mark.parametrize(
    "path",
    [
        "/staff",
        "/staff/other",
        "/desk/other",
        "/desk.html",
        "/export.json",
        "/id/1/unknown",
        "/admin/extra",
        "/nothing/here",
        "/.env",
    ],
)
def test_a_path_outside_the_table_gets_404(server, path):
    assert server.client.request("GET", path).status == 404
    assert server.client.request("POST", path, {}).status == 404


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/staff/me", "GET, HEAD"),
        ("GET", "/staff/logout", "POST"),
        ("DELETE", "/staff/login", "GET, HEAD, POST"),
        ("POST", "/desk", "GET, HEAD"),
        ("GET", "/desk/assign", "POST"),
        ("POST", "/export", "GET, HEAD"),
        ("PATCH", "/new", "POST"),
    ],
)
def test_a_method_outside_the_table_gets_405(server, method, path, allowed):
    reply = server.client.request(method, path, {})
    assert reply.status == 405
    assert sorted(reply.headers["Allow"].split(", ")) == allowed.split(", ")


def test_the_table_lists_every_route_isso_has(tmp_path):
    conf, _ = load_config(write_isso_config(tmp_path, admin=ADMIN), environ={})
    isso = build_server(conf, environ={})
    listed = {
        (method, bare(route.path)) for route in ROUTES for method in route.methods
    }
    for rule in isso.urls.iter_rules():
        methods = (rule.methods or {"GET"}) - {"HEAD", "OPTIONS"}
        for method in methods:
            assert (method, bare(rule.rule)) in listed, rule
