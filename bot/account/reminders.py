"""Reminders that chase what a customer still owes, and the one home of their rules: what each one chases
(the charges a payment left open), scheduling one set per receipt, and when one is stale (those charges
were paid, by whatever route: a receipt, a capture by hand, an import's Saldo, an adjustment, a credit).

Sending a due reminder is the intake's job (`bot/intake/reminders.py`), which asks `still_chasing` here
first. Collections (issue 15) adds its kinds to `BALANCE_REMINDER_KINDS` and schedules with `schedule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

import bot.account.repository as repository
from bot.account.allocation import Ledger, settle_accounts
from bot.account.entries import ZERO
from bot.db.models import Payment, Reminder, ReminderState
from bot.vocabulary import ReplyKind
from currency.money import CRC, Money

BALANCE_REMINDER_KINDS = tuple(kind.value for kind in (
    ReplyKind.REMINDER_SHORT_PAYMENT, ReplyKind.REMINDER_DUE, ReplyKind.REMINDER_OVERDUE, ReplyKind.REMINDER_GRACE,
    ReplyKind.REMINDER_STATEMENT))
"""Reminders that chase an open balance and stop when it is paid: a short payment's, and collections' planned
ones (a charge due soon or overdue, a grace that ended, the monthly statement)."""

SUPERSEDED = "reemplazado por el recordatorio del comprobante #{intake_id}"
TOO_LATE = "no se envió a tiempo (más de {hours} h tarde): se descarta"
"""Why a reminder missed by more than PAYBOT_REMINDER_LATE_HOURS (the service was down) is dropped."""


@dataclass(frozen=True)
class Chase:
    """What one balance reminder chases, as its row's payload keeps it.

    `charges` are the account entries (charges) a payment left open and `amount` what was left of them then,
    in the account's currency. A reminder from before the account (or of a customer without one) chases
    no charges: only `amount`, in colones."""

    amount: Money
    charges: tuple[int, ...] = ()
    hours: int = 0
    superseded_by: int | None = None
    """The receipt whose own reminders replaced this one (they come back if that receipt is rejected)."""

    def to_json(self) -> dict[str, Any]:
        return {"amount": str(self.amount.amount), "currency": self.amount.currency, "charges": list(self.charges),
                "hours": self.hours, "superseded_by": self.superseded_by}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Chase:
        """A payload as `to_json` wrote it, or as reminders before the account did (`difference` in colones)."""
        if "amount" in data:
            amount = Money(Decimal(str(data["amount"])), str(data.get("currency") or CRC))
        else:
            amount = Money(Decimal(str(data.get("difference") or "0")), CRC)
        superseded = data.get("superseded_by")
        return cls(amount=amount, charges=tuple(int(c) for c in data.get("charges") or ()),
                   hours=int(data.get("hours") or 0), superseded_by=int(superseded) if superseded else None)


def chase_of(reminder: Reminder) -> Chase:
    return Chase.from_json(reminder.payload)


def _pending() -> Any:
    return (select(Reminder).where(Reminder.state == ReminderState.PENDING.value)
            .where(col(Reminder.kind).in_(BALANCE_REMINDER_KINDS)))


def schedule(
    session: Session,
    *,
    intake_id: int,
    customer_id: int | None,
    contract_id: int | None,
    channel: str,
    recipient: str,
    left: Money,
    charges: Sequence[int],
    hours: Sequence[int],
    now: datetime,
    kind: ReplyKind = ReplyKind.REMINDER_SHORT_PAYMENT,
    open_from: Callable[[datetime], datetime] | None = None,
) -> int:
    """Durable reminders at `hours` after `now` of what receipt `intake_id` left open (`left`, of `charges`),
    each moved by `open_from` (when given) to when business hours allow.

    One set per receipt: approving it again schedules nothing. The customer's pending reminders from other
    receipts that chase the same charges are replaced by these (the newest receipt knows what is left).
    Returns how many were scheduled."""
    earlier = session.exec(select(Reminder).where(Reminder.intake_id == intake_id).where(
        col(Reminder.state).in_((ReminderState.PENDING.value, ReminderState.SENT.value)))).first()
    if earlier is not None:
        return 0
    if customer_id is not None:
        supersede(session, customer_id=customer_id, intake_id=intake_id, charges=charges or None)
    for after in hours:
        session.add(Reminder(
            intake_id=intake_id, customer_id=customer_id, contract_id=contract_id, kind=kind.value, channel=channel,
            recipient=recipient, payload=Chase(left, tuple(charges), after).to_json(),
            due_at=(open_from or _as_is)(now + timedelta(hours=after)),
        ))
    session.flush()
    return len(hours)


def _as_is(moment: datetime) -> datetime:
    return moment


def supersede(session: Session, *, customer_id: int, intake_id: int, charges: Sequence[int] | None) -> int:
    """Receipt `intake_id` takes over (it pays them, or reminds of what is left of them): the customer's
    pending reminders from other receipts (or planned by collections) chasing any of `charges` (every one when
    None) stop, marked so they come back should that receipt be rejected. Returns how many."""
    replaced = 0
    for older in session.exec(_pending().where(Reminder.customer_id == customer_id).where(
            or_(col(Reminder.intake_id).is_(None), col(Reminder.intake_id) != intake_id))).all():
        chased = chase_of(older).charges
        if charges is None or not chased or set(chased) & set(charges):
            older.payload = replace(chase_of(older), superseded_by=intake_id).to_json()
            _cancel(older, SUPERSEDED.format(intake_id=intake_id))
            session.add(older)
            replaced += 1
    if replaced:
        session.flush()
    return replaced


def _cancel(reminder: Reminder, note: str) -> None:
    reminder.state = ReminderState.CANCELLED.value
    reminder.last_error = note[:500]


def cancel_for_intake(session: Session, intake_id: int, note: str) -> int:
    """Cancel receipt `intake_id`'s own pending reminders (it was rejected, or corrected to the full amount)."""
    rows = session.exec(_pending().where(Reminder.intake_id == intake_id)).all()
    for reminder in rows:
        _cancel(reminder, note)
        session.add(reminder)
    if rows:
        session.flush()
    return len(rows)


