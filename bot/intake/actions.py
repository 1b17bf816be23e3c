"""What each staff action does: approve, correct, reject, grace, apply, flag; each one audited."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.account.operations import AccountError, AccountPolicy, post_payment
from bot.contracts.registry import remember_payer
from bot.db.models import AuditEvent, Contract, Customer, Intake, Payment, Reminder, ReminderState
from bot.db.types import MAX_ROW_ID, utcnow
from bot.intake import cards
from bot.intake.messages import Audience, StaffAction, StaffActionKind, StaffResult
from bot.intake.staff import ALLOWED, reads_text_commands, role_of
from bot.intake.states import IllegalTransition, IntakeState, event_count, record, transition
from bot.logs import mask_phone
from currency.money import CRC, USD, format_money, round_amount
from currency.text import parse_amount, parse_date

if TYPE_CHECKING:
    from bot.intake.core import IntakeCore

log = logging.getLogger(__name__)

CORRECTABLE = ("amount", "currency", "date", "reference", "payer_name", "payee_name", "description",
               "client_id", "bank")


class ActionRefused(Exception):
    """The action cannot be carried out; the message says why, in Spanish, for the staff member."""


def perform(core: IntakeCore, action: StaffAction) -> StaffResult:
    """Check the actor, then carry out `action` in one transaction with its audit events; a refusal is
    audited too, in its own row, whoever asked and whatever they named."""
    role = role_of(core.settings, action.channel, action.user, action.chat)
    if role is None or role not in ALLOWED[action.kind]:
        log.warning("refused %s on intake %s from %s user %s in chat %s (role %s)", action.kind,
                    action.intake_id, action.channel, _shown(action, action.user), _shown(action, action.chat), role)
        return refuse(core, action, "not_staff" if role is None else "role_not_allowed",
                      "No tiene permiso para esta acción.")
    actor = f"{role.value}:{action.channel}:{action.user}"
    handlers = {
        StaffActionKind.APPROVE: approve,
        StaffActionKind.CORRECT: correct,
        StaffActionKind.REJECT: reject,
        StaffActionKind.GRACE: grant_grace,
        StaffActionKind.APPLY: apply_payment,
        StaffActionKind.FLAG: flag,
    }
    missing = f"No existe el comprobante #{action.intake_id}."
    if not 0 < action.intake_id <= MAX_ROW_ID:
        return refuse(core, action, "no_such_intake", missing)
    with Session(core.engine, expire_on_commit=False) as session:
        intake = session.get(Intake, action.intake_id)
        if intake is None:
            return refuse(core, action, "no_such_intake", missing)
        try:
            message = handlers[action.kind](core, session, intake, action, actor)
            session.commit()
        except ActionRefused as refusal:
            session.rollback()
            return refuse(core, action, "refused", str(refusal))
        except IllegalTransition:
            session.rollback()
            return refuse(core, action, "not_allowed_now",
                          f"El comprobante #{intake.id} está en estado «{intake.state}»: no se puede hacer eso.")
    return StaffResult(True, message)


def refuse(core: IntakeCore, action: StaffAction, reason: str, message: str) -> StaffResult:
    """Record the refused action as an audit event and give the staff member the Spanish reason."""
    named = action.intake_id if 0 < action.intake_id <= MAX_ROW_ID else None
    with Session(core.engine) as session:
        session.add(AuditEvent(
            kind="staff_action_refused", channel=action.channel, user=action.user[:120], chat=action.chat[:120],
            action=action.kind.value, intake_id=named, reason=reason,
            detail=message if named is not None else f"{message} (id {str(action.intake_id)[:40]})",
        ))
        session.commit()
    return StaffResult(False, message)


def _shown(action: StaffAction, who: str) -> str:
    return mask_phone(who) if action.channel == "whatsapp" else who


def approve(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Support approves: the customer gets the outcome script and accounting gets the card."""
    if intake.state != IntakeState.IN_REVIEW.value:
        raise IllegalTransition(intake.id, intake.state, IntakeState.FORWARDED)
    if intake.customer_id is None:
        raise ActionRefused(
            f"Falta identificar al cliente del #{intake.id}: corrija el ID (p. ej. «id 1234») antes de aprobar."
        )
    if intake.fields.get("amount") is None:
        raise ActionRefused(f"Falta el monto del #{intake.id}: corríjalo antes de aprobar.")
    transition(session, intake, IntakeState.FORWARDED, actor=actor, reason=action.reason)
    customer = core.customer(session, intake)
    if customer is not None:
        _remember_sender(session, customer, intake)
    forward_to_accounting(core, session, intake, approved_by=actor)
    return f"Comprobante #{intake.id} aprobado y enviado a contabilidad."


