"""Deploys: atomic local releases with rollback, rsync in place, dry runs."""

import datetime
import fcntl
import os
import stat
import threading

import pytest

from comments.core import SetupError
from publishing import deploy
from publishing.deploy import Changes, LocalReleases, RsyncTarget, parse_itemized
from tests.publishing.support import needs_rsync, tree
from tests.support import write_files

T0 = datetime.datetime(2026, 11, 27, 10, 15, tzinfo=datetime.UTC)


def make_build(folder, version, extra=None):
    """A tiny built site: every page says which version it belongs to."""
    write_files(
        folder,
        {
            "index.html": f"<h1>{version}</h1>\n",
            "2026/artikel/index.html": f"<p>{version}</p>\n",
            "theme/css/style.css": "body { margin: 0 }\n",
            **(extra or {}),
        },
    )
    return folder


def test_second_deploy_swaps_current_and_keeps_the_first(tmp_path):
    target = LocalReleases(tmp_path / "site")
    first = target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    assert first.release == "20261127T101500Z"
    assert first.changes.added == (
        "2026/artikel/index.html",
        "index.html",
        "theme/css/style.css",
    )
    later = T0 + datetime.timedelta(minutes=5)
    second = target.deploy(make_build(tmp_path / "b2", "v2"), now=later)
    assert second.changes == Changes(changed=("2026/artikel/index.html", "index.html"))
    current = tmp_path / "site" / "current"
    assert os.readlink(current) == "releases/20261127T102000Z"
    assert (current / "index.html").read_text() == "<h1>v2</h1>\n"
    old = tmp_path / "site" / "releases" / "20261127T101500Z"
    assert (old / "index.html").read_text() == "<h1>v1</h1>\n"
    # The unchanged stylesheet is the same file, not a copy: no new ETag.
    assert (current / "theme/css/style.css").stat().st_ino == (
        old / "theme/css/style.css"
    ).stat().st_ino
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(current.resolve().stat().st_mode) == 0o777 & ~umask


def test_rollback_restores_the_previous_release(tmp_path):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    target.deploy(make_build(tmp_path / "b2", "v2"), now=T0)
    assert target.rollback() == ("20261127T101500Z", "20261127T101500Z-2")
    current = tmp_path / "site" / "current"
    assert os.readlink(current) == "releases/20261127T101500Z"
    assert (current / "2026/artikel/index.html").read_text() == "<p>v1</p>\n"
    releases = tmp_path / "site" / "releases"
    assert sorted(path.name for path in releases.iterdir()) == [
        "20261127T101500Z",
        "20261127T101500Z-2.rolled-back",
    ]
    with pytest.raises(SetupError, match="no release before 20261127T101500Z"):
        target.rollback()
    # The next deploy never rolls back onto the abandoned release.
    target.deploy(make_build(tmp_path / "b3", "v3"), now=T0)
    assert target.releases() == ["20261127T101500Z", "20261127T101500Z-2"]
    assert target.rollback()[0] == "20261127T101500Z"


def test_readers_never_see_a_missing_or_mixed_site(tmp_path):
    target = LocalReleases(tmp_path / "site", keep=50)
    target.deploy(make_build(tmp_path / "b0", "v0"))
    current = tmp_path / "site" / "current"
    seen, problems, done = set(), [], threading.Event()

    def read_like_a_web_server():
        while not done.is_set():
            try:
                release = os.path.realpath(current)
                with open(os.path.join(release, "index.html")) as page:
                    title = page.read()
                with open(os.path.join(release, "2026/artikel/index.html")) as page:
                    text = page.read()
            except OSError as error:
                problems.append(error)
                continue
            version = title[4:-6]
            seen.add(version)
            if text != f"<p>{version}</p>\n":
                problems.append((version, text))

    reader = threading.Thread(target=read_like_a_web_server)
    reader.start()
    try:
        for number in range(1, 25):
            target.deploy(make_build(tmp_path / f"b{number}", f"v{number}"))
    finally:
        done.set()
        reader.join()
    assert problems == []
    assert len(seen) > 1


def test_old_releases_are_pruned_to_the_setting(tmp_path):
    target = LocalReleases(tmp_path / "site", keep=2)
    for number in range(5):
        moment = T0 + datetime.timedelta(hours=number)
        target.deploy(make_build(tmp_path / f"b{number}", f"v{number}"), now=moment)
    assert target.releases() == [
        "20261127T121500Z",
        "20261127T131500Z",
        "20261127T141500Z",
    ]
    assert target.current_release() == "20261127T141500Z"


def test_a_clock_that_went_back_still_makes_the_newest_release(tmp_path):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    earlier = T0 - datetime.timedelta(days=1)
    assert target.deploy(make_build(tmp_path / "b2", "v2"), now=earlier).release == (
        "20261127T101500Z-2"
    )


