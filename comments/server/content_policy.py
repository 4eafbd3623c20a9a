"""The comment server's Content-Security-Policy, one per kind of page.

Every response gets a policy (``SecurityHeaders`` in comments/server/middleware.py):
nothing may frame it, and it may load only what it needs from this server.
The staff pages' own ``<style>`` blocks (comments/templates/) are allowed by
their SHA-256, computed from the templates at import, never by
``'unsafe-inline'``. Isso's /admin/ page wires its buttons with inline
``onClick`` handlers; ``comments.server.admin_handlers`` turns them into data
attributes and one delegating script, allowed by its hash, so no page of the
server runs an inline script that is not named here.
"""

import base64
import hashlib
import re
from pathlib import Path

from comments.server.admin_handlers import DELEGATE

TEMPLATES = Path(__file__).parent.parent / "templates"
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def source_hash(text):
    """Return the CSP source allowing exactly ``text`` inline."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def style_hashes(folder=TEMPLATES):
    """Return the CSP sources of every inline <style> block in ``folder``."""
    return " ".join(
        source_hash(block)
        for template in sorted(folder.glob("*.html"))
        for block in STYLE_BLOCK.findall(template.read_text(encoding="utf-8"))
    )


PAGE_POLICY = (
    "default-src 'none'; "
    f"style-src 'self' {style_hashes()}; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# The logout form comments/server/isso_admin.py puts into Isso's page header.
ADMIN_LOGOUT_STYLE = "display:inline"
ADMIN_POLICY = (
    f"default-src 'none'; script-src 'self' {source_hash(DELEGATE)}; style-src 'self'; "
    f"style-src-attr 'unsafe-hashes' {source_hash(ADMIN_LOGOUT_STYLE)}; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


# The desk loads its keyboard script (comments/templates/desk.js) from here.
DESK_POLICY = PAGE_POLICY.replace(
    "default-src 'none'; ", "default-src 'none'; script-src 'self'; "
)


def form_policy(blog_origins):
    """Return the policy of the comment form's pages: a comment sent from
    there is answered with a redirect back to its article on the blog
    (comments/server/form_landing.py), which form-action must allow."""
    allowed = " ".join(["'self'", *blog_origins])
    return PAGE_POLICY.replace("form-action 'self'", f"form-action {allowed}")


def policy_for(path, blog_origins=()):
    """Return the Content-Security-Policy for a response to ``path``
    (``blog_origins``: the blog's, where the comment form lands)."""
    path = path.rstrip("/")
    if path == "/admin":
        return ADMIN_POLICY
    if path == "/form/new":
        return form_policy(blog_origins)
    return DESK_POLICY if path == "/desk" else PAGE_POLICY
