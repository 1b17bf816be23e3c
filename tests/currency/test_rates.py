"""Rates come from an operator, a CSV file or any JSON service, and a missing day falls back openly."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.db.models import ExchangeRate
from currency.rates import (
    HttpJsonRateProvider,
    RateError,
    RateNotFound,
    fetch_rate,
    rate_for,
    read_rates_csv,
    set_manual_rate,
)


class RateService:
    """A JSON rate service on 127.0.0.1 that counts requests and answers what a test sets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.body: bytes = b"{}"
        self.status = 200
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.requests.append(self.path)
                self.send_response(service.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(service.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, document: Any, status: int = 200) -> None:
        self.body = json.dumps(document).encode() if not isinstance(document, bytes) else document
        self.status = status


@pytest.fixture
def rate_service() -> Iterator[RateService]:
    service = RateService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
    service.thread.join()


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


def test_the_service_keeps_todays_rate_stored_from_the_configured_provider(
    rate_service: RateService, engine: Any, settings: Any
) -> None:
    from datetime import datetime

    from bot.intake.core import InlineReader, IntakeCore
    from bot.intake.worker import RateRefresher

    rate_service.answer({"data": {"compra": 503.1, "venta": 509.85}})
    configured = settings.model_copy(update={
        "rates_url": rate_service.url + "/tc?fecha={date}", "rates_buy_field": "data.compra",
        "rates_sell_field": "data.venta",
    })
    core = IntakeCore(configured, engine, InlineReader(configured),
                      now=lambda: datetime(2026, 11, 27, 8, 0, tzinfo=configured.tz))
    refresher = RateRefresher(core)
    assert refresher.refresh_today() and refresher.refresh_today()
    assert rate_service.requests == ["/tc?fecha=2026-11-27"]
    with Session(engine) as session:
        stored = session.exec(select(ExchangeRate)).one()
    assert (stored.buy, stored.sell) == (Decimal("503.1"), Decimal("509.85"))

    rate_service.answer({"error": "down"}, status=503)
    late = RateRefresher(IntakeCore(configured, engine, InlineReader(configured),
                                    now=lambda: datetime(2026, 11, 28, 8, 0, tzinfo=configured.tz)))
    assert not late.refresh_today()
