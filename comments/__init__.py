"""The blog's comment server: Isso with the project's own configuration and middleware.

``comments.config`` finds and loads the configuration (``ISSO_SETTINGS`` or the
local default), ``comments.app.create_app`` builds the WSGI application, and
``comments.wsgi.application`` is what gunicorn serves in production.
"""
