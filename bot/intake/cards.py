"""What goes into each reply and staff card: template contexts built from typed values, and the buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.account.conversion import MissingRate, convert
from bot.account.operations import CustomerBalance
from bot.collections.grace import Granted
from bot.config import Settings
from bot.db.models import Contract, Customer, Intake
from bot.intake.facts import IntakeFacts
from bot.intake.messages import Button
from bot.ocr.fields import JSON_KEYS
from bot.vocabulary import (
    ACCOUNTING_ACTIONS,
    OVERPAYMENT_ACTIONS,
    SUPPORT_ACTIONS,
    Overpayment,
    ReceiptField,
    RejectReason,
    ReplyKind,
    StaffActionKind,
)
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


MAX_ORDER_CHOICES = 6
"""At most this many orders are offered as buttons under a card (the rest by CONTRATO)."""


@dataclass(frozen=True)
class OrderChoice:
    """A payment order a receipt could pay, as a card offers it (a button, or `CONTRATO <id> <code>`)."""

    contract_id: int
    code: str
    """What staff type after CONTRATO: the payment code, and the cuota when the code has several."""
    label: str


def order_choices(contracts: Sequence[Contract], owing: set[int], chosen: int | None) -> list[OrderChoice]:
    """The orders worth offering when a customer has several: those still owing (else all), not the one
    already chosen; none when there is only one order."""
    if len(contracts) < 2:
        return []
    several = {c.payment_code for c in contracts if sum(o.payment_code == c.payment_code for o in contracts) > 1}
    pool = [c for c in contracts if c.id in owing] or list(contracts)
    choices = []
    for contract in sorted(pool, key=lambda c: (c.due_date or date.max, c.payment_code, c.installment)):
        if contract.id is None or contract.id == chosen:
            continue
        cuota = f" {contract.installment}" if contract.payment_code in several else ""
        shown = f" cuota {contract.installment}" if cuota else ""
        choices.append(OrderChoice(contract.id, f"{contract.payment_code}{cuota}", f"{contract.payment_code}{shown}"))
    return choices[:MAX_ORDER_CHOICES]


def _statement_choice(client_id: str | None) -> str | None:
    """A client ID short and plain enough to ride in a button's data (for the ESTADO and RECORDAR hints on
    WhatsApp)."""
    return client_id if client_id and client_id.isdigit() and len(client_id) <= 20 else None


def support_buttons(intake_id: int, *, choices: Sequence[OrderChoice] = (), overpaid: bool = False,
                    client_id: str | None = None) -> tuple[Button, ...]:
    """The review card's buttons: approve, correct, reject, grace; then, when they apply, one per order the
    receipt could pay instead, what to do with an overpayment, and the statement for the customer."""
    buttons = [Button(kind.button, kind.callback(intake_id)) for kind in SUPPORT_ACTIONS]
    buttons += [Button(f"📑 Paga {choice.label}", StaffActionKind.CONTRACT.callback(intake_id, str(choice.contract_id)))
                for choice in choices]
    return (*buttons, *_account_buttons(intake_id, overpaid=overpaid, client_id=client_id))


def accounting_buttons(intake_id: int, *, overpaid: bool = False, client_id: str | None = None
                       ) -> tuple[Button, ...]:
    """The accounting card's buttons: applied, back to support, and the account's when they apply."""
    buttons = tuple(Button(kind.button, kind.callback(intake_id)) for kind in ACCOUNTING_ACTIONS)
    return (*buttons, *_account_buttons(intake_id, overpaid=overpaid, client_id=client_id))


def _account_buttons(intake_id: int, *, overpaid: bool, client_id: str | None) -> list[Button]:
    buttons = [Button(kind.button, kind.callback(intake_id)) for kind in OVERPAYMENT_ACTIONS] if overpaid else []
    if client_id:
        buttons += [Button(kind.button, kind.callback(intake_id, _statement_choice(client_id)))
                    for kind in (StaffActionKind.STATEMENT, StaffActionKind.REMIND)]
    return buttons


def card_commands(intake_id: int, kinds: Sequence[StaffActionKind], *, choices: Sequence[OrderChoice] = (),
                  overpaid: bool = False, client_id: str | None = None) -> list[str]:
    """The text commands written under a card for staff reading it on WhatsApp (the buttons' twins)."""
    commands = [kind.sample(intake_id) for kind in kinds]
    commands += [f"{StaffActionKind.CONTRACT.command} {intake_id} {choice.code}" for choice in choices]
    if overpaid:
        commands += [kind.sample(intake_id) for kind in OVERPAYMENT_ACTIONS]
    if client_id:
        commands += [f"{kind.command} {client_id}" for kind in (StaffActionKind.STATEMENT, StaffActionKind.REMIND)]
    return commands


def first_name(customer: Customer | None, intake: Intake | None) -> str:
    """How a script greets the customer: a person's first name, a company's whole name, else the chat's."""
    if customer is not None and customer.first_names:
        is_company = "jur" in customer.document_type.lower()
        return customer.first_names if is_company else customer.first_names.split()[0]
    return intake.sender_name.split(" ")[0] if intake is not None and intake.sender_name else ""


def id_label(settings: Settings, client_id: str) -> str:
    """How seed 003 asks customers to write their ID in the payment's description: "ID WOLK 1001", with
    the first word of the company's name (PAYBOT_COMPANY_NAME)."""
    words = settings.company_name.split()
    return " ".join(part for part in ("ID", words[0].upper() if words else "", client_id) if part)


def greeting_context(settings: Settings, customer: Customer | None, intake: Intake,
                     facts: IntakeFacts, *, agent: str | None = None) -> dict[str, Any]:
    """What every customer script may use: names (the greeting's is `agent`, the acting agent's name when
    on record, else PAYBOT_AGENT_NAME), our payee details, the client ID if known."""
    client_id = customer.client_id if customer else (facts.fields.client_id or "")
    return {
        "customer_name": first_name(customer, intake),
        "agent_name": agent or settings.agent_name,
        "company_name": settings.company_name,
        "payee_name": settings.payee_names[0] if settings.payee_names else settings.company_name,
        "payee_phone": settings.payee_phones[0] if settings.payee_phones else "",
        "client_id": client_id,
        "id_label": id_label(settings, client_id),
        "amount_paid": facts.paid,
        "detail": "",
    }


def reply_context(settings: Settings, customer: Customer | None, intake: Intake,
                  facts: IntakeFacts, *, agent: str | None = None) -> dict[str, Any]:
    """Everything the outcome scripts (received, short payment, applied...) refer to: what was due and
    what is left (as told: colones at the day's rate), the charges the payment settles, the credit."""
    context = greeting_context(settings, customer, intake, facts, agent=agent)
    due = facts.due
    rate = facts.told_rate or (due.rate if due else None)
    account = facts.account
    context.update(
        amount_due=facts.owed or (due.total if due else None),
        rate_text=rate.describe() if rate else "",
        difference=facts.difference,
        credit=facts.credit,
        refund=facts.overpayment is Overpayment.REFUND,
        settled=[charge.description for charge in account.settled] if account else [],
        remaining=facts.difference,
        receipt_date=facts.receipt_date(intake.created_at.date()),
        reference=facts.fields.reference or "",
        payee_seen=facts.fields.payee_name or "",
        grace_days=settings.grace_days,
        invoice_number=None,
        invoice_url=None,
        invoice_attached=False,
    )
    return context


def balance_context(settings: Settings, customer: Customer, balance: CustomerBalance) -> dict[str, Any]:
    """A customer's open balance as the bot tells it: each open charge with its due date (dollars also in
    colones at today's rate), the total, and any credit."""
    def told(amount: Money) -> Money | None:
        try:
            return convert(amount, CRC, balance.rate) if amount.currency != CRC else None
        except MissingRate:
            return None

    charges = [{"description": charge.description, "amount": charge.open_money, "told": told(charge.open_money),
                "due_date": charge.due_date, "overdue": charge.overdue(balance.today)}
               for charge in balance.open_charges]
    credit = [Money(account.credit, account.currency) for account in balance.accounts if account.credit > 0]
    total = balance.in_colones()
    owed = [account.money for account in balance.accounts if account.balance > 0]
    return {
        "customer_name": first_name(customer, None),
        "client_id": customer.client_id,
        "id_label": id_label(settings, customer.client_id),
        "company_name": settings.company_name,
        "payee_name": settings.payee_names[0] if settings.payee_names else settings.company_name,
        "payee_phone": settings.payee_phones[0] if settings.payee_phones else "",
        "today": balance.today,
        "charges": charges,
        "owed": owed,
        "total": total if total is not None and total.amount > 0 and len(owed) > 0 else None,
        "credits": credit,
        "rate_text": balance.rate.describe() if balance.rate and any(c["told"] for c in charges) else "",
        "settled": balance.settled,
    }


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


def customer_note_context(intake: Intake, *, about: int | None, answered: str = "") -> dict[str, Any]:
    """A customer's message for support: about an earlier receipt (`about`), or with no receipt at all;
    `answered` says what the bot already answered (a balance question)."""
    return {"intake_id": about, "sender": intake.sender, "sender_name": intake.sender_name,
            "text": quoted_text(intake.text), "answered": answered}


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


def account_lines(facts: IntakeFacts) -> list[str]:
    """What the receipt does to the customer's account, for staff: previous balance, this payment, new
    balance, the charges it settles, credit; a possible duplicate and what staff decided about it."""
    lines = facts.account.lines() if facts.account else []
    period = facts.settled_period
    if period is not None:
        earlier = f" (referencia {', '.join(period.references)})" if period.references else ""
        lines.append(f"⚠️ Posible pago duplicado: {period.description} ya estaba pagado{earlier}")
    if facts.overpayment is not None:
        lines.append(f"Lo pagado de más {facts.overpayment.label}")
    return lines


def overpaid(facts: IntakeFacts) -> bool:
    """The receipt pays more than was due: staff decide whether it stays as credit or is given back."""
    return facts.credit is not None


def support_card_context(intake: Intake, facts: IntakeFacts, customer: Customer | None, *, proposed_text: str,
                         note: str, text_commands: bool, choices: Sequence[OrderChoice] = (),
                         bank_seen: str = "") -> dict[str, Any]:
    """The review card: each field with its confidence, each check with its reason, what it does to the
    account, the proposed reply, and (WhatsApp) the commands."""
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
        "account_lines": account_lines(facts),
        "proposed_reply": proposed_text,
        "bank_seen": bank_seen,
        "text_commands": text_commands,
        "commands": card_commands(intake_id, SUPPORT_ACTIONS, choices=choices, overpaid=overpaid(facts),
                                  client_id=customer.client_id if customer else None) if text_commands else [],
    }


def accounting_card_context(intake: Intake, facts: IntakeFacts, customer: Customer | None,
                            contract: Contract | None, *, approved_by: str, text_commands: bool,
                            bank_seen: str = "") -> dict[str, Any]:
    """The card accounting applies from: customer, contract, amount paid, what it does to the account (or,
    without one, the due breakdown)."""
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
        "account_lines": account_lines(facts),
        "difference": facts.difference,
        "credit": facts.credit,
        "expired": facts.contract_expired,
        "bank_seen": bank_seen,
        "text_commands": text_commands,
        "commands": card_commands(intake_id, ACCOUNTING_ACTIONS, overpaid=overpaid(facts),
                                  client_id=customer.client_id if customer else None) if text_commands else [],
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
