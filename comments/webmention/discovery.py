"""Find a page's Webmention endpoint, as the W3C Recommendation says (§3.1.2).

First the HTTP ``Link`` headers (several headers, or several links in one,
in order), then the first ``<link>`` or ``<a>`` element in document order
whose ``rel`` holds ``webmention`` among its values. The address is resolved
against the page's own address after redirects; an empty ``href`` is the page
itself. Pure functions over a ``fetch.Fetched``.
"""

import re
from urllib.parse import urljoin

LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
REL_PARAMETER = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.I)
WEBMENTION = "webmention"


def rel_values(text):
    """Return the link relations of a space-separated ``rel`` value, lower-cased."""
    return [value.lower() for value in text.split()]


def header_endpoints(link_headers):
    """Yield the addresses of ``Link`` header values with rel="webmention"."""
    for header in link_headers:
        for match in LINK_VALUE.finditer(header):
            for quoted, bare in REL_PARAMETER.findall(match.group(2)):
                if WEBMENTION in rel_values(quoted or bare):
                    yield match.group(1).strip()


def html_endpoint(html):
    """Return the href of the first <link>/<a> with rel="webmention", or None."""
    from bs4 import BeautifulSoup

    for element in BeautifulSoup(html, "html.parser").find_all(["link", "a"]):
        rel = element.get("rel") or []
        rel = rel.split() if isinstance(rel, str) else rel
        if element.has_attr("href") and WEBMENTION in [r.lower() for r in rel]:
            return element["href"].strip()
    return None


def endpoint_of(fetched):
    """Return the absolute endpoint address of a fetched page, or None."""
    for address in header_endpoints(fetched.headers.get_all("Link") or ()):
        return urljoin(fetched.url, address)
    if "html" not in fetched.content_type:
        return None
    address = html_endpoint(fetched.text())
    return None if address is None else urljoin(fetched.url, address)
