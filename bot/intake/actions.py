"""What each staff action does: approve, correct, reject, grace, apply, flag; each one audited."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.account.operations import AccountError, AccountPolicy, post_payment
from bot.accounting.sync import queue_sync
from bot.collections import access, grace
from bot.collections.announce import announce_access
from bot.config import Settings
from bot.contracts.registry import remember_payer
from bot.db.models import AuditEvent, Contract, Customer, Intake, Payment
from bot.db.types import MAX_ROW_ID, utcnow
from bot.intake import cards
from bot.intake.facts import IntakeFacts, store_fields, stored_value
from bot.intake.messages import Audience, StaffAction, StaffResult
from bot.intake.reminders import cancel_reminders_paid_by
from bot.intake.review import forward, run_checks
from bot.intake.sending import Messenger, customer_of
from bot.intake.staff import ALLOWED, Actor, identify
from bot.intake.states import IllegalTransition, IntakeState, event_count, record, transition
from bot.logs import mask_phone
from bot.vocabulary import FIELD_WORDS, ReceiptField, RejectReason, ReplyKind, StaffActionKind, StaffMessage
from currency.money import CRC, USD, format_money, round_amount
from currency.text import parse_amount, parse_date

log = logging.getLogger(__name__)

MAX_DATE_DISTANCE = timedelta(days=366)
"""A corrected receipt date further than this from today is a typo, not a payment."""


class ActionRefused(Exception):
    """The action cannot be carried out; the message says why, in Spanish, for the staff member."""


@dataclass(frozen=True)
class Deed:
    """One staff action being carried out: what was asked, on which intake, by whom, in which transaction."""

    desk: StaffDesk
    session: Session
    intake: Intake
    action: StaffAction
    actor: Actor

    @property
    def facts(self) -> IntakeFacts:
        return IntakeFacts.of(self.intake)

    def today(self) -> date:
        return self.desk.clock().astimezone(self.desk.settings.tz).date()


@dataclass(frozen=True)
class StaffDesk:
    """Checks who is acting and carries out their decision, with what it needs: the settings, the database,
    the messenger that tells everyone, and the clock."""

    settings: Settings
    engine: Engine
    messenger: Messenger
    clock: Callable[[], datetime] = utcnow

    def perform(self, action: StaffAction) -> StaffResult:
        """Check the actor against the staff records, then carry out `action` in one transaction with its audit
        events; a refusal is audited too, in its own row, whoever asked and whatever they named."""
        with Session(self.engine, expire_on_commit=False) as session:
            actor = identify(session, self.settings, action.channel, action.user, action.chat, action.user_name)
            session.commit()
            if actor is None or actor.role not in ALLOWED[action.kind]:
                log.warning("refused %s on intake %s from %s user %s in chat %s (role %s)", action.kind,
                            action.intake_id, action.channel, _shown(action, action.user),
                            _shown(action, action.chat), actor.role if actor else None)
                return self.refuse(action, "not_staff" if actor is None else "role_not_allowed",
                                   "No tiene permiso para esta acción.", actor)
            missing = f"No existe el comprobante #{action.intake_id}."
            intake = session.get(Intake, action.intake_id) if 0 < action.intake_id <= MAX_ROW_ID else None
            if intake is None:
                return self.refuse(action, "no_such_intake", missing, actor)
            try:
                message = ACTIONS[action.kind](Deed(self, session, intake, action, actor))
                session.commit()
            except ActionRefused as refusal:
                session.rollback()
                return self.refuse(action, "refused", str(refusal), actor)
            except IllegalTransition:
                session.rollback()
                state = f"El comprobante #{intake.id} está en estado «{intake.state}»"
                return self.refuse(action, "not_allowed_now", f"{state}: no se puede hacer eso.", actor)
        return StaffResult(True, message)

    def refuse(self, action: StaffAction, reason: str, message: str, actor: Actor | None = None) -> StaffResult:
        """Record the refused action as an audit event and give the staff member the Spanish reason."""
        named = action.intake_id if 0 < action.intake_id <= MAX_ROW_ID else None
        with Session(self.engine) as session:
            session.add(AuditEvent(
                kind="staff_action_refused", channel=action.channel, user=action.user[:120], chat=action.chat[:120],
                action=action.kind.value, intake_id=named, reason=reason, staff_id=actor.staff_id if actor else None,
                detail=message if named is not None else f"{message} (id {str(action.intake_id)[:40]})",
            ))
            session.commit()
        return StaffResult(False, message)


def _shown(action: StaffAction, who: str) -> str:
    return mask_phone(who) if action.channel == "whatsapp" else who


def approve(deed: Deed) -> str:
    """Support approves: the customer gets the outcome script and accounting gets the card."""
    intake, session = deed.intake, deed.session
    if intake.state != IntakeState.IN_REVIEW.value:
        raise IllegalTransition(intake.id, intake.state, IntakeState.FORWARDED)
    facts = deed.facts
    if intake.customer_id is None:
        raise ActionRefused(
            f"Falta identificar al cliente del #{intake.id}: corrija el ID (p. ej. «id 1234») antes de aprobar."
        )
    if facts.paid is None:
        raise ActionRefused(f"Falta el monto del #{intake.id}: corríjalo antes de aprobar.")
    transition(session, intake, IntakeState.FORWARDED, actor=deed.actor.name, staff_id=deed.actor.staff_id,
               reason=deed.action.reason)
    customer = customer_of(session, intake)
    if customer is not None:
        _remember_sender(session, customer, intake, facts)
    forward(session, intake, facts, deed.desk.settings, deed.desk.messenger, approved_by=deed.actor.name,
            now=deed.desk.clock())
    return f"Comprobante #{intake.id} aprobado y enviado a contabilidad."


def _remember_sender(session: Session, customer: Customer, intake: Intake, facts: IntakeFacts) -> None:
    """An agent confirmed who paid: keep the payer's name and the sender's identity for next time."""
    if not facts.client_id_present:
        remember_payer(session, customer, facts.fields.payer_name or "", facts.fields.payer_phone)
    if intake.channel == "telegram" and intake.sender.isdigit():
        remember_payer(session, customer, None, None, telegram_user_id=int(intake.sender))
    elif intake.channel == "whatsapp":
        remember_payer(session, customer, None, intake.sender)


def correct(deed: Deed) -> str:
    """Support fixes a field the reader got wrong; the checks rerun and the card is sent again."""
    intake, session, actor = deed.intake, deed.session, deed.actor
    if intake.state not in (IntakeState.IN_REVIEW.value, IntakeState.NEEDS_INFO.value):
        raise IllegalTransition(intake.id, intake.state, IntakeState.CHECKED)
    named = (deed.action.field or "").strip()
    try:
        field = ReceiptField(named)
    except ValueError:
        raise ActionRefused(f"Campo desconocido «{named}». Use: {FIELD_WORDS}.") from None
    facts = deed.facts
    fixed = facts.corrected(field, parse_field(field, deed.action.value or "", deed.today()))
    old, new = stored_value(facts.fields, field), stored_value(fixed.fields, field)
    store_fields(intake, fixed.fields)
    changes = {field.value: [old, new]}
    if intake.state == IntakeState.NEEDS_INFO.value:
        transition(session, intake, IntakeState.IN_REVIEW, actor=actor.name, staff_id=actor.staff_id,
                   changes=changes, reason="corrección manual")
    else:
        record(session, intake, actor=actor.name, staff_id=actor.staff_id, changes=changes, reason="corrección manual")
    transition(session, intake, IntakeState.CHECKED, actor=actor.name, staff_id=actor.staff_id)
    checked = run_checks(session, intake, deed.desk.settings, deed.desk.clock())
    transition(session, intake, IntakeState.IN_REVIEW, actor="bot", reason="revisiones recalculadas")
    deed.desk.messenger.send_support_card(session, intake, checked, note=f"{field.label} corregido por {actor.name}")
    return f"#{intake.id}: {field.label} = {new}. Revisiones actualizadas."


def parse_field(field: ReceiptField, raw: str, today: date) -> Any:
    """A corrected value as the receipt holds it: an amount, a date, a currency, digits, or text."""
    raw = raw.strip()
    if not raw:
        raise ActionRefused("Falta el valor corregido.")
    if field is ReceiptField.AMOUNT:
        return corrected_amount(raw)
    if field is ReceiptField.DATE:
        return corrected_date(raw, today)
    if field is ReceiptField.CURRENCY:
        value = raw.upper().replace("₡", "CRC").replace("$", "USD")
        if value not in (CRC, USD):
            raise ActionRefused("Moneda: CRC o USD.")
        return value
    if field is ReceiptField.CLIENT_ID:
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


def reject(deed: Deed) -> str:
    """Support rejects with a reason; the customer gets the matching script."""
    intake, session = deed.intake, deed.session
    code = (deed.action.reason or "").strip()
    if not code:
        raise ActionRefused("Indique el motivo del rechazo.")
    reason = RejectReason.named(code)
    label = reason.label if reason else code
    transition(session, intake, IntakeState.REJECTED, actor=deed.actor.name, staff_id=deed.actor.staff_id,
               reason=label)
    context = deed.desk.messenger.reply_context(session, intake, deed.facts)
    if reason is None:
        context["reason"] = code
    deed.desk.messenger.tell_customer(session, intake, reason.reply if reason else ReplyKind.REJECTED, context,
                                      key_suffix=f":{event_count(session, intake)}")
    return f"Comprobante #{intake.id} rechazado: {label}."


def grant_grace(deed: Deed) -> str:
    """Seed 003's urgent case: a grace extension on the overdue charge (who, why, until when; the contract's
    dates stay as they are), escalated to accounting, and the customer told until when the system stays on."""
    intake, session, settings, messenger = deed.intake, deed.session, deed.desk.settings, deed.desk.messenger
    if intake.customer_id is None or intake.contract_id is None:
        raise ActionRefused(f"El #{intake.id} no tiene contrato identificado: no se puede dar prórroga.")
    if intake.state in (IntakeState.REJECTED.value, IntakeState.APPLIED.value, IntakeState.SYNCED.value):
        raise ActionRefused(f"El #{intake.id} ya está cerrado ({intake.state}).")
    contract = session.get(Contract, intake.contract_id)
    assert contract is not None
    try:
        granted = grace.grant(session, customer_id=intake.customer_id, today=deed.today(), days=settings.grace_days,
                              most=settings.grace_max, actor=deed.actor.name, staff_id=deed.actor.staff_id,
                              reason=deed.action.reason or "", intake_id=intake.id, contract_id=contract.id)
    except grace.GraceRefused as refusal:
        raise ActionRefused(f"No se puede dar otra prórroga: {refusal}.") from None
    extension = granted.extension
    record(session, intake, actor=deed.actor.name, staff_id=deed.actor.staff_id, reason="prórroga de gracia",
           changes={"grace_extension": {"id": extension.id, "until": extension.until.isoformat(),
                                        "charge_entry_id": extension.charge_entry_id}})
    count = event_count(session, intake)
    context = messenger.reply_context(session, intake, deed.facts)
    context["new_end_date"] = extension.until
    messenger.tell_customer(session, intake, ReplyKind.GRACE_GRANTED, context, key_suffix=f":{count}")
    escalation = messenger.replies.render(StaffMessage.ESCALATION_GRACE.template, cards.escalation_context(
        intake, contract, granted, actor=deed.actor.name, settings=settings))
    messenger.tell_staff(session, Audience.ACCOUNTING, StaffMessage.ESCALATION_GRACE, escalation,
                         intake_id=intake.id, key=f"intake:{intake.id}:escalation:{count}")
    return f"Prórroga de {settings.grace_days} días: sistema activo hasta {extension.until:%d/%m/%Y} " \
           f"(prórroga {granted.count} de {settings.grace_max} de ese cargo). Caso escalado a contabilidad."


def apply_payment(deed: Deed) -> str:
    """Accounting confirms: the payment is recorded once, the balance drops, then the customer is told."""
    intake, session = deed.intake, deed.session
    transition(session, intake, IntakeState.APPLIED, actor=deed.actor.name, staff_id=deed.actor.staff_id,
               reason=deed.action.reason)
    facts = deed.facts
    paid = facts.paid
    if paid is None or intake.customer_id is None:
        raise ActionRefused(f"El #{intake.id} no tiene monto o cliente: devuélvalo a soporte.")
    bank = facts.fields.bank or ""
    reference = facts.fields.reference or f"intake-{intake.id}"
    existing = session.exec(
        select(Payment).where(Payment.bank == bank).where(Payment.reference == reference)
    ).first()
    if existing is not None:
        raise ActionRefused(
            f"La referencia {reference} ya fue aplicada (comprobante #{existing.intake_id}): no se aplica dos veces."
        )
    credit = facts.report.credit_crc if facts.report else None
    today = deed.today()
    payment = Payment(
        intake_id=intake.id or 0,
        customer_id=intake.customer_id,
        contract_id=intake.contract_id,
        amount=paid.amount,
        currency=paid.currency,
        credit=max(credit or Decimal("0"), Decimal("0")),
        bank=bank,
        reference=reference,
        paid_on=min(facts.receipt_date(today), today),
        applied_by=deed.actor.name,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError as error:
        raise ActionRefused(f"La referencia {reference} ya fue aplicada: no se aplica dos veces.") from error
    try:
        posted = post_payment(session, payment, policy=AccountPolicy.from_settings(deed.desk.settings),
                              now=deed.desk.clock(), keep_without_rate=True)
    except AccountError as error:
        raise ActionRefused(f"No se pudo aplicar a la cuenta del cliente: {error}.") from error
    if facts.difference is None:
        cancel_reminders_paid_by(session, intake)
    released = access.release_paid(session, today, deed.desk.clock(), [intake.customer_id])
    if released:
        announce_access(session, deed.desk.messenger, today=today, now=deed.desk.clock(),
                        local_channel=deed.desk.messenger.local_staff_channel)
    note = (" Sin tipo de cambio del día: en la cuenta quedó en su moneda, a favor del cliente (paybot rates set)."
            if posted.rate_missing else "")
    settings = deed.desk.settings
    if settings.erp_connector != "none":
        queue_sync(session, payment, tz=settings.tz, now=deed.desk.clock())
        return (f"Pago #{intake.id} aplicado ({format_money(paid)}), pago {payment.id}: va al ERP; el cliente recibe "
                f"la confirmación con su factura.{note}")
    kind = ReplyKind.APPLIED if facts.client_id_present else ReplyKind.APPLIED_MISSING_ID
    messenger = deed.desk.messenger
    messenger.tell_customer(session, intake, kind, messenger.reply_context(session, intake, facts))
    return f"Pago #{intake.id} aplicado ({format_money(paid)}). Se avisó al cliente.{note}"


def flag(deed: Deed) -> str:
    """Accounting sends the receipt back to support with a reason."""
    intake = deed.intake
    reason = (deed.action.reason or "").strip()
    if not reason:
        raise ActionRefused("Indique qué problema tiene el pago.")
    transition(deed.session, intake, IntakeState.IN_REVIEW, actor=deed.actor.name, staff_id=deed.actor.staff_id,
               reason=reason)
    deed.desk.messenger.send_support_card(deed.session, intake, deed.facts, note=f"Devuelto por contabilidad: {reason}")
    return f"Comprobante #{intake.id} devuelto a soporte."


ACTIONS: dict[StaffActionKind, Callable[[Deed], str]] = {
    StaffActionKind.APPROVE: approve,
    StaffActionKind.CORRECT: correct,
    StaffActionKind.REJECT: reject,
    StaffActionKind.GRACE: grant_grace,
    StaffActionKind.APPLY: apply_payment,
    StaffActionKind.FLAG: flag,
}
"""What each kind of staff action does."""
