"""What a stored contract owes on a date: its fee, tax and charges from the row, the rate from the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from bot.config import Settings
from bot.db.models import Contract
from bot.db.rates import rate_for
from currency.due import AmountDue, amount_due
from currency.money import CRC, Money


def contract_amount_due(contract: Contract, on_date: date, session: Session, settings: Settings) -> AmountDue:
    """The fee at the rate of `on_date` (the setting's side, an earlier rate as fallback), plus IVA.

    Raises `currency.rates.RateNotFound` for a dollar contract when no rate is stored yet.
    """
    fee = Money(contract.fee, contract.currency)
    rate = None if fee.currency == CRC else rate_for(session, on_date, settings.rate_side)
    return amount_due(
        fee,
        on_date,
        tax_rate=contract.tax_rate if contract.tax_rate is not None else settings.iva_rate,
        rate=rate,
        charges=Money(contract.charges or Decimal("0"), contract.currency),
        whole_colones=settings.whole_colones,
    )
