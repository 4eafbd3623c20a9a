"""Masking email addresses and phone numbers in reader text."""

import pytest

from comments.build.masking import mask_personal_data

EMAIL = "[E-Mail-Adresse entfernt]"
PHONE = "[Telefonnummer entfernt]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Schreib mir: private@example.net!", f"Schreib mir: {EMAIL}!"),
        ("[Mail](mailto:a.b+blog@firma.de)", f"[Mail]({EMAIL})"),
        ("anna&#64;example.org und anna%40example.org", f"{EMAIL} und {EMAIL}"),
        ("Tel. 0221 1234567", f"Tel. {PHONE}"),
        ("+49 (0)221 123 45 67.", f"{PHONE}."),
        ("0049 221 123456", PHONE),
        ("(0221) 12 34 56", PHONE),
        ("mobil 0171/1234567 oder 0171-123 45 67", f"mobil {PHONE} oder {PHONE}"),
        ("+1 (555) 123-4567", PHONE),
    ],
)
def test_addresses_and_phone_numbers_are_replaced(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Am 12.03.2026 um 10:30, oder am 05-12-2026",
        "kostet 1.299,00 € oder 0,99 Euro",
        "Ticket 123456789, Bestellung #0012345678",
        "Jahr 2026 und 2027, Version 0.14.0, PLZ 01067 Dresden",
        "ISBN 978-3-16-148410-0",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Anna Schmidt",
        "",
    ],
)
def test_dates_prices_ids_and_names_stay(text):
    assert mask_personal_data(text) == text
