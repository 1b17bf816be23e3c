"""Finding a customer by client ID, by the chat they wrote from, or by the payer's name."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import Session

from bot.contracts.registry import (
    NameMatchStatus,
    find_by_client_id,
    find_by_identity,
    find_by_payer_name,
    find_by_phone,
    normalize_name,
    remember_payer,
)
from bot.db.models import Customer


def test_client_id_with_leading_zeros_is_found(seeded: Session) -> None:
    assert (customer := find_by_client_id(seeded, "0001001")) is not None
    assert customer.full_name == "María José Vargas Solano"
    assert find_by_client_id(seeded, "9999") is None


@pytest.mark.parametrize(
    ("channel", "sender"),
    [
        ("whatsapp", "whatsapp:+50688112233"),
        ("whatsapp", "+50688112233"),
        ("sandbox", "88112233"),
        ("cli", "+506 8811 2233"),
    ],
)
def test_phone_forms_of_each_channel(seeded: Session, channel: str, sender: str) -> None:
    customer = find_by_identity(seeded, channel, sender)
    assert customer is not None and customer.client_id == "1001"


@pytest.mark.parametrize(
    "written",
    ["00506 8811 2233", "+506 8811-2233", "88112233", "8811-2233", "506 8811 2233", "whatsapp:+50688112233",
     "(506) 8811 2233"],
)
def test_a_phone_number_in_every_written_form_finds_the_one_customer(seeded: Session, written: str) -> None:
    found = find_by_phone(seeded, written)
    assert [customer.client_id for customer in found] == ["1001"]
    customer = find_by_identity(seeded, "whatsapp", written)
    assert customer is not None and customer.client_id == "1001"


def test_a_number_stored_in_another_form_is_still_its_customers(seeded: Session) -> None:
    customer = find_by_client_id(seeded, "1002")
    assert customer is not None
    customer.whatsapp_number = "8711-4455"
    customer.phones = [{"country": "", "number": "00506 8711 4455"}]
    seeded.add(customer)
    seeded.flush()
    assert [c.client_id for c in find_by_phone(seeded, "+50687114455")] == ["1002"]


def test_a_foreign_payer_number_is_learned_with_its_country(seeded: Session) -> None:
    customer = find_by_client_id(seeded, "1004")
    assert customer is not None
    remember_payer(seeded, customer, None, "+1 305 555 0100")
    assert {"country": "1", "number": "3055550100", "source": "payer"} in customer.phones
    found = find_by_phone(seeded, "001 305 555 0100")
    assert [c.client_id for c in found] == ["1004"]
    assert find_by_phone(seeded, "305 555 0100") == []


def test_second_phone_is_matched_too(seeded: Session) -> None:
    customer = find_by_identity(seeded, "whatsapp", "whatsapp:+50622334455")
    assert customer is not None and customer.client_id == "1003"


def test_telegram_user_id(seeded: Session) -> None:
    customer = find_by_client_id(seeded, "1004")
    assert customer is not None
    remember_payer(seeded, customer, None, None, telegram_user_id=777001)
    found = find_by_identity(seeded, "telegram", "777001")
    assert found is not None and found.client_id == "1004"
    assert find_by_identity(seeded, "telegram", "not-a-number") is None


def test_a_phone_shared_by_two_customers_identifies_neither(seeded: Session) -> None:
    seeded.add(
        Customer(
            client_id="2001",
            document_type="Cédula física",
            document_number="700000001",
            phones=[{"country": "506", "number": "88112233"}],
        )
    )
    seeded.flush()
    assert find_by_identity(seeded, "whatsapp", "+50688112233") is None


@pytest.mark.parametrize(
    ("payer", "client_id"),
    [
        ("MARIA JOSE VARGAS SOLANO", "1001"),
        ("VARGAS SOLANO MARIA JOSE", "1001"),
        ("maría josé vargas", "1001"),
        ("FERRETERIA EL TORNILLO SOCIEDAD ANONIMA", "1003"),
        ("Clinica Dental Sonrisas SA", "1009"),
    ],
)
def test_payer_name_is_matched_without_accents_case_or_order(
    seeded: Session, payer: str, client_id: str
) -> None:
    lookup = find_by_payer_name(seeded, payer)
    assert lookup.status is NameMatchStatus.FOUND and lookup.best is not None
    customer = seeded.get(Customer, lookup.best.customer_id)
    assert customer is not None and customer.client_id == client_id
    assert 85 <= lookup.best.score <= 100


def test_unrelated_name_matches_no_one(seeded: Session) -> None:
    lookup = find_by_payer_name(seeded, "ROBERTO GOMEZ BOLAÑOS")
    assert lookup.status is NameMatchStatus.NONE and lookup.best is None


def test_remembered_payer_name_is_matched_next_time(seeded: Session) -> None:
    customer = find_by_client_id(seeded, "1005")
    assert customer is not None
    remember_payer(seeded, customer, "Comercializadora Q y R", "+50670001111")
    remember_payer(seeded, customer, "COMERCIALIZADORA Q Y R", "70001111")
    assert customer.known_payer_names == ["Comercializadora Q y R"]
    assert [p for p in customer.phones if p.get("source") == "payer"] == [
        {"country": "506", "number": "70001111", "source": "payer"}
    ]
    lookup = find_by_payer_name(seeded, "COMERCIALIZADORA Q Y R")
    assert lookup.best is not None and lookup.best.customer_id == customer.id


def test_normal_forms() -> None:
    assert normalize_name("Ferretería El Tornillo, S.A.") == "ferreteria el tornillo"
    assert normalize_name("Panadería Don Beto S.R.L.") == "panaderia don beto"


def test_money_and_contracts_never_import_chat_libraries() -> None:
    code = (
        "import sys, currency.money, currency.rates, currency.due, currency.tax, "
        "bot.contracts.registry, bot.contracts.importer, bot.contracts.checks\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'telegram', 'twilio', 'starlette'})\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
