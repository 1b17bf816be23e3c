"""Customers in a private chat hand the bot a receipt; the core gets it as one neutral message."""

from __future__ import annotations

from bot.handlers.telegram import TelegramApp
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import CUSTOMER, deliver
from tests.handlers.telegram.fake_bot_api import FakeBotApi
from tests.ocr.receipts import generate

MB = 1024 * 1024


async def test_a_customer_photo_reaches_the_core_with_the_largest_size(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    receipt = generate(7)
    fake_api.add_file("rcpt-l", receipt.data)
    payload = updates.customer_photo(CUSTOMER, "rcpt", caption="Pago de marzo ID 4521")

    await deliver(app, payload)

    [inbound] = core.received
    message_id = payload["message"]["message_id"]
    assert inbound.channel == "telegram"
    assert inbound.external_id == f"{CUSTOMER}:{message_id}"
    assert (inbound.sender, inbound.reply_to) == (str(CUSTOMER), str(CUSTOMER))
    assert inbound.sender_name == "Ana Mora"
    assert inbound.text == "Pago de marzo ID 4521"
    assert inbound.media == receipt.data
    assert inbound.media_type == "image/jpeg"
    assert inbound.media_error is None
    assert [call.params["file_id"] for call in fake_api.calls_to("getFile")] == ["rcpt-l"]
    assert fake_api.downloads == ["rcpt-l"]
    assert fake_api.sent_to(CUSTOMER) == [], "the answer comes from the core's outbox, not the channel"


async def test_a_pdf_sent_as_a_file_keeps_its_name_and_type(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    fake_api.add_file("pdf-1", b"%PDF-1.4 comprobante")

    await deliver(app, updates.customer_document(CUSTOMER, "pdf-1", "comprobante.pdf", "application/pdf", 20))

    [inbound] = core.received
    assert (inbound.media, inbound.media_type, inbound.file_name) == (
        b"%PDF-1.4 comprobante", "application/pdf", "comprobante.pdf",
    )


async def test_a_file_that_cannot_be_a_receipt_still_reaches_the_core_so_the_customer_is_answered(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    await deliver(app, updates.customer_document(CUSTOMER, "xls-1", "pagos.xlsx", "application/vnd.ms-excel", 900))

    [inbound] = core.received
    assert (inbound.media, inbound.media_error, inbound.file_name) == (None, "unsupported_type", "pagos.xlsx")
    assert fake_api.count("getFile") == 0


async def test_pasted_text_reaches_the_core_without_media(app: TelegramApp, core: TappedCore) -> None:
    sms = "SINPE Movil: le transfirio 25 000,00 a Wolk Software"

    await deliver(app, updates.customer_text(CUSTOMER, sms))

    [inbound] = core.received
    assert inbound.text == sms
    assert (inbound.media, inbound.media_type, inbound.media_error) == (None, None, None)


async def test_a_file_over_20_mb_is_not_fetched_and_the_core_hears_it_is_too_large(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    await deliver(app, updates.customer_document(CUSTOMER, "huge", "scan.png", "image/png", 25 * MB))

    [inbound] = core.received
    assert (inbound.media, inbound.media_error) == (None, "too_large")
    assert inbound.file_name == "scan.png"
    assert fake_api.count("getFile") == 0


async def test_a_file_of_unknown_size_that_telegram_calls_too_big_is_too_large(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    fake_api.add_file("huge", b"x", size=21 * MB)

    await deliver(app, updates.customer_document(CUSTOMER, "huge", "scan.jpg", "image/jpeg", None))

    [inbound] = core.received
    assert inbound.media_error == "too_large"
    assert fake_api.count("getFile") == 1


async def test_a_file_telegram_cannot_serve_is_a_failed_download(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    await deliver(app, updates.customer_document(CUSTOMER, "gone", "scan.jpg", "image/jpeg", 100))

    [inbound] = core.received
    assert (inbound.media, inbound.media_error) == (None, "download_failed")


async def test_an_album_is_one_intake_per_image(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    first, second = generate(11), generate(12)
    fake_api.add_file("a1-l", first.data)
    fake_api.add_file("a2-l", second.data)

    await deliver(app, updates.customer_photo(CUSTOMER, "a1", caption="Pagos de enero", media_group_id="ab"))
    await deliver(app, updates.customer_photo(CUSTOMER, "a2", media_group_id="ab"))

    assert [m.media for m in core.received] == [first.data, second.data]
    assert len({m.external_id for m in core.received}) == 2
    assert [m.text for m in core.received] == ["Pagos de enero", None]


async def test_the_same_update_delivered_twice_reaches_the_core_with_the_same_id(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    fake_api.add_file("dup-l", generate(3).data)
    payload = updates.customer_photo(CUSTOMER, "dup")

    await deliver(app, payload)
    await deliver(app, payload)

    assert len(core.received) == 1


async def test_an_edited_caption_is_not_a_second_receipt(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    fake_api.add_file("ed-l", generate(5).data)
    payload = updates.customer_photo(CUSTOMER, "ed", caption="ID 12")
    edited = updates.update(edited_message=payload["message"] | {"caption": "ID 13", "edit_date": 1})

    await deliver(app, payload)
    await deliver(app, edited)

    assert len(core.received) == 1


async def test_group_chatter_is_not_a_receipt(app: TelegramApp, core: TappedCore) -> None:
    chatter = updates.message(updates.group_chat(-100999), updates.user(77), text="buenos días")

    await deliver(app, updates.update(message=chatter))

    assert core.received == []


async def test_a_customer_opening_the_bot_with_start_is_greeted_and_asked_for_the_receipt(
    app: TelegramApp, core: TappedCore
) -> None:
    """/start is the first thing every Telegram user sends: it was dropped, unstored and unanswered."""
    start = updates.customer_text(CUSTOMER, "/start")
    start["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]

    await deliver(app, start)
    await core.settle()

    [inbound] = core.received
    assert inbound.text == "/start"
    intake = core.intake(1)
    assert (intake.state, intake.reply_kind) == ("needs_info", "ask_receipt")


async def test_a_dice_from_a_customer_still_reaches_the_core_so_they_are_answered(
    app: TelegramApp, core: TappedCore
) -> None:
    dice = updates.message(updates.private_chat(CUSTOMER), updates.user(CUSTOMER), dice={"emoji": "🎲", "value": 3})

    await deliver(app, updates.update(message=dice))
    await core.settle()

    [inbound] = core.received
    assert inbound.media_error == "unsupported_type"
    assert core.intake(1).reply_kind == "unreadable"
