"""Accounting's actions on a payment from any chat (seed 000's "Sincronizar ahora" and "Sincronizar
manualmente"), and what everyone is told when a payment's sync settles: the customer's "applied" reply with
the invoice and its document, accounting's message when it could not be synced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.account.operations import AccountPolicy
from bot.accounting.erp import connector_for
from bot.accounting.notices import accounting_failure_notice
from bot.accounting.sync import ErpSync, SyncPolicy, SyncRefused, SyncResult, mark_synced
from bot.config import Settings
from bot.db.models import AuditEvent, Intake, Payment, PaymentEvent
from bot.db.types import MAX_ROW_ID, utcnow
from bot.intake.applied import applied_told
from bot.intake.facts import IntakeFacts
from bot.intake.messages import Audience, StaffAction, StaffResult
from bot.intake.sending import Document, Messenger
from bot.intake.staff import ALLOWED, PORTAL, Actor, identify
from bot.media_store import MediaStore, media_store
from bot.vocabulary import ReplyKind, StaffActionKind, StaffMessage

log = logging.getLogger(__name__)


class SyncOutcomes:
    """What paybot says when a payment's ERP sync settles, whichever way."""

    def __init__(self, messenger: Messenger, media: MediaStore) -> None:
        self.messenger = messenger
        self.media = media
        self.tell_accounting = accounting_failure_notice(messenger)

    def tell_customer_applied(self, session: Session, payment: Payment) -> None:
        """The receipt's "applied" reply, once, naming the ERP's invoice and sending its document if it came."""
        intake = session.get(Intake, payment.intake_id) if payment.intake_id else None
        if intake is None:
            return
        facts = IntakeFacts.of(intake)
        context = self.messenger.reply_context(session, intake, facts)
        attached = bool(payment.invoice_path and self.media.exists(payment.invoice_path))
        settings = self.messenger.settings
        context.update(applied_told(session, intake, facts, utcnow().astimezone(settings.tz).date(),
                                    AccountPolicy.from_settings(settings)))
        context.update(invoice_number=payment.invoice_number, invoice_url=payment.invoice_url,
                       invoice_attached=attached)
        kind = ReplyKind.APPLIED if facts.client_id_present else ReplyKind.APPLIED_MISSING_ID
        invoice = (Document(payment.invoice_path, invoice_name(payment))
                   if attached and payment.invoice_path else None)
        self.messenger.tell_customer(session, intake, kind, context, document=invoice)

    def synced(self, session: Session, payment: Payment) -> None:
        self.tell_customer_applied(session, payment)

    def failed(self, session: Session, payment: Payment, reason: str) -> None:
        self.tell_accounting(session, payment, reason)
        self.tell_customer_applied(session, payment)


def invoice_name(payment: Payment) -> str:
    """The name the customer sees on the ERP's invoice document."""
    stored = (payment.invoice_path or "").rpartition("/")[2]
    suffix = stored[stored.rfind("."):] if "." in stored else ".pdf"
    number = "".join(ch for ch in (payment.invoice_number or str(payment.id)) if ch.isalnum() or ch in "-_")
    return f"factura-{number}{suffix}"


def erp_sync(settings: Settings, engine: Engine, messenger: Messenger,
             clock: Callable[[], datetime] = utcnow, media: MediaStore | None = None) -> ErpSync | None:
    """The ERP sender the settings ask for, telling the customer and accounting; None without a connector."""
    connector = connector_for(settings)
    if connector is None:
        return None
    store = media or media_store(settings)
    outcomes = SyncOutcomes(messenger, store)
    return ErpSync(engine, connector, policy=SyncPolicy.from_settings(settings), tz=settings.tz,
                   media=store, clock=clock, on_failed=outcomes.failed, on_synced=outcomes.synced)


