"""Pelican settings for production (`invoke publish`): only what differs from local.

Values come from the environment where a deployment needs its own.
"""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *

SITEURL = os.environ.get("BLOG_SITEURL", "https://blog.example.org")
RELATIVE_URLS = False

FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"

DELETE_OUTPUT_DIRECTORY = True
# Drafts are previewed locally only; a production build does not write them.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# The public address of the comment server (behind the reverse proxy).
COMMENTS_URL = os.environ.get("BLOG_COMMENTS_URL", "https://kommentare.example.org")

# Publishing (`invoke publish`, publishing/settings.py). A local folder gets
# releases/ and a `current` symlink; user@host:/path is deployed with rsync. The
# default is a folder beside the checkout: outside git, content/ and output/, and
# writable by whoever builds. Relative paths start at this file's folder.
PUBLISH_TARGET = os.environ.get("PUBLISH_TARGET", "../site-releases")
# "auto" (by the target), "releases" or "rsync" (also into a local folder).
PUBLISH_METHOD = "auto"
# Previous releases kept for `invoke rollback`; unchanged files are hard links.
PUBLISH_KEEP_RELEASES = 5
# The only email addresses the site may show (Impressum, Datenschutz); an entry
# "@example.org" allows a whole domain.
PUBLISH_EMAIL_ALLOWLIST = ["redaktion@example.org"]

# Webmention (publishing/webmention_send.py): once live, parade posts mention
# the call they join, and our round-ups every participant they link to. The
# record of what was sent lives beside the releases (webmentions-sent.json);
# WEBMENTION_STATE_FILE names another file.
WEBMENTION_SEND = True
