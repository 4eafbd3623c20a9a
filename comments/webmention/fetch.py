"""Fetch a page from another site without letting it reach inside our network.

A Webmention makes the server fetch an address a stranger chose, so every
fetch here (``fetch``) goes only to http(s) addresses, resolves the host name
once, refuses it when *any* address it resolves to is private, loopback,
link-local, reserved or multicast (``169.254.169.254`` is the cloud's metadata
service), and then connects to the very address it checked, so a second DNS
answer cannot swap it (DNS rebinding). Each redirect, at most
``MAX_REDIRECTS``, is checked the same way. The whole fetch has one deadline
(``TIMEOUT`` seconds, however slowly the bytes come) and a size cap
(``MAX_BYTES``). ``allow_private`` lifts the address check, for tests on
127.0.0.1 only (``[webmention] allow-private-sources``).

The stdlib's ``http.client`` is used rather than a client that resolves the
name itself: only so can the checked address be the one connected to.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

TIMEOUT = 5.0  # seconds for the whole fetch, redirects included
MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
WEB_SCHEMES = ("http", "https")
USER_AGENT = "Offener-Firmenblog-Webmention/1 (+https://www.w3.org/TR/webmention/)"


class FetchRefused(Exception):
    """The address is not fetched, or the fetch failed; the message says why."""


@dataclass(frozen=True)
class Fetched:
    """A response: the address it came from after redirects, status, headers, body."""

    url: str
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self):
        """The media type without parameters, lower-cased ("" when none)."""
        return (
            self.headers.get_content_type() if self.headers.get("Content-Type") else ""
        )

    @property
    def charset(self):
        """The declared character set, or UTF-8."""
        return self.headers.get_content_charset() or "utf-8"

    def text(self):
        """The body as text (undecodable bytes replaced)."""
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")


def is_public(address):
    """True for an address on the public internet (not private, loopback,
    link-local, reserved, multicast or unspecified)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_web_url(url):
    """Return ``(scheme, host, port)`` of an http(s) address; raise FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused(f"{url!r} is not a valid address") from None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or not parts.hostname:
        raise FetchRefused(f"{url!r} is not an http(s) address")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def resolve(host, port, allow_private):
    """Return the ``(family, sockaddr)`` to connect to, after checking every
    address ``host`` resolves to."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchRefused(f"{host}: the name does not resolve ({error})") from None
    if not found:
        raise FetchRefused(f"{host}: the name does not resolve")
    if not allow_private:
        for *_, sockaddr in found:
            if not is_public(sockaddr[0]):
                raise FetchRefused(
                    f"{host}: resolves to a private, loopback or link-local "
                    "address; not fetched"
                )
    family, *_, sockaddr = found[0]
    return family, sockaddr


class PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to the address that was checked, not a fresh lookup."""

    def __init__(self, host, port, family, sockaddr, timeout):
        super().__init__(host, port, timeout=timeout)
        self.family, self.sockaddr = family, sockaddr

    def connect(self):
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.sockaddr)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class PinnedTLSConnection(PinnedConnection):
    """The same over TLS, the certificate checked against the host name."""

    default_port = 443

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def remaining(deadline):
    """Seconds left before ``deadline``; raise FetchRefused once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchRefused(f"no complete answer within {TIMEOUT:g} s")
    return left


def read_body(response, sock, deadline, max_bytes):
    """Read at most ``max_bytes`` before the deadline; refuse anything longer."""
    chunks, size = [], 0
    while not response.isclosed():  # closed once the whole body is read
        sock.settimeout(remaining(deadline))
        chunk = response.read1(CHUNK)  # one receive: the deadline is checked often
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(f"larger than {max_bytes:,} bytes; not read")
        chunks.append(chunk)
    return b"".join(chunks)


def request_once(method, url, body, headers, allow_private, deadline, max_bytes):
    """One request without following redirects; return a Fetched."""
    scheme, host, port = check_web_url(url)
    family, sockaddr = resolve(host, port, allow_private)
    kind = PinnedTLSConnection if scheme == "https" else PinnedConnection
    connection = kind(host, port, family, sockaddr, remaining(deadline))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            method, path, body=body, headers={"User-Agent": USER_AGENT, **headers}
        )
        sock = connection.sock  # the response may take it from the connection
        sock.settimeout(remaining(deadline))
        response = connection.getresponse()
        content = (
            b"" if method == "HEAD" else read_body(response, sock, deadline, max_bytes)
        )
        return Fetched(url, response.status, response.msg, content)
    except FetchRefused:
        raise
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        if isinstance(error, TimeoutError | socket.timeout):
            raise FetchRefused(f"{host}: no answer within {TIMEOUT:g} s") from None
        raise FetchRefused(f"{host}: {error.__class__.__name__}: {error}") from None
    finally:
        connection.close()


def fetch(
    url,
    method="GET",
    body=None,
    headers=None,
    allow_private=False,
    timeout=TIMEOUT,
    max_bytes=MAX_BYTES,
    max_redirects=MAX_REDIRECTS,
):
    """Fetch ``url`` safely (see the module docstring); return a Fetched.

    Redirects are followed for GET and HEAD only. Raise FetchRefused with a
    one-line reason for a refused address, a timeout, a too large answer or
    too many redirects.
    """
    deadline = time.monotonic() + timeout
    headers = dict(headers or {})
    for _ in range(max_redirects + 1):
        fetched = request_once(
            method, url, body, headers, allow_private, deadline, max_bytes
        )
        location = fetched.headers.get("Location")
        if (
            fetched.status not in REDIRECTS
            or not location
            or method
            not in (
                "GET",
                "HEAD",
            )
        ):
            return fetched
        url = urljoin(url, location.strip())
    raise FetchRefused(f"more than {max_redirects} redirects; not followed")
