"""A real `paybot run` with Telegram and WhatsApp: it starts whatever Telegram's state, reports each channel on
/healthz, and its log never holds a secret or a whole phone number."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.db import migrate
from tests.handlers.telegram import updates
from tests.handlers.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.handlers.whatsapp.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    PUBLIC_URL,
    SUPPORT_NUMBER,
    inbound,
    signed,
)
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.processes import free_port
from tests.stories import ServiceProcess

SUPPORT_CHAT = -1001111
ACCOUNTING_CHAT = -1002222
TELEGRAM_CUSTOMER = 9001
WEBHOOK_SECRET = "tg-webhook-secret-5f3a9c"
CUSTOMER_PHONE = "+50688112233"


def service_env(tmp_path: Path, twilio: FakeTwilio, bot_api_base: str, **extra: str) -> dict[str, str]:
    """Both channels on: Telegram polling a local Bot API, WhatsApp through the local fake Twilio."""
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(
        PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_OCR_WORKERS="1",
        PAYBOT_OUT_OF_HOURS_REPLY="false", PAYBOT_TELEGRAM_TOKEN=TOKEN, PAYBOT_TELEGRAM_POLLING="true",
        PAYBOT_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PAYBOT_TELEGRAM_BASE_URL=f"{bot_api_base}/bot", PAYBOT_TELEGRAM_BASE_FILE_URL=f"{bot_api_base}/file/bot",
        PAYBOT_TELEGRAM_SUPPORT_CHAT_ID=str(SUPPORT_CHAT), PAYBOT_TELEGRAM_ACCOUNTING_CHAT_ID=str(ACCOUNTING_CHAT),
        PAYBOT_TELEGRAM_SUPPORT_USER_IDS="501", PAYBOT_TELEGRAM_ACCOUNTING_USER_IDS="502",
        PAYBOT_TWILIO_ACCOUNT_SID=ACCOUNT_SID, PAYBOT_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PAYBOT_TWILIO_WHATSAPP_FROM=OUR_NUMBER, PAYBOT_TWILIO_API_BASE=twilio.base_url,
        PAYBOT_PUBLIC_URL=PUBLIC_URL, PAYBOT_WHATSAPP_SUPPORT_NUMBERS=SUPPORT_NUMBER,
    )
    env.update(extra)
    return env


@pytest.fixture
def twilio() -> Any:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    yield fake
    fake.stop()


async def until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


async def health(service: ServiceProcess) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"{service.url}/healthz")


async def post_whatsapp(service: ServiceProcess, params: dict[str, str], headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=20) as client:
        response = await client.post(f"{service.url}/webhooks/whatsapp", data=params, headers=headers)
    return response.status_code


@pytest.mark.slow
async def test_telegram_down_at_start_leaves_whatsapp_and_healthz_working_until_it_comes_back(
    tmp_path: Path, twilio: FakeTwilio
) -> None:
    bot_port = free_port()
    env = service_env(tmp_path, twilio, f"http://127.0.0.1:{bot_port}")
    service = ServiceProcess(env, tmp_path, log=tmp_path / "paybot.log")
    fake = FakeBotApi()
    await asyncio.to_thread(service.start)
    try:
        down = await health(service)
        assert down.status_code == 200
        assert {k: v for k, v in down.json().items() if k != "heartbeats"} == {"status": "degraded", "database": "ok",
                               "channels": {"telegram": "degraded", "whatsapp": "ok", "sandbox": "off"}}

        params = inbound(sid="SM" + "1" * 32, body="Hola, ¿ya les llegó mi pago?")
        assert await post_whatsapp(service, params, signed(params)) == 200
        await until(lambda: any(call.form.get("To") == f"whatsapp:{CUSTOMER_PHONE}" for call in twilio.messages),
                    20, "the WhatsApp customer's answer")

        await fake.start(port=bot_port)
        await until(lambda: fake.count("getUpdates") > 0, 30, "Telegram polling after it came back")
        up = await health(service)
        assert up.json()["channels"]["telegram"] == "ok" and up.json()["status"] == "ok"
        await until(lambda: any("ya les llegó mi pago" in text for text in fake.texts_to(SUPPORT_CHAT)), 60,
                    "the customer's words reaching support on Telegram once it is back")
    finally:
        service.stop()
        await fake.stop()
    assert service.process is not None and service.process.returncode == 0


@pytest.mark.slow
async def test_a_real_runs_log_holds_no_secret_and_no_whole_phone_number(
    tmp_path: Path, twilio: FakeTwilio
) -> None:
    fake = FakeBotApi()
    await fake.start()
    log = tmp_path / "paybot.log"
    env = service_env(tmp_path, twilio, f"http://127.0.0.1:{fake.port}", PAYBOT_LOG_LEVEL="DEBUG")
    service = ServiceProcess(env, tmp_path, log=log)
    fake.pending_updates.append(updates.customer_text(TELEGRAM_CUSTOMER, f"Mi número es {CUSTOMER_PHONE}"))
    await asyncio.to_thread(service.start)
    try:
        await until(lambda: fake.sent_to(TELEGRAM_CUSTOMER), 30, "the Telegram customer's answer")
        await until(lambda: fake.count("getUpdates") >= 3, 30, "several polls")
        forged = inbound(sid="SM" + "2" * 32, body="hola")
        assert await post_whatsapp(service, forged, signed(forged, token="not-our-token")) == 403
        customer = inbound(sid="SM" + "3" * 32, body="Buenas tardes")
        assert await post_whatsapp(service, customer, signed(customer)) == 200
        refused = inbound(sid="SM" + "4" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body="APLICADO 1")
        assert await post_whatsapp(service, refused, signed(refused)) == 200
        await until(lambda: len(twilio.messages) >= 2, 20, "the WhatsApp answers")
    finally:
        service.stop()
        await fake.stop()

    text = log.read_text(encoding="utf-8")
    assert "HTTP Request: POST" in text and "/bot<redacted>/getUpdates" in text, "library request lines are kept"
    for secret in (TOKEN, TOKEN.split(":")[1], AUTH_TOKEN, WEBHOOK_SECRET):
        assert secret not in text
    for number in (CUSTOMER_PHONE, SUPPORT_NUMBER):
        assert number not in text and number.replace("+", "%2B") not in text
    assert "+*******0001" in text, "the refused staff number is logged masked"


@pytest.mark.slow
async def test_a_token_telegram_rejects_is_retried_and_never_written_to_the_log(
    tmp_path: Path, twilio: FakeTwilio
) -> None:
    fake = FakeBotApi()
    await fake.start()
    wrong = "987654:WRONG-TOKEN-kept-secret"
    log = tmp_path / "paybot.log"
    env = service_env(tmp_path, twilio, f"http://127.0.0.1:{fake.port}", PAYBOT_TELEGRAM_TOKEN=wrong)
    service = ServiceProcess(env, tmp_path, log=log)
    await asyncio.to_thread(service.start)
    try:
        await until(lambda: "could not be started (attempt 2" in log.read_text(encoding="utf-8"), 30,
                    "a second attempt")
        assert (await health(service)).json()["channels"]["telegram"] == "degraded"
    finally:
        service.stop()
        await fake.stop()
    text = log.read_text(encoding="utf-8")
    assert "WRONG-TOKEN" not in text and "987654" not in text
    assert "<redacted>" in text


@pytest.mark.slow
async def test_healthz_answers_503_when_the_database_goes_away_and_200_whatever_the_channels(
    tmp_path: Path,
) -> None:
    from tests.postgres import postgres_server

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(postgres_server())
        migrate.upgrade(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
        env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_OCR_WORKERS="1",
                   PAYBOT_LOG_LEVEL="CRITICAL")
        service = ServiceProcess(env, tmp_path)
        service.start()
        try:
            assert (await health(service)).status_code == 200
            stack.close()
            started = time.monotonic()
            gone = await health(service)
            assert gone.status_code == 503 and time.monotonic() - started < 6
            assert gone.json() == {"status": "down", "database": "unreachable",
                                   "channels": {"telegram": "off", "whatsapp": "off", "sandbox": "ok"}}
        finally:
            service.stop()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


FIELD = b"x" * (900 * 1024)


def field(index: int) -> bytes:
    return b"f%d=" % index + FIELD + b"&"


async def six_hundred_fields() -> Any:
    """The issue's attack: 600 form fields of 900 KB each (527 MB), streamed without holding it here."""
    for index in range(600):
        yield field(index)


