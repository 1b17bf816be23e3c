"""What each staff action does: approve, correct, reject, grace, apply, flag, choose the order a receipt pays,
decide about an overpayment, send the statement, close a case; each one audited."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.account.conversion import MissingRate, convert
from bot.account.operations import AccountError, AccountPolicy, AllocationResult, post_payment, record_refund
from bot.accounting.sync import queue_sync
from bot.collections import access, grace
from bot.collections.announce import announce_access
from bot.config import Settings
from bot.contracts.registry import find_by_client_id, order_named, remember_payer
from bot.db.models import AuditEvent, Contract, Customer, Intake, Payment
from bot.db.types import MAX_ROW_ID, utcnow
from bot.intake import cards
from bot.intake.applied import applied_note, applied_told
from bot.intake.cases import case_url, close_case, open_case_of, open_grace_case
from bot.intake.facts import IntakeFacts, store_fields, store_report, stored_value
from bot.intake.messages import Audience, Button, StaffAction, StaffResult
from bot.intake.reminders import forget
from bot.intake.review import forward, run_checks
from bot.intake.sending import Messenger, customer_of
from bot.intake.staff import ALLOWED, PORTAL, Actor, identify, reads_text_commands
from bot.intake.statements import own_chat, send_statement
from bot.intake.states import IllegalTransition, IntakeState, event_count, record, transition
from bot.logs import mask_phone
from bot.vocabulary import (
    ACCOUNTING_ACTIONS,
    FIELD_WORDS,
    OVERPAYMENT_ACTIONS,
    Overpayment,
    ReceiptField,
    RejectReason,
    ReplyKind,
    StaffActionKind,
    StaffMessage,
)
from currency.money import CRC, USD, Money, format_money, round_amount
from currency.rates import AppliedRate
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
            if action.kind is StaffActionKind.STATEMENT and action.intake_id == 0:
                return self.send_statement_of(session, action, actor)
            missing = f"No existe el comprobante #{action.intake_id}."
            intake = session.get(Intake, action.intake_id) if 0 < action.intake_id <= MAX_ROW_ID else None
            if intake is None:
                return self.refuse(action, "no_such_intake", missing, actor)
            try:
                message = ACTIONS[action.kind](Deed(self, session, intake, action, actor))
                if action.channel == PORTAL:
                    self.tell_chats(session, intake, action.kind, message, actor)
                session.commit()
            except ActionRefused as refusal:
                session.rollback()
                return self.refuse(action, "refused", str(refusal), actor)
            except IllegalTransition:
                session.rollback()
                state = f"El comprobante #{intake.id} está en estado «{intake.state}»"
                return self.refuse(action, "not_allowed_now", f"{state}: no se puede hacer eso.", actor)
            after = after_applied(session, intake) if action.kind is StaffActionKind.APPLY else ()
        return StaffResult(True, message, after)

    def tell_chats(self, session: Session, intake: Intake, kind: StaffActionKind, result: str, actor: Actor) -> None:
        """What was done on the portal is said in the chat whose card it answers, so no one acts on it twice."""
        accounting = kind in (*ACCOUNTING_ACTIONS, StaffActionKind.CLOSE_CASE)
        audience = Audience.ACCOUNTING if accounting else Audience.SUPPORT
        text = self.messenger.replies.render(StaffMessage.DONE_IN_PORTAL.template,
                                             {"result": result, "actor": actor.name})
        self.messenger.tell_staff(session, audience, StaffMessage.DONE_IN_PORTAL, text, intake_id=intake.id,
                                  key=f"intake:{intake.id}:portal:{event_count(session, intake)}")

    def send_statement_of(self, session: Session, action: StaffAction, actor: Actor) -> StaffResult:
        """`ESTADO <client id>`: the customer's statement, as a PDF, to their own chat; audited."""
        client_id = (action.value or "").strip()
        customer = find_by_client_id(session, client_id) if client_id else None
        if customer is None:
            return self.refuse(action, "refused", f"No hay cliente con ID {client_id or '—'}.", actor)
        chat = own_chat(session, self.settings, customer, self.messenger.local_staff_channel)
        if chat is None:
            return self.refuse(action, "refused", f"El cliente ID {customer.client_id} no tiene un chat vinculado "
                               "(WhatsApp, Telegram o correo) al que enviar el estado de cuenta.", actor)
        today = self.clock().astimezone(self.settings.tz).date()
        document = send_statement(session, self.messenger, customer, chat, today)
        session.add(AuditEvent(
            kind="statement_sent", channel=action.channel, user=action.user[:120], chat=action.chat[:120],
            action=action.kind.value, reason="sent", staff_id=actor.staff_id,
            detail=f"{document.name} enviado por {actor.name} al chat {_shown_chat(chat)}",
        ))
        session.commit()
        return StaffResult(True, f"Estado de cuenta del ID {customer.client_id} enviado al cliente ({document.name}).")

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


