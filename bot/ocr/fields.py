"""What the reader extracts from one receipt: the fields the checks and staff cards work from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

JSON_KEYS = (
    "amount",
    "currency",
    "date",
    "reference",
    "payer_name",
    "payee_name",
    "description",
    "client_id",
    "bank",
)
"""The keys of `paybot ocr --json`, in order (DESIGN.md's command-line contract)."""


@dataclass(frozen=True)
class ReceiptFields:
    """One receipt as read; a field not found is None, and `confidence` holds 0..1 per JSON key."""

    amount: Decimal | None = None
    currency: str | None = None
    date: date | None = None
    reference: str | None = None
    payer_name: str | None = None
    payee_name: str | None = None
    description: str | None = None
    client_id: str | None = None
    bank: str | None = None
    payee_phone: str | None = None
    payer_phone: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    raw_text: str = ""

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON object: decimal string amount, ISO date, per-key confidence."""
        out: dict[str, Any] = {}
        for key in JSON_KEYS:
            value = getattr(self, key)
            if isinstance(value, Decimal):
                value = f"{value:.2f}"
            elif isinstance(value, date):
                value = value.isoformat()
            out[key] = value
        out["confidence"] = {key: round(self.confidence.get(key, 0.0), 3) for key in JSON_KEYS}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReceiptFields:
        """Rebuild from `to_json()` output (as stored on an Intake) plus the optional phone keys."""
        return cls(
            amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
            currency=data.get("currency"),
            date=date.fromisoformat(data["date"]) if data.get("date") else None,
            reference=data.get("reference"),
            payer_name=data.get("payer_name"),
            payee_name=data.get("payee_name"),
            description=data.get("description"),
            client_id=data.get("client_id"),
            bank=data.get("bank"),
            payee_phone=data.get("payee_phone"),
            payer_phone=data.get("payer_phone"),
            confidence=dict(data.get("confidence") or {}),
        )
