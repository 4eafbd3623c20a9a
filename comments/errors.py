"""The one exception type for mistakes a person can fix.

Raised for bad configuration or input anywhere in the project (comment server,
plugins, tasks); its message names the file or setting and the fix. Commands
print it as one line instead of a traceback.
"""


class SetupError(Exception):
    """A configuration or input mistake; the message says where and how to fix it."""
