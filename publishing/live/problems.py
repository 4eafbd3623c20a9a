"""A file that does not build, said as file, line (where known) and reason.

The same ``Problem`` is shown over the page in the open tab and printed as
one line in the terminal.
"""

import json
import re
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import TemplateSyntaxError

QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")


@dataclass(frozen=True)
class Problem:
    """Why a file did not build."""

    file: str  # relative to the project, as the author knows it ("" if none)
    line: int | None
    reason: str

    def __str__(self):
        if not self.file:
            return self.reason
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"

    def as_dict(self):
        """Return the problem as JSON-able data for the tab."""
        return {**asdict(self), "text": str(self)}

    def as_json(self):
        """Return the problem as JSON text."""
        return json.dumps(self.as_dict())


def one_line(text):
    """Return ``text`` on one line."""
    return " ".join(str(text).split())


def shown_path(path, root):
    """Return ``path`` relative to ``root`` when inside it, else as given."""
    path = Path(path)
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def metadata_line(text, reason):
    """Return the 1-based line of the metadata block that holds a value quoted
    in ``reason`` (Pelican names the bad value: "'gestern' is not a valid
    date"), or None."""
    values = [first or second for first, second in QUOTED.findall(reason)]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            return None  # the metadata block ends at the first empty line
        key, colon, value = line.partition(":")
        if colon and any(quoted and quoted in value for quoted in values):
            return number
    return None


def source_problem(path, error, root):
    """Return the Problem of a content file that could not be read."""
    reason = one_line(error) or type(error).__name__
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    return Problem(shown_path(path, root), metadata_line(text, reason), reason)


def template_problem(error, root):
    """Return the Problem of a template error (syntax or while rendering),
    naming the template's file and line, or None when no template is at fault."""
    reason = one_line(error) or type(error).__name__
    if isinstance(error, TemplateSyntaxError) and error.filename:
        return Problem(shown_path(error.filename, root), error.lineno, reason)
    # Jinja rewrites tracebacks so that rendering frames name the template.
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".jinja")):
            return Problem(shown_path(frame.filename, root), frame.lineno, reason)
    return None
