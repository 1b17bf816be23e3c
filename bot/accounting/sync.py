"""Sending applied payments to the ERP exactly once, and what accounting does when that fails.

A payment applied with a connector configured gets an `ErpDelivery` row in the same transaction (the
ERP's outbox). A sender claims a delivery with a conditional update committed *before* it sends, and
records the answer *after*: two processes never send the same delivery at once, and a delivery is sent
again only when a process died between sending and recording, with the same idempotency key, so the
ERP can tell it already has it. Failures are retried with capped exponential backoff; after
`PAYBOT_ERP_MAX_ATTEMPTS` the payment is `sync_failed` ("pagado sin sincronizar") and accounting is told
once. Accounting then syncs it now (the same delivery, the same key) or marks it synced by hand with a
written reason (seed 000's "Sincronizar ahora" / "Sincronizar manualmente"); every step is a
`PaymentEvent`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.account import repository
from bot.account.allocation import effect_of, settle_accounts
from bot.account.entries import from_cents
from bot.accounting.erp import ErpAnswer, ErpConnector, ErpError, ErpRequest
from bot.config import Settings
from bot.db.models import (
    AccountEntry,
    Contract,
    Customer,
    ErpDelivery,
    ErpDeliveryState,
    Intake,
    Payment,
    PaymentEvent,
    SyncState,
)
from bot.db.session import rowcount
from bot.db.types import MAX_ROW_ID, utcnow
from bot.intake.claims import holder_is_gone, worker_name
from bot.intake.states import IntakeState, can_move, transition
from bot.media_store import MediaStore

log = logging.getLogger(__name__)

ERP_ACTOR = "erp"
MIN_REASON_CHARS = 5


class Origin(StrEnum):
    """Who started a payment (seed 001's "pagos iniciados" by origin)."""

    CUSTOMER_CHAT = "cliente_chat"
    STAFF_CAPTURE = "captura_personal"

    @property
    def label(self) -> str:
        return {"cliente_chat": "cliente por chat", "captura_personal": "captura del personal"}[self.value]


def origin_of(payment: Payment) -> Origin:
    return Origin.CUSTOMER_CHAT if payment.intake_id is not None else Origin.STAFF_CAPTURE


SYNC_LABELS = {
    SyncState.PENDING.value: "pendiente de sincronizar",
    SyncState.SYNCED.value: "sincronizado",
    SyncState.FAILED.value: "pagado sin sincronizar",
}


def sync_label(payment: Payment) -> str:
    if payment.sync_state == SyncState.SYNCED.value and payment.synced_by not in (None, ERP_ACTOR):
        return "sincronizado manualmente"
    return SYNC_LABELS.get(payment.sync_state, payment.sync_state)


def idempotency_key(payment_id: int, kind: str = "payment") -> str:
    """The key every attempt of one delivery carries (the payment's id; one per kind of message)."""
    return f"paybot-{kind}-{payment_id}"


class SyncRefused(Exception):
    """The sync action cannot be done; the message says why, in Spanish, for accounting."""


@dataclass(frozen=True)
class SyncPolicy:
    """Attempts before giving up, the backoff between them, and how long a claim holds a delivery."""

    max_attempts: int = 5
    first_delay: float = 30.0
    max_delay: float = 900.0
    lease: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncPolicy:
        return cls(max_attempts=settings.erp_max_attempts, first_delay=settings.erp_retry_seconds,
                   max_delay=settings.erp_retry_max_seconds, lease=settings.erp_timeout_seconds + 30.0)

    def delay(self, attempts: int) -> timedelta:
        """Wait after failed attempt number `attempts`: doubling from `first_delay`, capped, with jitter."""
        backoff = min(self.max_delay, self.first_delay * 2.0 ** max(0, attempts - 1))
        return timedelta(seconds=backoff * (0.9 + random.random() / 5))


# -- the payload ----------------------------------------------------------------------------------

def _money(amount: Any, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def settled_by(session: Session, payment: Payment) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """The charges this payment paid (replayed from the account) and the amount applied in the account's
    currency; empty when the payment was never posted to the account."""
    entry = session.exec(select(AccountEntry).where(AccountEntry.payment_id == payment.id)).first()
    if entry is None or entry.id is None:
        return [], None
    ledgers = settle_accounts(repository.load_entries(session, payment.customer_id))
    ledger = ledgers.get((payment.customer_id, entry.currency))
    applied = _money(from_cents(-entry.amount_cents), entry.currency)
    if ledger is None:
        return [], applied
    charges, _left = effect_of(ledger, entry.id)
    return [
        {"description": charge.description, "due_date": charge.due_date.isoformat(),
         "contract_id": charge.contract_id, "paid": str(charge.paid), "open_after": str(charge.open_after),
         "settled": charge.settled}
        for charge in charges
    ], applied


def build_payload(session: Session, payment: Payment, tz: tzinfo) -> dict[str, Any]:
    """What the ERP receives: the payment, its customer and contract, the charges it settled, the amounts."""
    customer = session.get(Customer, payment.customer_id)
    contract = session.get(Contract, payment.contract_id) if payment.contract_id else None
    intake = session.get(Intake, payment.intake_id) if payment.intake_id else None
    charges, applied = settled_by(session, payment)
    assert payment.id is not None
    return {
        "event": "payment.applied",
        "idempotency_key": idempotency_key(payment.id),
        "payment": {
            "id": payment.id,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
            "applied_at": payment.applied_at.astimezone(tz).isoformat(),
            "applied_by": payment.applied_by,
            "bank": payment.bank,
            "reference": payment.reference,
            "method": payment.method,
            "origin": origin_of(payment).value,
            "channel": intake.channel if intake else "manual",
            "intake_id": payment.intake_id,
        },
        "customer": {
            "id": payment.customer_id,
            "client_id": customer.client_id if customer else None,
            "name": customer.full_name if customer else None,
            "document_type": customer.document_type if customer else None,
            "document_number": customer.document_number if customer else None,
        },
        "contract": None if contract is None else {
            "id": contract.id, "payment_code": contract.payment_code, "installment": contract.installment,
            "currency": contract.currency, "fee": str(contract.fee),
        },
        "charges_settled": charges,
        "applied": applied,
    }


# -- queueing and audit ---------------------------------------------------------------------------

def audit(session: Session, payment: Payment, kind: str, actor: str, reason: str | None = None,
          **details: Any) -> None:
    assert payment.id is not None
    session.add(PaymentEvent(payment_id=payment.id, kind=kind, actor=actor, reason=reason, details=details))


def queue_sync(session: Session, payment: Payment, *, tz: tzinfo, now: datetime | None = None) -> ErpDelivery:
    """Add the payment's delivery to the caller's transaction (once: an existing one is returned)."""
    if payment.id is None:
        session.add(payment)
        session.flush()
    assert payment.id is not None
    key = idempotency_key(payment.id)
    existing = session.exec(select(ErpDelivery).where(ErpDelivery.idempotency_key == key)).first()
    if existing is not None:
        return existing
    when = now or utcnow()
    delivery = ErpDelivery(payment_id=payment.id, idempotency_key=key, payload=build_payload(session, payment, tz),
                           next_attempt_at=when, created_at=when)
    session.add(delivery)
    audit(session, payment, "sync_queued", ERP_ACTOR)
    session.flush()
    return delivery


REVERSAL = "reversal"
"""The ErpDelivery kind of a payment taken back (returned by the bank or undone)."""


def queue_reversal(session: Session, payment: Payment, *, reversal_id: int, kind: str, reason: str,
                   reopened: list[dict[str, str]], tz: tzinfo, now: datetime | None = None) -> ErpDelivery | None:
    """Tell the ERP that a payment it has was taken back, in the caller's transaction, once per reversal: the
    payment's own message with the amounts negative, `event` payment.returned or payment.undone and the
    reversal's details. A payment the ERP never got (its delivery still waiting or failed) is not sent at all:
    that delivery is cancelled. Returns the reversal's delivery, None when nothing goes to the ERP."""
    assert payment.id is not None
    when = now or utcnow()
    earlier = session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment.id)
                           .where(ErpDelivery.kind == "payment")).first()
    if payment.sync_state != SyncState.SYNCED.value:
        if earlier is not None and earlier.state in (ErpDeliveryState.PENDING.value, ErpDeliveryState.FAILED.value):
            earlier.state = ErpDeliveryState.CANCELLED.value
            earlier.last_error = f"pago {'devuelto' if kind == 'returned' else 'anulado'} antes de llegar al ERP"
            session.add(earlier)
            audit(session, payment, "sync_cancelled", ERP_ACTOR, reason)
        return None
    key = idempotency_key(reversal_id, REVERSAL)
    existing = session.exec(select(ErpDelivery).where(ErpDelivery.idempotency_key == key)).first()
    if existing is not None:
        return existing
    payload = build_payload(session, payment, tz)
    negative = f"-{payment.amount}"
    applied = payload.get("applied") or {}
    payload.update(
        event=f"payment.{kind}", idempotency_key=key, charges_settled=[],
        applied={**applied, "amount": f"-{applied['amount']}"} if applied.get("amount") else None,
        reversal={"id": reversal_id, "kind": kind, "reason": reason, "reversed_at": when.astimezone(tz).isoformat(),
                  "invoice_number": payment.invoice_number, "reopened": reopened},
    )
    payload["payment"] = {**payload["payment"], "amount": negative}
    delivery = ErpDelivery(payment_id=payment.id, kind=REVERSAL, idempotency_key=key, payload=payload,
                           next_attempt_at=when, created_at=when)
    session.add(delivery)
    audit(session, payment, "reversal_queued", ERP_ACTOR, reason)
    session.flush()
    return delivery


