"""`paybot ocr` as the command-line contract says: one JSON object, or one error line and non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.ocr.receipts import Receipt


def test_json_output_has_the_contract_keys(
    clean_receipt: Receipt, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "receipt.png"
    image.write_bytes(clean_receipt.data)
    assert main(["ocr", str(image), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["amount", "currency", "date", "reference", "payer_name", "payee_name",
                         "description", "client_id", "bank", "confidence"]
    assert out["amount"] == f"{clean_receipt.truth.amount:.2f}"
    assert all(0 <= v <= 1 for v in out["confidence"].values())


def test_unusable_file_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "receipt.jpg"
    bogus.write_bytes(b"definitely not a jpeg")
    assert main(["ocr", str(bogus)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("paybot: error: ") and err.count("\n") == 1
