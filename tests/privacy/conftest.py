"""The whole service in-process on a real SQLite file, driven through the sandbox as customers and staff."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.intake.core import InlineReader
from bot.service import build_app
from tests.conftest import REPO
from tests.ocr.receipts import STYLES, Truth, encode, format_amount, format_date, render_screenshot

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


def receipt_png(seed: int, amount: str = "28250", description: str = "Pago ID 1001") -> bytes:
    """A clean screenshot of a receipt paid today to the company, with its own bank reference."""
    style = next(s for s in STYLES if s.bank == "BCR")
    today = datetime.now(ZoneInfo("America/Costa_Rica"))
    truth = Truth(amount=Decimal(amount), currency="CRC", date=today.date(), reference=f"{today:%Y%m%d}{seed:017d}",
                  payer_name="María José Vargas Solano", payee_name="Wolk Software S.A.", description=description,
                  client_id=None, bank=style.bank)
    notes = {"amount_text": format_amount(truth.amount, "CRC", 0), "date_text": format_date(today, 0)}
    return encode(render_screenshot(truth, notes, style, random.Random(seed), dark=False), "PNG")


class Sandbox:
    """Customers post receipts, staff press buttons, and the service's own worker and outbox run in between."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client
        self._variant = 0

    async def send(self, phone: str = "88112233", data: bytes | None = None, name: str = "María José") -> int:
        self._variant += 1
        image = data if data is not None else RECEIPT + self._variant.to_bytes(4, "big")
        answer = await self.client.post("/sandbox/api/customer", data={"phone": phone, "name": name},
                                        files={"file": ("recibo.png", image, "image/png")})
        assert answer.status_code == 201, answer.text
        await self.settle()
        return int(answer.json()["intake_id"])

    async def act(self, kind: str, intake_id: int, role: str, **extra: Any) -> None:
        answer = await self.client.post("/sandbox/api/action",
                                        json={"kind": kind, "intake_id": intake_id, "role": role, **extra})
        assert answer.json()["ok"], answer.json()
        await self.settle()

    async def settle(self) -> None:
        service = self.app.state.service
        await service.worker.drain()
        await service.dispatcher.flush()


@pytest.fixture
def demo(engine: Engine) -> Engine:
    with Session(engine) as session:
        for importer, name in ((import_customers, "customers.csv"), (import_contracts, "contracts.csv")):
            assert not importer(session, (REPO / "data" / name).read_bytes()).errors
        session.commit()
    return engine


@pytest.fixture
async def sandbox(settings: Settings, demo: Engine) -> AsyncIterator[Sandbox]:
    app = build_app(settings, demo, InlineReader(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8080") as client:
        yield Sandbox(app, client)
