"""Who paid what, worked out from the entries alone: a pure, deterministic replay of an account.

Nothing about allocation is stored. Entries are replayed in the order they took effect (their date,
then the order they were written); each credit pays the open debits of the order it names first,
then the oldest open debits (earliest due date); whatever is left waits as balance in the
customer's favour and pays the next debit the moment it exists. So after every entry either
nothing is owed or nothing is in the customer's favour, and the result never depends on the order
rows come back from the database.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.account.entries import ZERO, Allocation, Entry, EntryKind, OpenCharge


def replay_key(entry: Entry) -> tuple[date, int]:
    """The order entries took effect in: their date, then the order they were written."""
    return entry.on_date, entry.id


def _debit_key(entry: Entry) -> tuple[date, date, int]:
    return entry.due, entry.on_date, entry.id


@dataclass
class _Debit:
    entry: Entry
    left: Decimal

    def __lt__(self, other: _Debit) -> bool:
        return _debit_key(self.entry) < _debit_key(other.entry)


@dataclass
class _Waiting:
    entry: Entry
    left: Decimal


@dataclass(frozen=True)
class Ledger:
    """One account (a customer in one currency) after replay."""

    customer_id: int
    currency: str
    entries: tuple[Entry, ...]
    allocations: tuple[Allocation, ...]
    open_amounts: Mapping[int, Decimal]
    unallocated: Mapping[int, Decimal]
    _by_id: Mapping[int, Entry] = field(repr=False, compare=False, default_factory=dict)

    @property
    def balance(self) -> Decimal:
        """What the customer owes (negative: what is in their favour): the sum of every entry."""
        return sum((entry.amount for entry in self.entries), ZERO)

    @property
    def owed(self) -> Decimal:
        return sum(self.open_amounts.values(), ZERO)

    @property
    def credit(self) -> Decimal:
        """Balance in the customer's favour, waiting for the next charge."""
        return sum(self.unallocated.values(), ZERO)

    def entry(self, entry_id: int) -> Entry:
        return self._by_id[entry_id]

    def charge_balance(self, entry_id: int) -> Decimal:
        return self.open_amounts.get(entry_id, ZERO)

    def contract_balance(self, contract_id: int) -> Decimal:
        """What is open on one payment order: its debits less what has been allocated to them."""
        return sum(
            (left for debit_id, left in self.open_amounts.items()
             if self._by_id[debit_id].contract_id == contract_id),
            ZERO,
        )

    def allocated_to(self, debit_id: int) -> Decimal:
        return sum((a.amount for a in self.allocations if a.debit_id == debit_id), ZERO)

    def allocated_from(self, credit_id: int) -> Decimal:
        return sum((a.amount for a in self.allocations if a.credit_id == credit_id), ZERO)

    def open_charges(self) -> list[OpenCharge]:
        """The debits still owed, earliest due first."""
        charges = [
            OpenCharge(
                entry_id=debit_id,
                contract_id=entry.contract_id,
                kind=entry.kind,
                description=entry.label,
                currency=self.currency,
                amount=entry.amount,
                open=left,
                due_date=entry.due,
            )
            for debit_id, left in self.open_amounts.items()
            if left > 0
            for entry in (self._by_id[debit_id],)
        ]
        return sorted(charges, key=lambda c: (c.due_date, c.entry_id))


def settle(entries: Iterable[Entry]) -> Ledger:
    """Replay one account's entries into allocations, open debits and unallocated credit."""
    ordered = sorted(entries, key=replay_key)
    if not ordered:
        raise ValueError("settle() needs at least one entry; an empty account has no currency")
    customer_id, currency = ordered[0].account
    if any(entry.account != (customer_id, currency) for entry in ordered):
        raise ValueError("settle() replays one account: one customer in one currency")
    if len({entry.id for entry in ordered}) != len(ordered):
        raise ValueError("entry ids must be unique")
    open_debits: list[_Debit] = []
    waiting: deque[_Waiting] = deque()
    allocations: list[Allocation] = []
    open_amounts: dict[int, Decimal] = {}
    unallocated: dict[int, Decimal] = {}

    def pay(credit: Entry, debit: _Debit, amount: Decimal, waited: bool) -> None:
        debit.left -= amount
        open_amounts[debit.entry.id] = debit.left
        allocations.append(Allocation(
            credit_id=credit.id, debit_id=debit.entry.id, amount=amount,
            on_date=max(credit.on_date, debit.entry.on_date), from_credit_balance=waited,
        ))

    for entry in ordered:
        if entry.amount > 0:
            debit = _Debit(entry, entry.amount)
            open_amounts[entry.id] = entry.amount
            while waiting and debit.left > 0:
                slot = waiting[0]
                amount = min(slot.left, debit.left)
                pay(slot.entry, debit, amount, True)
                slot.left -= amount
                unallocated[slot.entry.id] = slot.left
                if slot.left <= 0:
                    waiting.popleft()
            if debit.left > 0:
                insort(open_debits, debit)
        elif entry.amount < 0:
            left = -entry.amount
            order = open_debits
            if entry.contract_id is not None:
                order = [d for d in open_debits if d.entry.contract_id == entry.contract_id] + [
                    d for d in open_debits if d.entry.contract_id != entry.contract_id
                ]
            for debit in order:
                if left <= 0:
                    break
                amount = min(left, debit.left)
                pay(entry, debit, amount, False)
                left -= amount
            open_debits = [d for d in open_debits if d.left > 0]
            unallocated[entry.id] = left
            if left > 0:
                waiting.append(_Waiting(entry, left))
    return Ledger(
        customer_id=customer_id,
        currency=currency,
        entries=tuple(ordered),
        allocations=tuple(allocations),
        open_amounts=open_amounts,
        unallocated=unallocated,
        _by_id={entry.id: entry for entry in ordered},
    )


