"""An intake's JSON columns as typed values: read once into `IntakeFacts`, written back in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.contracts.checks import CheckReport
from bot.db.models import Intake
from bot.ocr.fields import ReceiptFields
from bot.vocabulary import ReceiptField, ReplyKind
from currency.due import AmountDue
from currency.money import CRC, Money


@dataclass(frozen=True)
class IntakeFacts:
    """What the reader found on a receipt (`fields`, with each field's confidence) and what the checks
    made of it (`report`, None until checked), as stored on its intake."""

    fields: ReceiptFields
    report: CheckReport | None = None

    @classmethod
    def from_json(cls, fields: dict[str, Any], confidences: dict[str, float],
                  checks: dict[str, Any]) -> IntakeFacts:
        return cls(
            fields=ReceiptFields.from_json({**fields, "confidence": confidences}),
            report=CheckReport.from_json(checks) if checks else None,
        )

    @classmethod
    def of(cls, intake: Intake) -> IntakeFacts:
        """The facts stored on `intake`."""
        return cls.from_json(intake.fields, intake.confidences, intake.checks)

    @property
    def due(self) -> AmountDue | None:
        """What the contract owed on the receipt's date, when the checks could work it out."""
        return self.report.amount_due if self.report else None

    @property
    def paid(self) -> Money | None:
        """The amount on the receipt, in its own currency (colones when none was read)."""
        if self.fields.amount is None:
            return None
        return Money(self.fields.amount, self.fields.currency or CRC)

    @property
    def difference(self) -> Money | None:
        """What the customer still owes after this receipt, when they paid short."""
        owed = self.report.difference_crc if self.report else None
        return Money(owed, CRC) if owed is not None and owed > 0 else None

    @property
    def credit(self) -> Money | None:
        """What the customer paid over what was due."""
        over = self.report.credit_crc if self.report else None
        return Money(over, CRC) if over is not None and over > 0 else None

    @property
    def client_id_present(self) -> bool:
        return bool(self.report and self.report.client_id_present)

    @property
    def contract_expired(self) -> bool:
        return bool(self.report and self.report.contract_expired)

    def receipt_date(self, fallback: date) -> date:
        """The date on the receipt, else `fallback` (the day it arrived)."""
        return self.fields.date or fallback

    def outcome(self) -> ReplyKind:
        """The script the customer gets when support approves (seed 003: #1, #2, difference, expired)."""
        if self.contract_expired:
            return ReplyKind.CONTRACT_EXPIRED
        if self.difference is not None:
            return ReplyKind.SHORT_PAYMENT
        return ReplyKind.RECEIVED if self.client_id_present else ReplyKind.RECEIVED_MISSING_ID

    def corrected(self, field: ReceiptField, value: Any) -> IntakeFacts:
        """These facts with `field` set by a person (fully confident); a corrected amount without a
        currency is in colones."""
        changes: dict[str, Any] = {field.value: value}
        if field is ReceiptField.AMOUNT and not self.fields.currency:
            changes["currency"] = CRC
        confidence = {**self.fields.confidence, field.value: 1.0}
        return replace(self, fields=replace(self.fields, **changes, confidence=confidence))


def fields_json(fields: ReceiptFields) -> dict[str, Any]:
    """The reader's fields as stored on an intake (the CLI's JSON plus the SINPE phone numbers)."""
    data = fields.to_json()
    data.pop("confidence", None)
    data["payee_phone"] = fields.payee_phone
    data["payer_phone"] = fields.payer_phone
    return data


def store_fields(intake: Intake, fields: ReceiptFields) -> None:
    """Write what was read (or corrected) onto the intake, with its reference and bank as searchable columns."""
    intake.fields = fields_json(fields)
    intake.confidences = dict(fields.confidence)
    intake.reference = (fields.reference or "")[:60] or None
    intake.bank = (fields.bank or "")[:40] or None


def store_report(intake: Intake, report: CheckReport) -> None:
    """Write the checks' report onto the intake, with the customer, contract and proposed reply it found."""
    intake.checks = report.to_json()
    intake.amount_due = report.amount_due.to_json() if report.amount_due is not None else {}
    intake.customer_id = report.customer_id
    intake.contract_id = report.contract_id
    intake.reply_kind = report.reply_kind.value


def stored_value(fields: ReceiptFields, field: ReceiptField) -> Any:
    """A field as its intake's JSON holds it (what the audit shows before and after a correction)."""
    return fields_json(fields).get(field.value)
