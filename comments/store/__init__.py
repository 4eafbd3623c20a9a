"""The comment database: the project's ``blog_*`` tables beside Isso's, kept whole.

The schema and its migrations, the connection helpers, the integrity check and
backups. Isso's own tables are Isso's; only the build reader reads them whole.
"""
