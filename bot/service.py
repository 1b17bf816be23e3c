"""The composition root: builds the web app and wires channels, intake core and scheduler into it."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Route

from bot.config import Settings
from bot.db.session import make_engine
from bot.web.health import healthz

log = logging.getLogger(__name__)


def channel_summary(settings: Settings) -> list[str]:
    """Say which channels will run and how to turn on the others."""
    lines = []
    if settings.telegram_enabled:
        mode = "polling" if settings.telegram_polling else "webhook"
        lines.append(f"Telegram: on ({mode})")
    else:
        lines.append("Telegram: off (set PAYBOT_TELEGRAM_TOKEN to turn it on)")
    if settings.whatsapp_enabled:
        lines.append(f"WhatsApp: on (Twilio webhook at {settings.public_url or '<public url>'}"
                     "/webhooks/whatsapp)")
    else:
        lines.append(
            "WhatsApp: off (set PAYBOT_TWILIO_ACCOUNT_SID and PAYBOT_TWILIO_AUTH_TOKEN to turn it on)"
        )
    lines.append(f"Sandbox: on at http://{settings.host}:{settings.port}/")
    return lines


def build_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    """Build the whole service for `settings`; nothing starts until the app's lifespan does."""
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("paybot starting")
        yield
        log.info("paybot stopped")

    app = Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    return app


def serve(settings: Settings) -> None:
    """Run the service until SIGINT or SIGTERM."""
    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
        proxy_headers=True,
    )
    # uvicorn re-raises the signal it caught once it has shut down; a SIGTERM that already
    # stopped us cleanly should end the process with status 0, not "killed by SIGTERM".
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    asyncio.run(uvicorn.Server(config).serve())
