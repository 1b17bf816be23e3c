"""Benchmark: the customer's account on SQLite with 10,000 customers and 24 months of charges and payments.

Times, each against a bare SQL SUM over the same `accountentry` table in the same run:
- one customer's statement (entries read, replayed, laid out as a table; the PDF separately);
- the open balance of every customer (`open_balances`, what delinquency lists read);
- the full replay of every customer (open charges with due dates, i.e. overdue amounts for everyone).

Run: `.venv/bin/python bench/account.py [--customers N] [--months M] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from bot.account.allocation import settle_accounts
from bot.account.charges import add_months, charge_key
from bot.account.documents import StatementFormat, render
from bot.account.operations import load_statement, open_balances
from bot.account.repository import load_entries_of
from bot.db import migrate
from bot.db.models import AccountEntry, Contract, Customer
from bot.db.session import make_engine

FIRST_DUE = date(2024, 12, 1)
TODAY = date(2026, 11, 27)
FEE_CENTS = 2_825_000


def populate(session: Session, customers: int, months: int, seed: int = 11) -> int:
    """Customers with a monthly contract each, a charge per month and a payment most months: some short,
    some over, some late, some missing. Returns the number of entries written."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    session.execute(insert(Customer.__table__), [  # type: ignore[attr-defined]
        {"id": n, "client_id": str(1000 + n), "document_type": "Cédula física", "document_number": str(10**8 + n),
         "first_names": "Cliente", "last_names": str(n), "phones": [], "emails": [], "known_payer_names": [],
         "tags": [], "status": "active", "created_at": now, "updated_at": now}
        for n in range(1, customers + 1)
    ])
    session.execute(insert(Contract.__table__), [  # type: ignore[attr-defined]
        {"id": n, "customer_id": n, "payment_code": f"WOLK-{n}", "installment": 0, "currency": "CRC",
         "fee": "25000.00", "charges": "0", "period": "monthly", "tax_rate": "0.13", "start_date": FIRST_DUE,
         "end_date": None, "due_date": FIRST_DUE, "created_at": now, "updated_at": now}
        for n in range(1, customers + 1)
    ])
    rows: list[dict[str, Any]] = []
    written = 0
    for n in range(1, customers + 1):
        for month in range(months):
            due = add_months(FIRST_DUE, month)
            rows.append({"customer_id": n, "contract_id": n, "kind": "charge", "currency": "CRC",
                         "amount_cents": FEE_CENTS, "on_date": due, "due_date": due, "actor": "bench",
                         "description": f"Mensualidad {due:%m/%Y} · WOLK-{n}", "source_key": charge_key(n, due),
                         "created_at": now})
            roll = rng.random()
            if roll < 0.08:
                continue
            amount = FEE_CENTS if roll < 0.75 else (FEE_CENTS - 800_000 if roll < 0.9 else FEE_CENTS + 500_000)
            rows.append({"customer_id": n, "contract_id": None, "kind": "payment", "currency": "CRC",
                         "amount_cents": -amount, "on_date": add_months(due, 0).replace(day=rng.randint(1, 28)),
                         "due_date": None, "actor": "bench", "description": "Pago · SINPE Móvil",
                         "source_key": None, "created_at": now})
        if len(rows) > 50_000:
            session.execute(insert(AccountEntry.__table__), rows)  # type: ignore[attr-defined]
            written += len(rows)
            rows = []
    if rows:
        session.execute(insert(AccountEntry.__table__), rows)  # type: ignore[attr-defined]
        written += len(rows)
    session.commit()
    return written


def measure(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` runs, after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'account.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with Session(engine) as session:
            entries = populate(session, args.customers, args.months)
        print(f"{args.customers:,} customers, {args.months} months: {entries:,} entries written in "
              f"{time.perf_counter() - started:.1f} s")
        one = args.customers // 2
        with Session(engine) as session:
            connection = session.connection()

            def bare_one() -> object:
                return connection.execute(
                    text("SELECT SUM(amount_cents) FROM accountentry WHERE customer_id = :c"), {"c": one}
                ).scalar()

            def statement() -> object:
                built = load_statement(session, one, company="Wolk Software", today=TODAY)
                return render(built, StatementFormat.TABLE)

            def statement_pdf() -> object:
                built = load_statement(session, one, company="Wolk Software", today=TODAY)
                return render(built, StatementFormat.PDF)

            def bare_all() -> object:
                return connection.execute(
                    text("SELECT customer_id, SUM(amount_cents) FROM accountentry GROUP BY customer_id")
                ).all()

            def every_balance() -> object:
                return open_balances(session)

            def every_replay() -> object:
                loaded = load_entries_of(session, range(1, args.customers + 1))
                ledgers = settle_accounts(e for group in loaded.values() for e in group)
                return sum(1 for ledger in ledgers.values() if ledger.owed > 0)

            built = load_statement(session, one, company="Wolk Software", today=TODAY)
            lines = sum(len(section.lines) for section in built.sections)
            owing = every_replay()
            balances = len(open_balances(session))
            figures = {
                "bare SUM, one customer": measure(bare_one, args.repeat * 20),
                "statement (table), one customer": measure(statement, args.repeat * 4),
                "statement (PDF), one customer": measure(statement_pdf, args.repeat),
                "bare SUM ... GROUP BY, all customers": measure(bare_all, args.repeat),
                "open_balances(), all customers": measure(every_balance, args.repeat),
                "full replay, all customers": measure(every_replay, max(1, args.repeat // 2)),
            }
        engine.dispose()

    print(f"statement of customer {one}: {lines} lines; customers not at zero: {balances:,}; "
          f"with charges open after replay: {owing:,}")
    one_base = figures["bare SUM, one customer"]
    all_base = figures["bare SUM ... GROUP BY, all customers"]
    for label, seconds in figures.items():
        base = one_base if "one customer" in label else all_base
        print(f"{label:<40} {seconds * 1000:9.2f} ms   ratio {seconds / base:8.1f}x")


if __name__ == "__main__":
    main()
