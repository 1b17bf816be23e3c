"""The account migration on a database made by the schema before it: old balances and payments become entries."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from bot.account.entries import EntryKind
from bot.account.operations import AccountPolicy, contract_balance, customer_balance
from bot.account.repository import load_entries
from bot.db import migrate
from bot.db.models import Contract, Payment
from bot.db.session import make_engine
from currency.money import Money

ACCOUNT_REVISION = "0005"
WHEN = "2026-11-26 15:00:00.000000"


def previous_revision(url: str) -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    down = script.get_revision(ACCOUNT_REVISION).down_revision
    assert isinstance(down, str)
    return down


def old_database(path: Path) -> None:
    """Customers, contracts with a balance, applied payments and a rate, as the old schema stored them."""
    db = sqlite3.connect(path)
    customers = [(1, "1001"), (2, "1002"), (3, "1012"), (4, "1004"), (5, "1005")]
    for cid, client in customers:
        db.execute(
            "INSERT INTO customer (id, client_id, document_type, document_number, first_names, last_names, phones,"
            " emails, known_payer_names, tags, status, created_at, updated_at)"
            " VALUES (?, ?, 'Cédula física', ?, 'Cliente', ?, '[]', '[]', '[]', '[]', 'active', ?, ?)",
            (cid, client, f"10000000{cid}", client, WHEN, WHEN),
        )
    contracts = [
        (1, 1, "WOLK-1001", 0, "CRC", "25000.00", "monthly", "2026-12-01", "8250.00"),
        (2, 2, "WOLK-1002", 0, "USD", "45.00", "monthly", "2026-12-15", "25.85"),
        (3, 3, "WOLK-1012", 1, "CRC", "60000.00", "installment", "2026-11-01", "0"),
        (4, 3, "WOLK-1012", 2, "CRC", "60000.00", "installment", "2026-12-01", "67800.00"),
        (5, 4, "WOLK-1004", 0, "CRC", "25000.00", "monthly", "2026-12-01", "56500.00"),
        (6, 5, "WOLK-1005", 0, "CRC", "25000.00", "monthly", "2026-12-01", "0"),
    ]
    for cid, customer, code, installment, currency, fee, period, due, balance in contracts:
        db.execute(
            "INSERT INTO contract (id, customer_id, payment_code, installment, currency, fee, charges, period,"
            " tax_rate, start_date, end_date, due_date, balance, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, '0', ?, '0.13', '2026-01-01', '2027-06-01', ?, ?, ?, ?)",
            (cid, customer, code, installment, currency, fee, period, due, balance, WHEN, WHEN),
        )
    payments = [
        (1, 1, 1, "20000.00", "0", "FT1", {"date": "2026-11-26"}, {}),
        (2, 2, 2, "12650.00", "0", "FT2", {"date": "2026-11-20"}, {"rate": {"value": "506.00"}}),
        (3, 5, 6, "30000.00", "1750.00", "FT3", {"date": "2026-11-25"}, {}),
    ]
    for pid, customer, contract, amount, credit, reference, fields, due in payments:
        db.execute(
            "INSERT INTO intake (id, channel, external_id, sender, sender_name, reply_to, state, fields, confidences,"
            " checks, amount_due, customer_id, contract_id, attempts, created_at, updated_at)"
            " VALUES (?, 'sandbox', ?, '+50688112233', '', '', 'applied', ?, '{}', '{}', ?, ?, ?, 0, ?, ?)",
            (pid, f"m{pid}", json.dumps(fields), json.dumps(due), customer, contract, WHEN, WHEN),
        )
        db.execute(
            "INSERT INTO payment (id, intake_id, customer_id, contract_id, amount, currency, credit, bank,"
            " reference, applied_by, applied_at, sync_state)"
            " VALUES (?, ?, ?, ?, ?, 'CRC', ?, 'BAC', ?, 'accounting', ?, 'pending')",
            (pid, pid, customer, contract, amount, credit, reference, WHEN),
        )
    db.execute("INSERT INTO exchangerate (date, pair, buy, sell, source, fetched_at)"
               " VALUES ('2026-11-20', 'USD/CRC', '500.00', '506.00', 'manual', ?)", (WHEN,))
    db.commit()
    db.close()


def test_old_balances_and_applied_payments_become_entries_owing_the_same(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, previous_revision(url))
    old_database(path)

    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        def owed(contract_id: int) -> Money:
            return contract_balance(session, contract_id)

        assert owed(1) == Money(Decimal("8250.00"), "CRC")
        assert owed(2) == Money(Decimal("25.85"), "USD")
        assert (owed(3), owed(4)) == (Money(Decimal("0"), "CRC"), Money(Decimal("67800.00"), "CRC"))
        assert owed(5) == Money(Decimal("56500.00"), "CRC"), "arrears in the old balance are kept"
        five = customer_balance(session, 5, today=date(2026, 11, 27), policy=AccountPolicy())
        assert five.accounts[0].credit == Decimal("1750.00"), "an overpayment stays in the customer's favour"

        usd = [e for e in load_entries(session, 2) if e.kind is EntryKind.PAYMENT]
        assert [(e.amount, e.original, e.rate) for e in usd] == [
            (Decimal("-25.00"), Money(Decimal("12650.00"), "CRC"), Decimal("506.00"))]
        maria = load_entries(session, 1)
        assert sorted((e.kind.value, e.amount) for e in maria) == [
            ("charge", Decimal("28250.00")), ("payment", Decimal("-20000.00"))]
        assert session.get(Contract, 1).imported_balance == Decimal("28250.00")  # type: ignore[union-attr]
        paid = session.exec(select(Payment).order_by(Payment.id)).all()  # type: ignore[arg-type]
        assert [(p.paid_on, p.method) for p in paid] == [
            (date(2026, 11, 26), "comprobante"), (date(2026, 11, 20), "comprobante"),
            (date(2026, 11, 25), "comprobante")]
    engine.dispose()

    migrate.downgrade(url, previous_revision(url))
    db = sqlite3.connect(path)
    balances = dict(db.execute("SELECT id, balance FROM contract").fetchall())
    count = db.execute("SELECT count(*) FROM payment").fetchone()[0]
    db.close()
    assert {k: Decimal(v) for k, v in balances.items()} == {
        1: Decimal("8250"), 2: Decimal("25.85"), 3: Decimal("0"), 4: Decimal("67800"), 5: Decimal("56500"),
        6: Decimal("0")}
    assert count == 3
