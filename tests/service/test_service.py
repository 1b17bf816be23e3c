"""The composition root: which channels and pages a configuration gets, and what survives a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.routing import Route

from bot.config import Settings
from bot.db import migrate
from bot.db.models import Intake
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


async def test_reply_windows_open_before_an_upgrade_stay_open_after_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0002")
    engine = make_engine(url)
    now = utcnow()
    written = {"fields": {}, "confidences": {}, "checks": {}, "amount_due": {}}
    with Session(engine) as session:
        # Rows as that schema holds them: only its columns (the model has grown since).
        for sid, sender, when in (("SM1", "+50688112233", now - timedelta(hours=2)),
                                  ("SM2", "+50688112233", now - timedelta(hours=1)),
                                  ("SM3", "+50687114455", now - timedelta(hours=30))):
            session.execute(insert(Intake.__table__).values(  # type: ignore[attr-defined]
                channel="whatsapp", external_id=sid, sender=sender, reply_to=f"whatsapp:{sender}", text="hola",
                created_at=when, **written))
        session.execute(insert(Intake.__table__).values(  # type: ignore[attr-defined]
            channel="telegram", external_id="7", sender="555", reply_to="555", created_at=now, **written))
        session.commit()
    migrate.upgrade(url)
    window = ServiceWindow(engine)

    assert window.is_open("whatsapp:+50688112233")
    last = window.last_inbound("+50688112233")
    assert last is not None and abs(last - (now - timedelta(hours=1))) < timedelta(seconds=1)
    assert not window.is_open("+50687114455"), "wrote 30 hours ago"
    assert window.last_inbound("555") is None
    engine.dispose()
