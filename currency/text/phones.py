"""Phone numbers in any written form (`00506 8811 2233`, `+506 8811-2233`, `88112233`, `whatsapp:+506...`),
read with Google's libphonenumber; a number without a country code is Costa Rican unless told otherwise."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

DEFAULT_REGION = "CR"
MAX_PHONE_CHARS = 60
"""The longest text read as one phone number."""
_PREFIXES = ("whatsapp:", "tel:")


def parse_phone(text: str, region: str = DEFAULT_REGION) -> PhoneNumber | None:
    """The number a text names, or None when it is not a number any country could have."""
    value = text.strip()
    for prefix in _PREFIXES:
        if value[: len(prefix)].lower() == prefix:
            value = value[len(prefix):]
    if not value or len(value) > MAX_PHONE_CHARS:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def international_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """E.164 (`+50688112233`), the one form a number is stored, compared and addressed in; "" when not a number."""
    number = parse_phone(text, region)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number is not None else ""


def national_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The digits people dial inside the country (`88112233`); "" when not a number."""
    number = parse_phone(text, region)
    return str(number.national_number) if number is not None else ""


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """Digits only: national for a number of `region` (`88112233`), else with its country code (`13055550100`)."""
    number = parse_phone(text, region)
    if number is None:
        return ""
    if number.country_code == phonenumbers.country_code_for_region(region):
        return str(number.national_number)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).removeprefix("+")


def same_phone(left: str, right: str, region: str = DEFAULT_REGION) -> bool:
    """Whether two written numbers are one number (never true for two texts that are not numbers)."""
    first = international_phone(left, region)
    return bool(first) and first == international_phone(right, region)
