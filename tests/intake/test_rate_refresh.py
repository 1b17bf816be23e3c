"""The running service keeps today's exchange rate stored from the configured provider."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import ExchangeRate
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.worker import RateRefresher
from tests.rate_service import RateService


def test_the_service_keeps_todays_rate_stored_from_the_configured_provider(
    rate_service: RateService, engine: Engine, settings: Settings
) -> None:
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
