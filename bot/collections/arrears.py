"""Who is late and by how much, read from the account: start from every customer's balance (one SUM) and replay
only the customers who owe, as the account's benchmark advises. The due date is day zero of the arrears band
(seed 004's "tramo de mora"): a charge due yesterday is 1 day late."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

import bot.account.repository as repository
from bot.account.allocation import settle_accounts
from bot.account.entries import ZERO, OpenCharge
from bot.account.operations import open_balances
from bot.db.models import AccountEntry
from currency.money import Money

BANDS = ("1-30", "31-60", "61-90", "90+")
"""The arrears bands a list can be filtered by, from the days late of the oldest overdue charge."""


def band_of(days_late: int) -> str:
    if days_late <= 30:
        return "1-30"
    if days_late <= 60:
        return "31-60"
    if days_late <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True)
class Arrears:
    """A customer's overdue charges on `today` (open and due before today), oldest first, and what else is open."""

    customer_id: int
    today: date
    overdue: tuple[OpenCharge, ...]
    open_charges: tuple[OpenCharge, ...]

    @property
    def amounts(self) -> tuple[Money, ...]:
        """The amount overdue per currency (colones first)."""
        totals: dict[str, Decimal] = {}
        for charge in self.overdue:
            totals[charge.currency] = totals.get(charge.currency, ZERO) + charge.open
        return tuple(Money(totals[c], c) for c in sorted(totals, key=lambda c: (c != "CRC", c)))

    @property
    def oldest_due(self) -> date | None:
        return min((charge.due_date for charge in self.overdue), default=None)

    @property
    def days_late(self) -> int:
        oldest = self.oldest_due
        return (self.today - oldest).days if oldest is not None else 0

    @property
    def band(self) -> str | None:
        return band_of(self.days_late) if self.overdue else None

    @property
    def is_late(self) -> bool:
        return bool(self.overdue)


def owing_customers(session: Session) -> set[int]:
    """Customers whose balance in some currency is above zero (one SUM over the entries)."""
    return {line.customer_id for line in open_balances(session) if line.balance.amount > 0}


def arrears_of(session: Session, today: date, customer_ids: Iterable[int] | None = None) -> dict[int, Arrears]:
    """The arrears of `customer_ids` (default: every customer who owes), replaying only those who owe."""
    owing = owing_customers(session)
    wanted = owing if customer_ids is None else owing & set(customer_ids)
    found: dict[int, Arrears] = {}
    entries = repository.load_entries_of(session, wanted)
    by_customer: dict[int, list[OpenCharge]] = {}
    for (customer_id, _currency), ledger in settle_accounts(e for group in entries.values() for e in group).items():
        by_customer.setdefault(customer_id, []).extend(ledger.open_charges())
    for customer_id, charges in by_customer.items():
        ordered = tuple(sorted(charges, key=lambda c: (c.due_date, c.entry_id)))
        found[customer_id] = Arrears(customer_id, today, tuple(c for c in ordered if c.overdue(today)), ordered)
    return found


def arrears_one(session: Session, customer_id: int, today: date) -> Arrears:
    """One customer's arrears (none overdue when they owe nothing)."""
    return arrears_of(session, today, [customer_id]).get(customer_id, Arrears(customer_id, today, (), ()))


def ledger_version(session: Session) -> tuple[int, int]:
    """The last entry's id and the number of entries: entries are only ever added, never edited or deleted,
    so every arrears computed at the same version are the same."""
    last, count = session.exec(select(func.max(col(AccountEntry.id)), func.count(col(AccountEntry.id)))).one()
    return last or 0, count


class ArrearsCache:
    """Every owing customer's arrears, replayed again only when the ledger or the day has changed: the
    Morosos pages, their filters and downloads ask for the whole list on every click, and replaying a few
    thousand accounts takes seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[date, tuple[int, int]] | None = None
        self._arrears: Mapping[int, Arrears] = {}

    def of_everyone(self, session: Session, today: date) -> Mapping[int, Arrears]:
        key = (today, ledger_version(session))
        with self._lock:
            if key == self._key:
                return self._arrears
        arrears = arrears_of(session, today)
        with self._lock:
            self._key, self._arrears = key, arrears
        return arrears
