"""Exchange rates stored one row per date: stored from an operator, a file or a service, and looked up by date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlmodel import Session, col, select

from bot.db.models import ExchangeRate
from currency.money import to_decimal
from currency.rates import (
    PAIR,
    AppliedRate,
    HttpJsonRateProvider,
    RateNotFound,
    RateQuote,
    RateSide,
    check_quote,
    read_rates_csv,
)


def quote_of(row: ExchangeRate) -> RateQuote:
    return RateQuote(row.date, row.buy, row.sell, row.source)


def store_rate(session: Session, quote: RateQuote, *, pair: str = PAIR) -> ExchangeRate:
    """Insert or replace the rate of `quote.date` (one row per date and pair)."""
    check_quote(quote)
    row = session.exec(
        select(ExchangeRate).where(ExchangeRate.date == quote.date, ExchangeRate.pair == pair)
    ).first()
    if row is None:
        row = ExchangeRate(date=quote.date, pair=pair, buy=quote.buy, sell=quote.sell, source=quote.source)
    else:
        row.buy, row.sell, row.source = quote.buy, quote.sell, quote.source
        row.fetched_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    return row


def set_manual_rate(session: Session, on_date: date, buy: Decimal, sell: Decimal) -> ExchangeRate:
    """What an operator types: `paybot rates set 2026-11-27 --buy 503.10 --sell 509.85`."""
    return store_rate(session, RateQuote(on_date, to_decimal(buy), to_decimal(sell), "manual"))


def rate_for(session: Session, on_date: date, side: str = RateSide.SELL, *, pair: str = PAIR) -> AppliedRate:
    """The rate of `on_date`, else the latest earlier one flagged as a fallback; RateNotFound if none."""
    row = session.exec(
        select(ExchangeRate)
        .where(ExchangeRate.pair == pair, ExchangeRate.date <= on_date)
        .order_by(col(ExchangeRate.date).desc())
        .limit(1)
    ).first()
    if row is None:
        raise RateNotFound(f"no hay tipo de cambio {pair} registrado al {on_date:%d/%m/%Y} ni antes")
    return quote_of(row).applied(side, on_date)


def import_rates_csv(session: Session, path: Path) -> list[ExchangeRate]:
    """Store every rate of a CSV file (all of them or, on the first bad row, none)."""
    quotes = read_rates_csv(path.read_bytes(), source=f"csv:{path.name}")
    return [store_rate(session, quote) for quote in quotes]


def fetch_rate(
    session: Session,
    provider: HttpJsonRateProvider,
    on_date: date,
    *,
    client: httpx.Client | None = None,
    refresh: bool = False,
) -> ExchangeRate:
    """The stored rate of `on_date` if there is one (cached per day), else fetched and stored."""
    if not refresh:
        cached = session.exec(
            select(ExchangeRate).where(ExchangeRate.date == on_date, ExchangeRate.pair == PAIR)
        ).first()
        if cached is not None:
            return cached
    return store_rate(session, provider.fetch(on_date, client=client))


def rates_between(session: Session, start: date, end: date) -> Sequence[ExchangeRate]:
    """Stored rates from `start` to `end`, oldest first (for `paybot rates list`)."""
    return session.exec(
        select(ExchangeRate)
        .where(ExchangeRate.pair == PAIR, ExchangeRate.date >= start, ExchangeRate.date <= end)
        .order_by(col(ExchangeRate.date))
    ).all()
