"""Stories for the reader's fixes: each one a misreading seen on real Tesseract output, and what comes out."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.ocr import UnreadableReceipt
from bot.ocr.engine import LibraryEngine, get_engine, run_tesseract
from bot.ocr.extract import Reread, Row, Token, extract
from bot.ocr.parsing import better_symbol_reading, may_gain_symbol, parse_amount
from bot.ocr.preprocess import prepare
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN, read_receipt
from tests.ocr.receipts import FONTS, Receipt, encode, generate


def _rows(*lines: str, conf: float = 0.95) -> list[Row]:
    return [Row(tuple(Token(word, conf, (0, 0, 10, 10)) for word in line.split())) for line in lines]


def _rereader(**answers: str) -> Reread:
    """A second model that answers fixed text for words it is shown (by their first reading)."""

    def reread(tokens: Sequence[Token]) -> list[Token] | None:
        text = " ".join(t.text for t in tokens)
        if text not in answers:
            return None
        return [Token(word, 0.93) for word in answers[text].split()]

    return reread


def test_hash_read_as_plus_still_finds_client_id() -> None:
    rows = _rows("Monto ₡6.000,00", "Detalle id wolk ++4968")
    reread = _rereader(**{"id wolk ++4968": "id wolk #4968"})
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN, reread=reread)
    assert (fields.description, fields.client_id) == ("id wolk #4968", "4968")


def test_hash_read_as_two_pluses_gives_the_client_id_even_when_no_second_reading_comes() -> None:
    rows = _rows("Monto ₡6.000,00", "Detalle id wolk ++4968")
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN, reread=lambda tokens: None)
    assert (fields.description, fields.client_id) == ("id wolk #4968", "4968")


@pytest.mark.parametrize(("seed", "client_id"), [(10002, "3159"), (10048, "8154"), (10156, "3509"), (10167, "7135")])
def test_a_hash_misread_before_the_client_id_on_generated_receipts(seed: int, client_id: str) -> None:
    from tests.ocr.generator import generate as generate_wide

    # `#3159` read `343159` (sections); `#8154` read `++8154` (e-mail); in forwarded chats, `#3509.` read
    # `43509.` at the end of a sentence, and `#7135.` read `147135.` in a phrase wrapped over two lines (each
    # line is read again on its own).
    receipt = generate_wide(seed, part="tuned")
    fields = read_receipt(receipt.data)
    assert receipt.truth.client_id == client_id
    assert (fields.client_id, fields.description) == (client_id, receipt.truth.description)


@pytest.mark.parametrize(("first", "second", "taken"), [
    ("44968", "#4968", True), ("343159", "#3159", True), ("++4968", "#4968", True), ("+4968", "#4968", True),
    ("385", "#385", True), ("147135.", "#7135.", True), ("43509,", "#3509,", True), ("43509.", "#3509", False),
    ("¿6670", "#6670", True), ("10787", "ID787", True), ("1D:", "ID:", True), ("iD", "ID", True),
    ("4968", "#4969", False), ("pago", "#pago", False), ("12345", "ID345", False), ("Roble", "Rob1e", False),
])
def test_second_reading_is_taken_only_to_restore_a_hash_or_id(first: str, second: str, taken: bool) -> None:
    assert better_symbol_reading(first, second) is taken


def test_a_word_is_read_again_only_where_a_second_reading_could_restore_a_hash_or_id() -> None:
    words = ["44968", "++4968", "¿6670", "147135.", "10787", "1D:", "iD", "385", "ID159", "ID:", "pago", "Roble",
             "mensualidad", "ID", "W0LK", "S.A.", "2026-11-27"]
    assert [w for w in words if may_gain_symbol(w)] == ["44968", "++4968", "¿6670", "147135.", "10787", "1D:", "iD",
                                                        "385"]
    rng = random.Random(12)
    alphabet = "0123456789#+34H1$¿?*IDlOo|i.,;:)aB"
    for _ in range(20_000):
        first = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
        core = first.rstrip(".,;:)")
        seconds = ["ID" + first[2:], "ID" + core[2:]]
        seconds += [f"#{core[-k:]}{first[len(core):]}" for k in range(1, len(core) + 1)]
        assert may_gain_symbol(first) or not any(better_symbol_reading(first, second) for second in seconds)


def test_a_description_read_whole_is_not_read_again() -> None:
    asked: list[str] = []

    def reread(tokens: Sequence[Token]) -> list[Token] | None:
        asked.append(" ".join(t.text for t in tokens))
        return None

    extract(_rows("Monto ₡6.000,00", "Detalle Mensualidad ID159 W0LK"), client_id_pattern=DEFAULT_CLIENT_ID_PATTERN,
            reread=reread)
    assert asked == ["₡6.000,00"]
    extract(_rows("Monto ₡6.000,00", "Detalle Mensualidad ++4968"), client_id_pattern=DEFAULT_CLIENT_ID_PATTERN,
            reread=reread)
    assert asked[1:] == ["₡6.000,00", "Mensualidad ++4968"]


def test_sinpe_reference_cross_checked_against_the_date() -> None:
    wrong = "2026042043668085179097348"  # the day's digit misread: 20260420 is not the receipt's date
    right = "2026042148668085179097348"
    rows = _rows("Fecha 21/04/2026", f"Referencia {wrong}", "Monto ₡466,50")
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN, reread=_rereader(**{wrong: right}))
    assert fields.reference == right
    assert fields.date == date(2026, 4, 21)
    alone = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN)
    assert alone.reference == wrong and alone.confidence["reference"] <= 0.5


def test_second_reading_that_disagrees_on_the_amount_lowers_confidence() -> None:
    rows = _rows("Monto debitado ( 385,103.50")
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN,
                     reread=_rereader(**{"( 385,103.50": "₡ 85,103.50"}))
    assert fields.confidence["amount"] < 0.9


def test_colon_sign_read_as_paren_one_prefers_the_reading_without_the_one() -> None:
    rows = _rows("(72.739,00", "Monto (172.739,00")
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN)
    assert fields.amount == Decimal("72739.00")
    single = extract(_rows("Monto (166.498,50"), client_id_pattern=DEFAULT_CLIENT_ID_PATTERN)
    assert single.amount == Decimal("166498.50") and single.confidence["amount"] < 0.9


def test_thousands_mark_read_as_decimal_mark_is_doubtful_not_refused() -> None:
    money = parse_amount("794,992,00 colones")
    assert money is not None and money.value == Decimal("794992.00") and money.doubtful
    assert parse_amount("1,234.567,00") is None


def test_bank_name_in_a_coloured_header_of_a_photo_is_read() -> None:
    receipt = generate(10007, photographed=True)
    assert read_receipt(receipt.data).bank == receipt.truth.bank == "Promerica"


def test_white_text_on_a_coloured_header_becomes_dark_on_white() -> None:
    image = Image.new("RGB", (900, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 900, 110), fill=(230, 90, 0))
    font = ImageFont.truetype(FONTS["dejavu"][1], 40)
    draw.text((450, 55), "Grupo Mutual", font=font, fill="white", anchor="mm")
    draw.text((60, 200), "Monto ₡5.000,00", font=font, fill=(25, 25, 25))
    prepared = prepare(image)
    words = [w.text for w in run_tesseract(prepared.image, timeout=10)]
    assert "Mutual" in words


def test_dark_mode_receipt_reads_the_reference(dark_receipt: Receipt) -> None:
    assert read_receipt(dark_receipt.data).reference == dark_receipt.truth.reference


def test_engine_is_warm_and_shared_within_the_process() -> None:
    assert get_engine() is get_engine()
    assert isinstance(get_engine(), LibraryEngine)


def test_engine_deadline_turns_a_slow_read_into_a_timeout(clean_receipt: Receipt) -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(clean_receipt.data, timeout=0.001)
    assert caught.value.code == "timeout"


def test_subprocess_fallback_reads_the_same(monkeypatch: pytest.MonkeyPatch, clean_receipt: Receipt) -> None:
    from bot.ocr import engine

    monkeypatch.setattr(engine, "_engines", {})
    monkeypatch.setenv(engine.ENGINE_ENV, "subprocess")
    monkeypatch.setattr(engine, "_engine_pid", 0)
    assert engine.get_engine().name == "pytesseract"  # `subprocess`, the engine's former name, still chooses it
    assert read_receipt(clean_receipt.data).amount == clean_receipt.truth.amount
    monkeypatch.setattr(engine, "_engines", {})


def test_long_value_wraps_below_its_label_in_the_generator() -> None:
    receipt = generate(10005, photographed=False)
    fields = read_receipt(receipt.data)
    assert fields.reference == receipt.truth.reference


def test_warm_reader_is_fast(clean_receipt: Receipt) -> None:
    read_receipt(clean_receipt.data)
    start = time.perf_counter()
    read_receipt(clean_receipt.data)
    assert time.perf_counter() - start < 2.0
    assert encode(Image.new("RGB", (4, 4)), "PNG")
