"""The WSGI entry point for production: ``gunicorn comments.server.wsgi:application``.

Configured like every other entry point: ``ISSO_SETTINGS`` or comments/isso.cfg,
secrets from the environment.
"""

import logging
import sys

from comments.config import load_config
from comments.core import SetupError
from comments.server.app import create_app

logger = logging.getLogger(__name__)

GUNICORN_BOOT_ERROR = 3

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
try:
    application = create_app(conf)
except SetupError as error:
    # One line, not a traceback per worker; 3 is gunicorn's "worker failed to
    # boot", which stops the server instead of restarting workers for ever.
    print(f"comment server: {error}", file=sys.stderr)
    raise SystemExit(GUNICORN_BOOT_ERROR) from None
