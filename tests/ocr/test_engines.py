"""The reader's stories on both engines: libtesseract kept warm (the default) and pytesseract (a tesseract
process per image), chosen by PAYBOT_OCR_ENGINE, with pytesseract taking over when libtesseract is missing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ocr import ReaderPool, UnreadableReceipt, engine, read_receipt
from tests.ocr.hostile import dense_text, minimal_pdf
from tests.ocr.receipts import Receipt


@pytest.fixture(params=["library", "pytesseract"])
def engine_name(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's engine chosen afresh for the test, as PAYBOT_OCR_ENGINE chooses it."""
    monkeypatch.setenv(engine.ENGINE_ENV, request.param)
    monkeypatch.setattr(engine, "_engines", {})
    monkeypatch.setattr(engine, "_loading_locks", {})
    yield request.param
    engine._engines.clear()


def test_each_engine_reads_screenshots_and_photos_alike(
    engine_name: str, clean_receipt: Receipt, dark_receipt: Receipt, photo_receipt: Receipt
) -> None:
    assert engine.get_engine().name == engine_name
    for receipt in (clean_receipt, dark_receipt, photo_receipt):
        fields = read_receipt(receipt.data)
        assert (fields.amount, fields.date) == (receipt.truth.amount, receipt.truth.date)
    assert read_receipt(clean_receipt.data).reference == clean_receipt.truth.reference


def test_each_engine_stops_a_slow_page_at_its_deadline_as_a_timeout(engine_name: str) -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(dense_text(1500), timeout=1.5)
    assert caught.value.kind == "timeout"


def test_each_engine_says_a_blank_pdf_page_has_no_text(engine_name: str) -> None:
    with pytest.raises(UnreadableReceipt) as caught:
        read_receipt(minimal_pdf(300, 500))
    assert caught.value.code == "no_text"


def test_without_libtesseract_the_reader_uses_pytesseract(
    monkeypatch: pytest.MonkeyPatch, clean_receipt: Receipt
) -> None:
    monkeypatch.delenv(engine.ENGINE_ENV, raising=False)
    monkeypatch.setattr(engine, "_engines", {})
    monkeypatch.setattr(engine, "_loading_locks", {})
    monkeypatch.setattr(engine, "LIBRARY_NAMES", ("libtesseract-missing.so.0",))
    monkeypatch.setattr(engine, "LIBRARY_SHORT_NAME", "tesseract-missing")
    assert engine.get_engine().name == "pytesseract"
    assert read_receipt(clean_receipt.data).amount == clean_receipt.truth.amount
    engine._engines.clear()


@pytest.mark.slow
def test_the_pool_and_paybot_ocr_honour_the_engine_setting(clean_receipt: Receipt, tmp_path: Path) -> None:
    async def pooled() -> str | None:
        with ReaderPool(workers=1, engine="pytesseract") as pool:
            fields = await pool.read(clean_receipt.data)
            return None if fields.amount is None else f"{fields.amount:.2f}"

    assert asyncio.run(pooled()) == f"{clean_receipt.truth.amount:.2f}"
    image = tmp_path / "receipt.png"
    image.write_bytes(clean_receipt.data)
    env = {**os.environ, engine.ENGINE_ENV: "pytesseract"}
    done = subprocess.run([sys.executable, "-m", "bot", "ocr", str(image), "--json"], env=env, capture_output=True,
                          text=True, timeout=60, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["amount"] == f"{clean_receipt.truth.amount:.2f}"
