"""The receipt reader: image checks, preprocessing, one Tesseract pass and field extraction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ocr.errors import UnreadableReceipt
from bot.ocr.fields import ReceiptFields
from bot.ocr.reader import read_receipt, read_text

if TYPE_CHECKING:
    from bot.ocr.pool import ReaderPool

__all__ = ["ReaderPool", "ReceiptFields", "UnreadableReceipt", "read_receipt", "read_text"]


def __getattr__(name: str) -> object:
    # The pool (multiprocessing, asyncio) is imported only by those who use it, not by `paybot ocr`.
    if name == "ReaderPool":
        from bot.ocr.pool import ReaderPool

        return ReaderPool
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
