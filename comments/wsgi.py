"""The WSGI entry point for production: ``gunicorn comments.wsgi:application``.

Configured like every other entry point: ``ISSO_SETTINGS`` or comments/isso.cfg,
secrets from the environment.
"""

import logging

from comments.app import create_app
from comments.config import load_config

logger = logging.getLogger(__name__)

conf, generated = load_config()
for secret in generated:
    # Only the file holds the value; logs are read by more people than the server.
    logger.warning(
        "generated [%s] %s and stored it in %s; set it from the environment "
        "in production",
        secret.section,
        secret.option,
        secret.stored_in,
    )
application = create_app(conf)