def after_applied(session: Session, intake: Intake) -> tuple[Button, ...]:
    """Under "applied": the button to take the payment back should the bank return it (it names the payment)."""
    payment = session.exec(select(Payment).where(Payment.intake_id == intake.id)).first()
    if payment is None or payment.id is None:
        return ()
    returned = StaffActionKind.RETURNED
    return (Button(returned.button, returned.callback(0, str(payment.id))),)


def _shown(action: StaffAction, who: str) -> str:
    return mask_phone(who) if action.channel == "whatsapp" else who


def _shown_chat(chat: tuple[str, str]) -> str:
    channel, recipient = chat
    return f"{channel} {mask_phone(recipient) if channel != 'telegram' else recipient}"


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
            agent=deed.actor.person or None, now=deed.desk.clock())
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
    intake, actor = deed.intake, deed.actor
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
    store_fields(intake, fixed.fields, fixed.typed_by_staff)
    _recheck(deed, {field.value: [old, new]}, "corrección manual", f"{field.label} corregido por {actor.name}")
    return f"#{intake.id}: {field.label} = {new}. Revisiones actualizadas."


def _recheck(deed: Deed, changes: dict[str, Any], reason: str, note: str, contract_id: int | None = None
             ) -> IntakeFacts:
    """After an agent changed what a receipt says or pays: audit it, rerun the checks, send support the new
    card. Reminders the receipt scheduled before (it was returned by accounting) are taken back: approving
    it again schedules what is still left, if anything."""
    intake, session, actor = deed.intake, deed.session, deed.actor
    if intake.state == IntakeState.NEEDS_INFO.value:
        transition(session, intake, IntakeState.IN_REVIEW, actor=actor.name, staff_id=actor.staff_id,
                   changes=changes, reason=reason)
    else:
        record(session, intake, actor=actor.name, staff_id=actor.staff_id, changes=changes, reason=reason)
    transition(session, intake, IntakeState.CHECKED, actor=actor.name, staff_id=actor.staff_id)
    checked = run_checks(session, intake, deed.desk.settings, deed.desk.clock(), contract_id=contract_id)
    transition(session, intake, IntakeState.IN_REVIEW, actor="bot", reason="revisiones recalculadas")
    forget(session, intake, "comprobante corregido" if checked.difference is not None
           else "comprobante corregido al monto completo")
    deed.desk.messenger.send_support_card(session, intake, checked, note=note)
    return checked


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
    forget(session, intake, f"comprobante rechazado: {label}")
    context = deed.desk.messenger.reply_context(session, intake, deed.facts, agent=deed.actor.person or None)
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
    case = open_grace_case(session, intake, contract, extension, actor=deed.actor.name,
                           staff_id=deed.actor.staff_id, details={"count": granted.count, "charge": (
                               f"{granted.charge.description} (vence {granted.charge.due_date:%d/%m/%Y})"
                               if granted.charge else "")})
    count = event_count(session, intake)
    context = messenger.reply_context(session, intake, deed.facts, agent=deed.actor.person or None)
    context["new_end_date"] = extension.until
    messenger.tell_customer(session, intake, ReplyKind.GRACE_GRANTED, context, key_suffix=f":{count}")
    close = StaffActionKind.CLOSE_CASE
    escalation = messenger.replies.render(StaffMessage.ESCALATION_GRACE.template, {
        **cards.escalation_context(intake, contract, granted, actor=deed.actor.name, settings=settings),
        "case_id": case.id, "case_url": case_url(settings, case.id or 0),
        "commands": [close.sample(intake.id or 0)] if reads_text_commands(session, settings, Audience.ACCOUNTING)
        else [],
    })
    messenger.tell_staff(session, Audience.ACCOUNTING, StaffMessage.ESCALATION_GRACE, escalation,
                         intake_id=intake.id, key=f"intake:{intake.id}:escalation:{count}",
                         buttons=(Button(close.button, close.callback(intake.id or 0)),))
    return f"Prórroga de {settings.grace_days} días: sistema activo hasta {extension.until:%d/%m/%Y} " \
           f"(prórroga {granted.count} de {settings.grace_max} de ese cargo). Caso #{case.id} escalado a contabilidad."


