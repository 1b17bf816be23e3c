"""The reader's defaults, here so the reader needs nothing else from `bot`; `bot.config.Settings` reads them."""

from __future__ import annotations

CLIENT_ID_PATTERN = r"\bID\s{0,3}[:#-]?\s{0,3}(?:WOLK\s{0,3}[:#-]?\s{0,3})?#?\s{0,3}(\d{1,10})\b"
"""Finds the client ID in a description (case-insensitive); bounded, so it runs in linear time."""
OCR_TIMEOUT_SECONDS = 30
"""The most wall time one read of one file may take."""
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
"""The largest file accepted."""
