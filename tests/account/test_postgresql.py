"""The account on PostgreSQL: imports, the period generator racing itself, payments and a statement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.account.documents import StatementFormat, render
from bot.account.operations import load_statement, open_balances
from bot.account.orders import generate_period_charges
from bot.contracts.importer import import_contracts, import_customers
from currency.money import Money
from tests.account.conftest import CUSTOMERS, ORDERS_HEADER, POLICY, TODAY, customer_id, pay

pytestmark = pytest.mark.postgres


def test_the_account_works_the_same_on_postgresql(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        assert import_customers(session, CUSTOMERS.encode()).ok
        orders = [ORDERS_HEADER,
                  "Cédula física,112340567,WOLK-1001,,CRC,25000.00,0,mensual,0.13,2026-01-01,2027-06-01,2026-10-01,"]
        assert import_contracts(session, "\n".join(orders).encode(), today=date(2026, 10, 1)).ok
        session.commit()
    with Session(pg_engine) as first, Session(pg_engine) as second:
        assert generate_period_charges(first, date(2026, 11, 1)) == 1
        first.commit()
        assert generate_period_charges(second, date(2026, 11, 1)) == 0, "the unique key keeps a racer out"
        second.commit()
    with Session(pg_engine) as session:
        result = pay(session, "1001", "60000.00", reference="PG-1", bank="BAC")
        assert [c.settled for c in result.charges] == [True, True]
        assert result.credit_created == Money(Decimal("3500.00"), "CRC")
        session.commit()
        assert [b.balance for b in open_balances(session)] == [Money(Decimal("-3500.00"), "CRC")]
        statement = load_statement(session, customer_id(session, "1001"), company="Wolk Software", today=TODAY,
                                   policy=POLICY)
        [section] = statement.sections
        assert (section.total_charges, section.total_credits) == (Decimal("56500.00"), Decimal("60000.00"))
        assert render(statement, StatementFormat.PDF).startswith(b"%PDF")