def apply_payment(deed: Deed) -> str:
    """Accounting confirms: the payment is recorded once and posted to the account, a refund staff decided
    is recorded, then the customer is told what is left (script #3 says the system is active only when
    nothing is)."""
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
    today = deed.today()
    payment = Payment(
        intake_id=intake.id or 0,
        customer_id=intake.customer_id,
        contract_id=intake.contract_id,
        amount=paid.amount,
        currency=paid.currency,
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
    policy = AccountPolicy.from_settings(deed.desk.settings)
    try:
        posted = post_payment(session, payment, policy=policy, now=deed.desk.clock(), keep_without_rate=True)
    except AccountError as error:
        raise ActionRefused(f"No se pudo aplicar a la cuenta del cliente: {error}.") from error
    payment.credit = _in_currency(posted.credit_created, payment.currency, posted.rate)
    session.add(payment)
    _keep_applied(intake, facts, posted)
    refunded = _refund_if_decided(deed, posted.credit_created) if facts.overpayment is Overpayment.REFUND else None
    released = access.release_paid(session, today, deed.desk.clock(), [intake.customer_id])
    if released:
        announce_access(session, deed.desk.messenger, today=today, now=deed.desk.clock(),
                        local_channel=deed.desk.messenger.local_staff_channel)
    note = (" Sin tipo de cambio del día: en la cuenta quedó en su moneda, a favor del cliente (paybot rates set)."
            if posted.rate_missing else "")
    settings = deed.desk.settings
    told = applied_told(session, intake, IntakeFacts.of(intake), today, policy)
    account_note = "".join(f" {line}" for line in applied_note(told, refunded))
    if settings.erp_connector != "none":
        queue_sync(session, payment, tz=settings.tz, now=deed.desk.clock())
        return (f"Pago #{intake.id} aplicado ({format_money(paid)}), pago {payment.id}: va al ERP; el cliente recibe "
                f"la confirmación con su factura.{account_note}{note}")
    messenger = deed.desk.messenger
    context = messenger.reply_context(session, intake, facts)
    context.update(told)
    kind = ReplyKind.APPLIED if facts.client_id_present else ReplyKind.APPLIED_MISSING_ID
    messenger.tell_customer(session, intake, kind, context)
    return f"Pago #{intake.id} aplicado ({format_money(paid)}).{account_note} Se avisó al cliente.{note}"


def _in_currency(amount: Money, currency: str, rate: AppliedRate | None) -> Decimal:
    try:
        return convert(amount, currency, rate).amount
    except MissingRate:
        return Decimal("0")


def _keep_applied(intake: Intake, facts: IntakeFacts, posted: AllocationResult) -> None:
    """The intake's report keeps what the payment did to the account once applied (what later decisions,
    cards and the applied reply read), in place of what the check foresaw."""
    if facts.report is not None:
        store_report(intake, replace(facts.report, account=posted))


def _refund_if_decided(deed: Deed, credit: Money) -> Money | None:
    """Staff said the overpaid part goes back to the customer: record the refund in the account."""
    intake = deed.intake
    if credit.amount <= 0 or intake.customer_id is None:
        return None
    period = deed.facts.settled_period
    why = f"pago de más del comprobante #{intake.id}" + (f" ({period.description} pagado dos veces)" if period else "")
    record_refund(deed.session, intake.customer_id, credit.amount, reason=why, actor=deed.actor.name,
                  on_date=deed.today(), currency=credit.currency)
    previous = intake.overpayment
    intake.overpayment = Overpayment.REFUNDED.value
    record(deed.session, intake, actor=deed.actor.name, staff_id=deed.actor.staff_id, reason="devolución registrada",
           changes={"overpayment": [previous, intake.overpayment], "refund": format_money(credit)})
    return credit


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


def close_escalated_case(deed: Deed) -> str:
    """Accounting closes the case a grace extension opened, saying what they decided; support is told."""
    decision = " ".join((deed.action.reason or "").split())
    if not decision:
        raise ActionRefused("Indique lo que decidió contabilidad para cerrar el caso.")
    session, intake, actor = deed.session, deed.intake, deed.actor
    case = open_case_of(session, intake.id)
    if case is None:
        raise ActionRefused(f"El comprobante #{intake.id} no tiene un caso abierto.")
    close_case(case, decision=decision[:1000], actor=actor.name, staff_id=actor.staff_id, now=deed.desk.clock())
    session.add(case)
    record(session, intake, actor=actor.name, staff_id=actor.staff_id, reason=f"caso #{case.id} cerrado",
           changes={"case": case.id, "decision": case.decision})
    messenger, settings = deed.desk.messenger, deed.desk.settings
    text = messenger.replies.render(StaffMessage.CASE_CLOSED.template, {
        "case_id": case.id, "intake_id": intake.id, "actor": actor.name, "decision": case.decision,
        "case_url": case_url(settings, case.id or 0)})
    messenger.tell_staff(session, Audience.SUPPORT, StaffMessage.CASE_CLOSED, text, intake_id=intake.id,
                         key=f"case:{case.id}:closed")
    return f"Caso #{case.id} cerrado: {case.decision}."


def choose_contract(deed: Deed) -> str:
    """Support says which of the customer's orders the receipt pays (`CONTRATO 12 WOLK-1012 2`, or the
    card's button): the checks rerun against it, and the payment pays that order first."""
    intake, session = deed.intake, deed.session
    if intake.state not in (IntakeState.IN_REVIEW.value, IntakeState.NEEDS_INFO.value):
        raise IllegalTransition(intake.id, intake.state, IntakeState.CHECKED)
    if intake.customer_id is None:
        raise ActionRefused(f"Falta identificar al cliente del #{intake.id}: corrija el ID antes de elegir "
                            "el contrato.")
    named = (deed.action.value or "").strip()
    if not named:
        raise ActionRefused("Indique el código de pago del contrato (p. ej. CONTRATO 12 WOLK-1001).")
    contract = _order(session, intake.customer_id, named)
    shown = cards.contract_label(contract)
    _recheck(deed, {"contract_id": [intake.contract_id, contract.id]}, "contrato elegido por soporte",
             f"Contrato {shown} elegido por {deed.actor.name}", contract_id=contract.id)
    return f"#{intake.id}: paga {shown}. Revisiones actualizadas."


def _order(session: Session, customer_id: int, named: str) -> Contract:
    """The order `named` means: `#17` (a card's button), or a payment code with an optional cuota."""
    if named.startswith("#") and named[1:].isdigit():
        contract = session.get(Contract, int(named[1:]))
        if contract is None or contract.customer_id != customer_id:
            raise ActionRefused("Ese contrato no es de este cliente.")
        return contract
    code, _, cuota = named.partition(" ")
    installment = int(cuota) if cuota.strip().isdigit() else None
    if cuota.strip() and installment is None:
        raise ActionRefused(f"Cuota no válida: «{cuota.strip()}» (un número, p. ej. CONTRATO 12 {code} 2).")
    found = order_named(session, customer_id, code, installment)
    if found is None:
        raise ActionRefused(f"El cliente no tiene el contrato {named}.")
    return found


def decide_overpayment(deed: Deed) -> str:
    """Seed 000: what was paid over what was due (a period paid twice) stays as credit for the next cuota, or
    is to be given back (recorded in the account when the payment is applied, or at once if it already was)."""
    intake, session = deed.intake, deed.session
    decision = OVERPAYMENT_ACTIONS[deed.action.kind]
    if intake.state in (IntakeState.RECEIVED.value, IntakeState.READ.value, IntakeState.CHECKED.value,
                        IntakeState.REJECTED.value):
        raise IllegalTransition(intake.id, intake.state, intake.state)
    facts = deed.facts
    if facts.credit is None:
        raise ActionRefused(f"El #{intake.id} no pagó de más: no hay nada que dejar a favor ni devolver.")
    if facts.overpayment is Overpayment.REFUNDED:
        raise ActionRefused(f"La devolución del #{intake.id} ya quedó registrada en la cuenta.")
    previous = intake.overpayment
    intake.overpayment = decision.value
    session.add(intake)
    record(session, intake, actor=deed.actor.name, staff_id=deed.actor.staff_id,
           reason=f"pago de más: {decision.label}", changes={"overpayment": [previous, decision.value]})
    applied = intake.state in (IntakeState.APPLIED.value, IntakeState.SYNCED.value, IntakeState.SYNC_FAILED.value)
    account = facts.account
    if decision is Overpayment.REFUND and applied and account is not None:
        refunded = _refund_if_decided(deed, account.credit_created)
        if refunded is not None:
            return f"#{intake.id}: devolución de {format_money(refunded)} registrada en la cuenta del cliente."
    return f"#{intake.id}: lo pagado de más ({format_money(facts.credit)}) {decision.label}."


def send_statement_to_customer(deed: Deed) -> str:
    """The card's button: the customer's statement, as a PDF, to their own chat."""
    intake, session, desk = deed.intake, deed.session, deed.desk
    customer = customer_of(session, intake)
    if customer is None:
        raise ActionRefused(f"Falta identificar al cliente del #{intake.id} para enviarle su estado de cuenta.")
    chat = own_chat(session, desk.settings, customer, desk.messenger.local_staff_channel, intake)
    if chat is None:
        raise ActionRefused(f"El cliente ID {customer.client_id} no tiene un chat vinculado al que enviarlo.")
    document = send_statement(session, desk.messenger, customer, chat, deed.today(), intake_id=intake.id)
    record(session, intake, actor=deed.actor.name, staff_id=deed.actor.staff_id, reason="estado de cuenta enviado",
           changes={"statement": document.name})
    return f"Estado de cuenta del ID {customer.client_id} enviado al cliente ({document.name})."


ACTIONS: dict[StaffActionKind, Callable[[Deed], str]] = {
    StaffActionKind.APPROVE: approve,
    StaffActionKind.CORRECT: correct,
    StaffActionKind.REJECT: reject,
    StaffActionKind.GRACE: grant_grace,
    StaffActionKind.APPLY: apply_payment,
    StaffActionKind.FLAG: flag,
    StaffActionKind.CLOSE_CASE: close_escalated_case,
    StaffActionKind.CONTRACT: choose_contract,
    StaffActionKind.KEEP_CREDIT: decide_overpayment,
    StaffActionKind.REFUND: decide_overpayment,
    StaffActionKind.STATEMENT: send_statement_to_customer,
}
"""What each kind of staff action does."""
