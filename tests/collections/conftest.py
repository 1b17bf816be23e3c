"""Customers and payment orders loaded the way operators load them, a clock that tests move, and a loopback
HTTP server standing for the company's system that receives the access webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.collections.desk import CollectionsDesk, Operator
from bot.config import Settings
from bot.contracts.importer import import_customers
from bot.intake.outbox import OutboxDispatcher
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from tests.account.conftest import CR, CUSTOMERS, ORDERS_HEADER, customer_id, customers, orders, pay
from tests.stories import RecordingChannel

__all__ = ["CR", "ORDERS_HEADER", "customer_id", "customers", "orders", "pay"]

SECRET = "company-system-secret-0123"


def load_customers(session: Any) -> None:
    assert import_customers(session, CUSTOMERS.encode()).ok


def paybot(monkeypatch: pytest.MonkeyPatch, folder: Path, *args: str, **env: str) -> int:
    """`paybot ARGS` in this process, on the test's database (the `settings` fixture's), env settings added."""
    from bot.cli.main import main

    monkeypatch.chdir(folder)
    for name in [n for n in os.environ if n.startswith("PAYBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAYBOT_DATABASE_URL", f"sqlite:///{folder / 'paybot.db'}")
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(folder))
    monkeypatch.setenv("PAYBOT_LOG_LEVEL", "WARNING")
    for name, value in env.items():
        monkeypatch.setenv(f"PAYBOT_{name.upper()}", value)
    return main(list(args))
ACCOUNTING = Operator(name="Laura Contabilidad", channel="cli")


class Clock:
    """The time every part of a test reads; the test moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
        self.moment = datetime(year, month, day, hour, minute, tzinfo=CR)
        return self.moment

    @property
    def today(self) -> date:
        return self.moment.astimezone(CR).date()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 10, 0, tzinfo=CR))


def verify(secret: str, header: str, body: bytes) -> bool:
    """What the company's system does with `X-Paybot-Signature: t=...,v1=...` (written here, not imported)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class CompanySystem:
    """A loopback HTTP server that verifies each signed event and counts what it accepted and refused."""

    secret: str
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    fail_next: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/paybot/access"

    def start(self) -> None:
        system = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if system.fail_next:
                    system.fail_next -= 1
                    self.send_response(503)
                elif verify(system.secret, self.headers.get("X-Paybot-Signature", "t=0,v1=x"), body):
                    system.accepted.append({**json.loads(body), "_key": self.headers.get("Idempotency-Key")})
                    self.send_response(200)
                else:
                    system.refused += 1
                    self.send_response(401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def company_system() -> Iterator[CompanySystem]:
    system = CompanySystem(SECRET)
    system.start()
    yield system
    system.stop()


@dataclass
class Collections:
    """The collections desk on a real database, its messages recorded by a fake channel."""

    desk: CollectionsDesk
    channel: RecordingChannel
    dispatcher: OutboxDispatcher
    settings: Settings
    engine: Engine
    clock: Clock

    async def deliver(self) -> None:
        await self.dispatcher.flush()

    def sent(self, audience: str) -> list[Any]:
        return [m for m in self.channel.sent if m.audience.value == audience]


def collections_for(settings: Settings, engine: Engine, clock: Clock, **extra: Any) -> Collections:
    configured = settings.model_copy(update=extra)
    messenger = Messenger(configured, Replies())
    desk = CollectionsDesk(configured, engine, messenger, clock)
    channel = RecordingChannel("sandbox")
    dispatcher = OutboxDispatcher(engine, {"sandbox": channel}, "test")
    return Collections(desk, channel, dispatcher, configured, engine, clock)
