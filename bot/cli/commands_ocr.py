"""`paybot ocr IMAGE [--json]`: read one receipt (filled in by the reader issue)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Register nothing until the reader lands."""