class PaymentDesk:
    """Carries out accounting's decisions on a payment (the number they name is the payment's), checked
    against the staff records like every staff action, refusals audited."""

    def __init__(self, settings: Settings, engine: Engine, messenger: Messenger, sync: ErpSync | None,
                 clock: Callable[[], datetime] = utcnow, media: MediaStore | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.outcomes = SyncOutcomes(messenger, media or media_store(settings))
        self.sync = sync
        self.clock = clock

    async def act(self, action: StaffAction) -> StaffResult:
        payment_id = action.intake_id
        actor = await asyncio.to_thread(self._identify, action)
        if actor is None or actor.role not in ALLOWED[action.kind]:
            return await asyncio.to_thread(self.refuse, action, "not_staff" if actor is None else "role_not_allowed",
                                           "No tiene permiso para esta acción.", actor)
        if not 0 < payment_id <= MAX_ROW_ID:
            return await asyncio.to_thread(self.refuse, action, "no_such_payment",
                                           f"No existe el pago {payment_id}.", actor)
        try:
            if action.kind is StaffActionKind.SYNC:
                result = await self._sync_now(payment_id, actor)
            else:
                result = await asyncio.to_thread(self._mark, payment_id, action.reason or "", actor)
        except SyncRefused as refusal:
            return await asyncio.to_thread(self.refuse, action, "refused", str(refusal), actor)
        if result.ok and action.channel == PORTAL:
            await asyncio.to_thread(self.tell_chats, payment_id, result.message, actor)
        return result

    def _identify(self, action: StaffAction) -> Actor | None:
        with Session(self.engine) as session:
            actor = identify(session, self.settings, action.channel, action.user, action.chat, action.user_name)
            session.commit()
            return actor

    def tell_chats(self, payment_id: int, result: str, actor: Actor) -> None:
        """What was done on the portal is said in accounting's chat, whose message about the payment offered
        the same options, so no one acts on it twice."""
        messenger = self.outcomes.messenger
        with Session(self.engine) as session:
            payment = session.get(Payment, payment_id)
            events = session.exec(select(func.count()).select_from(PaymentEvent)
                                  .where(PaymentEvent.payment_id == payment_id)).one()
            text = messenger.replies.render(StaffMessage.DONE_IN_PORTAL.template,
                                            {"result": result, "actor": actor.name})
            messenger.tell_staff(session, Audience.ACCOUNTING, StaffMessage.DONE_IN_PORTAL, text,
                                 intake_id=payment.intake_id if payment else None,
                                 key=f"payment:{payment_id}:portal:{events}")
            session.commit()

    async def _sync_now(self, payment_id: int, actor: Actor) -> StaffResult:
        if self.sync is None:
            raise SyncRefused("No hay conector de ERP configurado: use «Sincronizar manualmente» con una explicación.")
        outcome = await self.sync.sync_now(payment_id, actor.name)
        return StaffResult(outcome.result in (SyncResult.SYNCED, SyncResult.ALREADY), outcome.message)

    def _mark(self, payment_id: int, reason: str, actor: Actor) -> StaffResult:
        with Session(self.engine, expire_on_commit=False) as session:
            lease = SyncPolicy.from_settings(self.settings).lease
            payment = mark_synced(session, payment_id, reason=reason, actor=actor.name, now=self.clock(), lease=lease)
            self.outcomes.tell_customer_applied(session, payment)
            session.commit()
        return StaffResult(True, f"Pago {payment_id} sincronizado manualmente: {payment.sync_note}")

    def refuse(self, action: StaffAction, reason: str, message: str, actor: Actor | None = None) -> StaffResult:
        """Audit the refusal (the payment's number is in the detail: the row names intakes) and say why."""
        log.warning("refused %s on payment %s from %s (%s)", action.kind, action.intake_id, action.channel, reason)
        with Session(self.engine) as session:
            session.add(AuditEvent(
                kind="staff_action_refused", channel=action.channel, user=action.user[:120], chat=action.chat[:120],
                action=action.kind.value, intake_id=None, reason=reason, staff_id=actor.staff_id if actor else None,
                detail=f"pago {str(action.intake_id)[:40]}: {message}",
            ))
            session.commit()
        return StaffResult(False, message)