def test_an_unchanged_build_makes_no_new_release(tmp_path):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    again = target.deploy(make_build(tmp_path / "b2", "v1"))
    assert (again.new_release, again.release, again.changes) == (
        False,
        "20261127T101500Z",
        Changes(),
    )
    assert target.releases() == ["20261127T101500Z"]


def test_a_failed_copy_leaves_the_live_site_untouched(tmp_path, monkeypatch):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    current = tmp_path / "site" / "current"
    before = os.readlink(current), tree(current.resolve())

    def disk_full(source, destination):
        raise OSError(28, "No space left on device", str(destination))

    monkeypatch.setattr(deploy.shutil, "copy2", disk_full)
    with pytest.raises(SetupError, match="No space left on device"):
        target.deploy(make_build(tmp_path / "b2", "v2"))
    assert (os.readlink(current), tree(current.resolve())) == before
    monkeypatch.undo()
    target.deploy(make_build(tmp_path / "b3", "v3"))
    names = os.listdir(tmp_path / "site" / "releases")
    assert not [name for name in names if name.startswith(".partial-")]


def test_preview_compares_with_current_and_changes_nothing(tmp_path):
    target = LocalReleases(tmp_path / "site")
    assert target.preview(make_build(tmp_path / "b1", "v1")).added == (
        "2026/artikel/index.html",
        "index.html",
        "theme/css/style.css",
    )
    assert not (tmp_path / "site").exists()
    target.deploy(tmp_path / "b1")
    before = tree(tmp_path / "site")
    build = make_build(tmp_path / "b2", "v2", {"neu.html": "neu\n"})
    (build / "theme/css/style.css").unlink()
    assert target.preview(build) == Changes(
        added=("neu.html",),
        changed=("2026/artikel/index.html", "index.html"),
        removed=("theme/css/style.css",),
    )
    assert tree(tmp_path / "site") == before


def test_a_real_folder_named_current_is_refused(tmp_path):
    (tmp_path / "site" / "current").mkdir(parents=True)
    with pytest.raises(SetupError, match="is a real folder, not a symlink"):
        LocalReleases(tmp_path / "site").deploy(make_build(tmp_path / "b", "v"))


def test_a_target_whose_parent_is_missing_is_refused_and_not_created(tmp_path):
    target = tmp_path / "srv" / "wwww" / "blog"  # a typo in the folder above
    releases = LocalReleases(target)
    build = make_build(tmp_path / "b", "v")
    for attempt in (releases.preview, releases.deploy):
        with pytest.raises(SetupError) as raised:
            attempt(build)
        assert str(raised.value) == (
            f"PUBLISH_TARGET {target}: {target.parent} does not exist; fix the "
            "path, or create the folder above the target (a first publish "
            "creates only the target itself)"
        )
    assert not (tmp_path / "srv").exists()
    (tmp_path / "srv" / "wwww").mkdir(parents=True)
    assert releases.deploy(build).new_release  # the target itself is made


def test_a_folder_holding_another_site_is_refused_and_left_alone(tmp_path):
    webroot = make_build(tmp_path / "www", "alt", {"robots.txt": "User-agent: *\n"})
    before = tree(webroot)
    releases = LocalReleases(webroot)
    for attempt in (releases.preview, releases.deploy):
        with pytest.raises(SetupError) as raised:
            attempt(make_build(tmp_path / "b", "neu"))
        assert str(raised.value) == (
            f"PUBLISH_TARGET {webroot} holds files of its own (2026, index.html, "
            "robots.txt …); publish into an empty folder (the web server serves "
            "its current/), or move them aside"
        )
    assert tree(webroot) == before


