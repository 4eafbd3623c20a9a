"""Publishing the blog: one production build, a leak check, an atomic deploy.

``publish`` is what ``invoke publish`` runs: it builds once (``site_build``,
Pelican in-process) with publishconf.py into a temporary folder while
``build.watch_build`` records the drafts and hidden articles and turns logged
errors into a failure, ``leaks.find_leaks`` scans the result, and ``deploy``
puts it live: a new release folder and a symlink swap for a local target,
``rsync --delay-updates --delete-after`` for anything rsync reaches.
``settings`` reads and checks the ``PUBLISH_…`` settings.

The other commands' code lives here too: ``preview`` (``invoke serve``: the
built site and the comment server), ``new_post`` and ``system_packages``
(what ``invoke test`` installs).

``streamed`` writes a page piece by piece; the plugins that write pages
growing with the site use it (the transparency page, the archive). It lives
here, in an installed package, because Pelican loads plugins without putting
their folder on ``sys.path``: one plugin can import another only if it was
loaded first.
"""