def _move_intake(session: Session, payment: Payment, to_state: IntakeState, actor: str, reason: str) -> None:
    """Keep the receipt's state with its payment's: applied -> synced / sync_failed -> synced."""
    if payment.intake_id is None:
        return
    intake = session.get(Intake, payment.intake_id)
    if intake is not None and intake.state != to_state.value and can_move(intake.state, to_state.value):
        transition(session, intake, to_state, actor=actor, reason=reason)


def _live_claim(delivery: ErpDelivery, now: datetime, lease: float) -> bool:
    return (delivery.claimed_by is not None and delivery.claimed_at is not None
            and delivery.claimed_at > now - timedelta(seconds=lease) and not holder_is_gone(delivery.claimed_by))


def mark_synced(session: Session, payment_id: int, *, reason: str, actor: str, now: datetime | None = None,
                lease: float = SyncPolicy.lease) -> Payment:
    """Seed 000's "Sincronizar manualmente": synced without touching the ERP, with the written reason kept
    on the payment and in its audit; what was still queued for the ERP is cancelled."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON_CHARS:
        raise SyncRefused("Escriba por qué se marca como sincronizado a mano (p. ej. «ya estaba pagado en el ERP»).")
    payment = _payment(session, payment_id)
    if payment.sync_state == SyncState.SYNCED.value:
        raise SyncRefused(f"El pago {payment_id} ya está sincronizado ({sync_label(payment)}).")
    when = now or utcnow()
    for delivery in session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment_id)).all():
        if delivery.state in (ErpDeliveryState.PENDING.value, ErpDeliveryState.FAILED.value):
            if _live_claim(delivery, when, lease):
                raise SyncRefused(f"El pago {payment_id} se está enviando al ERP en este momento: espere un minuto.")
            delivery.state = ErpDeliveryState.CANCELLED.value
            delivery.claimed_by = None
            delivery.last_error = f"marcado sincronizado a mano por {actor}"
            session.add(delivery)
    payment.sync_state = SyncState.SYNCED.value
    payment.synced_at = when
    payment.synced_by = actor
    payment.sync_note = reason
    session.add(payment)
    audit(session, payment, "marked_synced", actor, reason)
    _move_intake(session, payment, IntakeState.SYNCED, actor, f"sincronizado manualmente: {reason}")
    return payment


def _payment(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id) if 0 < payment_id <= MAX_ROW_ID else None
    if payment is None:
        raise SyncRefused(f"No existe el pago {payment_id}.")
    return payment


# -- what is not synced ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Unsynced:
    """A payment not synced, with what its delivery says."""

    payment: Payment
    client_id: str
    customer_name: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None

    @property
    def label(self) -> str:
        return sync_label(self.payment)


def unsynced_payments(session: Session, *, only_failed: bool = False) -> list[Unsynced]:
    """Payments pending or failed ("pagado sin sincronizar" first), oldest first."""
    states = [SyncState.FAILED.value] if only_failed else [SyncState.FAILED.value, SyncState.PENDING.value]
    rows = session.exec(
        select(Payment, Customer)
        .join(Customer, col(Customer.id) == col(Payment.customer_id))
        .where(col(Payment.sync_state).in_(states))
        .order_by(col(Payment.applied_at), col(Payment.id))
    ).all()
    deliveries: dict[int, ErpDelivery] = {}
    ids = [payment.id for payment, _ in rows if payment.id is not None]
    for start in range(0, len(ids), 500):
        for delivery in session.exec(
            select(ErpDelivery).where(col(ErpDelivery.payment_id).in_(ids[start:start + 500]))
        ).all():
            deliveries[delivery.payment_id] = delivery
    found = []
    for payment, customer in rows:
        sent = deliveries.get(payment.id or 0)
        pending = sent is not None and sent.state == ErpDeliveryState.PENDING.value
        found.append(Unsynced(
            payment=payment, client_id=customer.client_id, customer_name=customer.full_name,
            attempts=sent.attempts if sent else 0,
            next_attempt_at=sent.next_attempt_at if pending and sent else None,
            last_error=sent.last_error if sent else None,
        ))
    found.sort(key=lambda u: (u.payment.sync_state != SyncState.FAILED.value, u.payment.applied_at))
    return found


# -- sending --------------------------------------------------------------------------------------

FailureNotice = Callable[[Session, Payment, str], None]
"""Called once, in the transaction that makes a payment `sync_failed` after its retries: tell accounting."""
SyncedNotice = Callable[[Session, Payment], None]
"""Called in the transaction that records the ERP's acceptance (the invoice is on the payment)."""


