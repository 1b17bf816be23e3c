"""What goes into each reply and staff card: the template contexts and the staff buttons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.db.models import Contract, Customer, Intake
from bot.intake.messages import Button
from bot.ocr.fields import JSON_KEYS, ReceiptFields
from currency.due import AmountDue
from currency.money import CRC, Money, format_money

if TYPE_CHECKING:
    from bot.intake.core import IntakeCore

FIELD_LABELS = {
    "amount": "Monto",
    "currency": "Moneda",
    "date": "Fecha",
    "reference": "Referencia",
    "payer_name": "Pagador",
    "payee_name": "Beneficiario",
    "description": "Descripción",
    "client_id": "ID cliente",
    "bank": "Banco",
}
CHECK_LABELS = {
    "payee": "Pagado a la empresa",
    "date": "Fecha reciente",
    "client_id": "ID de cliente",
    "contract": "Contrato",
    "amount": "Monto",
    "duplicate": "No duplicado",
}
ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
CHANNEL_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "sandbox": "Sandbox", "cli": "Terminal"}
REJECT_REASONS = {
    "not_company": "el pago no fue hecho a nombre de la empresa",
    "too_old": "la fecha del comprobante no es reciente",
    "duplicate": "el comprobante ya había sido recibido",
    "unreadable": "el comprobante no se puede leer",
}
"""Rejection codes staff can pick; each has a customer script of the same name (except unreadable's
wording, which is the `unreadable` script)."""


def fields_to_json(fields: ReceiptFields) -> dict[str, Any]:
    """The reader's fields as stored on an intake (the CLI's JSON plus the SINPE phone numbers)."""
    data = fields.to_json()
    data.pop("confidence", None)
    data["payee_phone"] = fields.payee_phone
    data["payer_phone"] = fields.payer_phone
    return data


def support_buttons(intake_id: int) -> tuple[Button, ...]:
    return (
        Button("✅ Aprobar", f"pay:approve:{intake_id}"),
        Button("✏️ Corregir", f"pay:correct:{intake_id}"),
        Button("❌ Rechazar", f"pay:reject:{intake_id}"),
        Button("⏳ Prórroga", f"pay:grace:{intake_id}"),
    )


def accounting_buttons(intake_id: int) -> tuple[Button, ...]:
    return (
        Button("💰 Aplicado", f"pay:apply:{intake_id}"),
        Button("↩️ Devolver a soporte", f"pay:flag:{intake_id}"),
    )


def _first_name(customer: Customer | None, intake: Intake) -> str:
    if customer is not None and customer.first_names:
        is_company = "jur" in customer.document_type.lower()
        return customer.first_names if is_company else customer.first_names.split()[0]
    return intake.sender_name.split(" ")[0] if intake.sender_name else ""


def greeting_context(core: IntakeCore, session: Session, intake: Intake) -> dict[str, Any]:
    """What every customer script may use: names, our payee details, the client ID if known."""
    customer = core.customer(session, intake)
    settings = core.settings
    return {
        "customer_name": _first_name(customer, intake),
        "agent_name": settings.agent_name,
        "company_name": settings.company_name,
        "payee_name": settings.payee_names[0] if settings.payee_names else settings.company_name,
        "payee_phone": settings.payee_phones[0] if settings.payee_phones else "",
        "client_id": customer.client_id if customer else (intake.fields.get("client_id") or ""),
        "amount_paid": paid_money(intake),
        "detail": "",
    }


def paid_money(intake: Intake) -> Money | None:
    """The amount on the receipt, in its own currency."""
    amount = intake.fields.get("amount")
    if amount is None:
        return None
    return Money(Decimal(amount), intake.fields.get("currency") or CRC)


def due_of(intake: Intake) -> AmountDue | None:
    return AmountDue.from_json(intake.amount_due) if intake.amount_due else None


def reply_context(core: IntakeCore, session: Session, intake: Intake) -> dict[str, Any]:
    """Everything the outcome scripts (received, short payment, applied...) refer to."""
    context = greeting_context(core, session, intake)
    due = due_of(intake)
    checks = intake.checks
    difference = checks.get("difference_crc")
    context.update(
        amount_due=due.total if due else None,
        rate_text=due.rate.describe() if due and due.rate else "",
        difference=Money(Decimal(difference), CRC) if difference else None,
        receipt_date=intake.fields.get("date") or intake.created_at.date().isoformat(),
        reference=intake.fields.get("reference") or "",
        payee_seen=intake.fields.get("payee_name") or "",
        grace_days=core.settings.grace_days,
    )
    return context


def customer_label(customer: Customer | None) -> str:
    if customer is None:
        return "sin identificar (corrija el ID del cliente)"
    return f"{customer.full_name} · ID {customer.client_id} · {customer.document_type} {customer.document_number}"


def contract_label(contract: Contract | None) -> str:
    if contract is None:
        return "sin contrato"
    period = {"monthly": "mensual", "annual": "anual", "installment": f"cuota {contract.installment}"}
    ends = f", vence {contract.end_date:%d/%m/%Y}" if contract.end_date else ""
    fee = Money(contract.fee, contract.currency)
    return f"{contract.payment_code} · {format_money(fee)} {period.get(contract.period, contract.period)}{ends}"


NOTE_CHARS = 1000
"""How much of a customer's text a staff message quotes (chat messages have a length limit)."""


