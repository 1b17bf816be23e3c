"""The reader's settings and their defaults, here so the reader needs nothing else from `bot`.

`bot.config.Settings` declares the same `PAYBOT_*` variables with these defaults for the service;
`paybot ocr` reads just these (`reader_settings`), so a command that reads images never pays for
validating the whole configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

CLIENT_ID_PATTERN = r"\bID\s{0,3}[:#-]?\s{0,3}(?:WOLK\s{0,3}[:#-]?\s{0,3})?#?\s{0,3}(\d{1,10})\b"
"""Finds the client ID in a description (case-insensitive); bounded, so it runs in linear time."""
OCR_TIMEOUT_SECONDS = 30
"""The most wall time one read of one file may take."""
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
"""The largest file accepted."""
OCR_ENGINE: Final = "library"
"""libtesseract kept warm in the process; `pytesseract` runs the tesseract command per image."""


@dataclass(frozen=True)
class ReaderSettings:
    """What a read needs: the client-ID pattern, the time limit and the size limit."""

    client_id_pattern: str = CLIENT_ID_PATTERN
    ocr_timeout_seconds: float = OCR_TIMEOUT_SECONDS
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    ocr_engine: str = OCR_ENGINE


def reader_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> ReaderSettings:
    """The reader's `PAYBOT_*` values from the environment, else from `.env` as `Settings` reads it, else defaults.

    Raises ValueError naming the variable whose value is not a number.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def number(name: str, default: float, kind: type[float] | type[int]) -> float:
        raw = values.get(f"PAYBOT_{name.upper()}")
        if raw is None or not raw.strip():
            return default
        try:
            return kind(raw.strip())
        except ValueError:
            raise ValueError(f"PAYBOT_{name.upper()} must be a number, not {raw!r}") from None

    return ReaderSettings(
        client_id_pattern=values.get("PAYBOT_CLIENT_ID_PATTERN") or CLIENT_ID_PATTERN,
        ocr_timeout_seconds=number("ocr_timeout_seconds", OCR_TIMEOUT_SECONDS, float),
        max_upload_bytes=int(number("max_upload_bytes", MAX_UPLOAD_BYTES, int)),
        ocr_engine=values.get("PAYBOT_OCR_ENGINE") or OCR_ENGINE,
    )
