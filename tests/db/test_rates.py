"""Rates are stored one per date from an operator, a file or a service, and a missing day falls back openly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.db.models import ExchangeRate
from bot.db.rates import fetch_rate, import_rates_csv, rate_for, rates_between, set_manual_rate
from currency.rates import HttpJsonRateProvider, RateError, RateNotFound
from tests.rate_service import RateService


def test_manual_rate_is_used_on_its_date_with_the_configured_side(session: Session) -> None:
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    sell = rate_for(session, date(2026, 11, 27), "sell")
    buy = rate_for(session, date(2026, 11, 27), "buy")
    assert (sell.value, sell.side, sell.fallback, sell.source) == (Decimal("509.85"), "sell", False, "manual")
    assert buy.value == Decimal("503.10")


def test_missing_date_falls_back_to_latest_earlier_rate_and_says_so(session: Session) -> None:
    set_manual_rate(session, date(2026, 11, 20), Decimal("500"), Decimal("506"))
    set_manual_rate(session, date(2026, 11, 25), Decimal("503.10"), Decimal("509.85"))
    applied = rate_for(session, date(2026, 11, 28), "sell")
    assert applied.fallback and applied.rate_date == date(2026, 11, 25)
    assert "se usa el anterior" in applied.describe()
    with pytest.raises(RateNotFound):
        rate_for(session, date(2026, 11, 19), "sell")


def test_setting_a_date_again_replaces_its_rate(session: Session) -> None:
    set_manual_rate(session, date(2026, 11, 27), Decimal("500"), Decimal("506"))
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    rows = session.exec(select(ExchangeRate)).all()
    assert len(rows) == 1 and rows[0].sell == Decimal("509.85")


def test_buy_above_sell_is_refused(session: Session) -> None:
    with pytest.raises(RateError, match="compra"):
        set_manual_rate(session, date(2026, 11, 27), Decimal("510"), Decimal("509.85"))


def test_a_rates_file_is_stored_whole_and_listed_oldest_first(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "tc.csv"
    path.write_bytes("Fecha;Compra;Venta\n27/11/2026;503,50;510,10\n26/11/26;503,10;509,85\n".encode("cp1252"))
    rows = import_rates_csv(session, path)
    assert {row.source for row in rows} == {"csv:tc.csv"}
    listed = rates_between(session, date(2026, 11, 1), date(2026, 11, 30))
    assert [(row.date, row.sell) for row in listed] == [
        (date(2026, 11, 26), Decimal("509.85")), (date(2026, 11, 27), Decimal("510.10")),
    ]


def test_http_provider_reads_mapped_fields_as_exact_decimals(
    session: Session, rate_service: RateService
) -> None:
    rate_service.answer(b'{"data": [{"tc": {"buy": 503.1, "sell": 509.85}}]}')
    provider = HttpJsonRateProvider(
        f"{rate_service.url}/tipo-cambio?fecha={{date}}", "data.0.tc.buy", "data.0.tc.sell"
    )
    row = fetch_rate(session, provider, date(2026, 11, 27))
    assert (row.buy, row.sell) == (Decimal("503.1"), Decimal("509.85"))
    assert row.source == "http:127.0.0.1"
    assert rate_service.requests == ["/tipo-cambio?fecha=2026-11-27"]


def test_http_rate_is_cached_per_day(session: Session, rate_service: RateService) -> None:
    rate_service.answer({"compra": "503.10", "venta": "509.85"})
    provider = HttpJsonRateProvider(rate_service.url + "/{date}")
    fetch_rate(session, provider, date(2026, 11, 27))
    fetch_rate(session, provider, date(2026, 11, 27))
    assert len(rate_service.requests) == 1
    fetch_rate(session, provider, date(2026, 11, 27), refresh=True)
    assert len(rate_service.requests) == 2


def test_http_errors_and_missing_fields_are_one_clear_error(
    session: Session, rate_service: RateService
) -> None:
    provider = HttpJsonRateProvider(rate_service.url)
    rate_service.answer({"compra": "503.10"})
    with pytest.raises(RateError, match="venta"):
        fetch_rate(session, provider, date(2026, 11, 27))
    rate_service.answer({"error": "down"}, status=503)
    with pytest.raises(RateError, match="falló"):
        fetch_rate(session, provider, date(2026, 11, 27))
    assert session.exec(select(ExchangeRate)).all() == []
