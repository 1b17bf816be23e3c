"""Receipts generated once per run, shared by the reader tests to keep them fast."""

from __future__ import annotations

import pytest

from tests.ocr.receipts import Receipt, generate


@pytest.fixture(scope="session")
def clean_receipt() -> Receipt:
    """A light-mode PNG-or-similar screenshot."""
    return generate(1, photographed=False, dark=False)


@pytest.fixture(scope="session")
def dark_receipt() -> Receipt:
    """A dark-mode screenshot."""
    return generate(4, photographed=False, dark=True)


@pytest.fixture(scope="session")
def photo_receipt() -> Receipt:
    """A photographed receipt: margin, rotation, blur, uneven light, JPEG."""
    return generate(11, photographed=True, dark=False)
