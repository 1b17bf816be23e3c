"""The composition root: which channels and pages a configuration gets, and what survives a restart."""

from __future__ import annotations

from datetime import timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from starlette.routing import Route

from bot.config import Settings
from bot.db.types import utcnow
from bot.intake.core import InlineReader
from bot.intake.messages import InboundMessage
from bot.service import build_app, build_core, configuration_problems, recent_whatsapp_senders


def paths(settings: Settings, engine: Engine) -> set[str]:
    app = build_app(settings, engine, InlineReader(settings))
    return {route.path for route in app.routes if isinstance(route, Route)}


async def test_without_credentials_the_sandbox_is_served(settings: Settings, engine: Engine) -> None:
    assert {"/", "/healthz", "/sandbox/api/customer"} <= paths(settings, engine)
    app = build_app(settings, engine, InlineReader(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8080") as client:
        assert (await client.get("/healthz")).json() == {
            "status": "ok", "database": "ok", "channels": {"telegram": "off", "whatsapp": "off", "sandbox": "ok"}}
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


async def test_whatsapp_reply_windows_are_rebuilt_from_recent_intakes(settings: Settings, engine: Engine) -> None:
    core, _ = build_core(settings, engine, InlineReader(settings))
    now = utcnow()
    for sid, sender, when in (("SM1", "+50688112233", now - timedelta(hours=2)),
                              ("SM2", "+50688112233", now - timedelta(hours=1)),
                              ("SM3", "+50687114455", now - timedelta(hours=30))):
        await core.receive(InboundMessage(channel="whatsapp", external_id=sid, sender=sender,
                                          reply_to=f"whatsapp:{sender}", text="hola", received_at=when))
    recent = recent_whatsapp_senders(engine)
    assert [address for address, _ in recent] == ["whatsapp:+50688112233"]
    assert abs(recent[0][1] - (now - timedelta(hours=1))) < timedelta(seconds=1)
