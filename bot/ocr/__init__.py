"""The receipt reader: image checks, preprocessing, one Tesseract pass and field extraction.

Names are imported on first use, so `bot.config` can read `bot.ocr.defaults` without loading Pillow,
and `paybot ocr` starts loading the model before the rest of the reader is imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ocr.errors import UnreadableReceipt
    from bot.ocr.fields import ReceiptFields
    from bot.ocr.pool import ReaderPool
    from bot.ocr.reader import read_receipt, read_text

__all__ = ["ReaderPool", "ReceiptFields", "UnreadableReceipt", "read_receipt", "read_text"]

_HOMES = {
    "ReaderPool": "bot.ocr.pool",
    "ReceiptFields": "bot.ocr.fields",
    "UnreadableReceipt": "bot.ocr.errors",
    "read_receipt": "bot.ocr.reader",
    "read_text": "bot.ocr.reader",
}


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
