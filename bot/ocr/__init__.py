"""The receipt reader: image checks, preprocessing, one Tesseract pass and field extraction."""

from bot.ocr.errors import UnreadableReceipt
from bot.ocr.fields import ReceiptFields
from bot.ocr.pool import ReaderPool
from bot.ocr.reader import read_receipt, read_text

__all__ = ["ReaderPool", "ReceiptFields", "UnreadableReceipt", "read_receipt", "read_text"]
