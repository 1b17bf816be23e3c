"""Stories of seed 003: what support checks on a receipt, and which reply the customer gets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.contracts.checks import RULES, CheckReport, CheckStatus, check_receipt
from bot.contracts.importer import import_contracts, import_customers
from bot.contracts.registry import find_by_client_id, remember_payer
from bot.db.models import Customer, Intake, Payment
from bot.ocr.fields import ReceiptFields
from currency.money import Money
from tests.contracts.conftest import DATA, NOW, receipt

NBSP = "\u00a0"


def check(
    session: Session,
    settings: Settings,
    fields: ReceiptFields,
    *,
    sender: str = "whatsapp:+50670000000",
    channel: str = "whatsapp",
    sha: str | None = None,
    intake_id: int | None = None,
    now: datetime = NOW,
) -> CheckReport:
    return check_receipt(
        session,
        fields,
        sender_channel=channel,
        sender=sender,
        media_sha256=sha,
        intake_id=intake_id,
        settings=settings,
        now=now,
    )


def statuses(report: CheckReport) -> dict[str, str]:
    return {r.name: r.status.value for r in report.results}


def add_intake(
    session: Session, fields: ReceiptFields, state: str = "checked", sha: str | None = None
) -> int:
    intake = Intake(
        channel="whatsapp",
        external_id=f"SM{fields.reference}{state}{sha}",
        sender="+50688112233",
        state=state,
        fields=fields.to_json(),
        media_sha256=sha,
    )
    session.add(intake)
    session.flush()
    assert intake.id is not None
    return intake.id


def test_complete_receipt_passes_every_rule_and_gets_script_1(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt())
    assert [r.name for r in report.results] == list(RULES)
    assert all(r.status is CheckStatus.PASS for r in report.results), report.results
    assert report.passed() and report.reply_kind == "received"
    assert report.client_id == "1001" and report.client_id_present
    assert report.difference == Money(Decimal("0"), "CRC") and report.credit is None
    assert report.amount_due is not None and report.amount_due.total_crc == Decimal("28250.00")


def test_usd_contract_converted_at_receipt_date_rate_with_iva(seeded: Session, settings: Settings) -> None:
    fields = receipt(
        amount=Decimal("25831.80"), payer_name="JOSE PABLO RODRIGUEZ MORA", description="Mensualidad ID 1002"
    )
    report = check(seeded, settings, fields)
    due = report.amount_due
    assert due is not None and due.rate is not None
    assert (due.rate.value, due.rate.rate_date, due.rate.side, due.rate.fallback) == (
        Decimal("508.00"),
        date(2026, 11, 26),
        "sell",
        False,
    )
    assert (due.subtotal_crc, due.iva, due.total_crc) == (
        Decimal("22860.00"),
        Decimal("2971.80"),
        Decimal("25831.80"),
    )
    assert report.result("amount").status is CheckStatus.PASS
    assert "tipo de cambio de venta ₡508,00 del 26/11/2026" in report.result("amount").reason
    stored = report.to_json()
    assert stored["amount_due"]["rate"] == {
        "value": "508.00",
        "rate_date": "2026-11-26",
        "side": "sell",
        "source": "manual",
        "fallback": False,
        "requested_date": "2026-11-26",
    }


def test_short_payment_states_exact_difference(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(amount=Decimal("25000.00")))
    assert report.result("amount").status is CheckStatus.FAIL
    assert report.difference == Money(Decimal("3250.00"), "CRC")
    assert f"diferencia pendiente ₡3{NBSP}250,00" in report.result("amount").reason
    assert report.reply_kind == "short_payment"


def test_difference_within_tolerance_counts_as_exact(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(amount=Decimal("28249.50")))
    assert report.result("amount").status is CheckStatus.PASS and report.reply_kind == "received"


def test_overpayment_is_recorded_as_credit(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(amount=Decimal("30000.00")))
    assert report.credit == Money(Decimal("1750.00"), "CRC")
    assert "saldo a favor" in report.result("amount").reason
    assert report.reply_kind == "received"


def test_expired_id_is_forwarded_and_customer_told_we_await_activation(
    seeded: Session, settings: Settings
) -> None:
    fields = receipt(amount=Decimal("17223.96"), payer_name="CARLOS CHAVES ARAYA", description="ID 1006")
    report = check(seeded, settings, fields)
    contract = report.result("contract")
    assert (
        contract.status is CheckStatus.WARN
        and "ID vencido" in contract.reason
        and "31/10/2026" in contract.reason
    )
    assert report.contract_expired and report.reply_kind == "contract_expired"
    assert not report.failed()


def test_receipt_without_id_matched_by_whatsapp_number(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(description="Pago noviembre"), sender="whatsapp:+50688112233")
    assert report.result("client_id").status is CheckStatus.WARN
    assert "no trae el ID" in report.result("client_id").reason
    assert (report.client_id, report.matched_by, report.client_id_present) == ("1001", "phone", False)
    assert report.reply_kind == "received_missing_id"


@pytest.mark.parametrize(("channel", "sender"), [("sandbox", "88112233"), ("cli", "+506 8811-2233")])
def test_local_channels_match_any_phone_form(
    seeded: Session, settings: Settings, channel: str, sender: str
) -> None:
    report = check(seeded, settings, receipt(description=None), channel=channel, sender=sender)
    assert report.client_id == "1001"


def test_receipt_without_id_matched_by_payer_name_without_accents(
    seeded: Session, settings: Settings
) -> None:
    fields = receipt(
        description="SINPE MOVIL", payer_name="RODRIGUEZ MORA JOSE PABLO", amount=Decimal("25831.80")
    )
    report = check(seeded, settings, fields)
    assert (report.client_id, report.matched_by) == ("1002", "name")
    assert report.reply_kind == "received_missing_id"


def test_ambiguous_payer_name_is_reported_never_picked(seeded: Session, settings: Settings) -> None:
    seeded.add(
        Customer(
            client_id="2001",
            document_type="Cédula física",
            document_number="112340999",
            first_names="María José",
            last_names="Vargas Soto",
        )
    )
    seeded.flush()
    report = check(seeded, settings, receipt(description=None, payer_name="MARIA JOSE VARGAS"))
    assert report.customer_id is None
    assert report.result("client_id").status is CheckStatus.FAIL
    assert "ambiguo" in report.result("client_id").reason
    assert {c["name"] for c in report.candidates[:2]} == {
        "María José Vargas Solano",
        "María José Vargas Soto",
    }
    assert report.reply_kind == "customer_unknown"


def test_unknown_payer_remembered_matches_next_receipt_on_its_own(
    seeded: Session, settings: Settings
) -> None:
    fields = receipt(description="pago", payer_name="INVERSIONES DEL VALLE", amount=Decimal("542.40"))
    first = check(seeded, settings, fields, sender="whatsapp:+50670001111")
    assert first.reply_kind == "customer_unknown" and first.customer_id is None
    customer = find_by_client_id(seeded, "1003")
    assert customer is not None
    remember_payer(seeded, customer, "INVERSIONES DEL VALLE", "whatsapp:+50670001111")
    again = check(seeded, settings, fields, sender="whatsapp:+50670001111")
    assert (again.client_id, again.matched_by) == ("1003", "phone")
    by_name = check(seeded, settings, fields, sender="telegram-unknown", channel="telegram")
    assert (by_name.client_id, by_name.matched_by) == ("1003", "name")


def test_wrong_payee_is_not_paid_to_the_company(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(payee_name="JUAN PEREZ MORA"))
    assert report.result("payee").status is CheckStatus.FAIL
    assert "JUAN PEREZ MORA" in report.result("payee").reason
    assert report.reply_kind == "not_company"


def test_company_sinpe_number_passes_without_a_payee_name(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(payee_name=None, payee_phone="8888-7777"))
    assert report.result("payee").status is CheckStatus.PASS


def test_receipt_45_days_old_is_too_old(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(date=date(2026, 10, 13)))
    assert report.result("date").status is CheckStatus.FAIL
    assert "45 días" in report.result("date").reason
    assert report.reply_kind == "too_old"


def test_future_date_fails(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(date=date(2026, 11, 28)))
    assert report.result("date").status is CheckStatus.FAIL and "futuro" in report.result("date").reason


def test_duplicate_reference_of_an_earlier_intake(seeded: Session, settings: Settings) -> None:
    earlier = add_intake(seeded, receipt())
    report = check(seeded, settings, receipt())
    assert report.result("duplicate").status is CheckStatus.FAIL
    assert report.duplicate_of == earlier and report.reply_kind == "duplicate"
    assert (
        check(seeded, settings, receipt(), intake_id=earlier).result("duplicate").status is CheckStatus.PASS
    )
    assert check(seeded, settings, receipt(bank="BCR")).result("duplicate").status is CheckStatus.PASS


def test_the_first_of_a_receipt_sent_twice_is_not_a_duplicate_of_the_resend_read_beside_it(
    seeded: Session, settings: Settings,
) -> None:
    first = add_intake(seeded, receipt(), sha="cd" * 32)
    resend = add_intake(seeded, receipt(), state="read", sha="cd" * 32)
    assert check(seeded, settings, receipt(), intake_id=first, sha="cd" * 32).result(
        "duplicate").status is CheckStatus.PASS
    report = check(seeded, settings, receipt(), intake_id=resend, sha="cd" * 32)
    assert report.result("duplicate").status is CheckStatus.FAIL and report.duplicate_of == first


def test_rejected_intake_is_not_a_duplicate(seeded: Session, settings: Settings) -> None:
    add_intake(seeded, receipt(), state="rejected")
    assert check(seeded, settings, receipt()).result("duplicate").status is CheckStatus.PASS


def test_same_image_is_a_duplicate(seeded: Session, settings: Settings) -> None:
    earlier = add_intake(seeded, receipt(reference="OTHER-1"), sha="ab" * 32)
    report = check(seeded, settings, receipt(), sha="ab" * 32)
    assert report.duplicate_of == earlier and "misma imagen" in report.result("duplicate").reason


def test_reference_already_applied_as_payment_is_a_duplicate(seeded: Session, settings: Settings) -> None:
    intake_id = add_intake(seeded, receipt(reference="OLD-1"), state="applied")
    customer = find_by_client_id(seeded, "1001")
    assert customer is not None and customer.id is not None
    seeded.add(
        Payment(
            intake_id=intake_id,
            customer_id=customer.id,
            amount=Decimal("28250"),
            bank="bac",
            reference="FT26330123456",
            applied_by="staff:1",
        )
    )
    seeded.flush()
    report = check(seeded, settings, receipt())
    assert report.duplicate_of == intake_id and "ya se aplicó" in report.result("duplicate").reason


def test_unreadable_receipt(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, ReceiptFields(payer_name="MARIA"))
    assert report.reply_kind == "unreadable"
    assert report.result("amount").status is CheckStatus.FAIL


def test_unknown_customer(seeded: Session, settings: Settings) -> None:
    report = check(seeded, settings, receipt(description="pago", payer_name="ZZZ QQQ"))
    assert report.reply_kind == "customer_unknown" and report.contract_id is None


def test_installments_checked_against_the_open_one(seeded: Session, settings: Settings) -> None:
    fields = receipt(amount=Decimal("67800.00"), payer_name="PANADERIA DON BETO SRL", description="ID 1012")
    report = check(seeded, settings, fields)
    assert report.passed(), report.results
    assert "cuota 2" in report.result("contract").reason


def test_usd_contract_without_rate_asks_agent_to_compute(session: Session, settings: Settings) -> None:
    import_customers(session, (DATA / "customers.csv").read_bytes())
    import_contracts(session, (DATA / "contracts.csv").read_bytes())
    report = check(session, settings, receipt(description="ID 1002"))
    assert (
        report.result("amount").status is CheckStatus.WARN
        and "tipo de cambio" in report.result("amount").reason
    )


def test_checks_read_but_never_write(seeded: Session, settings: Settings) -> None:
    check(seeded, settings, receipt())
    assert not seeded.new and not seeded.dirty
    assert seeded.exec(select(Intake)).all() == []


def test_naive_now_is_refused(seeded: Session, settings: Settings) -> None:
    with pytest.raises(ValueError, match="aware"):
        check(seeded, settings, receipt(), now=datetime(2026, 11, 27, 10, 0))


def test_report_json_is_plain(seeded: Session, settings: Settings) -> None:
    import json

    stored: dict[str, Any] = check(seeded, settings, receipt(amount=Decimal("25000"))).to_json()
    assert json.loads(json.dumps(stored)) == stored
    assert stored["difference"] == {"amount": "3250.00", "currency": "CRC"} and stored["reply_kind"] == "short_payment"
    assert CheckReport.from_json(stored) == check(seeded, settings, receipt(amount=Decimal("25000")))
    assert [r["name"] for r in stored["results"]] == list(RULES)
