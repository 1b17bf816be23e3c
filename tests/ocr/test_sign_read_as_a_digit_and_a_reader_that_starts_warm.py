"""Stories for a cheaper reader and for the colón sign that adds a digit: each a real misreading or cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.ocr import engine, read_receipt
from bot.ocr.extract import Row, Token, extract
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN
from tests.ocr.receipts import Receipt, generate


def _amount_row(sign: str, digits: str) -> list[Row]:
    """`Monto debitado`, the sign as its own word, then the digits: boxes as Tesseract gives them."""
    return [Row((
        Token("Monto", 0.93, (23, 245, 147, 276)),
        Token("debitado", 0.92, (165, 244, 346, 276)),
        Token(sign, 0.92, (681, 243, 706, 278)),
        Token(digits, 0.65, (726, 244, 957, 282)),
    ))]


class _Readings:
    """A first-model recheck and a second model that answer fixed text, remembering what they were shown."""

    def __init__(self, recheck: str | None, second: str | None) -> None:
        self.answers = {"recheck": recheck, "second": second}
        self.lefts: list[int | None] = []
        self.seen: list[str] = []

    def recheck(self, tokens: Sequence[Token], left: int | None) -> list[Token] | None:
        self.lefts.append(left)
        self.seen.append(" ".join(t.text for t in tokens))
        answer = self.answers["recheck"]
        return [Token(w, 0.95) for w in answer.split()] if answer else None

    def second(self, tokens: Sequence[Token]) -> list[Token] | None:
        self.seen.append(" ".join(t.text for t in tokens))
        answer = self.answers["second"]
        return [Token(w, 0.93) for w in answer.split()] if answer else None


def _read(rows: list[Row], readings: _Readings) -> tuple[Decimal | None, float]:
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN, reread=readings.second,
                     recheck=readings.recheck)
    return fields.amount, fields.confidence["amount"]


def test_colon_sign_read_as_paren_three_loses_the_three_when_the_digits_are_read_alone() -> None:
    # Real Tesseract output (bench receipt 10024): `₡ 85,103.50` read `( 385,103.50`; the word box of the
    # digits starts at the 8, so the 3 was made of the sign's stroke. Read alone, the digits say 85,103.50.
    readings = _Readings(recheck="85,103.50", second="¢ 85,103.50")
    amount, confidence = _read(_amount_row("(", "385,103.50"), readings)
    assert amount == Decimal("85103.50")
    assert confidence < 0.9
    assert readings.seen[-1] == "385,103.50"  # the digits' own word, not the sign
    assert readings.lefts == [716]  # the crop starts halfway between the sign and the digits


def test_a_digit_the_sign_did_not_make_survives_the_recheck() -> None:
    readings = _Readings(recheck="385,103.50", second="¢ 385,103.50")
    amount, confidence = _read(_amount_row("(", "385,103.50"), readings)
    assert amount == Decimal("385103.50")
    assert confidence >= 0.9


def test_readings_that_disagree_beyond_the_sign_are_never_confident() -> None:
    for recheck, second in (("85,108.50", "¢ 85,103.50"), ("85,103.50", "¢ 385,103.50"), ("85,103.50", None)):
        _amount, confidence = _read(_amount_row("(", "385,103.50"), _Readings(recheck, second))
        assert confidence < 0.9


def test_bench_receipt_with_the_colon_sign_read_as_paren_three() -> None:
    receipt = generate(10024, photographed=False)
    fields = read_receipt(receipt.data)
    assert fields.amount == receipt.truth.amount == Decimal("85103.50")
    assert fields.confidence["amount"] < 0.9


def test_a_date_that_reads_is_not_read_again() -> None:
    rows = [Row((Token("Fecha", 0.96, (0, 0, 10, 10)), Token("27/11/2026", 0.97, (20, 0, 90, 10))))]
    readings = _Readings(recheck=None, second="27/11/2026")
    fields = extract(rows, client_id_pattern=DEFAULT_CLIENT_ID_PATTERN, reread=readings.second,
                     recheck=readings.recheck)
    assert fields.date is not None and fields.date.isoformat() == "2026-11-27"
    assert readings.seen == []


def test_warm_up_loads_a_model_once_on_a_background_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_engines", {})
    monkeypatch.setattr(engine, "_loading_locks", {})
    threads = engine.warm_up(engine.SECOND_LANGUAGE)
    assert len(threads) == 1
    loaded = engine.get_engine(engine.SECOND_LANGUAGE)  # waits for the thread's model, loads no second copy
    for thread in threads:
        thread.join()
    assert engine.get_engine(engine.SECOND_LANGUAGE) is loaded
    assert engine.warm_up(engine.SECOND_LANGUAGE) == []


def test_several_images_one_json_line_each_in_order_and_one_error_line_per_unusable_file(
    clean_receipt: Receipt, dark_receipt: Receipt, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, bogus = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.jpg"
    first.write_bytes(clean_receipt.data)
    second.write_bytes(dark_receipt.data)
    bogus.write_bytes(b"not a jpeg")
    assert main(["ocr", str(first), str(bogus), str(second), str(tmp_path / "missing.png"), "--json"]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["amount"] for line in lines] == [f"{clean_receipt.truth.amount:.2f}", None,
                                                  f"{dark_receipt.truth.amount:.2f}", None]
    assert ["error" in line for line in lines] == [False, True, False, True]
    errors = captured.err.splitlines()
    assert len(errors) == 2 and all(line.startswith("paybot: error: ") for line in errors)
    assert str(bogus) in errors[0] and "missing.png" in errors[1]
    assert main(["ocr", str(first), str(second), "--json"]) == 0