@pytest.mark.slow
async def test_600_fields_of_900_kb_are_refused_with_little_memory(tmp_path: Path, twilio: FakeTwilio) -> None:
    from urllib.parse import urlencode

    env = service_env(tmp_path, twilio, f"http://127.0.0.1:{free_port()}", PAYBOT_LOG_LEVEL="ERROR")
    service = ServiceProcess(env, tmp_path)
    await asyncio.to_thread(service.start)
    assert service.process is not None
    total = sum(len(field(index)) for index in range(600))
    small_form = urlencode({f"F{i}": "x" * 400 for i in range(600)}).encode()
    urlencoded = {"content-type": "application/x-www-form-urlencoded"}
    declared = {**urlencoded, "content-length": str(total)}
    forged = {"X-Twilio-Signature": "Zm9yZ2Vk"}
    attempts: list[tuple[Any, dict[str, str]]] = [
        (six_hundred_fields(), declared), (six_hundred_fields(), urlencoded),
        (six_hundred_fields(), {**declared, **forged}), (six_hundred_fields(), {**urlencoded, **forged}),
        (small_form, {**urlencoded, **forged}),
    ]
    statuses: list[int] = []
    try:
        before = peak_rss_mb(service.process.pid)
        async with httpx.AsyncClient(timeout=60) as client:
            for body, headers in attempts:
                try:
                    response = await client.post(f"{service.url}/webhooks/whatsapp", content=body, headers=headers)
                    statuses.append(response.status_code)
                except httpx.TransportError:
                    statuses.append(0)  # refused and closed before the upload finished
        after = peak_rss_mb(service.process.pid)
        assert (await health(service)).status_code == 200
    finally:
        service.stop()
    assert [status in allowed for status, allowed in zip(statuses, ((413, 0), (403, 0), (413, 0), (413, 0), (413,)),
                                                           strict=True)] == [True] * 5, statuses
    assert after - before < 40, f"peak memory grew {after - before:.0f} MB (from {before:.0f} MB)"
