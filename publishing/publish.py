"""``invoke publish`` and ``invoke rollback``: build once, check, deploy or refuse.

One production build into a fresh temporary folder (``build.watch_build``
makes logged errors fatal), the leak check, then the deploy target's preview,
deploy or rollback; once live, the parade posts' Webmentions
(``webmention_send``). Every failure exits with one line and leaves the live site
as it was; the summary lines are for people.
"""

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from invoke import Exit

from comments.command_errors import one_line_errors
from comments.core import SetupError
from publishing import comment_fingerprint
from publishing.build import watch_build
from publishing.deploy import LocalReleases, target_for
from publishing.leaks import find_leaks
from publishing.placeholders import refuse_placeholders
from publishing.publish_lock import one_publish_at_a_time
from publishing.settings import publish_settings
from publishing.site_build import PLUGINS, pelican_build
from publishing.webmention_send import DEFAULTS as WEBMENTION_DEFAULTS
from publishing.webmention_send import send_mentions, state_file

# In the publish cache while the pages of a comment-only publish are (or may
# be) live without their search index.
SEARCH_INDEX_OWED = "search-index-owed"


def publish_cache(settings):
    """Return the publish's own cache folder (kept: a comment-only publish
    refreshes from the refresh state the last full publish left there)."""
    return Path(settings["CACHE_PATH"]) / "publish"


def refresh_module():
    """Return plugins/comment_refresh's refresh module (under the name Pelican
    loads it by: the refresh imports the other plugins so, as ``invoke
    refresh`` does)."""
    if str(PLUGINS) not in sys.path:
        sys.path.insert(0, str(PLUGINS))
    from comment_refresh import refresh

    return refresh


def refresh_files(cache):
    """Return the files in the publish cache ``cache`` that a comment-only
    publish starts from: the refresh state and the pickled pages."""
    refresh = refresh_module()  # puts plugins/ on the path
    from comment_refresh.pages import pages_path

    folder = {"CACHE_PATH": str(cache)}
    return refresh.state_path(folder), pages_path(folder)


@contextlib.contextmanager
def refresh_files_kept(cache):
    """Keep the live publish's refresh state and pickled pages (in ``cache``)
    while a full publish builds new ones; put them back unless it deployed
    (``kept.deployed``): after a dry run, a refusal or a failed build the
    comment-only publish goes on from the live release. A file the build
    made where none was is removed then (it would name a site never live)."""
    paths = refresh_files(cache)
    kept = {}
    for path in paths:
        copy = path.with_name(path.name + ".kept")
        copy.unlink(missing_ok=True)
        if path.is_file():
            keep_copy(path, copy)
            kept[path] = copy
    outcome = SimpleNamespace(deployed=False)
    try:
        yield outcome
    finally:
        for path in paths:
            if outcome.deployed:
                if path in kept:
                    kept[path].unlink(missing_ok=True)
            elif path in kept:
                os.replace(kept[path], path)
            else:
                path.unlink(missing_ok=True)


def keep_copy(path, copy):
    """Keep ``path`` as ``copy``: a hard link (the build replaces the file,
    never writes into it), or a copy where links are not allowed."""
    try:
        os.link(path, copy)
    except OSError:
        try:
            shutil.copy2(path, copy)
        except OSError as error:
            raise SetupError(
                f"{copy}: cannot keep the live publish's refresh files "
                f"({error.strerror}); check the free space and permissions of "
                "CACHE_PATH"
            ) from None


def remember_live_site(settings, target, overrides):
    """Say in the publish's refresh state that its site is the live release."""
    cache = overrides.get("CACHE_PATH") or publish_cache(settings)
    refresh_module().retarget_state(
        {**settings, "CACHE_PATH": str(cache)}, target.current_link, resolve=False
    )


def removed_comments(settings):
    """Return what the removed comments said (``comments.build.removed``)."""
    from comments.build.removed import removed_for_site
    from publishing.plugin_setup import plugin_module

    comment_data = plugin_module(
        "comment_data.comment_data", PLUGINS / "comment_data" / "__init__.py"
    )
    return removed_for_site(*comment_data.build_source(settings))


def publish_target(prefix, settings_file, **overrides):
    """Read the settings; return them, the PUBLISH_… options and the deploy
    target (a SetupError is left to the caller's ``one_line_errors``)."""
    from pelican.settings import read_settings

    try:
        settings = read_settings(settings_file, override=overrides or None)
    except (OSError, ValueError, SyntaxError) as error:
        raise Exit(f"{prefix}: {settings_file}: {error}", code=1) from None
    options = publish_settings(settings, settings_file)
    return settings, options, target_for(options)


