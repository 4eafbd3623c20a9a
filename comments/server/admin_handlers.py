"""Isso's /admin/ page without inline event handlers, so its policy needs no
``'unsafe-inline'`` for scripts.

Isso 0.14's admin template wires its buttons with ``onClick="javascript:f(…)"``
attributes that carry each comment's id and hash, which no fixed hash can
allow. ``without_inline_handlers`` turns each into data attributes
(``data-admin-call``, ``data-admin-args`` as JSON, ``data-admin-this``,
``data-admin-href``) and adds one small ``<script>`` (``DELEGATE``), allowed by
its SHA-256, that calls the same global functions of Isso's ``admin.js`` on a
click. An attribute of another shape is left as it is (the browser then
refuses it under the policy, visibly, instead of anything running unchecked).
"""

import html
import json
import re

DELEGATE = (
    'document.addEventListener("click",function(e){'
    'var t=e.target.closest("[data-admin-call],[data-admin-href]");if(!t)return;'
    'if(t.hasAttribute("data-admin-href")){'
    'window.location=t.getAttribute("data-admin-href");return}'
    'var f=window[t.getAttribute("data-admin-call")];if(typeof f!=="function")return;'
    'f.apply(t,t.hasAttribute("data-admin-this")?[t]:'
    'JSON.parse(t.getAttribute("data-admin-args")||"[]"))});'
)
DELEGATE_TAG = f"<script>{DELEGATE}</script>"

HANDLER = re.compile(r'\bonclick="(?:javascript:)?([^"]*)"', re.IGNORECASE)
CALL = re.compile(r"^\s*([A-Za-z_]\w*)\((.*)\)\s*;?\s*$", re.DOTALL)
ARGUMENT = re.compile(r"\s*(-?\d+|'[^'\\]*')\s*(?:,|$)")
NAVIGATION = re.compile(r"^\s*window\.location\s*=\s*'([^'\\]*)'\s*;?\s*$")


def arguments(text):
    """Parse ``1, 'abc', 'https://x'`` into a list, or None for anything else."""
    values, position = [], 0
    text = text.strip()
    while position < len(text):
        found = ARGUMENT.match(text, position)
        if not found:
            return None
        token = found.group(1)
        values.append(token[1:-1] if token.startswith("'") else int(token))
        position = found.end()
    return values


def data_attributes(script):
    """The data attributes standing for one inline handler, or None."""
    script = html.unescape(script)
    if found := NAVIGATION.match(script):
        return f'data-admin-href="{html.escape(found.group(1))}"'
    found = CALL.match(script)
    if not found:
        return None
    name, listed = found.groups()
    if listed.strip() == "this":
        return f'data-admin-call="{name}" data-admin-this'
    values = arguments(listed)
    if values is None:
        return None
    return (
        f'data-admin-call="{name}" '
        f'data-admin-args="{html.escape(json.dumps(values), quote=True)}"'
    )


def without_inline_handlers(page):
    """Return Isso's admin page (text) with its handlers as data attributes."""

    def replace(found):
        return data_attributes(found.group(1)) or found.group(0)

    page = HANDLER.sub(replace, page)
    if "</body>" in page:
        return page.replace("</body>", f"{DELEGATE_TAG}</body>", 1)
    return page + DELEGATE_TAG
