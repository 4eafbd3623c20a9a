"""Comments on the blog, cut by who uses them.

``server/`` is the comment server (Isso, middleware, routes), ``store/`` the
database's own tables, ``staff/`` the answer desk and its mails, ``build/`` the
reader Pelican's plugins use. ``core`` holds the shared error and clock,
``config`` the configuration every part reads, ``answers`` the one definition
of open and answered.
"""
