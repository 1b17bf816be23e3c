"""Cards and reply contexts are built from typed values alone: what support and accounting read, and the
buttons and commands under each card, come from the intake's facts and the vocabulary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.config import Settings
from bot.contracts.checks import CheckReport, CheckResult, CheckStatus
from bot.db.models import Customer, Intake
from bot.intake import cards
from bot.intake.facts import IntakeFacts, fields_json
from bot.ocr.fields import ReceiptFields
from bot.vocabulary import ReplyKind
from currency.due import AmountDue
from currency.money import Money

READ = ReceiptFields(amount=Decimal("20000.00"), currency="CRC", date=date(2026, 11, 26), reference="FT123",
                     client_id="1001", bank="BCR", confidence={"amount": 0.97, "date": 0.5})
DUE = AmountDue(fee=Money(Decimal("25000"), "CRC"), currency="CRC", rate=None, subtotal_crc=Decimal("25000.00"),
                iva_rate=Decimal("0.13"), iva=Decimal("3250.00"), total_crc=Decimal("28250.00"),
                on_date=date(2026, 11, 26))
SHORT = CheckReport(
    results=[CheckResult("amount", CheckStatus.FAIL, "Pago incompleto")], customer_id=1, contract_id=1,
    amount_due=DUE, difference=Money(Decimal("8250.00"), "CRC"), client_id_present=True,
    reply_kind=ReplyKind.SHORT_PAYMENT,
)
CUSTOMER = Customer(id=1, client_id="1001", document_type="Cédula física", document_number="112340567",
                    first_names="María José", last_names="Vargas Solano")


def intake(**values: object) -> Intake:
    return Intake(id=42, channel="whatsapp", external_id="SM1", sender="+50688112233", sender_name="Majo",
                  created_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC), **values)


def test_facts_survive_the_trip_through_the_intakes_json() -> None:
    stored = intake(fields=fields_json(READ), confidences=READ.confidence, checks=SHORT.to_json())
    facts = IntakeFacts.of(stored)
    assert facts.fields.amount == Decimal("20000.00") and facts.fields.date == date(2026, 11, 26)
    assert facts.fields.confidence == {"amount": 0.97, "date": 0.5}
    assert facts.report is not None and facts.report.reply_kind is ReplyKind.SHORT_PAYMENT
    assert facts.due == DUE and facts.difference == Money(Decimal("8250.00"), "CRC")
    assert facts.outcome() is ReplyKind.SHORT_PAYMENT


def test_the_support_card_shows_each_field_with_its_confidence_and_each_check(settings: Settings) -> None:
    facts = IntakeFacts(READ, SHORT)
    context = cards.support_card_context(intake(), facts, CUSTOMER, proposed_text="…", note="", text_commands=True)
    rows = {row["label"]: (row["value"], row["confidence"]) for row in context["fields"]}
    assert rows["Monto"] == ("₡20\u00a0000,00", 97)
    assert rows["Fecha"] == ("26/11/2026", 50)
    assert rows["Pagador"] == ("—", None), "nothing read, no confidence shown"
    assert context["checks"] == [{"icon": "❌", "label": "Monto", "reason": "Pago incompleto"}]
    assert ("Total a pagar", "₡28\u00a0250,00") in context["due_lines"]
    assert context["customer_label"].startswith("María José Vargas Solano · ID 1001")
    assert context["commands"] == ["APROBAR 42", "CORREGIR 42 monto 25000", "RECHAZAR 42 motivo", "PRORROGA 42",
                                   "ESTADO 1001", "RECORDAR 1001"]


def test_without_text_commands_the_card_lists_none_and_its_buttons_carry_the_actions() -> None:
    context = cards.support_card_context(intake(), IntakeFacts(READ, SHORT), None, proposed_text="…", note="",
                                         text_commands=False)
    assert context["commands"] == [] and context["customer_label"].startswith("sin identificar")
    assert [(b.label, b.data) for b in cards.support_buttons(42)] == [
        ("✅ Aprobar", "pay:approve:42"), ("✏️ Corregir", "pay:correct:42"), ("❌ Rechazar", "pay:reject:42"),
        ("⏳ Prórroga", "pay:grace:42")]
    assert [b.data for b in cards.accounting_buttons(42)] == ["pay:apply:42", "pay:flag:42"]


def test_the_accounting_card_names_who_approved_and_what_is_left_to_pay() -> None:
    context = cards.accounting_card_context(intake(), IntakeFacts(READ, SHORT), CUSTOMER, None,
                                            approved_by="Laura Mora", text_commands=True)
    assert context["approved_by"] == "Laura Mora"
    assert context["difference"] == Money(Decimal("8250.00"), "CRC") and context["credit"] is None
    assert context["receipt_date"] == date(2026, 11, 26)
    assert context["commands"] == ["APLICADO 42", "DEVOLVER 42 motivo", "ESTADO 1001", "RECORDAR 1001"]


def test_the_proposed_reply_is_the_rejection_the_checks_chose_else_the_outcome() -> None:
    facts = IntakeFacts(READ, SHORT)
    assert cards.proposed_reply(intake(reply_kind="too_old"), facts) is ReplyKind.TOO_OLD
    assert cards.proposed_reply(intake(reply_kind="customer_unknown"), facts) is ReplyKind.SHORT_PAYMENT
    unchecked = IntakeFacts(READ)
    assert cards.proposed_reply(intake(), unchecked) is ReplyKind.RECEIVED_MISSING_ID


def test_the_greeting_uses_the_first_name_of_a_person_and_the_whole_name_of_a_company(settings: Settings) -> None:
    facts = IntakeFacts(READ, SHORT)
    person = cards.greeting_context(settings, CUSTOMER, intake(), facts)
    company = Customer(client_id="2001", document_type="Cédula jurídica", document_number="3101",
                       first_names="Ferretería El Roble S.A.")
    assert person["customer_name"] == "María" and person["client_id"] == "1001"
    assert cards.greeting_context(settings, company, intake(), facts)["customer_name"] == "Ferretería El Roble S.A."
    assert cards.greeting_context(settings, None, intake(), facts)["customer_name"] == "Majo"
    assert person["amount_paid"] == Money(Decimal("20000.00"), "CRC")
