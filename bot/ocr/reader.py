"""read_receipt and read_text: the reader's synchronous entry points, one warm Tesseract pass per image.

Field extraction (and the vocabulary, fuzzy matching and parsers under it) and the re-reading of missed
lines (numpy) are imported on another thread while Tesseract reads the page, which holds no lock Python
needs: a fresh `paybot ocr` process pays for those imports on the second core instead of before its first
Tesseract pass.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from importlib import import_module

from PIL import Image

from bot.ocr.defaults import CLIENT_ID_PATTERN, MAX_UPLOAD_BYTES, OCR_TIMEOUT_SECONDS
from bot.ocr.engine import LANGUAGE, SECOND_LANGUAGE, run_tesseract
from bot.ocr.errors import UnreadableReceipt
from bot.ocr.fields import ReceiptFields
from bot.ocr.loading import load_image
from bot.ocr.preprocess import prepare
from bot.ocr.rows import Token, rows_from_text, rows_from_words
from bot.ocr.second_look import SCALE, LineReader, second_opinion

DEFAULT_CLIENT_ID_PATTERN = CLIENT_ID_PATTERN
DEFAULT_TIMEOUT = OCR_TIMEOUT_SECONDS
DEFAULT_MAX_BYTES = MAX_UPLOAD_BYTES
LINE_PAD = 10
AFTER_PAGE_PASS = ("bot.ocr.gaps", "bot.ocr.extract")
"""What runs after Tesseract's page pass, imported meanwhile."""


def _import_meanwhile() -> None:
    """Start importing what follows the page pass on a background thread, unless it is loaded already."""
    missing = [name for name in AFTER_PAGE_PASS if name not in sys.modules]
    if missing:
        threading.Thread(target=_import_all, args=(missing,), name="ocr-imports", daemon=True).start()


def _import_all(names: list[str]) -> None:
    for name in names:
        import_module(name)


def read_receipt(
    data: bytes,
    *,
    client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ReceiptFields:
    """Read a JPEG, PNG, WEBP or PDF receipt within `timeout` seconds; raises UnreadableReceipt otherwise.

    The time limit covers the whole read: decoding and preparing are bounded by the image bounds, and
    Tesseract and the re-reads get what is left of it.
    """
    deadline = time.monotonic() + timeout
    image = load_image(data, max_bytes=max_bytes)
    prepared = prepare(image)
    del image
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise UnreadableReceipt("timeout", f"preparar la imagen tardó más de {timeout:g} s")
    _import_meanwhile()
    words = run_tesseract(prepared.image, timeout=remaining)
    if not any(any(ch.isalnum() for ch in w.text) for w in words):
        raise UnreadableReceipt("no_text", "no se encontró texto en la imagen")
    from bot.ocr.extract import extract
    from bot.ocr.gaps import fill_missed_lines

    words = fill_missed_lines(prepared.image, words, deadline)

    spanish = _line_reader(prepared.image, deadline, LANGUAGE, SCALE)
    english = _line_reader(prepared.image, deadline, SECOND_LANGUAGE)
    return extract(
        rows_from_words(words),
        client_id_pattern=client_id_pattern,
        photo=prepared.photo,
        reread=second_opinion(prepared.image, spanish, english),
        recheck=_line_reader(prepared.image, deadline, LANGUAGE),
        reread_symbols=second_opinion(prepared.image, spanish, english, symbols=True),
    )


def _line_reader(page: Image.Image, deadline: float, language: str, scale: float = 1.0) -> LineReader:
    """Re-read a few words' box as one text line with `language`'s model, the crop enlarged `scale` times,
    within the receipt's time limit.

    `left`, when given, is the x the crop may not start before (the end of the word in front).
    """

    def reread(tokens: Sequence[Token], left: int | None = None) -> list[Token] | None:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            return None
        boxes = [t.box for t in tokens if t.box]
        if len(boxes) != len(tokens):
            return None
        top = min(b[1] for b in boxes)
        bottom = max(b[3] for b in boxes)
        pad = max(LINE_PAD, (bottom - top) // 2)
        start = min(b[0] for b in boxes)
        box = (
            max(0, start - pad, left if left is not None else 0),
            max(0, top - pad),
            min(page.width, max(b[2] for b in boxes) + pad),
            min(page.height, bottom + pad),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return None
        crop = page.crop(box)
        if scale != 1:
            crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
        words = run_tesseract(crop, timeout=remaining, psm="7", language=language)
        return [Token(w.text, w.conf / 100) for w in sorted(words, key=lambda w: w.left)]

    return reread


def read_text(text: str, *, client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN) -> ReceiptFields:
    """Read a pasted SMS or e-mail notification with the same extractor as images (its first MAX_TEXT_CHARS)."""
    from bot.ocr.extract import extract
    from bot.ocr.parsing import MAX_TEXT_CHARS

    return extract(rows_from_text(text[:MAX_TEXT_CHARS]), client_id_pattern=client_id_pattern)
