"""The comment server's WSGI application: Isso plus the project's middleware.

``create_app(conf)`` mirrors ``isso.make_app`` but keeps the Isso instance in
reach, replaces the personal-data-leaking stdout notifier, and puts
``UntrustedForwardingFilter`` outermost so rate limits hold. It sends no
request at start (``make_app`` probes every configured host). Isso's database
layer runs on one SQLite connection per thread instead of one per statement,
``POST /count`` counts the asked threads only (same answers as Isso), and a
new comment is read back by the id its INSERT produced
(``comments.server.comment_insert``).
"""

import ipaddress
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from functools import partial
from urllib.parse import urlsplit

from isso import Isso, local_manager, wsgi
from isso.core import Cache, ThreadedMixin
from isso.db.comments import Comments
from isso.ext.notifications import Stdout
from isso.utils.cache import SimpleCache
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware

from comments.config import (
    ConfigError,
    check_admin_password,
    config_file_of,
    database_path,
)
from comments.server.comment_insert import add_comment
from comments.server.desk_mentions import MentionReview
from comments.server.desk_web import DeskPage
from comments.server.events import CommentEventLog
from comments.server.export import TOKEN_VARIABLE, ExportEndpoint
from comments.server.form_post import CommentForm
from comments.server.middleware import (
    MalformedRequests,
    SecurityHeaders,
    UnparsableOrigins,
    UntrustedForwardingFilter,
)
from comments.server.origins import Origins
from comments.server.read_cache import ThreadReadCache
from comments.server.refusals import Refusals
from comments.server.removal_log import RemovalRecorder
from comments.server.reserved_names import ReservedNames
from comments.server.routes import ListedRoutesOnly
from comments.server.staff_web import StaffLayer, StaffRecorder, current_staff
from comments.server.storage_errors import StorageErrors
from comments.server.subscription_web import OptInRequests, SubscriptionPages
from comments.server.webmention_web import WebmentionEndpoint
from comments.server.write_guard import ClosedThreads, WriteGuard
from comments.staff.accounts import StaffDirectory, is_email, staff_file
from comments.staff.mails import SmtpSettings
from comments.staff.notify import notifiers, staff_recipients
from comments.staff.owners import owners_file
from comments.staff.reader_mails import ReaderMailSender
from comments.staff.subscriptions import NotificationSettings
from comments.store.connections import ThreadConnection
from comments.store.integrity import refuse_damaged_database
from comments.store.schema import ensure_schema

logger = logging.getLogger(__name__)

ISSO_STATIC = os.path.dirname(wsgi.__file__)


RENDERED_KEEP = 20_000  # rendered comment texts kept per process
HASHES_KEEP = 100_000  # avatar hashes kept per process (Isso keeps 1,024)


class RoomierCacheMixin(ThreadedMixin):
    """Isso's threaded mixin with a hash cache that fits a real site.

    Isso computes a PBKDF2 hash for every comment on every read and keeps only
    1,024 of them, so a site with more comments recomputes nearly all of them.
    """

    def __init__(self, conf):
        super().__init__(conf)
        self.cache = Cache(SimpleCache(threshold=HASHES_KEEP, default_timeout=86400))


class ConnectionPerThread:
    """Isso's ``SQLite3.execute``, on one connection per thread, not per query.

    Isso opens a new connection for every statement, and SQLite reads and
    parses the whole schema (tables, indexes, triggers) before a new
    connection's first statement: about 0.2 ms, ten times a thread read's
    indexed queries, a dozen times per listing. Each statement still runs
    and commits on its own exactly as in Isso (``with connection:`` commits,
    or rolls back on an error), so every statement sees what other threads
    and processes committed. A statement that fails, even in its commit,
    leaves no transaction open behind it: Isso's connection would have been
    thrown away with it. After an error other than a refused row the
    connection is closed and the next statement opens a new one (say, the
    file was replaced); a forked child opens its own connections.
    """

    def __init__(self, path):
        self.path = path
        self.connection = ThreadConnection(partial(sqlite3.connect, path))

    def __call__(self, sql, args=()):
        if isinstance(sql, (list, tuple)):
            sql = " ".join(sql)
        connection = self.connection.get()
        try:
            with connection:
                return connection.execute(sql, args)
        except BaseException as error:
            # Python's `with` rolls back a failed commit too; never reuse a
            # connection that is still inside a transaction all the same.
            if connection.in_transaction:
                connection.rollback()
            if isinstance(error, sqlite3.Error) and not isinstance(
                error, sqlite3.IntegrityError
            ):
                self.forget()
            raise

    def forget(self):
        """Close this thread's connection; the next statement opens a new one."""
        self.connection.forget()


