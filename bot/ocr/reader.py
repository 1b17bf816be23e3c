"""read_receipt and read_text: the reader's synchronous entry points, one Tesseract pass per image."""

from __future__ import annotations

from bot.config import Settings
from bot.ocr.engine import run_tesseract
from bot.ocr.errors import UnreadableReceipt
from bot.ocr.extract import extract, rows_from_text, rows_from_words
from bot.ocr.fields import ReceiptFields
from bot.ocr.loading import load_image
from bot.ocr.preprocess import prepare

DEFAULT_CLIENT_ID_PATTERN: str = Settings.model_fields["client_id_pattern"].default
DEFAULT_TIMEOUT: int = Settings.model_fields["ocr_timeout_seconds"].default
DEFAULT_MAX_BYTES: int = Settings.model_fields["max_upload_bytes"].default


def read_receipt(
    data: bytes,
    *,
    client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN,
    timeout: int = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ReceiptFields:
    """Read a JPEG, PNG, WEBP or PDF receipt; raises UnreadableReceipt for a file it cannot use."""
    image = load_image(data, max_bytes=max_bytes)
    prepared = prepare(image)
    words = run_tesseract(prepared.image, timeout=timeout)
    if not any(any(ch.isalnum() for ch in w.text) for w in words):
        raise UnreadableReceipt("no_text", "no text found in the image")
    return extract(rows_from_words(words), client_id_pattern=client_id_pattern, photo=prepared.photo)


def read_text(text: str, *, client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN) -> ReceiptFields:
    """Read a pasted SMS or e-mail notification with the same extractor as images."""
    return extract(rows_from_text(text), client_id_pattern=client_id_pattern)
