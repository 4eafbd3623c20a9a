"""``invoke serve`` as a live preview: watch the sources, render the edited page
first, the rest in the background, and reload the open tab by itself.

- ``changes``: which saved files need what (pure);
- ``problems``: a file that does not build, as file, line and reason (pure);
- ``sync``: a built folder copied into the served one, file by file, atomically;
- ``site``: the warm Pelican site: one page rendered from its source, full builds;
- ``builder``: that site in a process of its own, so builds use every core;
- ``events``: what the open tabs are told (server-sent events);
- ``server``: the HTTP server that injects the reload script into HTML only;
- ``watch``: the watcher and the worker that ties them together.
"""

# Every URL of the preview's own (the reload script, the event stream) starts
# with this; the publish leak check refuses a site that mentions it.
PREVIEW_PREFIX = "/__preview__/"
