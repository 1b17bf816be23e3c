"""What goes into each reply and staff card: template contexts built from typed values, and the buttons."""

from __future__ import annotations

from typing import Any

from bot.collections.grace import Granted
from bot.config import Settings
from bot.db.models import Contract, Customer, Intake
from bot.intake.facts import IntakeFacts
from bot.intake.messages import Button
from bot.ocr.fields import JSON_KEYS
from bot.vocabulary import ACCOUNTING_ACTIONS, SUPPORT_ACTIONS, ReceiptField, RejectReason, ReplyKind
from currency.money import CRC, Money, format_money

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
NOTE_CHARS = 1000
"""How much of a customer's text a staff message quotes (chat messages have a length limit)."""
REJECTION_REPLIES = frozenset(reason.reply for reason in RejectReason)


def support_buttons(intake_id: int) -> tuple[Button, ...]:
    return tuple(Button(kind.button, kind.callback(intake_id)) for kind in SUPPORT_ACTIONS)


def accounting_buttons(intake_id: int) -> tuple[Button, ...]:
    return tuple(Button(kind.button, kind.callback(intake_id)) for kind in ACCOUNTING_ACTIONS)


def _first_name(customer: Customer | None, intake: Intake) -> str:
    if customer is not None and customer.first_names:
        is_company = "jur" in customer.document_type.lower()
        return customer.first_names if is_company else customer.first_names.split()[0]
    return intake.sender_name.split(" ")[0] if intake.sender_name else ""


def greeting_context(settings: Settings, customer: Customer | None, intake: Intake,
                     facts: IntakeFacts) -> dict[str, Any]:
    """What every customer script may use: names, our payee details, the client ID if known."""
    return {
        "customer_name": _first_name(customer, intake),
        "agent_name": settings.agent_name,
        "company_name": settings.company_name,
        "payee_name": settings.payee_names[0] if settings.payee_names else settings.company_name,
        "payee_phone": settings.payee_phones[0] if settings.payee_phones else "",
        "client_id": customer.client_id if customer else (facts.fields.client_id or ""),
        "amount_paid": facts.paid,
        "detail": "",
    }


def reply_context(settings: Settings, customer: Customer | None, intake: Intake,
                  facts: IntakeFacts) -> dict[str, Any]:
    """Everything the outcome scripts (received, short payment, applied...) refer to."""
    context = greeting_context(settings, customer, intake, facts)
    due = facts.due
    context.update(
        amount_due=due.total if due else None,
        rate_text=due.rate.describe() if due and due.rate else "",
        difference=facts.difference,
        receipt_date=facts.receipt_date(intake.created_at.date()),
        reference=facts.fields.reference or "",
        payee_seen=facts.fields.payee_name or "",
        grace_days=settings.grace_days,
        invoice_number=None,
        invoice_url=None,
        invoice_attached=False,
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


def proposed_reply(intake: Intake, facts: IntakeFacts) -> ReplyKind:
    """What the bot proposes: the matching rejection script when a check failed, else the outcome."""
    stored = ReplyKind.named(intake.reply_kind)
    if stored in REJECTION_REPLIES:
        return stored
    return facts.outcome()


def shown_value(field: ReceiptField, facts: IntakeFacts) -> str:
    """A field as an agent reads it: amounts in es-CR money, dates day first."""
    value = getattr(facts.fields, field.value)
    if value in (None, ""):
        return "—"
    if field is ReceiptField.AMOUNT:
        return format_money(Money(value, facts.fields.currency or CRC))
    if field is ReceiptField.DATE:
        return f"{value:%d/%m/%Y}"
    return str(value)


def support_card_context(intake: Intake, facts: IntakeFacts, customer: Customer | None, *, proposed_text: str,
                         note: str, text_commands: bool, bank_seen: str = "") -> dict[str, Any]:
    """The review card: each field with its confidence, each check with its reason, the proposed reply."""
    rows = []
    for key in JSON_KEYS:
        field = ReceiptField(key)
        confidence = facts.fields.confidence.get(key)
        shown = shown_value(field, facts)
        rows.append({
            "label": field.label,
            "value": shown,
            "confidence": None if shown == "—" or confidence is None else round(confidence * 100),
        })
    results = facts.report.results if facts.report else []
    checks = [
        {"icon": ICONS.get(result.status.value, "•"), "label": CHECK_LABELS.get(result.name, result.name),
         "reason": result.reason}
        for result in results
    ]
    due = facts.due
    intake_id = intake.id or 0
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
        "bank_seen": bank_seen,
        "text_commands": text_commands,
        "commands": [kind.sample(intake_id) for kind in SUPPORT_ACTIONS] if text_commands else [],
    }


def accounting_card_context(intake: Intake, facts: IntakeFacts, customer: Customer | None,
                            contract: Contract | None, *, approved_by: str, text_commands: bool,
                            bank_seen: str = "") -> dict[str, Any]:
    """The card accounting applies from: customer, contract, amount paid and the due breakdown."""
    due = facts.due
    intake_id = intake.id or 0
    return {
        "intake_id": intake.id,
        "approved_by": approved_by,
        "customer_label": customer_label(customer),
        "contract_label": contract_label(contract),
        "amount_paid": facts.paid or Money.zero(CRC),
        "bank": facts.fields.bank or "banco no identificado",
        "reference": facts.fields.reference or "—",
        "receipt_date": facts.receipt_date(intake.created_at.date()),
        "due_lines": due.lines() if due else [],
        "difference": facts.difference,
        "credit": facts.credit,
        "expired": facts.contract_expired,
        "bank_seen": bank_seen,
        "text_commands": text_commands,
        "commands": [kind.sample(intake_id) for kind in ACCOUNTING_ACTIONS] if text_commands else [],
    }


def escalation_context(intake: Intake, contract: Contract, granted: Granted, *, actor: str, settings: Settings
                       ) -> dict[str, Any]:
    """Accounting's notice of a grace extension: who granted it on which charge, why, and until when."""
    charge = granted.charge
    return {
        "intake_id": intake.id,
        "actor": actor,
        "contract_label": contract_label(contract),
        "charge_label": f"{charge.description} (vence {charge.due_date:%d/%m/%Y})" if charge else "",
        "new_end_date": granted.extension.until,
        "grace_days": settings.grace_days,
        "count": granted.count,
        "grace_max": settings.grace_max,
        "reason": granted.extension.reason,
    }
