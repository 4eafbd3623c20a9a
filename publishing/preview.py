"""``invoke serve``: the live preview and the comment server on loopback, together.

Both addresses are checked before the build (a second ``invoke serve`` should
not rebuild the site under the running one only to find its ports taken);
then the site is built, both servers start, the sources and the comment
database are watched (``publishing.live``: a new comment, answer, edit or
removal refreshes its pages), and Ctrl-C or SIGTERM stops everything.
"""

import threading
from pathlib import Path

from invoke import Exit
from pelican.readers import MarkdownReader

from comments.cli import (
    allow_site_origins,
    check_free,
    comment_server_address,
    load_comment_config,
    start_comment_server,
)
from comments.config import config_path, database_path
from comments.server.serve import serve_until_interrupted
from publishing.build_log import init_build_logging
from publishing.live.builder import Builder
from publishing.live.changes import Layout
from publishing.live.events import Broadcaster
from publishing.live.server import PreviewServer
from publishing.live.watch import PreviewWorker, watch_paths
from publishing.site_build import read_build_settings


def start_site_server(folder, host, port, broadcaster):
    """Create the preview server for ``folder`` on host:port; return it."""
    try:
        return PreviewServer(folder, (host, port), broadcaster)
    except OSError as error:
        raise Exit(
            f"site server: cannot listen on {host}:{port} ({error.strerror}); "
            "stop what runs there or pass --port",
            code=1,
        ) from None


def comment_files(settings, conf):
    """Return the comment database the site is built from and its write-ahead
    log: every comment, answer, edit and removal writes one of them."""
    database = Path(settings.get("COMMENTS_DATABASE") or database_path(conf))
    database = database.resolve()
    return (database, database.with_name(database.name + "-wal"))


def layout_of(settings, conf=None):
    """Return where the sources are (``changes.Layout``) by ``settings``."""
    theme = Path(settings["THEME"])
    return Layout(
        content=Path(settings["PATH"]).resolve(),
        source_folders=(*settings["ARTICLE_PATHS"], *settings["PAGE_PATHS"]),
        markdown_suffixes=tuple(f".{s}" for s in MarkdownReader.file_extensions),
        theme_static=(theme / "static").resolve(),
        theme_templates=(theme / "templates").resolve(),
        theme_static_target=settings["THEME_STATIC_DIR"],
        comment_files=comment_files(settings, conf) if conf is not None else (),
    )


def watched(settings, settings_file, comment_database=()):
    """Return the folders and the single files the preview watches (the
    comment database's files also before they exist)."""
    folders = [settings["PATH"], settings["THEME"], *settings["PLUGIN_PATHS"]]
    comment_config = config_path()
    files = [settings_file, comment_config, comment_config.parent / "staff.cfg"]
    return (
        [Path(folder).resolve() for folder in folders if Path(folder).is_dir()],
        [Path(file).resolve() for file in files if Path(file).is_file()]
        + [file for file in comment_database if file.parent.is_dir()],
    )


def serve_site(settings_file, host, port, build=True):
    """Build with ``settings_file`` (unless ``build`` is false), then serve its
    OUTPUT_PATH on host:port and the comment server until Ctrl-C or SIGTERM."""
    conf = load_comment_config()
    allow_site_origins(conf, port)
    check_free("site server", host, port, "stop what runs there or pass --port")
    comment_host, comment_port = comment_server_address(conf)
    check_free(
        "comment server",
        comment_host,
        comment_port,
        "stop what runs there or change [server] listen",
    )
    settings = read_build_settings("serve", settings_file)
    init_build_logging()
    # Files are named as the author knows them: from the settings file's folder.
    site = Builder(settings_file, Path(settings_file).resolve().parent)
    broadcaster = Broadcaster()
    if build:
        result = site.build()
        if result.problems:
            broadcaster.show_problem(result.problems[0])
            print(f"preview: {result.problems[0]}")
    comment_server = start_comment_server(conf)
    site_server = start_site_server(site.output, host, port, broadcaster)
    layout = layout_of(settings, conf)
    worker = PreviewWorker(site, broadcaster, layout)
    stop = threading.Event()
    folders, files = watched(settings, settings_file, layout.comment_files)
    watch_paths(worker.changes, stop, folders, files)
    threading.Thread(
        target=worker.run, args=(stop,), name="preview-worker", daemon=True
    ).start()
    print(f"Blog:           http://localhost:{port}/")
    comments_url = conf.get("server", "listen").replace("127.0.0.1", "localhost")
    print(f"Comment server: {comments_url}")
    print(f"Database:       {conf.get('general', 'dbpath')}")
    print("Saved files show in the open tab by themselves. Ctrl-C stops both.")
    try:
        serve_until_interrupted([site_server, comment_server])
    finally:
        stop.set()
        site.stop()
