"""Mask email addresses and phone numbers in what readers write.

A reader may type an address or a number into a comment or the name field.
The site, the desk and staff mails show reader text, and the leak check
refuses a site that shows an address (``publishing.leaks``), so one reader
could stop every publish. ``mask_personal_data`` replaces both with a German
placeholder; ``comments.build.reader`` applies it where comments are read, so
everything downstream (pages, excerpts, snapshots, export, desk, mails) gets
masked text.

Phone numbers: German and international forms that start with ``+``, ``00``,
``0`` or ``(0…)`` and have at least seven digits in groups split by spaces,
dashes or slashes. Dates, years, prices and ids (no leading zero, or dots and
commas between the digits) are left alone.
"""

import re

EMAIL_PLACEHOLDER = "[E-Mail-Adresse entfernt]"
PHONE_PLACEHOLDER = "[Telefonnummer entfernt]"

# The "@" also as the leak check decodes it: an HTML entity or "%40".
AT_SIGN = r"(?:@|&#0*64;|&#x0*40;|&commat;|%40)"
EMAIL = re.compile(
    rf"(?:mailto:)?(?<![\w.+%-])[\w.+%-]+{AT_SIGN}"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)
# Starts with a character class, so the search skips ahead quickly (a
# pattern that starts with a lookbehind is tried at every position: 5x
# slower); the lookbehinds then check what comes before that first character.
PHONE = re.compile(
    r"[+(0](?<![\w.,/#+-].)(?<!\d[ \t].)"
    r"(?:(?<=\+)[1-9]\d{0,3}(?:[ \t]*\(0\))?"
    r"|(?<=0)0[1-9]\d{0,3}(?:[ \t]*\(0\))?"
    r"|(?<=\()0\d{1,5}\)"
    r"|(?<=0)\d{1,5})"
    r"(?:(?:[ \t]*[/-][ \t]*|[ \t])?(?:\d+|\(\d{1,5}\)))+"
    r"(?![\w]|[.,]\d)"
)
DATE_LIKE = re.compile(r"\d{1,2}([/-])\d{1,2}\1\d{2,4}")
PHONE_DIGITS = 7


def phone_or_not(match):
    """Return the placeholder for a phone number, else the match unchanged."""
    number = match.group(0)
    digits = sum(character.isdigit() for character in number)
    if digits < PHONE_DIGITS or DATE_LIKE.fullmatch(number):
        return number
    return PHONE_PLACEHOLDER


def mask_personal_data(text):
    """Return ``text`` with email addresses and phone numbers replaced."""
    if not text:
        return text
    if "@" in text or "&" in text or "%" in text:
        text = EMAIL.sub(EMAIL_PLACEHOLDER, text)
    return PHONE.sub(phone_or_not, text)
