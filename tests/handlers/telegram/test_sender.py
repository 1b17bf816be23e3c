"""The outbox delivers through TelegramSender: cards with the receipt and buttons, errors it can retry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handlers.telegram import TelegramApp, TelegramSender
from bot.intake.messages import Audience, Button, OutboundMessage, SendError
from tests.handlers.telegram.conftest import CUSTOMER, SUPPORT_CHAT
from tests.handlers.telegram.fake_bot_api import FakeBotApi
from tests.ocr.receipts import generate

BUTTONS = (
    Button("✅ Aprobar", "pay:approve:42"),
    Button("✏️ Corregir", "pay:correct:42"),
    Button("❌ Rechazar", "pay:reject:42"),
)


def outbound(recipient: str, text: str, **extra: object) -> OutboundMessage:
    return OutboundMessage(
        outbox_id=1, channel="telegram", recipient=recipient, audience=Audience.SUPPORT, kind="card",
        text=text, **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def sender(app: TelegramApp) -> TelegramSender:
    return TelegramSender(app.bot, app)


@pytest.fixture
def receipt_file(tmp_path: Path) -> Path:
    path = tmp_path / "receipt.jpg"
    path.write_bytes(generate(21, photographed=True).data)
    return path


async def test_a_reply_to_a_customer_is_plain_text_and_returns_the_telegram_id(
    sender: TelegramSender, fake_api: FakeBotApi
) -> None:
    sent_id = await sender.send(outbound(str(CUSTOMER), "¡Hola Ana! Te confirmamos el recibido del pago 🙌🏻"))

    [call] = fake_api.calls_to("sendMessage")
    assert call.params["chat_id"] == CUSTOMER
    assert call.params["text"] == "¡Hola Ana! Te confirmamos el recibido del pago 🙌🏻"
    assert "reply_markup" not in call.params and "parse_mode" not in call.params
    assert sent_id == str(call.result["message_id"])


async def test_a_card_is_the_receipt_photo_with_its_text_and_buttons(
    sender: TelegramSender, fake_api: FakeBotApi, receipt_file: Path
) -> None:
    await sender.send(outbound(str(SUPPORT_CHAT), "Comprobante #42", media_path=str(receipt_file), buttons=BUTTONS))

    assert fake_api.methods() == ["sendPhoto"]
    [call] = fake_api.calls_to("sendPhoto")
    assert call.files["photo"] == receipt_file.read_bytes()
    assert call.params["caption"] == "Comprobante #42"
    assert call.buttons == [(b.label, b.data) for b in BUTTONS]
    assert [len(row) for row in call.params["reply_markup"]["inline_keyboard"]] == [2, 1]


async def test_a_card_longer_than_a_caption_is_the_photo_then_the_text_with_buttons(
    sender: TelegramSender, fake_api: FakeBotApi, receipt_file: Path
) -> None:
    long_card = "Comprobante #42\n" + "✔ revisión superada\n" * 80

    sent_id = await sender.send(
        outbound(str(SUPPORT_CHAT), long_card, media_path=str(receipt_file), buttons=BUTTONS)
    )

    assert fake_api.methods() == ["sendPhoto", "sendMessage"]
    photo, text = fake_api.calls
    assert "caption" not in photo.params and "reply_markup" not in photo.params
    assert text.params["text"] == long_card
    assert text.buttons == [(b.label, b.data) for b in BUTTONS]
    assert text.params["reply_parameters"]["message_id"] == photo.result["message_id"]
    assert sent_id == str(text.result["message_id"]), "the id is the message that carries the buttons"


async def test_a_pdf_receipt_goes_as_a_document(sender: TelegramSender, fake_api: FakeBotApi, tmp_path: Path) -> None:
    pdf = tmp_path / "comprobante.pdf"
    pdf.write_bytes(b"%PDF-1.4 comprobante")

    await sender.send(outbound(str(SUPPORT_CHAT), "Comprobante #42", media_path=str(pdf)))

    [call] = fake_api.calls_to("sendDocument")
    assert call.files["document"] == b"%PDF-1.4 comprobante"


@pytest.mark.parametrize(
    ("status", "description", "parameters", "retryable"),
    [
        (429, "Too Many Requests: retry after 3", {"retry_after": 3}, True),
        (500, "Internal Server Error", None, True),
        (502, "Bad Gateway", None, True),
        (400, "Bad Request: chat not found", None, False),
        (403, "Forbidden: bot was blocked by the user", None, False),
    ],
)
async def test_telegram_errors_say_whether_the_outbox_should_retry(
    sender: TelegramSender, fake_api: FakeBotApi, status: int, description: str,
    parameters: dict[str, int] | None, retryable: bool,
) -> None:
    fake_api.fail_next("sendMessage", status, description, parameters)

    with pytest.raises(SendError) as failure:
        await sender.send(outbound(str(CUSTOMER), "Hola"))

    assert failure.value.retryable is retryable


async def test_an_unreachable_bot_api_is_retried_later(sender: TelegramSender, fake_api: FakeBotApi) -> None:
    await fake_api.stop()

    with pytest.raises(SendError) as failure:
        await sender.send(outbound(str(CUSTOMER), "Hola"))

    assert failure.value.retryable is True


async def test_a_recipient_that_is_no_chat_id_is_not_retried(sender: TelegramSender, fake_api: FakeBotApi) -> None:
    with pytest.raises(SendError) as failure:
        await sender.send(outbound("whatsapp:+50688112233", "Hola"))

    assert failure.value.retryable is False
    assert fake_api.calls_to("sendMessage") == []
