"""The comment server: Isso, the project's middleware, and every URL it answers.

``app.create_app`` builds the WSGI application, ``wsgi.application`` is what
gunicorn serves; the staff pages (login, desk) and the guards around Isso's
write routes are middleware composed in ``app``.
"""
