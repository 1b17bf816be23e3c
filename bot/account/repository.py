"""Account rows in and out of the database as typed values, and the few queries the account needs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy import select as select_rows
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.account.charges import RECURRING
from bot.account.entries import Entry, EntryKind, from_cents, to_cents
from bot.db.models import AccountEntry, Contract, Customer, Payment
from bot.db.types import utcnow
from currency.money import Money

CHUNK = 500
"""Ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits."""

def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """`ids` in lists short enough for one IN (...)."""
    batch: list[int] = []
    for item in ids:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


_KINDS = {kind.value: kind for kind in EntryKind}


def _entry(row: Any, reference: str | None) -> Entry:
    original = None
    if row.original_amount is not None and row.original_currency:
        original = Money(row.original_amount, row.original_currency)
    return Entry(
        id=row.id,
        customer_id=row.customer_id,
        currency=row.currency,
        kind=_KINDS[row.kind],
        amount=from_cents(row.amount_cents),
        on_date=row.on_date,
        contract_id=row.contract_id,
        due_date=row.due_date,
        description=row.description,
        reason=row.reason,
        reference=reference,
        payment_id=row.payment_id,
        original=original,
        rate=row.rate,
    )


_ENTRY_TABLE = AccountEntry.__table__  # type: ignore[attr-defined]
_PAYMENT_TABLE = Payment.__table__  # type: ignore[attr-defined]
_ENTRY_COLUMNS = ("id", "customer_id", "currency", "kind", "amount_cents", "on_date", "contract_id", "due_date",
                  "description", "reason", "payment_id", "original_amount", "original_currency", "rate")


def _entries_query() -> Any:
    """Plain rows, not ORM objects: entries are read far more often than written, often by the thousand."""
    columns = [_ENTRY_TABLE.c[name] for name in _ENTRY_COLUMNS]
    return select_rows(*columns, _PAYMENT_TABLE.c.reference.label("payment_reference")).select_from(
        _ENTRY_TABLE.outerjoin(_PAYMENT_TABLE, _ENTRY_TABLE.c.payment_id == _PAYMENT_TABLE.c.id)
    )


def load_entries(session: Session, customer_id: int, *, until: date | None = None) -> list[Entry]:
    """Every entry of one customer (all currencies), optionally only those dated up to `until`."""
    query = _entries_query().where(_ENTRY_TABLE.c.customer_id == customer_id)
    if until is not None:
        query = query.where(_ENTRY_TABLE.c.on_date <= until)
    return [_entry(row, row.payment_reference) for row in session.execute(query)]


def load_entries_of(session: Session, customer_ids: Iterable[int]) -> dict[int, list[Entry]]:
    """The entries of many customers, grouped by customer, read in chunks."""
    found: dict[int, list[Entry]] = {}
    for batch in chunks(sorted(set(customer_ids))):
        query = _entries_query().where(_ENTRY_TABLE.c.customer_id.in_(batch))
        for row in session.execute(query):
            found.setdefault(row.customer_id, []).append(_entry(row, row.payment_reference))
    return found


def customers_with_entries(session: Session, customer_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for batch in chunks(sorted(set(customer_ids))):
        found.update(session.execute(
            select_rows(_ENTRY_TABLE.c.customer_id).where(_ENTRY_TABLE.c.customer_id.in_(batch)).distinct()
        ).scalars())
    return found


def write_entry(
    session: Session,
    *,
    customer_id: int,
    currency: str,
    kind: EntryKind,
    amount: Decimal,
    on_date: date,
    actor: str,
    contract_id: int | None = None,
    due_date: date | None = None,
    description: str = "",
    reason: str | None = None,
    source_key: str | None = None,
    payment_id: int | None = None,
    original: Money | None = None,
    rate: Decimal | None = None,
) -> int:
    """Append one entry and return its id; entries are never updated afterwards."""
    row = AccountEntry(
        customer_id=customer_id,
        contract_id=contract_id,
        kind=kind.value,
        currency=currency,
        amount_cents=to_cents(amount),
        on_date=on_date,
        due_date=due_date,
        description=description[:200],
        reason=reason,
        actor=actor[:120],
        source_key=source_key,
        payment_id=payment_id,
        original_amount=original.amount if original else None,
        original_currency=original.currency if original else None,
        rate=rate,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def write_entries(session: Session, rows: Sequence[dict[str, Any]], *, skip_existing_keys: bool = False) -> int:
    """Append many entries in one statement (imports, the period generator); `amount` in the rows is Decimal.

    With `skip_existing_keys` a row whose `source_key` is already written is skipped by the database
    itself (INSERT ... ON CONFLICT DO NOTHING), so two processes racing never write one charge twice.
    Returns how many rows were written.
    """
    if not rows:
        return 0
    now = utcnow()
    values = []
    for row in rows:
        item = dict(row)
        item["amount_cents"] = to_cents(item.pop("amount"))
        item["kind"] = EntryKind(item["kind"]).value
        item.setdefault("created_at", now)
        for key in ("contract_id", "due_date", "reason", "source_key", "payment_id",
                    "original_amount", "original_currency", "rate"):
            item.setdefault(key, None)
        item.setdefault("description", "")
        values.append(item)
    table = AccountEntry.__table__  # type: ignore[attr-defined]
    if not skip_existing_keys:
        _insert_many(session, values)
        return len(values)
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        fresh = existing_keys(session, (v["source_key"] for v in values if v["source_key"]))
        values = [v for v in values if v["source_key"] not in fresh]
        if values:
            session.execute(insert(table), values)
        return len(values)
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(table).on_conflict_do_nothing(index_elements=["source_key"]).returning(table.c.id)
    return sum(len(session.execute(statement, item).all()) for item in values)


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _insert_many(session: Session, values: list[dict[str, Any]]) -> None:
    """One executemany of already converted tuples: each column's own bind conversion (the money, date and
    time types) applied once here instead of SQLAlchemy's per-row parameter handling, which costs more
    than the insert itself for an import of 100 000 orders."""
    connection = session.connection()
    dialect = connection.dialect
    placeholder = _PLACEHOLDERS.get(dialect.paramstyle)
    if placeholder is None:
        session.execute(insert(_ENTRY_TABLE), values)
        return
    names = [column.name for column in _ENTRY_TABLE.c if column.name != "id"]
    converters = [_ENTRY_TABLE.c[name].type.bind_processor(dialect) for name in names]
    rows = [
        tuple(convert(item[name]) if convert else item[name] for name, convert in zip(names, converters, strict=True))
        for item in values
    ]
    connection.exec_driver_sql(
        f"INSERT INTO {_ENTRY_TABLE.name} ({', '.join(names)}) VALUES ({', '.join([placeholder] * len(names))})",
        rows,
    )


def next_entry_id(session: Session) -> int:
    """An id above every written entry: drafts numbered from here replay in the order they will be written."""
    return int(session.execute(select_rows(func.max(_ENTRY_TABLE.c.id))).scalar() or 0) + 1


def draft_entry(row: dict[str, Any], provisional_id: int) -> Entry:
    """A row about to be written (as `write_entries` takes it), as the typed entry it will become."""
    return Entry(
        id=provisional_id,
        customer_id=row["customer_id"],
        currency=row["currency"],
        kind=EntryKind(row["kind"]),
        amount=row["amount"],
        on_date=row["on_date"],
        contract_id=row.get("contract_id"),
        due_date=row.get("due_date"),
        description=row.get("description", ""),
        reason=row.get("reason"),
    )


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        batch = wanted[start:start + CHUNK]
        found.update(
            key for key in session.exec(select(AccountEntry.source_key).where(col(AccountEntry.source_key).in_(batch)))
            if key is not None
        )
    return found


def recorded_interest(session: Session, contract_ids: Iterable[int]) -> dict[tuple[int, date | None], Decimal]:
    """Charges and interest already on the books per (order, due date)."""
    found: dict[tuple[int, date | None], Decimal] = {}
    for batch in chunks(contract_ids):
        query = (
            select(col(AccountEntry.contract_id), col(AccountEntry.due_date), func.sum(AccountEntry.amount_cents))
            .where(AccountEntry.kind == EntryKind.INTEREST.value, col(AccountEntry.contract_id).in_(batch))
            .group_by(col(AccountEntry.contract_id), col(AccountEntry.due_date))
        )
        for contract_id, due, cents in session.exec(query):
            if contract_id is not None:
                found[(contract_id, due)] = from_cents(int(cents or 0))
    return found


def last_charge_dates(session: Session) -> dict[int, date]:
    """The latest period already charged on each contract (its fee charges' due dates)."""
    query = (
        select(AccountEntry.contract_id, func.max(AccountEntry.due_date))
        .where(AccountEntry.kind == EntryKind.CHARGE.value, col(AccountEntry.source_key).like("charge:%"))
        .group_by(col(AccountEntry.contract_id))
    )
    return {contract_id: due for contract_id, due in session.exec(query) if contract_id is not None and due}


def balance_sums(session: Session, customer_ids: Sequence[int] | None = None) -> list[tuple[int, str, int]]:
    """(customer id, currency, balance in cents) for every account that is not at zero: one SUM ... GROUP BY."""
    total = func.sum(AccountEntry.amount_cents)
    query = select(AccountEntry.customer_id, AccountEntry.currency, total).group_by(
        col(AccountEntry.customer_id), col(AccountEntry.currency)
    ).having(total != 0)
    if customer_ids is not None:
        query = query.where(col(AccountEntry.customer_id).in_(list(customer_ids)))
    return [(customer_id, currency, int(cents)) for customer_id, currency, cents in session.exec(query)]


def customer(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def contract(session: Session, contract_id: int) -> Contract | None:
    return session.get(Contract, contract_id)


def contracts_of(session: Session, customer_id: int) -> list[Contract]:
    return list(session.exec(
        select(Contract).where(Contract.customer_id == customer_id)
        .order_by(col(Contract.due_date), col(Contract.id))
    ).all())


def applied_reference(session: Session, reference: str, bank: str) -> Payment | None:
    """A payment already applied with this reference at this bank (an unknown bank matches any)."""
    for payment in session.exec(select(Payment).where(Payment.reference == reference)).all():
        if not bank or not payment.bank or payment.bank.casefold() == bank.casefold():
            return payment
    return None


def recurring_contracts(session: Session, today: date) -> list[Contract]:
    """Monthly and annual contracts whose current period has started (candidates for the next charge)."""
    return list(session.exec(
        select(Contract).where(
            col(Contract.period).in_(RECURRING),
            col(Contract.due_date).is_not(None),
            col(Contract.due_date) <= today,
        )
    ).all())

