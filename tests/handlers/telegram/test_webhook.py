"""Telegram reaches paybot through a webhook that only accepts requests carrying our secret token,
or by polling on a developer's machine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from bot.handlers.telegram import (
    SECRET_HEADER,
    TelegramApp,
    build_telegram_application,
    start_telegram,
    stop_telegram,
    telegram_webhook_route,
)
from bot.handlers.telegram_prompts import PromptBook
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import CUSTOMER, telegram_settings
from tests.handlers.telegram.fake_bot_api import FakeBotApi
from tests.ocr.receipts import generate

SECRET = "s3cret-token"


def client_for(application: TelegramApp) -> httpx.AsyncClient:
    web = Starlette(routes=[telegram_webhook_route(application, SECRET)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://paybot.test")


async def eventually(condition: Callable[[], object], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never came true")


async def test_a_photo_posted_by_telegram_reaches_the_core(
    tmp_path: Path, fake_api: FakeBotApi, core: TappedCore
) -> None:
    settings = telegram_settings(tmp_path, fake_api, public_url="https://paybot.example.cr/")
    receipt = generate(31)
    fake_api.add_file("hook-l", receipt.data)
    application = build_telegram_application(settings, core, PromptBook(core.engine))
    await start_telegram(application, settings)
    try:
        [hook] = fake_api.calls_to("setWebhook")
        assert hook.params["url"] == "https://paybot.example.cr/webhooks/telegram"
        assert hook.params["secret_token"] == SECRET
        assert hook.params["allowed_updates"] == ["message", "callback_query"]

        async with client_for(application) as client:
            response = await client.post(
                "/webhooks/telegram", json=updates.customer_photo(CUSTOMER, "hook"), headers={SECRET_HEADER: SECRET}
            )

        assert response.status_code == 200
        await eventually(lambda: core.received)
        assert core.received[0].media == receipt.data
    finally:
        await stop_telegram(application)
    assert not application.running


@pytest.mark.parametrize("headers", [{SECRET_HEADER: "s3cret-tokem"}, {SECRET_HEADER: ""}, {}])
async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_processed(
    app: TelegramApp, core: TappedCore, headers: dict[str, str]
) -> None:
    async with client_for(app) as client:
        payload = updates.customer_text(CUSTOMER, "hola")
        response = await client.post("/webhooks/telegram", json=payload, headers=headers)

    assert response.status_code == 403
    assert app.update_queue.qsize() == 0
    assert core.received == []


async def test_a_message_is_stored_before_telegram_is_answered(app: TelegramApp, core: TappedCore) -> None:
    async with client_for(app) as client:
        response = await client.post(
            "/webhooks/telegram", json=updates.customer_text(CUSTOMER, "hola"), headers={SECRET_HEADER: SECRET}
        )

    assert response.status_code == 200
    assert [message.text for message in core.received] == ["hola"]
    assert app.update_queue.qsize() == 0


async def test_a_message_the_database_cannot_take_is_answered_503_and_stored_once_when_sent_again(
    app: TelegramApp, core: TappedCore
) -> None:
    payload = updates.customer_text(CUSTOMER, "pago de noviembre")
    with core.engine.begin() as connection:
        connection.execute(text("ALTER TABLE intake RENAME TO intake_away"))
    async with client_for(app) as client:
        refused = await client.post("/webhooks/telegram", json=payload, headers={SECRET_HEADER: SECRET})
        with core.engine.begin() as connection:
            connection.execute(text("ALTER TABLE intake_away RENAME TO intake"))
        again = await client.post("/webhooks/telegram", json=payload, headers={SECRET_HEADER: SECRET})
        twice = await client.post("/webhooks/telegram", json=payload, headers={SECRET_HEADER: SECRET})

    assert refused.status_code == 503
    assert (again.status_code, twice.status_code) == (200, 200)
    assert [message.text for message in core.received] == ["pago de noviembre"]


async def test_a_body_that_is_not_an_update_is_a_bad_request(app: TelegramApp) -> None:
    async with client_for(app) as client:
        response = await client.post("/webhooks/telegram", content=b"{not json", headers={SECRET_HEADER: SECRET})

    assert response.status_code == 400
    assert app.update_queue.qsize() == 0


def test_a_webhook_without_a_secret_is_not_built(app: TelegramApp) -> None:
    with pytest.raises(ValueError, match="SECRET"):
        telegram_webhook_route(app, "")


async def test_in_development_polling_brings_the_customers_message(
    tmp_path: Path, fake_api: FakeBotApi, core: TappedCore
) -> None:
    settings = telegram_settings(tmp_path, fake_api, telegram_polling=True)
    application = build_telegram_application(settings, core, PromptBook(core.engine))
    fake_api.pending_updates.append(updates.customer_text(CUSTOMER, "¿Recibieron mi pago?"))
    await start_telegram(application, settings)
    try:
        await eventually(lambda: core.received)
    finally:
        await stop_telegram(application)

    assert core.received[0].text == "¿Recibieron mi pago?"
    assert fake_api.count("deleteWebhook") == 1 and fake_api.count("setWebhook") == 0
    assert fake_api.calls_to("getUpdates")[0].params["allowed_updates"] == ["message", "callback_query"]


async def test_a_webhook_is_never_set_without_a_secret(
    tmp_path: Path, fake_api: FakeBotApi, core: TappedCore
) -> None:
    settings = telegram_settings(
        tmp_path, fake_api, public_url="https://paybot.example.cr", telegram_webhook_secret=None
    )
    application = build_telegram_application(settings, core, PromptBook(core.engine))

    with pytest.raises(ValueError, match="PAYBOT_TELEGRAM_WEBHOOK_SECRET"):
        await start_telegram(application, settings)
    await application.shutdown()

    assert fake_api.count("setWebhook") == 0


class CountingBody:
    """A streamed request body that remembers how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b" " * self.chunk


async def test_a_forged_secret_is_refused_before_the_body_is_read(app: TelegramApp) -> None:
    body = CountingBody(5 * 1024 * 1024)
    async with client_for(app) as client:
        response = await client.post("/webhooks/telegram", content=body, headers={SECRET_HEADER: "guess"})

    assert response.status_code == 403
    assert body.sent <= body.chunk


async def test_an_update_over_the_size_limit_is_refused_by_length_or_while_streaming(app: TelegramApp) -> None:
    declared = b'{"update_id": 1, "message": "' + b"x" * (300 * 1024) + b'"}'
    endless = CountingBody(5 * 1024 * 1024)
    async with client_for(app) as client:
        by_length = await client.post("/webhooks/telegram", content=declared, headers={SECRET_HEADER: SECRET})
        streamed = await client.post("/webhooks/telegram", content=endless, headers={SECRET_HEADER: SECRET})

    assert (by_length.status_code, streamed.status_code) == (413, 413)
    assert endless.sent <= 256 * 1024 + 2 * endless.chunk
    assert app.update_queue.qsize() == 0


@pytest.mark.parametrize("body", [b"[]", b"42", b'"update"', b'{"update_id": "x", "message": 5}'])
async def test_json_that_is_not_an_update_is_a_bad_request(app: TelegramApp, body: bytes) -> None:
    async with client_for(app) as client:
        response = await client.post("/webhooks/telegram", content=body, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 400
    assert app.update_queue.qsize() == 0
