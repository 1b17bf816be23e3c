"""Phone numbers in any written form are one number; without a country code they are Costa Rican."""

from __future__ import annotations

import pytest

from currency.text import international_phone, national_phone, normalize_phone, parse_phone, same_phone

FORMS = ["00506 8811 2233", "+506 8811-2233", "88112233", "8811-2233", "8811 2233", "(506) 8811-2233",
         "506 88112233", "50688112233", "+50688112233", "whatsapp:+50688112233", "WhatsApp:+506 8811 2233",
         "tel:+506-8811-2233"]


@pytest.mark.parametrize("text", FORMS)
def test_every_written_form_of_a_costa_rican_number_is_one_number(text: str) -> None:
    assert international_phone(text) == "+50688112233"
    assert national_phone(text) == "88112233"
    assert same_phone(text, "88112233")


def test_a_foreign_number_keeps_its_country() -> None:
    assert international_phone("+1 305 555 0100") == "+13055550100"
    assert international_phone("001 305 555 0100") == "+13055550100"
    assert not same_phone("+1 305 555 0100", "3055550100")


def test_another_default_region_reads_local_numbers_there() -> None:
    assert international_phone("(305) 555-0100", region="US") == "+13055550100"


def test_normal_forms() -> None:
    assert normalize_phone("whatsapp:+506 8811-2233") == "88112233"
    assert normalize_phone("+1 305 555 0100") == "13055550100"


@pytest.mark.parametrize("text", ["", "1", "abc", "12345", "+506 8811", "8" * 40, "x" * 100])
def test_what_is_no_number_is_no_number(text: str) -> None:
    assert parse_phone(text) is None
    assert international_phone(text) == ""
    assert not same_phone(text, text)
