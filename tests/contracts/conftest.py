"""The demo's customers and contracts in a real SQLite database, and receipts as the reader returns them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.contracts.importer import import_contracts, import_customers
from bot.db.rates import set_manual_rate
from bot.ocr.fields import ReceiptFields

DATA = Path(__file__).resolve().parents[2] / "data"
CR = ZoneInfo("America/Costa_Rica")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CR)
"""Checks run "today" = 27/11/2026 in Costa Rica; WOLK-1006 ended on 31/10/2026."""


@pytest.fixture
def seeded(session: Session) -> Session:
    """data/customers.csv and data/contracts.csv imported, and the week's exchange rates set."""
    assert import_customers(session, (DATA / "customers.csv").read_bytes()).ok
    assert import_contracts(session, (DATA / "contracts.csv").read_bytes()).ok
    for day, buy, sell in ((20, "500.00", "506.00"), (26, "502.00", "508.00"), (27, "503.10", "509.85")):
        set_manual_rate(session, date(2026, 11, day), Decimal(buy), Decimal(sell))
    session.commit()
    return session


MARIA = ReceiptFields(
    amount=Decimal("28250.00"),
    currency="CRC",
    date=date(2026, 11, 26),
    reference="FT26330123456",
    payer_name="MARIA JOSE VARGAS SOLANO",
    payee_name="WOLK SOFTWARE S.A.",
    description="Pago mensualidad ID 1001",
    bank="BAC",
)
"""A complete SINPE transfer from customer 1001 paying her ₡25 000 + IVA contract exactly."""


def receipt(**changes: Any) -> ReceiptFields:
    return replace(MARIA, **changes)
