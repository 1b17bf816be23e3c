"""Stories for a second look that needs no second model on most receipts: Spanish reads the value again on the
enlarged crop, and the English model is loaded only where Spanish is known to fail (a `#` it has no letter for,
an amount it reads only doubtfully, two Spanish readings that differ)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.ocr import engine, read_receipt
from bot.ocr.reader import _line_reader
from bot.ocr.rows import Token
from bot.ocr.second_look import LineReader, doubtful_amount, glyphs, second_opinion, symbol_suspect
from tests.ocr.generator import generate
from tests.ocr.generator.draw import MONO, SANS, SERIF
from tests.ocr.receipts import generate as generate_speed_receipt


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
        for misread in ("43159", "343159", "3159", "+3159"):  # Spanish reads `#3159` as a digit, two, none, a `+`
            assert symbol_suspect(hashed, Token(misread, 0.9, box))
        for digits in ("43159", "4597", "3159", "62871", "1076"):
            plain, box = _word(digits, font, size)
            assert not symbol_suspect(plain, Token(digits, 0.9, box))


def _touching(text: str, font: str, size: int, pair: int) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A word drawn as `_word` draws it, but with the characters at `pair` and `pair + 1` pushed together until their
    ink touches (as a JPEG's blur or tight type joins them)."""
    face = ImageFont.truetype(font, size)
    image = Image.new("L", (800, 80), 255)
    draw = ImageDraw.Draw(image)
    x = 20.0
    for k, char in enumerate(text):
        draw.text((x, 15), char, fill=0, font=face)
        x += face.getlength(char) - (face.getlength(char) * 0.3 if k == pair else 0)
    box = Image.eval(image, lambda v: 255 - v).getbbox()
    assert box is not None
    return image, box


@pytest.mark.parametrize("font", RECEIPT_FONTS)
def test_touching_digits_in_a_reference_or_a_phone_need_no_second_model_but_a_hash_touching_its_digit_does(
    font: str,
) -> None:
    for size in (24, 40):
        reference = "2026042360842960196344341"
        joined, box = _touching(reference, font, size, pair=19)
        assert len(glyphs(joined, box)) < len(reference)
        assert not symbol_suspect(joined, Token(reference, 0.9, box))
        client, box = _touching("3884", font, size, pair=2)
        assert not symbol_suspect(client, Token("3884", 0.9, box))
        phone, box = _word("+506", font, size)
        assert not symbol_suspect(phone, Token("+506", 0.9, box))
        hashed, box = _touching("#3159", font, size, pair=0)
        assert len(glyphs(hashed, box)) == 4
        for misread in ("343159", "43159", "3159"):
            assert symbol_suspect(hashed, Token(misread, 0.9, box))


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


@pytest.mark.parametrize(("seed", "why"), [
    (20002, "`ID7412` read `1D7412` on the page and `1ID7412` on the enlarged crop"),
    (20008, "touching digits in a 25-digit reference and in the client ID `3884`"),
    (20017, "a phone `+506 7772 6798` in the description"),
])
def test_a_receipt_spanish_reads_the_same_twice_is_read_without_the_english_model(
    cold_engines: None, seed: int, why: str
) -> None:
    receipt = generate_speed_receipt(seed, photographed=False)
    fields = read_receipt(receipt.data)
    assert engine.SECOND_LANGUAGE not in engine._engines, why
    assert fields.description == receipt.truth.description
    assert fields.client_id == receipt.truth.client_id
    assert fields.reference == receipt.truth.reference


def _line(words: list[str], font: str = RECEIPT_FONTS[0]) -> tuple[Image.Image, list[Token]]:
    """A description line drawn at a screenshot's size, as the page pass boxes its words."""
    face = ImageFont.truetype(font, 30)
    image = Image.new("L", (900, 90), 255)
    draw = ImageDraw.Draw(image)
    tokens, x = [], 20.0
    for word in words:
        draw.text((x, 25), word, fill=0, font=face)
        box = draw.textbbox((x, 25), word, font=face)
        tokens.append(Token(word, 0.9, (int(box[0]), int(box[1]), int(box[2]) + 1, int(box[3]) + 1)))
        x += face.getlength(word + " ")
    return image, tokens


def _counted(page: Image.Image, language: str, calls: list[str], scale: float = 1.0) -> LineReader:
    """The reader's own line reader (real Tesseract), each call noted."""
    read = _line_reader(page, time.monotonic() + 30, language, scale)

    def counted(tokens: Sequence[Token], left: int | None = None) -> list[Token] | None:
        calls.append(language)
        return read(tokens, left)

    return counted


def test_a_description_with_no_hash_and_no_misread_id_is_not_read_again_but_a_misread_id_is() -> None:
    for words, wanted in ((["Pago", "mensualidad", "7116"], []), (["1D7116", "mensualidad"], ["spa"])):
        page, tokens = _line(words)
        calls: list[str] = []
        symbols = second_opinion(page, _counted(page, "spa", calls, 1.5), _counted(page, "eng", calls), symbols=True)
        again = symbols(tokens)
        assert calls == wanted
        if wanted:
            assert again is not None and again[0].text == "ID7116"
        else:
            assert again is None
    page, tokens = _line(["Pago", "mensualidad", "7116"])
    calls = []
    values = second_opinion(page, _counted(page, "spa", calls, 1.5), _counted(page, "eng", calls))
    assert [t.text for t in values(tokens) or []] == ["Pago", "mensualidad", "7116"]
    assert calls == ["spa"]  # a value's words are always read again: the reading is its second opinion