def _remember_sender(session: Session, customer: Customer, intake: Intake) -> None:
    """An agent confirmed who paid: keep the payer's name and the sender's identity for next time."""
    if not intake.checks.get("client_id_present"):
        remember_payer(session, customer, intake.fields.get("payer_name") or "", intake.fields.get("payer_phone"))
    if intake.channel == "telegram" and intake.sender.isdigit():
        remember_payer(session, customer, None, None, telegram_user_id=int(intake.sender))
    elif intake.channel == "whatsapp":
        remember_payer(session, customer, None, intake.sender)


def forward_to_accounting(core: IntakeCore, session: Session, intake: Intake, approved_by: str) -> None:
    """Tell the customer the outcome, schedule reminders for a short payment, and card accounting."""
    kind = cards.outcome_reply(intake)
    context = cards.reply_context(core, session, intake)
    core.tell_customer(session, intake, kind, context)
    if kind == "short_payment":
        schedule_reminders(core, session, intake, context)
    text_commands = reads_text_commands(core.settings, Audience.ACCOUNTING)
    text = core.replies.render("accounting_card", cards.accounting_card_context(
        core, session, intake, approved_by=approved_by, text_commands=text_commands))
    core.tell_staff(session, Audience.ACCOUNTING, "accounting_card", text, intake=intake,
                    key=f"intake:{intake.id}:accounting_card:{event_count(session, intake)}",
                    with_media=True, buttons=cards.accounting_buttons(intake.id or 0))


def schedule_reminders(core: IntakeCore, session: Session, intake: Intake, context: dict[str, Any]) -> None:
    """Durable reminders of the difference at the configured hours after approval."""
    now = core.now()
    difference = context["difference"]
    for hours in core.settings.reminder_hours:
        session.add(Reminder(
            intake_id=intake.id,
            customer_id=intake.customer_id,
            contract_id=intake.contract_id,
            kind="reminder_short_payment",
            channel=intake.channel,
            recipient=intake.reply_to or intake.sender,
            payload={"difference": str(difference.amount) if difference else "0", "hours": hours},
            due_at=now + timedelta(hours=hours),
        ))


