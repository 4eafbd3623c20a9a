"""The builder: the warm site in a process of its own, without threads.

The preview server runs threads (HTTP, watchers, the comment server); the
builder is a separate Python process that holds the ``WarmSite``, so its full
builds run beside the serving process (on the other core) instead of in it,
and restarting it loads changed plugin code. It reads one JSON
request a line on stdin and answers one JSON line on its own stdout; what
Pelican prints goes to stderr, the terminal.

``python -m publishing.live.builder SETTINGS_FILE ROOT`` is what ``Builder``
starts; requests: ``{"render": path}`` → ``{"url": …}`` or ``{"problem": …}``;
``{"build": true, "templates": [...] or null}`` → ``{"problems": [...]}``
(the site is in the staging folder; the server copies it over when no newer
change waits; ``templates``: only these theme templates changed).
``{"refresh": true}`` → ``{"changed": [url, …]}`` or ``{"problem": …}`` (the
comments changed: their pages are rendered into the served folder).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from publishing.live.problems import Problem
from publishing.live.site import BuildResult, SourceProblem, WarmSite
from publishing.live.sync import page_url, sync_folder

PROJECT = Path(__file__).resolve().parents[2]


def answer(site, request):
    """Return the answer to one request."""
    if "render" in request:
        try:
            return {"url": site.render_source(request["render"])}
        except SourceProblem as failed:
            return {"problem": failed.problem.as_dict()}
    if "refresh" in request:
        try:
            return {"changed": site.refresh_comments()}
        except SourceProblem as failed:
            return {"problem": failed.problem.as_dict()}
    problems = site.build_staging(request.get("templates"))
    return {"problems": [problem.as_dict() for problem in problems]}


def main(argv):
    """Serve requests on stdin until it closes."""
    from publishing.build_log import init_build_logging

    settings_file, root = argv
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Pelican's prints
    init_build_logging()
    site = WarmSite(settings_file, Path(root))
    for line in sys.stdin:
        replies.write(json.dumps(answer(site, json.loads(line))) + "\n")
        replies.flush()
    return 0


def as_problem(data):
    """Return the Problem of its JSON form."""
    return Problem(data["file"], data["line"], data["reason"])


class Builder:
    """The builder process seen from the server: ``WarmSite``'s interface."""

    def __init__(self, settings_file, root):
        self.settings_file, self.root = str(settings_file), Path(root)
        local = WarmSite(settings_file, root)  # reads the paths only
        self.output, self.staging = local.output, local.staging
        self.process = None

    def start(self):
        """Start a fresh builder process (fresh imports: changed plugins count)."""
        self.stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publishing.live.builder"]
            + [self.settings_file, str(self.root)],
            cwd=PROJECT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def stop(self):
        """End the builder process, if one runs."""
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def ask(self, request):
        """Send one request; return the answer (a new builder if it died)."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.process = None
            raise RuntimeError("preview: the builder process ended; it restarts")
        return json.loads(line)

    def render_source(self, source):
        """Render one source's page first (``WarmSite.render_source``)."""
        reply = self.ask({"render": str(source)})
        if "problem" in reply:
            raise SourceProblem(as_problem(reply["problem"]))
        return reply["url"]

    def refresh_comments(self):
        """Render the pages changed comments change (``WarmSite.refresh_comments``)."""
        reply = self.ask({"refresh": True})
        if "problem" in reply:
            raise SourceProblem(as_problem(reply["problem"]))
        return reply["changed"]

    def build(self, superseded=lambda: False, templates=None):
        """Build the site; copy it in unless it failed or was superseded."""
        reply = self.ask({"build": True, "templates": templates})
        problems = [as_problem(data) for data in reply["problems"]]
        if problems:
            return BuildResult(problems=problems)
        if superseded():
            return BuildResult(superseded=True)
        changed = sync_folder(self.staging, self.output)
        return BuildResult(changed=[page_url(path) for path in changed])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
