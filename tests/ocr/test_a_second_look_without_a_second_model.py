"""Stories for a second look that needs no second model on most receipts: Spanish reads the value again on the
enlarged crop, and the English model is loaded only where Spanish is known to fail (a `#` it has no letter for,
an amount it reads only doubtfully, two Spanish readings that differ)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.ocr import engine, read_receipt
from bot.ocr.rows import Token
from bot.ocr.second_look import doubtful_amount, glyphs, symbol_suspect
from tests.ocr.generator import generate
from tests.ocr.generator.draw import MONO, SANS, SERIF


@pytest.fixture
def cold_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's models forgotten for the test, as in a fresh `paybot ocr`."""
    monkeypatch.setattr(engine, "_engines", {})
    monkeypatch.setattr(engine, "_loading_locks", {})
    monkeypatch.setattr(engine, "_queued", {})
    yield


def _word(text: str, font: str, size: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A word drawn black on white at a receipt's size, and its ink box (as Tesseract boxes a word)."""
    image = Image.new("L", (400, 80), 255)
    ImageDraw.Draw(image).text((20, 15), text, fill=0, font=ImageFont.truetype(font, size))
    box = Image.eval(image, lambda v: 255 - v).getbbox()
    assert box is not None
    return image, box


RECEIPT_FONTS = [path for regular_and_bold in (*SANS.values(), *SERIF.values(), *MONO.values())
                 for path in regular_and_bold]


@pytest.mark.parametrize("font", RECEIPT_FONTS)
def test_a_hash_before_digits_is_suspected_however_spanish_read_it_and_plain_digits_are_not(font: str) -> None:
    for size in (24, 40):
        hashed, box = _word("#3159", font, size)
        assert len(glyphs(hashed, box)) == 5
        for misread in ("43159", "343159", "3159"):  # as the Spanish model reads `#3159`: one digit, two, none
            assert symbol_suspect(hashed, Token(misread, 0.9, box))
        for digits in ("43159", "4597", "3159", "62871", "1076"):
            plain, box = _word(digits, font, size)
            assert not symbol_suspect(plain, Token(digits, 0.9, box))


def test_an_amount_read_only_doubtfully_goes_to_the_second_model_and_a_clean_one_does_not() -> None:
    assert doubtful_amount("(1385,103.50")  # the colón sign's stroke read as a 1 before a group of three
    assert doubtful_amount("1,/19,594.00 colones")
    assert not doubtful_amount("₡62.871,00")
    assert not doubtful_amount("2026071857652634272983880")  # a reference is no amount


def test_a_clean_screenshot_is_read_without_loading_the_english_model(cold_engines: None) -> None:
    receipt = generate(10034, part="tuned")
    fields = read_receipt(receipt.data)
    assert engine.SECOND_LANGUAGE not in engine._engines
    assert fields.amount == receipt.truth.amount
    assert fields.confidence["amount"] >= 0.95  # the Spanish second look agreed: sure enough to forward
    assert fields.client_id == receipt.truth.client_id


def test_a_hash_spanish_cannot_read_loads_the_english_model_and_the_client_id_keeps_its_digits(
    cold_engines: None,
) -> None:
    receipt = generate(10002, part="tuned")  # `id wolk #3159`, which Spanish reads `id wolk 343159`
    assert receipt.truth.client_id == "3159"
    fields = read_receipt(receipt.data)
    assert engine.SECOND_LANGUAGE in engine._engines
    assert fields.client_id == "3159"
    assert fields.description == "id wolk #3159"
