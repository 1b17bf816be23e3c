"""An intake's JSON columns as typed values: read once into `IntakeFacts`, written back in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.account.allocation import SettledPeriod
from bot.account.operations import AllocationResult
from bot.contracts.checks import CheckReport
from bot.db.models import Intake
from bot.ocr.fields import ReceiptFields
from bot.vocabulary import Overpayment, ReceiptField, ReplyKind
from currency.due import AmountDue
from currency.money import CRC, Money
from currency.rates import AppliedRate

TYPED_KEY = "typed_by_staff"
"""Where the intake's fields JSON lists the fields an agent typed in (they were not on the receipt)."""


@dataclass(frozen=True)
class IntakeFacts:
    """What the reader found on a receipt (`fields`, with each field's confidence) and what the checks
    made of it (`report`, None until checked), as stored on its intake."""

    fields: ReceiptFields
    report: CheckReport | None = None
    typed_by_staff: frozenset[ReceiptField] = frozenset()
    """Fields an agent typed in: they were not on the receipt (an ID typed in still gets scripts #2/#3b)."""
    overpayment: Overpayment | None = None
    """What staff decided about money paid over what was due (kept as credit, or to be refunded)."""

    @classmethod
    def from_json(cls, fields: dict[str, Any], confidences: dict[str, float],
                  checks: dict[str, Any], overpayment: str | None = None) -> IntakeFacts:
        typed = frozenset(field for name in fields.get(TYPED_KEY) or () if (field := ReceiptField.named(name)))
        return cls(
            fields=ReceiptFields.from_json({**fields, "confidence": confidences}),
            report=CheckReport.from_json(checks) if checks else None,
            typed_by_staff=typed,
            overpayment=Overpayment.named(overpayment),
        )

    @classmethod
    def of(cls, intake: Intake) -> IntakeFacts:
        """The facts stored on `intake`."""
        return cls.from_json(intake.fields, intake.confidences, intake.checks, intake.overpayment)

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
        """What the customer still owes of what was due after this receipt, when they paid short (as told:
        colones at the day's rate)."""
        owed = self.report.difference if self.report else None
        return owed if owed is not None and owed.amount > 0 else None

    @property
    def credit(self) -> Money | None:
        """What the customer paid over what was due (as told)."""
        over = self.report.credit if self.report else None
        return over if over is not None and over.amount > 0 else None

    @property
    def owed(self) -> Money | None:
        """What was due when the receipt came (as told)."""
        return self.report.owed if self.report else None

    @property
    def told_rate(self) -> AppliedRate | None:
        """The day's rate the amounts above were told in colones at (dollar accounts)."""
        return self.report.told_rate if self.report else None

    @property
    def account(self) -> AllocationResult | None:
        """What the receipt does to the customer's account (None without an account)."""
        return self.report.account if self.report else None

    @property
    def settled_period(self) -> SettledPeriod | None:
        """Seed 000: the period this receipt looks like a second payment of."""
        return self.report.settled_period if self.report else None

    @property
    def chosen_contract_id(self) -> int | None:
        """The order staff said this receipt pays, if they chose one."""
        return self.report.contract_id if self.report and self.report.contract_chosen else None

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
        """The script the customer gets when support approves (seed 003: #1, #2, difference, expired; an
        expired contract paid short is told both)."""
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
        return replace(self, fields=replace(self.fields, **changes, confidence=confidence),
                       typed_by_staff=self.typed_by_staff | {field})


def fields_json(fields: ReceiptFields, typed_by_staff: frozenset[ReceiptField] = frozenset()) -> dict[str, Any]:
    """The reader's fields as stored on an intake (the CLI's JSON plus the SINPE phone numbers, and which
    fields an agent typed in)."""
    data = fields.to_json()
    data.pop("confidence", None)
    data["payee_phone"] = fields.payee_phone
    data["payer_phone"] = fields.payer_phone
    if typed_by_staff:
        data[TYPED_KEY] = sorted(field.value for field in typed_by_staff)
    return data


def store_fields(intake: Intake, fields: ReceiptFields, typed_by_staff: frozenset[ReceiptField] = frozenset()
                 ) -> None:
    """Write what was read (or corrected) onto the intake."""
    intake.fields = fields_json(fields, typed_by_staff)
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