@one_line_errors("publish")
def publish_site(settings_file, dry_run=False, allow_placeholder=False, **overrides):
    """Build once into a temporary folder, check for leaks, then deploy it."""
    settings, options, target = publish_target("publish", settings_file, **overrides)
    if not allow_placeholder:
        refuse_placeholders(settings)
    cache = Path(overrides.get("CACHE_PATH") or publish_cache(settings))
    with (
        one_publish_at_a_time(cache),
        refresh_files_kept(cache) as kept,
        tempfile.TemporaryDirectory(prefix="blog-publish-") as work,
    ):
        output = Path(work) / "output"
        try:
            with watch_build() as watch:
                # Its own cache too: the local build's refresh state (and
                # cache) stay the local site's, so `invoke refresh` still works;
                # the publish's stays for `invoke publish --comments`.
                pelican_build(
                    settings_file,
                    **{"CACHE_PATH": str(cache), **overrides},
                    OUTPUT_PATH=str(output),
                )
        except (SetupError, Exit) as error:
            reason = error.message if isinstance(error, Exit) else error
            raise Exit(f"publish: nothing deployed: {reason}", code=1) from None
        leaks = find_leaks(
            output,
            options.email_allowlist,
            watch.unpublished,
            removed_comments(settings),
        )
        refusal = ""
        if leaks:
            # Every finding, one per line: fixing one to learn of the next
            # costs a build each time.
            refusal = "\n".join(
                f"publish: leak check, nothing deployed: {leak}" for leak in leaks
            )
        if dry_run:
            changes = target.preview(output)
            print(f"Dry run for {options.target}; nothing was changed.")
            for line in [*changes.lines(), *(f"leak     {leak}" for leak in leaks)]:
                print(f"  {line}")
            print(f"Would publish: {changes.summary()}.")
        if refusal:
            raise Exit(refusal, code=1)
        if dry_run:
            return
        deployment = target.deploy(output)
        kept.deployed = True
        mentioned = mention_targets(settings, options, settings_file, output)
        if isinstance(target, LocalReleases):
            remember_live_site(settings, target, overrides)
    if not deployment.new_release:
        print(f"Nothing changed; {deployment.target} stays at {deployment.release}.")
    elif deployment.release:
        print(
            f"Published {deployment.target}: release {deployment.release} is live "
            f"({deployment.changes.summary()}); `invoke rollback` undoes it."
        )
    else:
        print(f"Published {deployment.target} ({deployment.changes.summary()}).")
    for outcome in mentioned:
        if outcome.status != "unchanged":
            print(outcome.line())


def mention_targets(settings, options, settings_file, output):
    """Send the Webmentions of the live parade posts; return the Outcomes.

    The site is live already: a failure here is one line, never a failed
    publish (the next publish tries again).
    """
    values = {
        key: settings.get(key, value) for key, value in WEBMENTION_DEFAULTS.items()
    }
    if not values["WEBMENTION_SEND"]:
        return []
    path = state_file(values, options, settings_file)
    try:
        return send_mentions(
            output, settings["SITEURL"], path, values["WEBMENTION_ALLOW_PRIVATE"]
        )
    except (OSError, ValueError) as error:
        print(f"webmention: not sent ({error}); the next publish tries again")
        return []


@one_line_errors("rollback")
def rollback_site(settings_file, **overrides):
    """Point the target's current release back at the one before the last
    full publish (comment-only releases since go with it)."""
    settings, options, target = publish_target("rollback", settings_file, **overrides)
    cache = Path(overrides.get("CACHE_PATH") or publish_cache(settings))
    with one_publish_at_a_time(cache):
        previous, undone = target.rollback()
        stopped = forget_live_site(cache)
    print(
        f"Rolled back {options.target}: release {previous} is live again; the "
        f"publish of {undone} and the releases after it are kept as "
        "<name>.rolled-back until the next publish."
    )
    if stopped:
        print(
            "Comment-only publishes wait for the next `invoke publish` (they "
            "would render pages of the release rolled back)."
        )


def forget_live_site(cache):
    """Remove what a comment-only publish starts from (the refresh state and
    pages of the last publish): after a rollback they describe a release that
    is no longer live. Return True when there was something to remove."""
    found = False
    for path in refresh_files(cache):
        found = path.is_file() or found
        path.unlink(missing_ok=True)
    comment_fingerprint.forget(cache)
    return found


