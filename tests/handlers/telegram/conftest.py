"""The real python-telegram-bot application wired to a fake Bot API on loopback and the real core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from telegram import Update

from bot.config import Settings
from bot.handlers.telegram import TelegramApp, build_telegram_application
from bot.handlers.telegram_prompts import PromptBook
from bot.intake.core import InlineReader
from bot.service import build_core
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram.fake_bot_api import TOKEN, FakeBotApi

SUPPORT_CHAT = -1001111
ACCOUNTING_CHAT = -1002222
AGENT = 501
ACCOUNTANT = 502
CUSTOMER = 9001


def telegram_settings(tmp_path: Path, fake: FakeBotApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'paybot.db'}",
        "data_dir": tmp_path,
        "telegram_token": SecretStr(TOKEN),
        "telegram_webhook_secret": SecretStr("s3cret-token"),
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "telegram_support_chat_id": SUPPORT_CHAT,
        "telegram_accounting_chat_id": ACCOUNTING_CHAT,
        "telegram_support_user_ids": [AGENT],
        "telegram_accounting_user_ids": [ACCOUNTANT],
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to python-telegram-bot's timedelta periods: RetryAfter otherwise warns as it is built."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API per test, listening on 127.0.0.1."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def tg_settings(tmp_path: Path, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(tmp_path, fake_api)


@pytest.fixture
def core(tg_settings: Settings, demo_engine: Engine) -> TappedCore:
    """The real core of an installation whose staff are on Telegram, with the demo customers."""
    real, _dispatcher = build_core(tg_settings, demo_engine, InlineReader(tg_settings))
    return TappedCore(real)


@pytest.fixture
async def app(tg_settings: Settings, core: TappedCore, fake_api: FakeBotApi) -> AsyncIterator[TelegramApp]:
    """The channel's application, initialized (getMe answered by the fake) but taking no updates;
    the fake's record starts empty after that."""
    application = build_telegram_application(tg_settings, core, PromptBook(core.engine))
    await application.initialize()
    fake_api.calls.clear()
    yield application
    await application.shutdown()


async def deliver(application: TelegramApp, payload: dict[str, Any]) -> None:
    """Hand one update to the application the way its update queue would."""
    await application.process_update(Update.de_json(payload, application.bot))
