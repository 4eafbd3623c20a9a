"""Write a page rendered piece by piece, for pages that grow with the site.

Pelican's ``Writer.write_file`` renders a template to one string, then writes
it. Two pages here grow with the site: the archive lists every article
(2.2 MB of HTML for 5,000 of them, with their comment counts), and the
transparency page every open comment: at 12,000 of them it is 6 MB of HTML,
and rendering it whole held the template's pieces, the page as one string
(two bytes a character once a single one is outside Latin-1) and its UTF-8
bytes at once: 20 MB at the build's peak (benchmarks/FINDINGS.md).
``write_streamed`` writes Jinja's ``generate()`` output as it comes.

It does what ``write_file`` does for one page without pagination: the same
template variables (``output_file``, relative ``SITEURL``), Pelican's own check
against writing a file twice (``Writer._open_w``), the "Writing" log line and
the ``content_written`` signal. A template error leaves no half-written file.
"""

import logging
import os
from pathlib import Path

from pelican import signals
from pelican.utils import get_relative_path, path_to_url, sanitised_join

logger = logging.getLogger(__name__)


def local_context(context, name, relative_urls, values):
    """Return the template variables Pelican's writer gives one page."""
    local = context.copy()
    local["localsiteurl"] = local.get("localsiteurl", None)
    if relative_urls:
        relative_url = path_to_url(get_relative_path(name))
        local["SITEURL"] = relative_url
        local["localsiteurl"] = relative_url
    local["output_file"] = name
    local.update(values)
    return local


def write_streamed(writer, name, template, context, relative_urls=False, **values):
    """Render ``template`` into ``name`` below the writer's output folder."""
    local = local_context(context, name, relative_urls, values)
    if local["localsiteurl"]:
        context["localsiteurl"] = local["localsiteurl"]
    path = sanitised_join(writer.output_path, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with writer._open_w(path, "utf-8") as stream:
        try:
            stream.writelines(template.generate(local))
        except Exception:
            stream.close()
            Path(path).unlink(missing_ok=True)
            raise
    logger.info('Writing "%s"', path)
    signals.content_written.send(path, context=local)
    return path