# Published comments of the given threads only. `+threads.id` has no type
# affinity, so the index on comments (tid, mode) serves even where Isso's
# untyped `tid` column was not typed yet (see comments.store.schema).
COUNT_QUERY = """
SELECT threads.uri, COUNT(comments.id)
FROM threads JOIN comments ON comments.tid = +threads.id AND comments.mode = 1
WHERE threads.uri IN ({})
GROUP BY threads.uri
"""
COUNT_CHUNK = 500  # URIs per query, well below SQLite's limit on parameters


def count_published(db, *urls):
    """Isso's ``Comments.count`` without counting every thread of the site.

    Isso groups all comments of the site by thread for each ``POST /count``
    (40 ms at 100,000 comments) and picks the asked threads out of the
    result; this asks the index for those threads alone. Same answer: the
    number of published comments per URI, 0 for an unknown one. Anything but
    a list of strings gets Isso's own answer.
    """
    if not all(isinstance(url, str) for url in urls):
        return Comments.count(db.comments, *urls)
    asked = list(dict.fromkeys(urls))
    counts = {}
    try:
        for start in range(0, len(asked), COUNT_CHUNK):
            chunk = asked[start : start + COUNT_CHUNK]
            query = COUNT_QUERY.format(", ".join("?" * len(chunk)))
            counts.update(db.execute(query, chunk).fetchall())
    except UnicodeEncodeError:  # a lone surrogate: SQLite cannot take it
        return Comments.count(db.comments, *urls)
    return [counts.get(url, 0) for url in urls]


def exempt_staff_from_guard(guard):
    """Let verified staff post past Isso's reader guard.

    The guard (rate limit, direct replies, "reply-to-self") keeps readers
    from flooding a thread; it knows people only by address. Staff answering
    from the office network that a reader shares, or testing on localhost,
    were refused for 15 minutes with "edit time frame is still open". A
    request ``StaffLayer`` has verified as staff (``current_staff``) passes.
    """
    readers_only = guard.validate

    def validate(uri, comment):
        if current_staff.get() is not None:
            return True, ""
        return readers_only(uri, comment)

    guard.validate = validate


class CommentServer(Isso, RoomierCacheMixin):
    """Isso with a thread lock, the moderation purge thread and output caches."""

    def __init__(self, conf):
        self.rendered = OrderedDict()
        self.rendered_lock = threading.Lock()
        super().__init__(conf)
        # Isso's tables, threads, comments and guard all query through this.
        self.db.execute = ConnectionPerThread(self.db.path)
        self.db.comments.count = partial(count_published, self.db)
        self.db.comments.add = partial(add_comment, self.db.comments)
        exempt_staff_from_guard(self.db.guard)

    def render(self, text):
        """Render Markdown as Isso does, remembering recent results.

        Rendering and sanitising costs about a millisecond and depends on the
        text alone, so the same text is never rendered twice in a row of reads.
        """
        with self.rendered_lock:
            if text in self.rendered:
                self.rendered.move_to_end(text)
                return self.rendered[text]
        html = super().render(text)
        with self.rendered_lock:
            self.rendered[text] = html
            while len(self.rendered) > RENDERED_KEEP:
                self.rendered.popitem(last=False)
        return html


def subscribe(server, *subscribers):
    """Swap Isso's stdout subscriber for ours (event log, staff recorder)."""
    subscriptions = server.signal.subscriptions
    for receivers in subscriptions.values():
        receivers[:] = [
            receiver
            for receiver in receivers
            if not isinstance(getattr(receiver, "__self__", None), Stdout)
        ]
    for subscriber in subscribers:
        for signal_name, receiver in subscriber:
            subscriptions[signal_name].append(receiver)


def check_config(conf):
    """Refuse configurations Isso would run with but that cannot work."""
    if not any(conf.getiter("general", "host")):
        raise ConfigError(
            "[general] host is empty: list the blog's origin(s), "
            "e.g. http://localhost:8000"
        )
    for host in conf.getiter("general", "host"):
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # The browser's Origin header would never match: every comment
            # from the blog refused.
            raise ConfigError(
                f"[general] host = {host!r} is not the blog's origin, e.g. "
                "https://blog.example.org (with http:// or https://)"
            )
    for proxy in conf.getiter("server", "trusted-proxies"):
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise ConfigError(
                f"[server] trusted-proxies = {proxy!r} is not an IP address (the "
                "reverse proxy's, e.g. 127.0.0.1)"
            ) from None
    for address in staff_recipients(conf):
        if not is_email(address):
            raise ConfigError(
                f"[smtp] to = {address!r} is not a mail address (name@example.org)"
            )
    if any(backend.lower() == "smtp" for backend in conf.getlist("general", "notify")):
        raise ConfigError(
            "[general] notify = smtp: Isso's own mails show readers' email and IP "
            "addresses; remove it — staff mails come from the [smtp] settings alone"
        )
    db_dir = database_path(conf).parent
    if not db_dir.is_dir():
        raise ConfigError(
            f"[general] dbpath = {database_path(conf)}: folder {db_dir} does not "
            "exist; create it or point dbpath elsewhere"
        )
    check_admin_password(conf)


