"""Rates as values: read from a CSV file or any JSON service, checked, and explained to an agent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from currency.rates import AppliedRate, HttpJsonRateProvider, RateError, RateQuote, check_quote, read_rates_csv
from tests.rate_service import RateService


def test_csv_rates_in_latin1_with_semicolons_and_day_first_dates() -> None:
    data = "Fecha;Compra;Venta\n26/11/2026;503,10;509,85\n2026-11-27;503.50;510.10\n".encode("latin-1")
    quotes = read_rates_csv(data)
    assert [(q.date, q.buy, q.sell) for q in quotes] == [
        (date(2026, 11, 26), Decimal("503.10"), Decimal("509.85")),
        (date(2026, 11, 27), Decimal("503.50"), Decimal("510.10")),
    ]


def test_csv_rates_with_a_bad_row_name_the_row() -> None:
    with pytest.raises(RateError, match="fila 3"):
        read_rates_csv(b"fecha,compra,venta\n2026-11-26,503.10,509.85\n2026-11-27,abc,510\n")


def test_a_rates_file_in_no_known_encoding_is_one_clear_error() -> None:
    with pytest.raises(RateError, match="Windows-1252"):
        read_rates_csv(b"fecha,compra,venta\n26/11/2026,503\x81,509\n")


def test_buy_above_sell_or_not_positive_is_refused() -> None:
    with pytest.raises(RateError, match="compra"):
        check_quote(RateQuote(date(2026, 11, 27), Decimal("510"), Decimal("509.85"), "manual"))
    with pytest.raises(RateError, match="positivos"):
        check_quote(RateQuote(date(2026, 11, 27), Decimal("0"), Decimal("509.85"), "manual"))


def test_a_quote_of_an_earlier_day_is_applied_as_a_fallback_and_says_so() -> None:
    quote = RateQuote(date(2026, 11, 25), Decimal("503.10"), Decimal("509.85"), "manual")
    same_day = quote.applied("buy", date(2026, 11, 25))
    assert (same_day.value, same_day.fallback) == (Decimal("503.10"), False)
    later = quote.applied("sell", date(2026, 11, 28))
    assert (later.value, later.fallback, later.rate_date) == (Decimal("509.85"), True, date(2026, 11, 25))
    assert "no hay tipo de cambio del 28/11/2026; se usa el anterior" in later.describe()
    assert AppliedRate.from_json(later.to_json()) == later


def test_json_service_fields_are_read_as_exact_decimals(rate_service: RateService) -> None:
    rate_service.answer(b'{"data": [{"tc": {"buy": 503.1, "sell": 509.85}}]}')
    provider = HttpJsonRateProvider(f"{rate_service.url}/tc?fecha={{date}}", "data.0.tc.buy", "data.0.tc.sell")
    with httpx.Client() as client:
        quote = provider.fetch(date(2026, 11, 27), client=client)
    assert (quote.buy, quote.sell, quote.source) == (Decimal("503.1"), Decimal("509.85"), "http:127.0.0.1")
    assert rate_service.requests == ["/tc?fecha=2026-11-27"]


def test_no_service_configured_is_one_clear_error() -> None:
    with pytest.raises(RateError, match="PAYBOT_RATES_URL"):
        HttpJsonRateProvider("").fetch(date(2026, 11, 27))


@pytest.mark.parametrize("sell", ["50910", "1e30"])
def test_a_rate_with_a_missing_decimal_point_is_refused_before_it_prices_anything(sell: str) -> None:
    """`rates set --sell 1e30` was stored, and would have priced every dollar contract past what the account can
    hold (red-team probe)."""
    with pytest.raises(RateError, match="no es creíble"):
        check_quote(RateQuote(date(2026, 11, 27), Decimal("503.10"), Decimal(sell), "manual"))
    assert check_quote(RateQuote(date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"), "manual"))