def correct(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Support fixes a field the reader got wrong; the checks rerun and the card is sent again."""
    if intake.state not in (IntakeState.IN_REVIEW.value, IntakeState.NEEDS_INFO.value):
        raise IllegalTransition(intake.id, intake.state, IntakeState.CHECKED)
    field = (action.field or "").strip()
    if field not in CORRECTABLE:
        raise ActionRefused(f"Campo desconocido «{field}». Use: monto, fecha, referencia, id, banco, pagador.")
    value = parse_field(field, action.value or "", core.now().astimezone(core.settings.tz).date())
    fields = dict(intake.fields)
    old = fields.get(field)
    fields[field] = value
    if field == "amount" and not fields.get("currency"):
        fields["currency"] = CRC
    intake.fields = fields
    confidences = dict(intake.confidences)
    confidences[field] = 1.0
    intake.confidences = confidences
    changes = {field: [old, value]}
    if intake.state == IntakeState.NEEDS_INFO.value:
        transition(session, intake, IntakeState.IN_REVIEW, actor=actor, changes=changes,
                   reason="corrección manual")
    else:
        record(session, intake, actor=actor, changes=changes, reason="corrección manual")
    transition(session, intake, IntakeState.CHECKED, actor=actor)
    core.run_checks(session, intake)
    transition(session, intake, IntakeState.IN_REVIEW, actor="bot", reason="revisiones recalculadas")
    core.send_support_card(session, intake, note=f"{cards.FIELD_LABELS[field]} corregido por {actor}")
    return f"#{intake.id}: {cards.FIELD_LABELS[field]} = {value}. Revisiones actualizadas."


MAX_DATE_DISTANCE = timedelta(days=366)
"""A corrected receipt date further than this from today is a typo, not a payment."""


def parse_field(field: str, raw: str, today: date) -> str:
    """Validate a corrected value and return it as stored on the intake."""
    raw = raw.strip()
    if not raw:
        raise ActionRefused("Falta el valor corregido.")
    if field == "amount":
        return str(corrected_amount(raw))
    if field == "date":
        return corrected_date(raw, today).isoformat()
    if field == "currency":
        value = raw.upper().replace("₡", "CRC").replace("$", "USD")
        if value not in (CRC, USD):
            raise ActionRefused("Moneda: CRC o USD.")
        return value
    if field == "client_id":
        digits = "".join(ch for ch in raw if ch.isdigit())
        if not digits:
            raise ActionRefused("El ID del cliente es un número, p. ej. «id 1234».")
        return digits
    return raw


def corrected_amount(raw: str) -> Decimal:
    """An amount as staff type it (`25000`, `25.000,50`, `₡25 000`); negative or zero is refused."""
    typed = parse_amount(raw)
    if typed is None:
        raise ActionRefused(f"Monto no válido: «{raw}» (p. ej. 25000 o 25.000,50).")
    if typed.value <= 0:
        raise ActionRefused(f"El monto debe ser mayor que cero: «{raw}» no se guarda.")
    return round_amount(typed.value, CRC)


def corrected_date(raw: str, today: date) -> date:
    """A date as staff type it, day first (`27/11/26` is 2026); more than a year from today is refused."""
    when = parse_date(raw)
    if when is None:
        raise ActionRefused(f"Fecha no válida: «{raw}» (use dd/mm/aaaa).")
    if abs(when - today) > MAX_DATE_DISTANCE:
        raise ActionRefused(
            f"Fecha fuera de rango: {when:%d/%m/%Y} está a más de un año de hoy ({today:%d/%m/%Y}); revise el año."
        )
    return when


def reject(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Support rejects with a reason; the customer gets the matching script."""
    code = (action.reason or "").strip()
    if not code:
        raise ActionRefused("Indique el motivo del rechazo.")
    transition(session, intake, IntakeState.REJECTED, actor=actor,
               reason=cards.REJECT_REASONS.get(code, code))
    context = cards.reply_context(core, session, intake)
    if code in ("not_company", "too_old", "duplicate", "unreadable"):
        core.tell_customer(session, intake, code, context, key_suffix=f":{event_count(session, intake)}")
    else:
        context["reason"] = code
        core.tell_customer(session, intake, "rejected", context,
                           key_suffix=f":{event_count(session, intake)}")
    return f"Comprobante #{intake.id} rechazado: {cards.REJECT_REASONS.get(code, code)}."


def grant_grace(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Seed 003's urgent case: move the contract's end date, escalate to accounting, tell the customer."""
    if intake.contract_id is None:
        raise ActionRefused(f"El #{intake.id} no tiene contrato identificado: no se puede dar prórroga.")
    if intake.state in (IntakeState.REJECTED.value, IntakeState.APPLIED.value, IntakeState.SYNCED.value):
        raise ActionRefused(f"El #{intake.id} ya está cerrado ({intake.state}).")
    contract = session.get(Contract, intake.contract_id)
    assert contract is not None
    today = core.now().astimezone(core.settings.tz).date()
    old_end = contract.end_date
    start = max(old_end, today) if old_end else today
    contract.end_date = start + timedelta(days=core.settings.grace_days)
    contract.updated_at = utcnow()
    session.add(contract)
    record(session, intake, actor=actor, reason="prórroga de gracia",
           changes={"contract_end_date": [old_end.isoformat() if old_end else None,
                                          contract.end_date.isoformat()]})
    count = event_count(session, intake)
    context = cards.reply_context(core, session, intake)
    context["new_end_date"] = contract.end_date
    core.tell_customer(session, intake, "grace_granted", context, key_suffix=f":{count}")
    escalation = core.replies.render("escalation_grace", {
        "intake_id": intake.id,
        "actor": actor,
        "contract_label": cards.contract_label(contract),
        "old_end_date": old_end or today,
        "new_end_date": contract.end_date,
        "grace_days": core.settings.grace_days,
    })
    core.tell_staff(session, Audience.ACCOUNTING, "escalation_grace", escalation, intake=intake,
                    key=f"intake:{intake.id}:escalation:{count}")
    return f"Prórroga de {core.settings.grace_days} días: contrato activo hasta {contract.end_date:%d/%m/%Y}. " \
           "Caso escalado a contabilidad."


def apply_payment(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Accounting confirms: the payment is recorded once, the balance drops, then the customer is told."""
    transition(session, intake, IntakeState.APPLIED, actor=actor, reason=action.reason)
    paid = cards.paid_money(intake)
    if paid is None or intake.customer_id is None:
        raise ActionRefused(f"El #{intake.id} no tiene monto o cliente: devuélvalo a soporte.")
    bank = intake.fields.get("bank") or ""
    reference = intake.fields.get("reference") or f"intake-{intake.id}"
    existing = session.exec(
        select(Payment).where(Payment.bank == bank).where(Payment.reference == reference)
    ).first()
    if existing is not None:
        raise ActionRefused(
            f"La referencia {reference} ya fue aplicada (comprobante #{existing.intake_id}): no se aplica dos veces."
        )
    checks = intake.checks
    credit = Decimal(checks.get("credit_crc") or "0")
    payment = Payment(
        intake_id=intake.id or 0,
        customer_id=intake.customer_id,
        contract_id=intake.contract_id,
        amount=paid.amount,
        currency=paid.currency,
        credit=max(credit, Decimal("0")),
        bank=bank,
        reference=reference,
        paid_on=_receipt_date(intake, core.now().astimezone(core.settings.tz).date()),
        applied_by=actor,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError as error:
        raise ActionRefused(f"La referencia {reference} ya fue aplicada: no se aplica dos veces.") from error
    try:
        posted = post_payment(session, payment, policy=AccountPolicy.from_settings(core.settings), now=core.now(),
                              keep_without_rate=True)
    except AccountError as error:
        raise ActionRefused(f"No se pudo aplicar a la cuenta del cliente: {error}.") from error
    if not checks.get("difference_crc") or Decimal(checks["difference_crc"]) <= 0:
        _cancel_reminders(session, intake)
    kind = "applied" if checks.get("client_id_present") else "applied_missing_id"
    core.tell_customer(session, intake, kind, cards.reply_context(core, session, intake))
    note = (" Sin tipo de cambio del día: en la cuenta quedó en su moneda, a favor del cliente (paybot rates set)."
            if posted.rate_missing else "")
    return f"Pago #{intake.id} aplicado ({format_money(paid)}). Se avisó al cliente.{note}"


def _receipt_date(intake: Intake, today: date) -> date:
    """The day the customer paid, as read or corrected; today when it is missing or in the future."""
    try:
        paid_on = date.fromisoformat(str(intake.fields.get("date") or "")[:10])
    except ValueError:
        return today
    return min(paid_on, today)


def _cancel_reminders(session: Session, intake: Intake) -> None:
    for reminder in session.exec(
        select(Reminder)
        .where(Reminder.customer_id == intake.customer_id)
        .where(Reminder.state == ReminderState.PENDING.value)
        .where(col(Reminder.intake_id) != intake.id)
    ).all():
        reminder.state = ReminderState.CANCELLED.value
        reminder.last_error = f"pagado con el comprobante #{intake.id}"
        session.add(reminder)


def flag(core: IntakeCore, session: Session, intake: Intake, action: StaffAction, actor: str) -> str:
    """Accounting sends the receipt back to support with a reason."""
    reason = (action.reason or "").strip()
    if not reason:
        raise ActionRefused("Indique qué problema tiene el pago.")
    transition(session, intake, IntakeState.IN_REVIEW, actor=actor, reason=reason)
    core.send_support_card(session, intake, note=f"Devuelto por contabilidad: {reason}")
    return f"Comprobante #{intake.id} devuelto a soporte."