def reinstate_superseded(session: Session, intake_id: int) -> int:
    """Receipt `intake_id` was rejected after its reminders replaced older ones: the older ones, still due
    later and still chasing something open, are pending again."""
    customers: set[int] = set()
    back = 0
    note = SUPERSEDED.format(intake_id=intake_id)
    for reminder in session.exec(select(Reminder).where(Reminder.state == ReminderState.CANCELLED.value)
                                 .where(Reminder.last_error == note)).all():
        chase = chase_of(reminder)
        if chase.superseded_by != intake_id:
            continue
        reminder.payload = replace(chase, superseded_by=None).to_json()
        reminder.state = ReminderState.PENDING.value
        reminder.last_error = None
        session.add(reminder)
        back += 1
        if reminder.customer_id is not None:
            customers.add(reminder.customer_id)
    if back:
        session.flush()
        cancel_settled(session, customers, "saldo ya pagado")
    return back


def _ledgers_of(session: Session, customer_ids: Iterable[int]) -> dict[int, list[Ledger]]:
    entries = repository.load_entries_of(session, set(customer_ids))
    found: dict[int, list[Ledger]] = {}
    for (customer_id, _currency), ledger in settle_accounts(e for group in entries.values() for e in group).items():
        found.setdefault(customer_id, []).append(ledger)
    return found


def _open_on(ledgers: Sequence[Ledger], charges: Sequence[int]) -> Decimal:
    total = ZERO
    for ledger in ledgers:
        for entry_id in charges:
            total += ledger.charge_balance(entry_id)
    return total


def _paid_since(session: Session, reminder: Reminder) -> bool:
    """A reminder that chases no charges (no account yet): stale once another payment of the customer was
    applied after it was scheduled."""
    later = session.exec(
        select(Payment).where(Payment.customer_id == reminder.customer_id)
        .where(Payment.applied_at > reminder.created_at)
        .where(col(Payment.intake_id) != reminder.intake_id)
    ).first()
    return later is not None


def still_chasing(session: Session, reminder: Reminder) -> Money | None:
    """What `reminder` still chases now, in its account's currency; None when nothing is left (stale).

    With charges: what is open on them, never more than was left when it was scheduled (a receipt approved
    but not yet applied is not in the account yet). Without: its amount, until another payment came."""
    chase = chase_of(reminder)
    if reminder.customer_id is None:
        return chase.amount if chase.amount.amount > 0 else None
    if chase.charges:
        ledgers = _ledgers_of(session, [reminder.customer_id]).get(reminder.customer_id, [])
        left = min(_open_on(ledgers, chase.charges), chase.amount.amount)
        return Money(left, chase.amount.currency) if left > 0 else None
    if _paid_since(session, reminder) or _settled_without_charges(session, reminder):
        return None
    return chase.amount if chase.amount.amount > 0 else None


def _settled_without_charges(session: Session, reminder: Reminder) -> bool:
    customer_id = reminder.customer_id or 0
    return _stale_by_balance(reminder, _ledgers_of(session, [customer_id]).get(customer_id, []))


def _stale_by_balance(reminder: Reminder, ledgers: Sequence[Ledger]) -> bool:
    """A reminder without charges: stale once the customer's account (or its order) has charges and is at zero."""
    debits = [entry for ledger in ledgers for entry in ledger.entries if entry.is_debit]
    if not debits:
        return False
    if all(ledger.balance <= 0 for ledger in ledgers):
        return True
    contract_id = reminder.contract_id
    return (contract_id is not None and any(entry.contract_id == contract_id for entry in debits)
            and all(ledger.contract_balance(contract_id) <= 0 for ledger in ledgers))


def cancel_settled(session: Session, customer_ids: Iterable[int], note: str) -> int:
    """The hook every account operation calls: cancel the customers' pending reminders whose charges are all
    paid now (or, for reminders without charges, whose account or order is at zero). Returns how many."""
    reminders: list[Reminder] = []
    for batch in repository.chunks(customer_ids):
        reminders.extend(session.exec(_pending().where(col(Reminder.customer_id).in_(batch))).all())
    if not reminders:
        return 0
    ledgers = _ledgers_of(session, {r.customer_id for r in reminders if r.customer_id is not None})
    stale = []
    for reminder in reminders:
        mine = ledgers.get(reminder.customer_id or 0, [])
        charges = chase_of(reminder).charges
        if (charges and _open_on(mine, charges) <= 0) or (not charges and _stale_by_balance(reminder, mine)):
            stale.append(reminder)
    for reminder in stale:
        _cancel(reminder, note)
        session.add(reminder)
    if stale:
        session.flush()
    return len(stale)


def sent_since(session: Session, customer_ids: Iterable[int], since: datetime) -> dict[int, int]:
    """How many reminders (of any kind) each customer was sent since `since`: what the one-a-day limit counts."""
    counts: dict[int, int] = {}
    for batch in repository.chunks(customer_ids):
        rows = session.exec(
            select(Reminder.customer_id, func.count()).where(Reminder.state == ReminderState.SENT.value)
            .where(col(Reminder.customer_id).in_(batch)).where(col(Reminder.sent_at) >= since)
            .group_by(col(Reminder.customer_id))
        ).all()
        counts.update({customer_id: int(count) for customer_id, count in rows if customer_id is not None})
    return counts
