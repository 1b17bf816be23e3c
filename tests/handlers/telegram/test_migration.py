"""A staff group upgraded to a supergroup keeps working before the operator updates the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handlers.telegram import (
    TelegramApp,
    TelegramSender,
    build_telegram_application,
    start_telegram,
    stop_telegram,
)
from bot.handlers.telegram_prompts import PromptBook
from bot.intake.messages import Audience, OutboundMessage, StaffActionKind
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import AGENT, SUPPORT_CHAT, deliver, telegram_settings
from tests.handlers.telegram.fake_bot_api import FakeBotApi

SUPERGROUP = -1009999888
AGENT_USER = updates.user(AGENT, "Laura", "Soporte")


def card_for_support(text: str = "Comprobante #42") -> OutboundMessage:
    """A card the core addresses to the support chat id in the settings (the old one)."""
    return OutboundMessage(
        outbox_id=7, channel="telegram", recipient=str(SUPPORT_CHAT), audience=Audience.SUPPORT,
        kind="support_card", text=text,
    )


async def test_a_support_group_upgraded_to_a_supergroup_keeps_working(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore, caplog: pytest.LogCaptureFixture
) -> None:
    app.chat_data[SUPPORT_CHAT]["kept"] = "across the move"
    for service_message in updates.group_migrated(SUPPORT_CHAT, SUPERGROUP, AGENT_USER):
        await deliver(app, service_message)

    assert f"PAYBOT_TELEGRAM_SUPPORT_CHAT_ID={SUPERGROUP}" in caplog.text
    assert app.chat_data[SUPERGROUP] == {"kept": "across the move"}
    fake_api.migrate(SUPPORT_CHAT, SUPERGROUP)

    intake_id = await core.receipt_in_review()
    await TelegramSender(app.bot, app).send(card_for_support())
    card = updates.bot_message(SUPERGROUP, 900, "Comprobante #42", [("✅ Aprobar", f"pay:approve:{intake_id}")])
    await deliver(app, updates.button_press(AGENT_USER, card, f"pay:approve:{intake_id}"))

    assert fake_api.sent_to(SUPPORT_CHAT) == []
    assert fake_api.texts_to(SUPERGROUP) == [
        "Comprobante #42", f"✅ Comprobante #{intake_id} aprobado y enviado a contabilidad."]
    [action] = core.applied
    assert (action.kind, action.chat) == (StaffActionKind.APPROVE, str(SUPPORT_CHAT))
    assert f"update the PAYBOT_TELEGRAM_*_CHAT_ID setting to {SUPERGROUP}" in caplog.text


async def test_a_card_sent_to_a_group_that_just_moved_follows_it(
    app: TelegramApp, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.migrate(SUPPORT_CHAT, SUPERGROUP)
    sender = TelegramSender(app.bot, app)

    first = await sender.send(card_for_support("primera"))
    second = await sender.send(card_for_support("segunda"))

    assert first != second
    assert fake_api.texts_to(SUPERGROUP) == ["primera", "segunda"]
    assert len(fake_api.sent_to(SUPPORT_CHAT)) == 1, "only the first card learned of the move"
    assert caplog.text.count(f"PAYBOT_TELEGRAM_SUPPORT_CHAT_ID={SUPERGROUP}") == 1


async def test_a_move_made_while_paybot_was_down_is_learned_at_start(
    tmp_path: Path, fake_api: FakeBotApi, core: TappedCore, caplog: pytest.LogCaptureFixture
) -> None:
    settings = telegram_settings(tmp_path, fake_api, public_url="https://paybot.example.cr")
    fake_api.migrate(SUPPORT_CHAT, SUPERGROUP)
    application = build_telegram_application(settings, core, PromptBook(core.engine))
    await start_telegram(application, settings)
    try:
        await TelegramSender(application.bot, application).send(card_for_support())
    finally:
        await stop_telegram(application)

    assert f"PAYBOT_TELEGRAM_SUPPORT_CHAT_ID={SUPERGROUP}" in caplog.text
    assert fake_api.sent_to(SUPPORT_CHAT) == []
    assert fake_api.texts_to(SUPERGROUP) == ["Comprobante #42"]
