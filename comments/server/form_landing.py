"""Where a comment from the plain form lands: back on its article, never elsewhere.

After the comment server stored a comment from the form without JavaScript
(``comments.server.form_post``), it answers 303 to the article itself: one of
the blog's configured origins (``[general] host``, never what the request
says) and the thread's path, with a fragment naming the outcome. The article
page carries a hidden message for each fragment, which CSS ``:target`` shows
(theme/templates/includes/comment_landing.html). A thread path that could
lead off the blog (``//host``, ``/\\host``, a scheme, a line break, a query
or fragment of its own) is refused before anything is stored, and would land
on the blog's home page here.
"""

import re
from urllib.parse import quote

PUBLISHED = "kommentar-veroeffentlicht"
WAITING = "kommentar-wartet"

# One slash, then anything printable but a space, a backslash (browsers read
# it as a slash), "?" or "#" (a thread is a path, no more).
BLOG_PATH = re.compile(r"/(?![/\\])[^\s\\?#]*")
# Kept as they are in a Location path; all else (non-ASCII, quotes, angle
# brackets) is percent-encoded.
PATH_SAFE = "/%-._~!$&'()*+,;=:@"


def is_blog_path(uri):
    """True for a path on the blog ("/2026/slug/"), nothing that leaves it."""
    return isinstance(uri, str) and uri.isprintable() and bool(BLOG_PATH.fullmatch(uri))


def landing_url(blog, uri, pending):
    """Return the article's URL with the outcome's fragment: ``blog`` is one
    of the configured origins; a ``uri`` off the blog lands on its home page."""
    fragment = WAITING if pending else PUBLISHED
    path = quote(uri, safe=PATH_SAFE) if is_blog_path(uri) else "/"
    return f"{blog.rstrip('/')}{path}#{fragment}"