def quoted_text(text: str | None) -> str:
    """The customer's words as a staff message quotes them: whole when short, else the start and the length."""
    text = (text or "").strip()
    if len(text) <= NOTE_CHARS:
        return text
    return f"{text[:NOTE_CHARS]}… ({len(text)} caracteres)"


def customer_note_context(intake: Intake, *, about: int | None) -> dict[str, Any]:
    """A customer's message for support: about an earlier receipt (`about`), or with no receipt at all."""
    return {"intake_id": about, "sender": intake.sender, "sender_name": intake.sender_name,
            "text": quoted_text(intake.text)}


def support_card_context(core: IntakeCore, session: Session, intake: Intake, *, note: str,
                         text_commands: bool) -> dict[str, Any]:
    """The review card: each field with its confidence, each check with its reason, the proposed reply."""
    customer = core.customer(session, intake)
    rows = []
    for key in JSON_KEYS:
        value = intake.fields.get(key)
        confidence = intake.confidences.get(key)
        rows.append({
            "label": FIELD_LABELS[key],
            "value": shown_value(key, value, intake.fields),
            "confidence": None if value in (None, "") or confidence is None else round(confidence * 100),
        })
    checks = [
        {
            "icon": ICONS.get(result["status"], "•"),
            "label": CHECK_LABELS.get(result["name"], result["name"]),
            "reason": result["reason"],
        }
        for result in intake.checks.get("results", [])
    ]
    due = due_of(intake)
    proposed = proposed_reply_kind(intake)
    proposed_text = core.replies.render(proposed, reply_context(core, session, intake))
    return {
        "intake_id": intake.id,
        "channel_label": CHANNEL_LABELS.get(intake.channel, intake.channel),
        "sender": intake.sender,
        "sender_name": intake.sender_name,
        "note": note,
        "customer_text": quoted_text(intake.text),
        "customer_label": customer_label(customer),
        "fields": rows,
        "checks": checks,
        "due_lines": due.lines() if due else [],
        "proposed_reply": proposed_text,
        "text_commands": text_commands,
    }


REJECTION_KINDS = ("not_company", "too_old", "duplicate", "unreadable")


def outcome_reply(intake: Intake) -> str:
    """The script the customer gets when support approves (seed 003: #1, #2, difference, expired)."""
    checks = intake.checks
    if checks.get("contract_expired"):
        return "contract_expired"
    difference = checks.get("difference_crc")
    if difference and Decimal(difference) > 0:
        return "short_payment"
    return "received" if checks.get("client_id_present") else "received_missing_id"


def proposed_reply_kind(intake: Intake) -> str:
    """What the bot proposes: the matching rejection script when a check failed, else the outcome."""
    if intake.reply_kind in REJECTION_KINDS:
        return intake.reply_kind
    return outcome_reply(intake)


def shown_value(key: str, value: Any, fields: dict[str, Any]) -> str:
    """A field as an agent reads it: amounts in es-CR money, dates day first."""
    if value in (None, ""):
        return "—"
    if key == "amount":
        return format_money(Money(Decimal(value), fields.get("currency") or CRC))
    if key == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


def accounting_card_context(core: IntakeCore, session: Session, intake: Intake, *,
                            approved_by: str, text_commands: bool) -> dict[str, Any]:
    """The card accounting applies from: customer, contract, amount paid and the due breakdown."""
    customer = core.customer(session, intake)
    contract = session.get(Contract, intake.contract_id) if intake.contract_id else None
    due = due_of(intake)
    checks = intake.checks
    return {
        "intake_id": intake.id,
        "approved_by": approved_by,
        "customer_label": customer_label(customer),
        "contract_label": contract_label(contract),
        "amount_paid": paid_money(intake) or Money(Decimal("0"), CRC),
        "bank": intake.fields.get("bank") or "banco no identificado",
        "reference": intake.fields.get("reference") or "—",
        "receipt_date": intake.fields.get("date") or intake.created_at.date().isoformat(),
        "due_lines": due.lines() if due else [],
        "difference": Money(Decimal(checks["difference_crc"]), CRC)
        if checks.get("difference_crc") and Decimal(checks["difference_crc"]) > 0 else None,
        "credit": Money(Decimal(checks["credit_crc"]), CRC)
        if checks.get("credit_crc") and Decimal(checks["credit_crc"]) > 0 else None,
        "expired": bool(checks.get("contract_expired")),
        "text_commands": text_commands,
    }
