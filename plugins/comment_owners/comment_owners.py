"""Decide who owns the comments of each article, and tell the comment server.

The owner of a thread (the comments of one article or page) is a staff account
of the comment server (staff.cfg), by the first rule that names a known one:

1. the article's ``Comments_owner`` metadata (an account or display name);
2. ``COMMENT_OWNERS[author]``, for the first of its authors that is mapped;
3. ``COMMENT_OWNERS[category]`` (one setting maps authors and categories);
4. ``COMMENT_OWNERS_FALLBACK`` (default ``redaktion``, the shared team account).

A name that is no staff account gives one warning naming the article file or
the setting, and the next rule decides: never a failed build. It warns on the
build that changes the owners file; later builds log it as info, so sample
owners waiting for their accounts do not warn on every build. Names are checked
against the accounts file the comment server reads (``BLOG_STAFF_FILE``, else
staff.cfg beside the comment server config); a build without that file (on
another machine) says so once and leaves the check to the server, which falls
through the same way.

The result, ``{thread path: (owner, rule)}``, is written for the comment server
(``comments.staff.owners``) to ``COMMENT_OWNERS_FILE``, by default
``thread-owners.json`` beside the comment database (or where the comment server
config's ``[blog] owners-file`` says) — never into output/. It is rewritten
only when it changes. Per-comment hand-overs are the server's own data. The
same file lists the threads whose ``Comments`` metadata says ``closed``: the
server refuses new comments and votes there (``comments.server.write_guard``).

Signals: ``initialized`` (settings), ``all_generators_finalized`` (every
article and page is known; nothing is written to output/ yet).
"""

import logging
from pathlib import Path

from pelican import signals
from pelican.plugins._utils import plugin_enabled

from comments import config
from comments.core import SetupError
from comments.staff.accounts import ISSO_ADMIN, read_accounts, staff_file
from comments.staff.owners import (
    AUTHOR,
    CATEGORY,
    FALLBACK,
    METADATA,
    StaffRoster,
    write_thread_owners,
)
from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

PLUGIN_NAME = "comment_owners"

DEFAULTS = {
    # Author or category name → staff account (or display name).
    "COMMENT_OWNERS": {},
    # Owner of comments no rule above assigns: a team account.
    "COMMENT_OWNERS_FALLBACK": ISSO_ADMIN.account,
    # Where the comment server finds the owners; None: beside its database.
    "COMMENT_OWNERS_FILE": None,
}
# Generator attributes holding published content (drafts have no readers yet).
CONTENT_LISTS = (
    "articles",
    "translations",
    "hidden_articles",
    "hidden_translations",
    "pages",
    "hidden_pages",
)


class CommentOwnersSettingError(SetupError):
    """A COMMENT_OWNERS* setting has the wrong type; the message says the fix."""


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


def check_settings(settings):
    """Return the plugin's settings, checked; raise naming a wrong type."""
    values = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    mapping = values["COMMENT_OWNERS"]
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str)
        for key, value in mapping.items()
    ):
        raise CommentOwnersSettingError(
            f"COMMENT_OWNERS={mapping!r} must map author or category names to "
            "staff account names, e.g. {'Anna Schmidt': 'anna'}"
        )
    fallback = values["COMMENT_OWNERS_FALLBACK"]
    if not isinstance(fallback, str) or not fallback.strip():
        raise CommentOwnersSettingError(
            f"COMMENT_OWNERS_FALLBACK={fallback!r} must name a staff account, "
            f"e.g. '{ISSO_ADMIN.account}'"
        )
    return values


def folded(mapping):
    """Return the mapping with case-insensitive keys."""
    return {key.strip().casefold(): value for key, value in mapping.items()}


def resolve_owner(metadata_owner, authors, category, owners, fallback, account_of):
    """Return (account, rule) for one article or page.

    ``owners`` has case-folded keys (``folded``); ``account_of(name)`` returns
    the account a name means, or None for a name that is no staff account.
    """
    if metadata_owner and (account := account_of(metadata_owner)):
        return account, METADATA
    for author in authors:
        name = owners.get(author.strip().casefold())
        if name and (account := account_of(name)):
            return account, AUTHOR
    name = owners.get((category or "").strip().casefold())
    if name and (account := account_of(name)):
        return account, CATEGORY
    return fallback, FALLBACK


def mapping_problems(mapping, known_names, roster, staff_path):
    """Return a warning for each COMMENT_OWNERS entry that cannot work."""
    known = {name.strip().casefold() for name in known_names}
    problems = []
    for key, value in mapping.items():
        if key.strip().casefold() not in known:
            problems.append(
                f"comment_owners: COMMENT_OWNERS[{key!r}] names no author or "
                "category of this site"
            )
        if roster and roster.resolve(value) is None:
            problems.append(
                f"comment_owners: COMMENT_OWNERS[{key!r}] = {value!r} is no staff "
                f"account in {staff_path}; its comments go to the next rule"
            )
    return problems