def build_server(conf, environ=None):
    """Return the Isso instance with the project's tables and subscribers."""
    environ = os.environ if environ is None else environ
    check_config(conf)
    refuse_damaged_database(database_path(conf))
    server = CommentServer(conf)
    db_path = database_path(conf)
    ensure_schema(db_path)
    subscribe(
        server, CommentEventLog(), StaffRecorder(db_path), *notifiers(conf, environ)
    )
    return server


def reader_mail_sender(conf, environ):
    """Return the sender of readers' notification mails, or None when off."""
    settings = NotificationSettings.from_conf(conf)
    if not settings.enabled:
        logger.info(
            "notifications: readers' reply mails are off ([blog] "
            "reader-notifications, [smtp] host and from, [server] public-endpoint)"
        )
        return None
    SmtpSettings.from_conf(conf, environ)  # wrong options stop the start here
    return ReaderMailSender(conf, environ, settings)


def wrap(server, conf, environ, reader_mail=None):
    """Compose the middleware around the Isso instance, innermost first."""
    db_path = database_path(conf)
    notifications = NotificationSettings.from_conf(conf)
    hosts = list(conf.getiter("general", "host"))
    directory = StaffDirectory(staff_file(config_file_of(conf), environ), db_path)
    app = local_manager.make_middleware(server)
    app = ThreadReadCache(app, db_path)
    app = SharedDataMiddleware(
        app,
        {
            "/js": os.path.join(ISSO_STATIC, "js"),
            "/css": os.path.join(ISSO_STATIC, "css"),
            "/img": os.path.join(ISSO_STATIC, "img"),
        },
    )
    app = RemovalRecorder(app, server)
    origins = Origins(hosts, conf.get("server", "public-endpoint"))
    app = WriteGuard(app, db_path, origins, ClosedThreads(owners_file(conf)))
    app = ReservedNames(app, directory)  # inside StaffLayer: needs current_staff
    app = OptInRequests(app, db_path, notifications, reader_mail)  # likewise
    app = staff_layer = StaffLayer(app, server, directory, origins)
    app = ExportEndpoint(app, db_path, environ.get(TOKEN_VARIABLE, ""))
    # Bodies are checked before any layer inside reads them.
    app = MalformedRequests(app)
    app = StorageErrors(Refusals(app, conf), server)
    app = wsgi.CORSMiddleware(
        app,
        origin=wsgi.origin(hosts),
        allowed=("Origin", "Referer", "Content-Type"),
        exposed=("X-Set-Cookie", "Date"),
    )
    # Outside CORS: the staff desk is for this origin only.
    app = DeskPage(app, staff_layer, conf)
    app = SubscriptionPages(app, db_path, notifications)
    app = MentionReview(app, staff_layer, db_path)  # the desk's Webmention forms
    app = WebmentionEndpoint(app, conf)  # other servers post here, not browsers
    # Posts the form's comments through every layer above, as the widget's.
    app = CommentForm(
        app,
        server.db.preferences.get("session-key"),
        origins,
        hosts,
        server.render,
        db_path,
    )
    app = ListedRoutesOnly(app)  # every URL answered is in comments.server.routes
    app = wsgi.SubURI(app)
    app = partial(ProxyFix, x_prefix=1)(app)
    app = SecurityHeaders(UnparsableOrigins(app), sorted(origins.blog - {""}))
    return UntrustedForwardingFilter(app, conf.getiter("server", "trusted-proxies"))


def create_app(conf, environ=None):
    """Build the comment server's WSGI application for ``conf``.

    ``environ`` (default: the process environment) supplies the export token
    (BLOG_EXPORT_TOKEN) and the staff accounts file (BLOG_STAFF_FILE).
    """
    environ = os.environ if environ is None else environ
    server = build_server(conf, environ)
    reader_mail = reader_mail_sender(conf, environ)
    if reader_mail is not None:
        subscribe(server, reader_mail)
        reader_mail.wake()  # looks every [blog] notification-interval seconds
    app = wrap(server, conf, environ, reader_mail)
    app.comment_server = server
    app.reader_mail = reader_mail
    return app
