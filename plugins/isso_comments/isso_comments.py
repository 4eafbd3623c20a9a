"""Embed self-hosted Isso comments in articles and comment counts in listings.

Every article gets ``content.isso``, a small dict the theme renders::

    {"thread": "/2026/slug/", "state": "open" | "closed" | "off", "title": "…"}

``thread`` is the content's URL path, so it survives a change of ``SITEURL``.
An article's ``Comments`` metadata may say ``closed`` (existing comments are
shown, no form) or ``off``; pages get comments only when their metadata says
``Comments: open`` (or ``closed``). The embed script's ``data-isso-*`` options
come from ``COMMENTS_ISSO_OPTIONS`` and the site's language.

Signals: ``initialized`` (checks settings once, computes the script
attributes), ``content_object_init`` (attaches ``isso`` to articles and pages).
"""

import json
import logging
from urllib.parse import urlsplit

from pelican import signals
from pelican.contents import Article, Page

from comments.core import SetupError
from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

DEFAULTS = {
    "COMMENTS_ENABLED": True,
    # Base URL of the comment server, without a trailing slash.
    "COMMENTS_URL": "http://localhost:8080",
    # data-isso-* options of the Isso client (names without the prefix).
    "COMMENTS_ISSO_OPTIONS": {},
    # Pages default to no comments; articles default to open ones.
    "COMMENTS_DEFAULT_ARTICLE_STATE": "open",
    "COMMENTS_DEFAULT_PAGE_STATE": "off",
}

STATES = ("open", "closed", "off")

# Options the Isso 0.14 client reads from data-isso-* attributes.
KNOWN_ISSO_OPTIONS = frozenset(
    {
        "css",
        "css-url",
        "lang",
        "default-lang",
        "reply-to-self",
        "require-email",
        "require-author",
        "reply-notifications",
        "reply-notifications-default-enabled",
        "max-comments-top",
        "max-comments-nested",
        "reveal-on-click",
        "sorting",
        "gravatar",
        "avatar",
        "avatar-bg",
        "avatar-fg",
        "vote",
        "vote-levels",
        "feed",
        "page-author-hashes",
    }
)


class CommentsSettingError(SetupError):
    """A COMMENTS_* setting is wrong; the message names it and the fix."""


def comments_settings(settings):
    """Return the plugin's settings: defaults overridden by the user's."""
    return {key: settings.get(key, default) for key, default in DEFAULTS.items()}


URL_UNSAFE = frozenset(" \"'<>\\`")  # would break out of an HTML attribute


def validate_comments_url(url):
    """Return ``url`` without a trailing slash, or raise naming the fix."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommentsSettingError(
            f"COMMENTS_URL={url!r} is not an absolute http(s) URL; "
            "set it to the comment server's address, e.g. 'http://localhost:8080'"
        )
    if parts.query or parts.fragment:
        raise CommentsSettingError(
            f"COMMENTS_URL={url!r} must not have a query or fragment"
        )
    if any(char in URL_UNSAFE or not char.isprintable() for char in url):
        raise CommentsSettingError(
            f"COMMENTS_URL={url!r} holds a space, quote or bracket, which no "
            "address has; check the value"
        )
    return url.rstrip("/")


def isso_option_value(value, name):
    """Render option ``name`` the way the Isso client parses it (JSON, else text)."""
    if not isinstance(value, (bool, int, float, str)):
        raise CommentsSettingError(
            f"COMMENTS_ISSO_OPTIONS[{name!r}]={value!r} must be text, a number "
            "or True/False"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return str(value)


def embed_attributes(options, lang):
    """Return the sorted ``data-isso-*`` attribute pairs for the embed script."""
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise CommentsSettingError(
            f"COMMENTS_ISSO_OPTIONS={options!r} must be a dict of option names "
            "(text) to values, e.g. {'vote': False}"
        )
    unknown = sorted(set(options) - KNOWN_ISSO_OPTIONS)
    if unknown:
        raise CommentsSettingError(
            f"COMMENTS_ISSO_OPTIONS has unknown option(s) {', '.join(unknown)}; "
            f"Isso 0.14 knows: {', '.join(sorted(KNOWN_ISSO_OPTIONS))}"
        )
    merged = {"lang": lang, "default-lang": lang, **options}
    return [
        (f"data-isso-{name}", isso_option_value(value, name))
        for name, value in sorted(merged.items())
    ]


def thread_id(url):
    """Return the Isso thread id for a content URL: its absolute path."""
    path = urlsplit(url).path
    return "/" + path.lstrip("/")


def comment_state(metadata_value, default, source_path):
    """Return open/closed/off from a ``Comments`` metadata value."""
    if metadata_value is None or metadata_value == "":
        return default
    value = str(metadata_value).strip().lower()
    aliases = {"on": "open", "yes": "open", "true": "open", "no": "off", "false": "off"}
    value = aliases.get(value, value)
    if value not in STATES:
        logger.warning(
            "isso_comments: %s: Comments: %r is not one of open, closed, off; using %r",
            source_path,
            metadata_value,
            default,
        )
        return default
    return value


def configure(pelican):
    """Check the settings once and store the computed embed attributes."""
    settings = pelican.settings
    plugin_settings = comments_settings(settings)
    for key in ("COMMENTS_DEFAULT_ARTICLE_STATE", "COMMENTS_DEFAULT_PAGE_STATE"):
        if plugin_settings[key] not in STATES:
            raise CommentsSettingError(
                f"{key}={plugin_settings[key]!r} must be one of {', '.join(STATES)}"
            )
    if not isinstance(plugin_settings["COMMENTS_ENABLED"], bool):
        # "false" in quotes would be true, and comments stay on
        raise CommentsSettingError(
            f"COMMENTS_ENABLED={plugin_settings['COMMENTS_ENABLED']!r} must be True "
            "or False (without quotes)"
        )
    settings["COMMENTS_URL"] = validate_comments_url(plugin_settings["COMMENTS_URL"])
    settings[contracts.COMMENTS_EMBED_ATTRIBUTES] = embed_attributes(
        plugin_settings["COMMENTS_ISSO_OPTIONS"], settings.get("DEFAULT_LANG", "de")
    )
    settings.setdefault("COMMENTS_ENABLED", plugin_settings["COMMENTS_ENABLED"])


def attach_thread(content):
    """Attach the ``isso`` dict to an article or page."""
    if not isinstance(content, (Article, Page)):
        return
    if not content.slug:  # "Title: ???" slugifies to nothing
        logger.warning(
            "isso_comments: %s: no URL slug (the title %r has no letters or "
            "digits), so its address is %r; set Slug: to give it a lasting "
            "address and comment thread",
            content.source_path,
            content.title,
            content.url,
        )
    settings = comments_settings(content.settings)
    if not settings["COMMENTS_ENABLED"]:
        content.isso = {"thread": thread_id(content.url), "state": "off"}
        return
    default_key = (
        "COMMENTS_DEFAULT_ARTICLE_STATE"
        if isinstance(content, Article)
        else "COMMENTS_DEFAULT_PAGE_STATE"
    )
    state = comment_state(
        content.metadata.get("comments"), settings[default_key], content.source_path
    )
    if getattr(content, "status", "") == "draft":
        # A draft's address (/entwuerfe/…) is not the one it is published at:
        # comments there would stay behind. Its preview shows the section as
        # it will look (``draft_state``), without a thread.
        content.isso = {"thread": thread_id(content.url), "state": "off"}
        if state != "off":
            content.isso["draft_state"] = state
        return
    content.isso = {
        "thread": thread_id(content.url),
        "state": state,
        "title": content.title,
    }


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.content_object_init.connect(attach_thread)
