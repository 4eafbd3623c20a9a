"""Publishing the blog: one production build, a leak check, an atomic deploy.

``invoke publish`` (tasks.py) is the glue: it builds once with publishconf.py
into a temporary folder while ``build.watch_build`` records the drafts and
hidden articles and turns logged errors into a failure, ``leaks.find_leaks``
scans the result, and ``deploy`` puts it live: a new release folder and a
symlink swap for a local target, ``rsync --delay-updates --delete-after`` for
anything rsync reaches. ``settings`` reads and checks the ``PUBLISH_…`` settings.
"""