@one_line_errors("publish --comments")
def publish_comments(settings_file, allow_placeholder=False, **overrides):
    """Publish what changed comments change, and only that: the pages of the
    last full publish whose thread or answered line changed, the transparency
    and parade pages, the search index; through the same templates
    (``invoke refresh``), leak-checked, as a new release made atomically."""
    from pelican.settings import read_settings

    settings, options, target = publish_target(
        "publish --comments", settings_file, **overrides
    )
    if not isinstance(target, LocalReleases):
        raise Exit(
            "publish --comments: PUBLISH_TARGET is an rsync destination; a "
            "comment-only publish needs a local folder of releases (run "
            "`invoke publish` instead)",
            code=1,
        )
    if not allow_placeholder:
        refuse_placeholders(settings)
    cache = Path(overrides.get("CACHE_PATH") or publish_cache(settings))
    inputs = comment_inputs(settings, settings_file, overrides)
    max_age = settings.get(
        comment_fingerprint.MAX_AGE_SETTING, comment_fingerprint.DEFAULT_MAX_AGE
    )
    with one_publish_at_a_time(cache):
        live = target.current_release()
        if inputs and comment_fingerprint.unchanged_since_last(
            cache, inputs, live, max_age
        ):
            print(
                "Nothing changed since the last publish (comment data untouched); "
                f"{target.folder} stays at {live}."
            )
            return
        comment_fingerprint.forget(cache)  # remembered again once this one is done
        refresh = refresh_module()
        state_file = refresh.state_path({"CACHE_PATH": str(cache)})
        with tempfile.TemporaryDirectory(prefix="blog-publish-comments-") as work:
            # The new refresh state says which pages the live release has: it
            # replaces the last one only once its release is live (a refusal,
            # an error, Ctrl-C or kill -9 before that leave the last one, and
            # the next run renders the same pages again).
            new_state = Path(work) / "refresh-state.json"
            overlay = Path(work) / "overlay"
            overlay.mkdir()
            site_settings = read_settings(
                settings_file,
                override={
                    **overrides,
                    "CACHE_PATH": str(cache),
                    "OUTPUT_PATH": str(overlay),
                },
            )
            # What removed comments said, for the leak check: found by a child
            # beside the refresh (a new removal loads the snapshot read before
            # it, ~0.5 s at 100,000 comments), or first, in one process.
            from comment_refresh.beside import Beside  # on the path: refresh_module

            removed_texts = Beside(lambda: removed_comments(settings), settings)
            try:
                with watch_build():
                    # Its state is the last publish's, not a local build's:
                    # what makes it again is a full publish.
                    counts = refresh.refresh_comment_pages(
                        site_settings,
                        site=target.current_link,
                        index=False,
                        rebuild="invoke publish",
                        state_to=new_state,
                    )
            finally:
                removed = removed_texts.join()

            def check(folder, changes):
                # Only the files that differ from the live release: the rest
                # is the live release's, checked when it went live; a page
                # that showed a comment removed since then changed with it.
                return [
                    f"leak check, nothing deployed: {leak}"
                    for leak in find_leaks(
                        folder,
                        options.email_allowlist,
                        (),
                        removed,
                        only={*changes.added, *changes.changed},
                    )
                ]

            owed = cache / SEARCH_INDEX_OWED
            if counts["pages_rendered"]:
                # Before the pages go live: a run stopped after them still
                # owes their search index, and the next run makes it.
                owed.touch()
            deployment = target.deploy_overlay(overlay, check=check)
            os.replace(new_state, state_file)
            if deployment.new_release:
                print(
                    f"Published comments: release {deployment.release} is live "
                    f"({counts['pages_rendered']} commented page(s) rendered; "
                    f"{deployment.changes.summary()})."
                )
            if owed.exists():
                # Search follows in a release of its own: the pages do not wait
                # for Pagefind (seconds at 5,000 articles).
                (Path(work) / "none").mkdir()
                indexed = target.deploy_overlay(
                    Path(work) / "none",
                    lambda release: index_release(site_settings, release),
                    always=True,
                )
                owed.unlink()
                print(f"Search index updated: release {indexed.release} is live.")
            elif not deployment.new_release:
                if inputs:
                    comment_fingerprint.remember(cache, inputs, deployment.release)
                print(
                    f"Nothing changed; {deployment.target} stays at "
                    f"{deployment.release}."
                )
                return
            target.prune_releases()
            target.prepare_next()  # the next minute's copy, made while none waits
            if inputs:
                comment_fingerprint.remember(cache, inputs, target.current_release())


def comment_inputs(settings, settings_file, overrides):
    """Return the fingerprint of what a comment-only publish reads
    (``publishing.comment_fingerprint``), or None when its comment source is
    not the local database (it is read every time then)."""
    from comments import config
    from comments.staff.accounts import staff_file
    from publishing.plugin_setup import plugin_module

    if settings.get("COMMENTS_SOURCE", "database") != "database":
        return None
    comment_data = plugin_module(
        "comment_data.comment_data", PLUGINS / "comment_data" / "__init__.py"
    )
    conf = config.read_config()
    source = comment_data.source_settings(settings, conf, os.environ)
    config_file = config.config_file_of(conf)
    owners = conf.get("blog", "owners-file", fallback="")
    files = [
        *comment_fingerprint.database_files(source.database),
        config_file,
        staff_file(config_file),
        *([owners] if owners else []),
        settings_file,
    ]
    return comment_fingerprint.publish_fingerprint(
        files,
        {
            "overrides": overrides,
            "snapshots": str(source.snapshot_dir),
            "log": comment_fingerprint.log_identity(source.database),
        },
    )


def index_release(settings, release):
    """Index a release for search (plugins/pagefind_search, as after a build);
    return no reasons to refuse it (a failed index is logged, as in a build)."""
    from publishing.plugin_setup import plugin_module

    pagefind = plugin_module(
        "pagefind_search.pagefind_search", PLUGINS / "pagefind_search" / "x.py"
    )
    run = pagefind.start_index(settings, release)
    if run is not None:
        run.finish()
    return []