def settle_accounts(entries: Iterable[Entry]) -> dict[tuple[int, str], Ledger]:
    """Replay every account found in `entries`, keyed by (customer id, currency)."""
    groups: dict[tuple[int, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.account, []).append(entry)
    return {account: settle(group) for account, group in groups.items()}


@dataclass(frozen=True)
class ChargePaid:
    """What one credit did to one debit."""

    entry_id: int
    contract_id: int | None
    description: str
    due_date: date
    paid: Decimal
    open_after: Decimal

    @property
    def settled(self) -> bool:
        return self.open_after <= 0

    def to_json(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "contract_id": self.contract_id, "description": self.description,
                "due_date": self.due_date.isoformat(), "paid": str(self.paid), "open_after": str(self.open_after)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChargePaid:
        return cls(entry_id=int(data["entry_id"]), contract_id=data.get("contract_id"),
                   description=str(data["description"]), due_date=date.fromisoformat(data["due_date"]),
                   paid=Decimal(data["paid"]), open_after=Decimal(data["open_after"]))


def effect_of(ledger: Ledger, credit_id: int) -> tuple[list[ChargePaid], Decimal]:
    """The debits one credit paid (earliest due first) and how much of it is left in the customer's favour."""
    paid: dict[int, Decimal] = {}
    for allocation in ledger.allocations:
        if allocation.credit_id == credit_id:
            paid[allocation.debit_id] = paid.get(allocation.debit_id, ZERO) + allocation.amount
    charges = [
        ChargePaid(
            entry_id=debit_id,
            contract_id=entry.contract_id,
            description=entry.label,
            due_date=entry.due,
            paid=amount,
            open_after=ledger.charge_balance(debit_id),
        )
        for debit_id, amount in paid.items()
        for entry in (ledger.entry(debit_id),)
    ]
    charges.sort(key=lambda c: (c.due_date, c.entry_id))
    return charges, ledger.unallocated.get(credit_id, ZERO)


@dataclass(frozen=True)
class SettledPeriod:
    """A charge already fully paid that a new payment of the same amount looks like a second payment of."""

    charge_id: int
    contract_id: int | None
    description: str
    due_date: date
    amount: Decimal
    paid_by: tuple[int, ...]
    references: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"charge_id": self.charge_id, "contract_id": self.contract_id, "description": self.description,
                "due_date": self.due_date.isoformat(), "amount": str(self.amount), "paid_by": list(self.paid_by),
                "references": list(self.references)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SettledPeriod:
        return cls(charge_id=int(data["charge_id"]), contract_id=data.get("contract_id"),
                   description=str(data["description"]), due_date=date.fromisoformat(data["due_date"]),
                   amount=Decimal(data["amount"]), paid_by=tuple(int(p) for p in data.get("paid_by") or ()),
                   references=tuple(str(r) for r in data.get("references") or ()))


def already_settled(
    ledger: Ledger,
    amount: Decimal,
    *,
    contract_id: int | None = None,
    reference: str | None = None,
    tolerance: Decimal = ZERO,
) -> SettledPeriod | None:
    """Seed 000: is a payment of `amount` (account currency) for a period that is already paid?

    Only when nothing it could pay is open (the chosen order, or the whole account, owes nothing)
    and a charge of that amount, within `tolerance`, was settled by payments with another
    reference. The latest such charge is returned; None when the payment has something to pay.
    """
    if contract_id is not None:
        if ledger.contract_balance(contract_id) > 0:
            return None
    elif ledger.owed > 0:
        return None
    payers: dict[int, list[Entry]] = {}
    for allocation in ledger.allocations:
        credit = ledger.entry(allocation.credit_id)
        if credit.kind is EntryKind.PAYMENT:
            payers.setdefault(allocation.debit_id, []).append(credit)
    candidates = []
    for entry in ledger.entries:
        if entry.kind is not EntryKind.CHARGE or ledger.charge_balance(entry.id) > 0:
            continue
        if contract_id is not None and entry.contract_id != contract_id:
            continue
        if abs(entry.amount - amount) > tolerance:
            continue
        payments = [p for p in payers.get(entry.id, []) if not reference or p.reference != reference]
        if payments:
            candidates.append((entry, payments))
    if not candidates:
        return None
    entry, payments = max(candidates, key=lambda pair: _debit_key(pair[0]))
    return SettledPeriod(
        charge_id=entry.id,
        contract_id=entry.contract_id,
        description=entry.label,
        due_date=entry.due,
        amount=entry.amount,
        paid_by=tuple(p.id for p in payments),
        references=tuple(p.reference for p in payments if p.reference),
    )