class SyncResult(StrEnum):
    SYNCED = "synced"
    ALREADY = "already_synced"
    RETRYING = "retrying"
    FAILED = "sync_failed"
    BUSY = "busy"


@dataclass(frozen=True)
class SyncOutcome:
    """What one attempt came to, with the Spanish sentence for whoever asked."""

    payment_id: int
    result: SyncResult
    message: str
    invoice_number: str | None = None


class ErpSync:
    """Sends due deliveries through `connector`; safe to run in several processes at once."""

    def __init__(self, engine: Engine, connector: ErpConnector, *, policy: SyncPolicy, tz: tzinfo,
                 media: MediaStore, worker_id: str | None = None, clock: Callable[[], datetime] = utcnow,
                 on_failed: FailureNotice | None = None, on_synced: SyncedNotice | None = None) -> None:
        self.engine = engine
        self.connector = connector
        self.policy = policy
        self.tz = tz
        self.media = media
        self.worker_id = worker_id or worker_name()
        self.clock = clock
        self.on_failed = on_failed
        self.on_synced = on_synced

    def release_dead_claims(self) -> int:
        """Deliveries held by a process of this host that died (a kill between sending and recording)
        are due again at once; they go with the same idempotency key."""
        released = 0
        with Session(self.engine) as session:
            held = session.exec(
                select(ErpDelivery)
                .where(col(ErpDelivery.state) == ErpDeliveryState.PENDING.value)
                .where(col(ErpDelivery.claimed_by).is_not(None))
            ).all()
            for delivery in held:
                if holder_is_gone(delivery.claimed_by):
                    log.warning("ERP delivery %s was held by %s, which died: it goes again with key %s",
                                delivery.id, delivery.claimed_by, delivery.idempotency_key)
                    delivery.claimed_by = None
                    delivery.next_attempt_at = self.clock()
                    session.add(delivery)
                    released += 1
            session.commit()
        return released

    def due(self, limit: int = 20) -> list[int]:
        now = self.clock()
        with Session(self.engine) as session:
            return [delivery_id for delivery_id in session.exec(
                select(ErpDelivery.id)
                .where(col(ErpDelivery.state) == ErpDeliveryState.PENDING.value)
                .where(col(ErpDelivery.next_attempt_at) <= now)
                .order_by(col(ErpDelivery.next_attempt_at), col(ErpDelivery.id))
                .limit(limit)
            ).all() if delivery_id is not None]

    async def run_due(self, limit: int = 20) -> int:
        """Send what is due; how many deliveries were attempted."""
        attempted = 0
        for delivery_id in await asyncio.to_thread(self.due, limit):
            if await self._attempt(delivery_id, manual_actor=None) is not None:
                attempted += 1
        return attempted

    async def sync_now(self, payment_id: int, actor: str) -> SyncOutcome:
        """Seed 000's "Sincronizar ahora": send the payment at once (queued first if it never was), whatever
        its backoff says; a delivery the ERP may already have goes with the same key."""
        queued = await asyncio.to_thread(self._queue_now, payment_id, actor)
        if isinstance(queued, SyncOutcome):
            return queued
        outcome = await self._attempt(queued, manual_actor=actor)
        if outcome is None:
            return SyncOutcome(payment_id, SyncResult.BUSY,
                               f"El pago {payment_id} se está enviando al ERP en este momento: espere un minuto.")
        return outcome

    def _queue_now(self, payment_id: int, actor: str) -> SyncOutcome | int:
        """The delivery to send now (its id), or the outcome when the payment is already synced."""
        with Session(self.engine, expire_on_commit=False) as session:
            payment = _payment(session, payment_id)
            if payment.sync_state == SyncState.SYNCED.value:
                return SyncOutcome(payment_id, SyncResult.ALREADY,
                                   f"El pago {payment_id} ya está {sync_label(payment)}.", payment.invoice_number)
            delivery = queue_sync(session, payment, tz=self.tz, now=self.clock())
            audit(session, payment, "sync_now", actor)
            session.commit()
            delivery_id = delivery.id
        assert delivery_id is not None
        return delivery_id

    def _claim(self, delivery_id: int, *, manual: bool) -> ErpDelivery | None:
        """Take the delivery for this process, committed before anything is sent."""
        now = self.clock()
        stale = now - timedelta(seconds=self.policy.lease)
        states = [ErpDeliveryState.PENDING.value] + ([ErpDeliveryState.FAILED.value] if manual else [])
        query = (
            update(ErpDelivery)
            .where(col(ErpDelivery.id) == delivery_id)
            .where(col(ErpDelivery.state).in_(states))
            .where(or_(col(ErpDelivery.claimed_by).is_(None), col(ErpDelivery.claimed_at) <= stale))
            .values(claimed_by=self.worker_id, claimed_at=now, attempts=col(ErpDelivery.attempts) + 1,
                    next_attempt_at=now + timedelta(seconds=self.policy.lease))
        )
        if not manual:
            query = query.where(col(ErpDelivery.next_attempt_at) <= now)
        with Session(self.engine, expire_on_commit=False) as session:
            won = rowcount(session.execute(query)) == 1
            session.commit()
            return session.get(ErpDelivery, delivery_id) if won else None

    async def _attempt(self, delivery_id: int, *, manual_actor: str | None) -> SyncOutcome | None:
        delivery = await asyncio.to_thread(self._claim, delivery_id, manual=manual_actor is not None)
        if delivery is None:
            return None
        request = ErpRequest(delivery.idempotency_key, delivery.payload,
                             delivery.created_at.astimezone(self.tz).date())
        try:
            answer = await self.connector.deliver(request)
        except ErpError as error:
            return await asyncio.to_thread(self._record_failure, delivery_id, str(error), error.retryable,
                                           manual_actor)
        except Exception as error:
            log.exception("ERP delivery %s failed unexpectedly", delivery_id)
            return await asyncio.to_thread(self._record_failure, delivery_id, f"{type(error).__name__}: {error}",
                                           True, manual_actor)
        stored = await asyncio.to_thread(self._store_document, answer)
        return await asyncio.to_thread(self._record_success, delivery_id, answer, manual_actor, stored)

    def _store_document(self, answer: ErpAnswer) -> str | None:
        """The invoice file kept with the receipts (named by its digest), so every channel can send it."""
        if answer.document is None:
            return None
        declared = "application/pdf" if answer.document.file_name.lower().endswith(".pdf") else None
        return self.media.put(answer.document.content, declared).reference

    def _record_success(self, delivery_id: int, answer: ErpAnswer, manual_actor: str | None,
                        stored: str | None) -> SyncOutcome:
        """Record what the ERP answered; the invoice document (`stored`) was kept before the transaction."""
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            delivery = session.get(ErpDelivery, delivery_id)
            assert delivery is not None
            payment = session.get(Payment, delivery.payment_id)
            assert payment is not None
            delivery.state = ErpDeliveryState.DELIVERED.value
            delivery.claimed_by = None
            delivery.delivered_at = now
            delivery.last_error = None
            delivery.answer = answer.to_json()
            session.add(delivery)
            if delivery.kind == REVERSAL:
                audit(session, payment, "reversal_synced", manual_actor or ERP_ACTOR, attempts=delivery.attempts,
                      **answer.to_json())
                session.commit()
                return SyncOutcome(payment.id or 0, SyncResult.SYNCED,
                                   f"El ERP recibió la reversión del pago {payment.id}.")
            if answer.invoice_number:
                payment.invoice_number = answer.invoice_number
            if answer.document_url:
                payment.invoice_url = answer.document_url
            if stored:
                payment.invoice_path = stored
            first = payment.sync_state != SyncState.SYNCED.value
            if first:
                payment.sync_state = SyncState.SYNCED.value
                payment.synced_at = now
                payment.synced_by = ERP_ACTOR
            session.add(payment)
            audit(session, payment, "synced", manual_actor or ERP_ACTOR, attempts=delivery.attempts,
                  **answer.to_json())
            if first:
                _move_intake(session, payment, IntakeState.SYNCED, manual_actor or ERP_ACTOR,
                             "sincronizado con el ERP" + (f" (factura {payment.invoice_number})"
                                                          if payment.invoice_number else ""))
                if self.on_synced is not None:
                    self.on_synced(session, payment)
            session.commit()
        invoice = f", factura {payment.invoice_number}" if payment.invoice_number else ""
        return SyncOutcome(payment.id or 0, SyncResult.SYNCED,
                           f"Pago {payment.id} sincronizado con el ERP{invoice}.", payment.invoice_number)

    def _reversal_failed(self, session: Session, delivery: ErpDelivery, payment: Payment, error: str,
                         retryable: bool, now: datetime) -> SyncOutcome:
        """A reversal the ERP did not take: retried like a payment; after the last attempt it stays failed and
        audited (the payment's own sync state is not touched)."""
        if retryable and delivery.attempts < self.policy.max_attempts:
            delivery.next_attempt_at = now + self.policy.delay(delivery.attempts)
            session.add(delivery)
            session.commit()
            log.warning("ERP reversal %s (payment %s) failed, retry at %s: %s", delivery.id, payment.id,
                        delivery.next_attempt_at, error)
            return SyncOutcome(payment.id or 0, SyncResult.RETRYING,
                               f"El ERP no recibió la reversión del pago {payment.id}: {error}. Se reintentará solo.")
        delivery.state = ErpDeliveryState.FAILED.value
        session.add(delivery)
        audit(session, payment, "reversal_sync_failed", ERP_ACTOR, error[:500], attempts=delivery.attempts)
        session.commit()
        log.error("ERP reversal %s (payment %s) failed for good after %d attempts: %s", delivery.id, payment.id,
                  delivery.attempts, error)
        return SyncOutcome(payment.id or 0, SyncResult.FAILED,
                           f"El ERP no recibió la reversión del pago {payment.id}: {error}.")

    def _record_failure(self, delivery_id: int, error: str, retryable: bool,
                        manual_actor: str | None) -> SyncOutcome:
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            delivery = session.get(ErpDelivery, delivery_id)
            assert delivery is not None
            payment = session.get(Payment, delivery.payment_id)
            assert payment is not None
            delivery.claimed_by = None
            delivery.last_error = error[:1000]
            if delivery.kind == REVERSAL:
                return self._reversal_failed(session, delivery, payment, error, retryable, now)
            if payment.sync_state == SyncState.SYNCED.value:
                delivery.state = ErpDeliveryState.CANCELLED.value
                session.add(delivery)
                session.commit()
                return SyncOutcome(payment.id or 0, SyncResult.ALREADY,
                                   f"El pago {payment.id} ya está {sync_label(payment)}.")
            exhausted = not retryable or delivery.attempts >= self.policy.max_attempts
            if delivery.state == ErpDeliveryState.PENDING.value and not exhausted:
                delivery.next_attempt_at = now + self.policy.delay(delivery.attempts)
                session.add(delivery)
                if manual_actor is not None:
                    audit(session, payment, "sync_now_failed", manual_actor, error)
                session.commit()
                log.warning("ERP delivery %s (payment %s) failed, retry at %s: %s", delivery_id, payment.id,
                            delivery.next_attempt_at, error)
                return SyncOutcome(payment.id or 0, SyncResult.RETRYING,
                                   f"El ERP no recibió el pago {payment.id}: {error}. Se reintentará solo.")
            delivery.state = ErpDeliveryState.FAILED.value
            session.add(delivery)
            newly_failed = payment.sync_state != SyncState.FAILED.value
            payment.sync_state = SyncState.FAILED.value
            session.add(payment)
            audit(session, payment, "sync_failed" if newly_failed else "sync_now_failed",
                  manual_actor or ERP_ACTOR, error, attempts=delivery.attempts)
            if newly_failed:
                _move_intake(session, payment, IntakeState.SYNC_FAILED, manual_actor or ERP_ACTOR, error)
                if manual_actor is None and self.on_failed is not None:
                    self.on_failed(session, payment, error)
            session.commit()
            log.error("payment %s not synced after %d attempts: %s", payment.id, delivery.attempts, error)
        return SyncOutcome(payment.id or 0, SyncResult.FAILED,
                           f"Pago {payment.id} pagado sin sincronizar: {error}.")
