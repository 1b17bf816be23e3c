"""The replay that allocates payments: properties over random accounts, and the small stories it must get right."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.account.allocation import Ledger, already_settled, effect_of, settle
from bot.account.entries import ZERO, Entry, EntryKind

START = date(2026, 1, 1)
CONTRACTS = (1, 2, 3)


def cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


class Book:
    """Builds one account's entries the way the application writes them (ids in writing order)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.reimports: list[tuple[int, int, Decimal, Decimal]] = []

    def add(self, kind: EntryKind, amount: Decimal, day: int, contract: int | None = None,
            due: int | None = None, reference: str | None = None) -> Entry:
        entry = Entry(
            id=len(self.entries) + 1, customer_id=7, currency="CRC", kind=kind, amount=amount,
            on_date=START + timedelta(days=day), contract_id=contract,
            due_date=START + timedelta(days=due) if due is not None else None, reference=reference,
        )
        self.entries.append(entry)
        return entry

    def reimport(self, contract: int, saldo: Decimal) -> None:
        """What `post_orders` does: bring the order's open amount to the file's Saldo, dated today."""
        today = max((e.on_date for e in self.entries), default=START)
        before = settle(self.entries) if self.entries else None
        open_now = before.contract_balance(contract) if before else ZERO
        credit_before = before.credit if before else ZERO
        if saldo != open_now:
            entry = self.add(EntryKind.IMPORT_UPDATE, saldo - open_now, (today - START).days, contract)
            self.reimports.append((entry.id, contract, saldo, credit_before))


amounts = st.integers(min_value=1, max_value=5_000_000)
days = st.integers(min_value=0, max_value=400)
contracts = st.sampled_from(CONTRACTS)
operation = st.one_of(
    st.tuples(st.just("charge"), amounts, days, contracts, st.integers(0, 60)),
    st.tuples(st.just("interest"), amounts, days, contracts, st.integers(0, 60)),
    st.tuples(st.just("payment"), amounts, days, st.one_of(st.none(), contracts), st.just(0)),
    st.tuples(st.just("credit"), amounts, days, st.none(), st.just(0)),
    st.tuples(st.just("adjustment"), st.integers(-2_000_000, 2_000_000).filter(bool), days,
              st.one_of(st.none(), contracts), st.just(0)),
    st.tuples(st.just("refund"), amounts, days, st.none(), st.just(0)),
    st.tuples(st.just("reimport"), st.integers(0, 5_000_000), days, contracts, st.just(0)),
)


def build(operations: list[tuple[str, int, int, int | None, int]]) -> Book:
    book = Book()
    for name, value, day, contract, lead in operations:
        amount = cents(value)
        if name == "charge":
            book.add(EntryKind.CHARGE, amount, day, contract, day + lead)
        elif name == "interest":
            book.add(EntryKind.INTEREST, amount, day, contract, day + lead)
        elif name == "payment":
            book.add(EntryKind.PAYMENT, -amount, day, contract, reference=f"REF{len(book.entries)}")
        elif name == "credit":
            book.add(EntryKind.CREDIT, -amount, day)
        elif name == "adjustment":
            book.add(EntryKind.ADJUSTMENT, amount, day, contract)
        elif name == "refund":
            book.add(EntryKind.REFUND, amount, day)
        else:
            assert contract is not None
            book.reimport(contract, amount)
    return book


def fingerprint(ledger: Ledger) -> tuple[object, ...]:
    return (
        ledger.allocations,
        sorted(ledger.open_amounts.items()),
        sorted(ledger.unallocated.items()),
        tuple(e.id for e in ledger.entries),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_every_balance_is_the_sum_of_its_entries_and_nothing_is_over_allocated(
    operations: list[tuple[str, int, int, int | None, int]], shuffler: random.Random
) -> None:
    book = build(operations)
    if not book.entries:
        return
    ledger = settle(book.entries)

    total = sum((e.amount for e in book.entries), ZERO)
    assert ledger.balance == total
    assert ledger.owed - ledger.credit == total
    assert ledger.owed == 0 or ledger.credit == 0, "money waits in the customer's favour while a charge is open"

    for entry in book.entries:
        if entry.is_debit:
            allocated = ledger.allocated_to(entry.id)
            assert ZERO <= allocated <= entry.amount
            assert ledger.charge_balance(entry.id) == entry.amount - allocated
        elif entry.is_credit:
            allocated = ledger.allocated_from(entry.id)
            assert ZERO <= allocated <= -entry.amount
            assert ledger.unallocated[entry.id] == -entry.amount - allocated
    assert all(a.amount > 0 for a in ledger.allocations)
    by_order = sum((ledger.contract_balance(c) for c in CONTRACTS), ZERO)
    loose = sum((left for d, left in ledger.open_amounts.items() if ledger.entry(d).contract_id is None), ZERO)
    assert by_order + loose == ledger.owed

    shuffled = list(book.entries)
    shuffler.shuffle(shuffled)
    assert fingerprint(settle(shuffled)) == fingerprint(ledger), "allocation depends on row order"


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, min_size=1, max_size=30))
def test_a_reimported_saldo_is_what_the_order_owes_right_after(
    operations: list[tuple[str, int, int, int | None, int]],
) -> None:
    book = build(operations)
    for entry_id, contract, saldo, credit_before in book.reimports:
        upto = [e for e in book.entries if e.id <= entry_id]
        ledger = settle(upto)
        update = ledger.entry(entry_id)
        expected = saldo if update.amount < 0 else max(saldo - credit_before, ZERO)
        assert ledger.contract_balance(contract) == expected


