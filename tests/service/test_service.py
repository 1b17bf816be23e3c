"""The composition root: which channels and pages a configuration gets, and what survives a restart."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.routing import Route

from bot.config import Settings
from bot.db import migrate
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.handlers.whatsapp_window import ServiceWindow
from bot.intake.core import InlineReader
from bot.service import build_app, configuration_problems


def paths(settings: Settings, engine: Engine) -> set[str]:
    app = build_app(settings, engine, InlineReader(settings))
    return {route.path for route in app.routes if isinstance(route, Route)}


async def test_without_credentials_the_sandbox_is_served(settings: Settings, engine: Engine) -> None:
    assert {"/", "/healthz", "/sandbox/api/customer"} <= paths(settings, engine)
    app = build_app(settings, engine, InlineReader(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8080") as client:
        assert (await client.get("/healthz")).json() == {
            "status": "ok", "database": "ok", "channels": {"telegram": "off", "whatsapp": "off", "sandbox": "ok"},
            "heartbeats": {"worker": None, "outbox": None, "scheduler": None}}
        page = await client.get("/")
        assert page.status_code == 200 and "Sandbox local" in page.text
        empty = await client.post("/sandbox/api/customer", data={"phone": "88112233"})
        assert empty.status_code == 400 and "Adjunte un comprobante" in empty.json()["error"]


def test_with_whatsapp_configured_the_webhook_replaces_the_sandbox(settings: Settings, engine: Engine) -> None:
    whatsapp = settings.model_copy(update={
        "twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": SecretStr("token"), "public_url": "https://pay.example.cr",
        "twilio_whatsapp_from": "whatsapp:+50640000000",
    })
    routes = paths(whatsapp, engine)
    assert "/webhooks/whatsapp" in routes
    assert "/" not in routes and "/sandbox/api/action" not in routes
    assert configuration_problems(whatsapp) == []


def test_half_configured_channels_are_named_before_start(settings: Settings) -> None:
    telegram = settings.model_copy(update={"telegram_token": SecretStr("123:abc")})
    problems = configuration_problems(telegram)
    assert any("PAYBOT_TELEGRAM_WEBHOOK_SECRET" in p for p in problems)
    assert any("PAYBOT_TELEGRAM_SUPPORT_CHAT_ID" in p for p in problems)


async def test_reply_windows_open_before_an_upgrade_stay_open_after_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0002")
    engine = make_engine(url)
    now = utcnow()
    rows = [("whatsapp", "SM1", "+50688112233", now - timedelta(hours=2)),
            ("whatsapp", "SM2", "+50688112233", now - timedelta(hours=1)),
            ("whatsapp", "SM3", "+50687114455", now - timedelta(hours=30)), ("telegram", "7", "555", now)]
    with engine.begin() as connection:  # the tables as 0002 made them, not as the models are now
        for channel, sid, sender, when in rows:
            connection.execute(text(
                "INSERT INTO intake (channel, external_id, sender, sender_name, reply_to, text, state, fields, "
                "confidences, checks, amount_due, attempts, created_at, updated_at) VALUES (:channel, :sid, :sender, "
                "'', :reply_to, 'hola', 'received', '{}', '{}', '{}', '{}', 0, :when, :when)"),
                {"channel": channel, "sid": sid, "sender": sender, "when": when.replace(tzinfo=None),
                 "reply_to": f"whatsapp:{sender}" if channel == "whatsapp" else sender})
    migrate.upgrade(url)
    window = ServiceWindow(engine)

    assert window.is_open("whatsapp:+50688112233")
    last = window.last_inbound("+50688112233")
    assert last is not None and abs(last - (now - timedelta(hours=1))) < timedelta(seconds=1)
    assert not window.is_open("+50687114455"), "wrote 30 hours ago"
    assert window.last_inbound("555") is None
    engine.dispose()


STOP_GUARD = 30
"""Seconds: many times a normal stop; a service still stopping by then was never going to."""


def storing_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("intake-store")}


def test_a_service_stopped_right_after_a_message_stops_promptly_and_leaves_no_storing_thread(
    settings: Settings, engine: Engine,
) -> None:
    before = storing_threads()
    seen: dict[str, object] = {}

    async def serve_one_message_and_stop() -> None:
        app = build_app(settings, engine, InlineReader(settings))
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://127.0.0.1:8080") as client:
                seen["status"] = (await client.post("/sandbox/api/customer",
                                                    data={"phone": "88112233", "text": "hola"})).status_code
            seen["storing"] = bool(storing_threads() - before)

    service = threading.Thread(target=asyncio.run, args=(serve_one_message_and_stop(),), daemon=True)
    service.start()
    service.join(STOP_GUARD)

    assert not service.is_alive(), "the service did not stop"
    assert seen == {"status": 201, "storing": True}
    assert not storing_threads() - before