def test_a_second_deploy_at_the_same_time_is_refused(tmp_path):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"))
    before = tree(tmp_path / "site")
    with open(tmp_path / "site" / ".publish.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SetupError, match="another publish or rollback"):
            target.deploy(make_build(tmp_path / "b2", "v2"))
    assert tree(tmp_path / "site") == before


@needs_rsync
def test_rsync_updates_a_local_folder_in_place(tmp_path):
    destination = tmp_path / "www"
    target = RsyncTarget(str(destination))
    first = target.deploy(make_build(tmp_path / "b1", "v1", {"alt.html": "alt\n"}))
    assert first.changes.added == (
        "2026/artikel/index.html",
        "alt.html",
        "index.html",
        "theme/css/style.css",
    )
    style_mtime = (destination / "theme/css/style.css").stat().st_mtime_ns
    build = make_build(tmp_path / "b2", "v2", {"neu.html": "neu\n"})
    os.utime(build / "theme/css/style.css")  # rebuilt: same bytes, new time
    preview_before = tree(destination)
    expected = Changes(
        added=("neu.html",),
        changed=("2026/artikel/index.html", "index.html"),
        removed=("alt.html",),
    )
    assert target.preview(build) == expected
    assert tree(destination) == preview_before
    assert target.deploy(build).changes == expected
    assert (destination / "index.html").read_text() == "<h1>v2</h1>\n"
    assert not (destination / "alt.html").exists()
    # Compared by content: the unchanged file keeps its time (and its ETag).
    assert (destination / "theme/css/style.css").stat().st_mtime_ns == style_mtime
    assert not [path for path in destination.rglob("*~tmp~*")]


@needs_rsync
def test_rsync_failure_is_one_line(tmp_path):
    (tmp_path / "datei").write_text("kein Ordner")
    target = RsyncTarget(str(tmp_path / "datei" / "www"))
    with pytest.raises(SetupError) as failure:
        target.deploy(make_build(tmp_path / "b1", "v1"))
    message = str(failure.value)
    assert message.startswith(f"rsync to {tmp_path}/datei/www/ failed (exit ")
    assert "\n" not in message


def test_rsync_missing_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(deploy.shutil, "which", lambda name: None)
    with pytest.raises(SetupError, match=r"rsync is not installed \(apt-get"):
        RsyncTarget(str(tmp_path / "www")).preview(tmp_path)


@pytest.mark.parametrize("destination", ["deploy@web1:", "web1:/", "/", "web1:~/"])
def test_rsync_refuses_a_destination_that_delete_would_empty(destination):
    with pytest.raises(SetupError, match="names no site folder"):
        RsyncTarget(destination)


def test_rsync_cannot_roll_back(tmp_path):
    with pytest.raises(SetupError, match="keeps no releases"):
        RsyncTarget("deploy@web1:/srv/blog").rollback()


def test_itemized_rsync_output_is_read_file_by_file():
    output = "\n".join(
        [
            "created directory /srv/blog",
            "cd+++++++++ ./",
            "cd+++++++++ 2026/neu/",
            ">f+++++++++ 2026/neu/index.html",
            ">fcs....... index.html",
            ".f...p..... feeds/all.atom.xml",
            "cL+++++++++ aktuell.html -> index.html",
            "*deleting   2026/alt/index.html",
            "*deleting   2026/alt/",
            ".d...p..... theme/",
        ]
    )
    assert parse_itemized(output) == Changes(
        added=("2026/neu/index.html", "aktuell.html -> index.html"),
        changed=("feeds/all.atom.xml", "index.html"),
        removed=("2026/alt/index.html",),
    )


def comment_release(tmp_path, target, number, moment):
    """A comment-only publish: one page written over the live release."""
    overlay = tmp_path / f"overlay{number}"
    write_files(overlay, {"2026/artikel/index.html": f"<p>Kommentar {number}</p>\n"})
    release = target.deploy_overlay(overlay, now=moment).release
    target.prune_releases()  # as publish --comments does
    return release


def test_a_rollback_undoes_the_last_full_publish_and_the_comments_after_it(
    tmp_path,
):
    target = LocalReleases(tmp_path / "site", keep=2)
    good = target.deploy(make_build(tmp_path / "b1", "gut"), now=T0).release
    minute = datetime.timedelta(minutes=1)
    comment_release(tmp_path, target, 1, T0 + minute)
    bad = target.deploy(make_build(tmp_path / "b2", "kaputt"), now=T0 + 2 * minute)
    for number in range(2, 8):  # a comment a minute, more than `keep` releases
        comment_release(tmp_path, target, number, T0 + (number + 1) * minute)
    before_bad = "20261127T101600Z"  # the comment release on the good one
    assert before_bad in target.releases()  # kept for the rollback

    assert target.rollback() == (before_bad, bad.release)
    current = tmp_path / "site" / "current"
    assert (current / "index.html").read_text() == "<h1>gut</h1>\n"
    assert target.releases() == [good, before_bad]
    assert all(
        name.endswith(".rolled-back") or name in (good, before_bad)
        for name in os.listdir(tmp_path / "site" / "releases")
    )
    # Once more undoes the good publish: nothing was before it.
    with pytest.raises(SetupError, match=f"no release before {good}"):
        target.rollback()


def test_a_target_without_a_record_of_full_publishes_rolls_back_one_release(
    tmp_path,
):
    target = LocalReleases(tmp_path / "site")
    target.deploy(make_build(tmp_path / "b1", "v1"), now=T0)
    comment_release(tmp_path, target, 1, T0 + datetime.timedelta(minutes=1))
    (tmp_path / "site" / deploy.FULL_PUBLISHES).unlink()  # made before it existed
    assert target.rollback() == ("20261127T101500Z", "20261127T101600Z")
