"""`paybot import`, `paybot quote`, `paybot rates`: customers, contracts and money (filled in later)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Register nothing until the contracts issue lands."""
