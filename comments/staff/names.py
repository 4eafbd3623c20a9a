"""How people's names are checked and compared: pure functions, no I/O.

Staff display names (``comments.staff.accounts``) and readers' names
(``comments.server.reserved_names``) are compared in one normal form, so that a
look-alike spelling (full-width letters, a zero-width space, other case)
counts as the same name.
"""

import unicodedata

# Unicode "format" characters (bidi overrides and isolates, zero-width space,
# joiners, word joiner, byte order mark, soft hyphen) and control characters
# (line breaks, tabs, NUL …): none belongs in a name people read.
HIDDEN_CATEGORIES = {"Cf", "Cc"}


def hidden_characters(name):
    """Return the invisible format and control characters in ``name``."""
    return [
        character
        for character in name
        if unicodedata.category(character) in HIDDEN_CATEGORIES
    ]


def normalise_name(name):
    """Return ``name`` as names are compared: NFKC, without invisible
    characters, casefolded, whitespace collapsed."""
    visible = (
        character
        for character in unicodedata.normalize("NFKC", name)
        if character.isspace()  # line breaks and tabs: a space
        or unicodedata.category(character) not in HIDDEN_CATEGORIES
    )
    return " ".join("".join(visible).casefold().split())
