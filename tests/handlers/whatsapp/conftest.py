"""WhatsApp fixtures: a fake Twilio on loopback, settings pointing at it, and Twilio-signed webhook posts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from bot.config import Settings
from bot.handlers.whatsapp import WhatsAppClient, build_whatsapp_client, whatsapp_webhook_route
from bot.intake.core import InlineReader
from bot.intake.messages import IntakePort
from bot.service import build_core
from tests.handlers.tapped_core import TappedCore
from tests.handlers.whatsapp.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
PUBLIC_URL = "https://paybot.example.com"
WEBHOOK_URL = f"{PUBLIC_URL}/webhooks/whatsapp"
OUR_NUMBER = "whatsapp:+50640001000"
TEMPLATE_SID = "HX" + "1" * 32
SUPPORT_NUMBER = "+50670000001"
ACCOUNTING_NUMBER = "+50670000002"
CUSTOMER = "whatsapp:+50688112233"


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[FakeTwilio]:
    """One fake Twilio for the whole run (starting uvicorn per test would only cost time)."""
    server = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def twilio(fake_twilio_server: FakeTwilio) -> FakeTwilio:
    """The fake Twilio with no calls recorded and no media scripted."""
    fake_twilio_server.reset()
    return fake_twilio_server


@pytest.fixture
def wa_settings(settings: Settings, twilio: FakeTwilio) -> Settings:
    """Settings of an installation whose WhatsApp runs through the fake Twilio, behind a TLS proxy."""
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": OUR_NUMBER,
            "twilio_api_base": twilio.base_url,
            "twilio_media_hosts": ["127.0.0.1"],
            "twilio_template_sid": TEMPLATE_SID,
            "whatsapp_support_numbers": [SUPPORT_NUMBER],
            "whatsapp_accounting_numbers": [ACCOUNTING_NUMBER],
            "max_upload_bytes": 2 * 1024 * 1024,
        }
    )


@pytest.fixture
async def wa_client(wa_settings: Settings, engine: Engine) -> AsyncIterator[WhatsAppClient]:
    """The channel's Twilio side, with media retries short enough for tests."""
    client = build_whatsapp_client(wa_settings, engine, messages_per_second=50,
                                   media_retry_delays=(0.01, 0.02, 0.04))
    yield client
    await client.aclose()


@pytest.fixture
def core(wa_settings: Settings, demo_engine: Engine) -> TappedCore:
    """The real core of an installation with staff on WhatsApp, with the demo customers."""
    real, _dispatcher = build_core(wa_settings, demo_engine, InlineReader(wa_settings))
    return TappedCore(real)


def webhook_client(settings: Settings, core: IntakePort, client: WhatsAppClient) -> httpx.AsyncClient:
    """An HTTP client posting to the webhook as the proxy would: to an internal http address."""
    app = Starlette(routes=[whatsapp_webhook_route(settings, core, client)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5:8080")


@pytest.fixture
async def webhook(
    wa_settings: Settings, core: TappedCore, wa_client: WhatsAppClient
) -> AsyncIterator[httpx.AsyncClient]:
    """The webhook route in front of the real core, which downloads the files through the channel."""
    core.core.fetch_media_with("whatsapp", wa_client.media)
    async with webhook_client(wa_settings, core, wa_client) as http:
        yield http


def signed(params: Mapping[str, str], token: str = AUTH_TOKEN, url: str = WEBHOOK_URL) -> dict[str, str]:
    """The X-Twilio-Signature header Twilio would send for `params` posted to `url`."""
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, dict(params))}


def inbound(
    sid: str = "SM" + "a" * 32,
    sender: str = CUSTOMER,
    body: str = "",
    media: list[tuple[str, str]] | None = None,
    profile_name: str = "María Pérez",
) -> dict[str, str]:
    """The form fields of an incoming WhatsApp message as Twilio posts them."""
    params = {
        "SmsMessageSid": sid,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": str(len(media or [])),
        "ProfileName": profile_name,
        "WaId": sender.removeprefix("whatsapp:+"),
        "SmsStatus": "received",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media or []):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params
