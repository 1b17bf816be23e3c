"""The reader on real generated images and real Tesseract: what comes out, and what is refused."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal

import pytest
from PIL import Image

from bot.ocr import ReaderPool, UnreadableReceipt, read_receipt, read_text
from tests.ocr.receipts import Receipt, encode

EXACT_KEYS = ("amount", "currency", "date", "reference", "payer_name", "payee_name", "description", "client_id")


def _assert_matches(receipt: Receipt, got: dict[str, object], keys: tuple[str, ...] = EXACT_KEYS) -> None:
    truth = receipt.truth.as_json()
    assert {k: got[k] for k in keys} == {k: truth[k] for k in keys}


def test_clean_screenshot_reads_every_field(clean_receipt: Receipt) -> None:
    fields = read_receipt(clean_receipt.data)
    _assert_matches(clean_receipt, fields.to_json(), (*EXACT_KEYS, "bank"))
    assert isinstance(fields.amount, Decimal)
    assert fields.confidence["amount"] > 0.5


def test_dark_mode_screenshot(dark_receipt: Receipt) -> None:
    fields = read_receipt(dark_receipt.data)
    _assert_matches(dark_receipt, fields.to_json(), ("amount", "currency", "date", "payer_name", "payee_name"))
    assert fields.payee_phone == dark_receipt.truth.payee_phone


def test_photographed_receipt_gets_the_amount_right_or_says_it_is_unsure(photo_receipt: Receipt) -> None:
    fields = read_receipt(photo_receipt.data)
    if fields.amount != photo_receipt.truth.amount:
        assert fields.confidence.get("amount", 0) < 0.9
    assert fields.date == photo_receipt.truth.date


def test_pdf_first_page_is_read(clean_receipt: Receipt) -> None:
    image = Image.open(io.BytesIO(clean_receipt.data)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=200)
    fields = read_receipt(buffer.getvalue())
    assert fields.amount == clean_receipt.truth.amount
    assert fields.reference == clean_receipt.truth.reference


def test_exif_orientation_is_applied(clean_receipt: Receipt) -> None:
    image = Image.open(io.BytesIO(clean_receipt.data)).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    assert read_receipt(buffer.getvalue()).amount == clean_receipt.truth.amount


def test_pasted_sms_notification() -> None:
    text = ("Ha recibido 6.000,00 colones por BN SINPE MOVIL de MARIA JIMENEZ MORA. "
            "Referencia 2026031315183010967758882")
    fields = read_text(text)
    assert fields.amount == Decimal("6000.00")
    assert fields.currency == "CRC"
    assert fields.reference == "2026031315183010967758882"
    assert fields.date is not None and fields.date.isoformat() == "2026-03-13"
    assert fields.payer_name == "MARIA JIMENEZ MORA"
    assert fields.bank == "Banco Nacional"


def test_pasted_email_with_labels() -> None:
    fields = read_text("Comprobante BAC Credomatic\nMonto: US$ 45,00\nFecha: 27/11/2026\nDetalle: pago ID WOLK 77")
    assert (fields.amount, fields.currency, fields.client_id) == (Decimal("45.00"), "USD", "77")
    assert fields.bank == "BAC Credomatic"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"hello, this is text", "unsupported_type"),
        (b"GIF89a" + b"\x00" * 100, "unsupported_type"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "corrupt"),
        (b"%PDF-1.4 not really", "corrupt"),
    ],
)
def test_hostile_files_are_refused_with_a_spanish_message(data: bytes, code: str) -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(data)
    assert caught.value.code == code
    assert "comprobante" in caught.value.customer_message or "imagen" in caught.value.customer_message


def test_byte_cap_is_checked_before_decoding(clean_receipt: Receipt) -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(clean_receipt.data, max_bytes=1000)
    assert caught.value.code == "too_large"


def test_decompression_bomb_is_refused() -> None:
    data = encode(Image.new("1", (20000, 20000), 1), "PNG")
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(data)
    assert caught.value.code == "decompression_bomb"


def test_blank_image_has_no_text() -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(encode(Image.new("RGB", (600, 900), (255, 255, 255)), "PNG"))
    assert caught.value.code == "no_text"


@pytest.mark.slow
def test_pool_reads_in_worker_processes(clean_receipt: Receipt, dark_receipt: Receipt) -> None:
    async def both() -> list[object]:
        with ReaderPool(workers=2) as pool:
            return await asyncio.gather(pool.read(clean_receipt.data), pool.read(dark_receipt.data),
                                        pool.read(b"nope"), return_exceptions=True)

    first, second, third = asyncio.run(both())
    assert getattr(first, "amount", None) == clean_receipt.truth.amount
    assert getattr(second, "amount", None) == dark_receipt.truth.amount
    assert isinstance(third, UnreadableReceipt) and third.code == "unsupported_type"