def entry(entry_id: int, kind: EntryKind, amount: str, day: int, contract: int | None = None,
          due: int | None = None, reference: str | None = None) -> Entry:
    return Entry(id=entry_id, customer_id=1, currency="CRC", kind=kind, amount=Decimal(amount),
                 on_date=date(2026, 11, day), contract_id=contract,
                 due_date=date(2026, 12, due) if due else None, reference=reference)


def test_a_payment_before_the_due_date_pays_the_cuota_and_leaves_the_difference_open() -> None:
    cuota = entry(1, EntryKind.CHARGE, "39550.00", 20, contract=5, due=1)
    payment = entry(2, EntryKind.PAYMENT, "-20000.00", 27)
    ledger = settle([payment, cuota])
    assert ledger.charge_balance(1) == Decimal("19550.00")
    charges, left = effect_of(ledger, 2)
    assert [(c.entry_id, c.paid, c.open_after) for c in charges] == [(1, Decimal("20000.00"), Decimal("19550.00"))]
    assert left == 0
    [open_charge] = ledger.open_charges()
    assert open_charge.due_date == date(2026, 12, 1)
    assert not open_charge.overdue(date(2026, 12, 1)) and open_charge.overdue(date(2026, 12, 2))


def test_a_payment_naming_an_order_pays_it_before_older_charges() -> None:
    older = entry(1, EntryKind.CHARGE, "100.00", 1, contract=1, due=1)
    named = entry(2, EntryKind.CHARGE, "100.00", 1, contract=2, due=15)
    payment = entry(3, EntryKind.PAYMENT, "-150.00", 2, contract=2)
    ledger = settle([older, named, payment])
    assert ledger.charge_balance(2) == 0
    assert ledger.charge_balance(1) == Decimal("50.00")


def test_credit_waits_and_pays_the_next_charge_the_day_it_exists() -> None:
    first = entry(1, EntryKind.CHARGE, "28250.00", 1, contract=1, due=1)
    overpaid = entry(2, EntryKind.PAYMENT, "-30000.00", 2)
    ledger = settle([first, overpaid])
    assert (ledger.owed, ledger.credit) == (ZERO, Decimal("1750.00"))
    later = Entry(id=3, customer_id=1, currency="CRC", kind=EntryKind.CHARGE, amount=Decimal("28250.00"),
                  on_date=date(2026, 12, 1), contract_id=1, due_date=date(2026, 12, 1))
    ledger = settle([first, overpaid, later])
    assert (ledger.owed, ledger.credit) == (Decimal("26500.00"), ZERO)
    [waited] = [a for a in ledger.allocations if a.debit_id == 3]
    assert waited.from_credit_balance and waited.amount == Decimal("1750.00")


def test_a_refund_takes_back_the_credit_it_returns() -> None:
    charge = entry(1, EntryKind.CHARGE, "100.00", 1, due=1)
    twice = [entry(2, EntryKind.PAYMENT, "-100.00", 2), entry(3, EntryKind.PAYMENT, "-100.00", 3)]
    refund = entry(4, EntryKind.REFUND, "100.00", 4)
    ledger = settle([charge, *twice, refund])
    assert (ledger.balance, ledger.owed, ledger.credit) == (ZERO, ZERO, ZERO)


def test_a_second_payment_for_a_settled_period_is_recognised() -> None:
    cuota = entry(1, EntryKind.CHARGE, "39550.00", 1, contract=4, due=1)
    first = entry(2, EntryKind.PAYMENT, "-39550.00", 2, reference="GINIH-1")
    ledger = settle([cuota, first])
    found = already_settled(ledger, Decimal("39550.00"), reference="BN-777", tolerance=Decimal("1"))
    assert found is not None
    assert (found.charge_id, found.references, found.paid_by) == (1, ("GINIH-1",), (2,))
    assert already_settled(ledger, Decimal("10000.00"), tolerance=Decimal("1")) is None
    assert already_settled(ledger, Decimal("39550.00"), reference="GINIH-1") is None
    open_again = settle([cuota, first, entry(3, EntryKind.CHARGE, "39550.00", 3, contract=4, due=15)])
    assert already_settled(open_again, Decimal("39550.00"), reference="BN-777") is None


def test_one_account_at_a_time() -> None:
    with pytest.raises(ValueError):
        settle([])
    usd = Entry(id=2, customer_id=1, currency="USD", kind=EntryKind.CHARGE, amount=Decimal("1"),
                on_date=date(2026, 11, 1))
    with pytest.raises(ValueError):
        settle([entry(1, EntryKind.CHARGE, "1.00", 1), usd])


def test_a_payment_pays_the_oldest_due_charge_first_whatever_the_order_they_were_written() -> None:
    later = entry(1, EntryKind.CHARGE, "100.00", 1, contract=1, due=20)
    earlier = entry(2, EntryKind.CHARGE, "100.00", 2, contract=2, due=5)
    payment = entry(3, EntryKind.PAYMENT, "-150.00", 3)
    ledger = settle([later, earlier, payment])
    assert (ledger.charge_balance(2), ledger.charge_balance(1)) == (ZERO, Decimal("50.00"))
    assert [c.entry_id for c in ledger.open_charges()] == [1]
