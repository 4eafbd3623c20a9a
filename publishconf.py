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