def load_roster(comment_conf):
    """Return (StaffRoster or None when unchecked, staff file path)."""
    path = staff_file(config.config_file_of(comment_conf))
    if not path.is_file():
        logger.info(
            "comment_owners: no staff accounts file %s; owner names are checked "
            "by the comment server",
            path,
        )
        return None, path
    try:
        return StaffRoster.from_accounts(read_accounts(path)), path
    except SetupError as error:
        logger.warning("comment_owners: owner names not checked: %s", error)
        return None, path


def owners_file_for(settings, comment_conf):
    """Return where this build writes the thread owners for the comment server."""
    if settings["COMMENT_OWNERS_FILE"]:
        return Path(settings["COMMENT_OWNERS_FILE"])
    if comment_conf.get("blog", "owners-file"):
        return Path(comment_conf.get("blog", "owners-file"))
    database = settings.get("COMMENTS_DATABASE") or config.database_path(comment_conf)
    return Path(database).with_name(contracts.THREAD_OWNERS_FILE)


def commented_items(generators):
    """Yield every published article and page with comments open or closed."""
    for generator in generators:
        for attribute in CONTENT_LISTS:
            for item in getattr(generator, attribute, ()):
                thread = getattr(item, contracts.ISSO, None)
                if thread and thread.get("state") != "off":
                    yield item


def thread_owners(items, settings, roster, staff_path):
    """Return ({thread: (account, rule)}, fallback account, problems): each
    problem one line naming the file or setting of a name no staff account has."""
    fallback = settings["COMMENT_OWNERS_FALLBACK"].strip()
    problems = []

    def account_of(name):
        return roster.resolve(name) if roster else str(name).strip() or None

    if account_of(fallback) is None:
        problems.append(
            f"comment_owners: COMMENT_OWNERS_FALLBACK = {fallback!r} is no staff "
            f"account in {staff_path}; using {ISSO_ADMIN.account!r}"
        )
    fallback = account_of(fallback) or ISSO_ADMIN.account
    mapping = folded(settings["COMMENT_OWNERS"])
    threads, names = {}, set()
    for item in items:
        authors = [author.name for author in getattr(item, "authors", ())]
        category = getattr(getattr(item, "category", None), "name", "")
        names.update([*authors, category])
        wanted = str(item.metadata.get("comments_owner") or "").strip()
        if wanted and account_of(wanted) is None:
            problems.append(
                f"comment_owners: {item.source_path}: Comments_owner: {wanted!r} is "
                f"no staff account in {staff_path}; the next rule decides"
            )
        threads[item.isso["thread"]] = resolve_owner(
            wanted, authors, category, mapping, fallback, account_of
        )
    if threads:  # with nothing commented, no name can be checked against the site
        problems.extend(
            mapping_problems(settings["COMMENT_OWNERS"], names, roster, staff_path)
        )
    return threads, fallback, problems


def configure(pelican):
    """Check the settings once; publish the defaults."""
    if not is_listed(pelican.settings):
        return
    for key, value in check_settings(pelican.settings).items():
        pelican.settings.setdefault(key, value)


def write_owners(generators):
    """Resolve every thread's owner and write the file for the comment server."""
    if not generators or not is_listed(generators[0].settings):
        return
    settings = {**generators[0].settings, **check_settings(generators[0].settings)}
    try:
        comment_conf = config.read_config()
    except SetupError as error:
        logger.warning("comment_owners: thread owners not written: %s", error)
        return
    roster, staff_path = load_roster(comment_conf)
    items = list(commented_items(generators))
    threads, fallback, problems = thread_owners(items, settings, roster, staff_path)
    closed = [item.isso["thread"] for item in items if item.isso["state"] == "closed"]
    titles = {item.isso["thread"]: item.isso.get("title", "") for item in items}
    path = owners_file_for(settings, comment_conf)
    try:
        written = write_thread_owners(path, fallback, threads, closed, titles)
    except OSError as error:
        logger.warning("comment_owners: cannot write %s (%s)", path, error)
        written = True  # nothing was decided: say why every time
    # A warning when the owners it decides change (a new article, a new or
    # removed account), not on every build while a name waits for its account.
    for problem in problems:
        logger.log(logging.WARNING if written else logging.INFO, problem)
    if written:
        logger.info("comment_owners: owners of %d threads in %s", len(threads), path)


def register():
    """Connect the receivers."""
    signals.initialized.connect(configure)
    signals.all_generators_finalized.connect(write_owners)
