"""Bank reconciliation: which incoming movement on the company's account pays which applied payment (by
reference, else by amount and date within the tolerances in settings), which payments never showed up
at the bank (a possibly fake or edited receipt), which money came with no receipt, and whether a
receipt's reference is already "visto en el banco"."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from sqlmodel import Session, col, func, select

from bot.account.entries import PaymentMethod
from bot.config import Settings
from bot.db.models import BankMovement, Customer, Payment
from bot.db.types import utcnow

MIN_PARTIAL_REFERENCE = 6
"""A reference shorter than this is compared whole only (a bank may print only the last digits)."""
NOT_AT_BANK = (PaymentMethod.CASH.value,)
"""Payments that never pass through the bank account."""


class MatchRule:
    REFERENCE = "referencia"
    AMOUNT_DATE = "monto_fecha"


def reference_key(text: str | None) -> str:
    """`FT-0012 3456` -> `FT00123456`; all digits lose their leading zeros (`000123` and `123` agree)."""
    key = re.sub(r"[^0-9A-Z]", "", (text or "").upper())
    return key.lstrip("0") or key if key.isdigit() else key


def references_agree(payment_key: str, movement: BankMovement) -> bool:
    """The same reference, or one the bank cut to its last digits, or the reference inside the description."""
    other = movement.reference_key
    if payment_key and other:
        if payment_key == other:
            return True
        shorter, longer = sorted((payment_key, other), key=len)
        if len(shorter) >= MIN_PARTIAL_REFERENCE and longer.endswith(shorter):
            return True
    if len(payment_key) >= MIN_PARTIAL_REFERENCE:
        return payment_key in reference_key(movement.description)
    return False


@dataclass(frozen=True)
class MatchPolicy:
    """How far a bank movement may be from a payment and still be it."""

    days: int = 1
    tolerance_crc: Decimal = Decimal("1")
    tolerance_usd: Decimal = Decimal("0.01")

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchPolicy:
        return cls(settings.bank_match_days, settings.bank_match_tolerance, settings.bank_match_tolerance_usd)

    def tolerance(self, currency: str) -> Decimal:
        return self.tolerance_usd if currency == "USD" else self.tolerance_crc

    def amounts_agree(self, payment: Payment, movement: BankMovement) -> bool:
        return (payment.currency == movement.currency
                and abs(payment.amount - movement.amount) <= self.tolerance(payment.currency))

    def dates_agree(self, paid_on: date, movement: BankMovement) -> bool:
        return abs((movement.booked_on - paid_on).days) <= self.days


def _paid_on(payment: Payment, tz: tzinfo) -> date:
    return payment.paid_on or payment.applied_at.astimezone(tz).date()


def _unmatched_payments(session: Session, low: date, high: date) -> list[Payment]:
    matched = select(BankMovement.payment_id).where(col(BankMovement.payment_id).is_not(None))
    return list(session.exec(
        select(Payment)
        .where(col(Payment.id).not_in(matched))
        .where(col(Payment.method).not_in(NOT_AT_BANK))
        .where(col(Payment.amount) != 0)
        .where(col(Payment.paid_on).is_(None) | ((col(Payment.paid_on) >= low) & (col(Payment.paid_on) <= high)))
    ).all())


def match_movements(session: Session, policy: MatchPolicy, tz: tzinfo, now: datetime | None = None) -> int:
    """Pair every unmatched incoming movement with its payment, in the caller's transaction; how many were
    paired. A reference that agrees wins; otherwise amount and date must point at exactly one payment,
    and that payment at exactly one movement. A movement whose reference agrees but whose amount does
    not is left alone: that is what an edited receipt looks like."""
    movements = list(session.exec(
        select(BankMovement).where(col(BankMovement.payment_id).is_(None)).where(col(BankMovement.amount) > 0)
    ).all())
    if not movements:
        return 0
    margin = timedelta(days=policy.days)
    payments = _unmatched_payments(session, min(m.booked_on for m in movements) - margin,
                                   max(m.booked_on for m in movements) + margin)
    when = now or utcnow()
    taken: set[int] = set()
    paired = 0

    def pair(movement: BankMovement, payment: Payment, rule: str) -> None:
        nonlocal paired
        movement.payment_id = payment.id
        movement.match_rule = rule
        movement.matched_at = when
        session.add(movement)
        taken.add(payment.id or 0)
        paired += 1

    keys = {payment.id: reference_key(payment.reference) for payment in payments}
    left = []
    for movement in sorted(movements, key=lambda m: (m.booked_on, m.id or 0)):
        candidates = [
            p for p in payments
            if p.id not in taken and references_agree(keys[p.id], movement)
            and policy.amounts_agree(p, movement) and policy.dates_agree(_paid_on(p, tz), movement)
        ]
        if candidates:
            best = min(candidates, key=lambda p: (abs((movement.booked_on - _paid_on(p, tz)).days), p.id or 0))
            pair(movement, best, MatchRule.REFERENCE)
        else:
            left.append(movement)
    options: dict[int, list[Payment]] = {}
    wanted_by: dict[int, int] = defaultdict(int)
    for movement in left:
        options[movement.id or 0] = [
            p for p in payments
            if p.id not in taken and policy.amounts_agree(p, movement) and policy.dates_agree(_paid_on(p, tz), movement)
        ]
        for payment in options[movement.id or 0]:
            wanted_by[payment.id or 0] += 1
    for movement in left:
        found = options[movement.id or 0]
        if len(found) == 1 and wanted_by[found[0].id or 0] == 1 and found[0].id not in taken:
            pair(movement, found[0], MatchRule.AMOUNT_DATE)
    session.flush()
    return paired


def seen_in_bank(session: Session, reference: str | None) -> BankMovement | None:
    """The incoming bank movement carrying this receipt's reference, if the bank's file shows it
    ("visto en el banco" on support's and accounting's cards)."""
    key = reference_key(reference)
    if not key:
        return None
    exact = session.exec(
        select(BankMovement).where(BankMovement.reference_key == key).where(col(BankMovement.amount) > 0)
    ).first()
    if exact is not None:
        return exact
    if len(key) < MIN_PARTIAL_REFERENCE:
        return None
    for movement in session.exec(
        select(BankMovement)
        .where(col(BankMovement.amount) > 0)
        .where(col(BankMovement.reference_key).contains(key[-MIN_PARTIAL_REFERENCE:])
               | col(BankMovement.description).contains(key[-MIN_PARTIAL_REFERENCE:]))
        .limit(200)
    ).all():
        if references_agree(key, movement):
            return movement
    return None


@dataclass(frozen=True)
class UnmatchedPayment:
    """An applied payment the bank has not shown: a possibly fake or edited receipt."""

    payment: Payment
    client_id: str
    customer_name: str
    paid_on: date
    same_reference: BankMovement | None
    """A movement with this reference but another amount (the receipt's amount may have been edited)."""


@dataclass(frozen=True)
class Unmatched:
    covered_until: date | None
    payments: list[UnmatchedPayment]
    movements: list[BankMovement]


def unmatched(session: Session, *, today: date, days: int, policy: MatchPolicy, tz: tzinfo) -> Unmatched:
    """After matching: payments applied `days` or more ago with no movement (up to the last day the imported
    movements cover), and incoming movements as old with no payment."""
    match_movements(session, policy, tz)
    booked = col(BankMovement.booked_on)
    first, last = session.exec(select(func.min(booked), func.max(booked))).one()
    cutoff = today - timedelta(days=days)
    movements = list(session.exec(
        select(BankMovement)
        .where(col(BankMovement.payment_id).is_(None))
        .where(col(BankMovement.amount) > 0)
        .where(col(BankMovement.booked_on) <= cutoff)
        .order_by(col(BankMovement.booked_on), col(BankMovement.id))
    ).all())
    if first is None or last is None:
        return Unmatched(None, [], movements)
    high = min(cutoff, last)
    found = []
    matched = select(BankMovement.payment_id).where(col(BankMovement.payment_id).is_not(None))
    for payment, customer in session.exec(
        select(Payment, Customer)
        .join(Customer, col(Customer.id) == col(Payment.customer_id))
        .where(col(Payment.id).not_in(matched))
        .where(col(Payment.method).not_in(NOT_AT_BANK))
        .where(col(Payment.amount) > 0)
        .order_by(col(Payment.paid_on), col(Payment.id))
    ).all():
        paid_on = _paid_on(payment, tz)
        if not first <= paid_on <= high:
            continue
        same = seen_in_bank(session, payment.reference) if payment.reference else None
        found.append(UnmatchedPayment(payment, customer.client_id, customer.full_name, paid_on, same))
    return Unmatched(last, found, movements)
