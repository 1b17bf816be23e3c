"""The typed lines of an account: what each kind of entry means and the values the account hands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from currency.money import Money, MoneyError

ZERO = Decimal("0.00")


class EntryKind(StrEnum):
    """Every kind of line an account holds; the value is stored, the label is what a customer reads."""

    CHARGE = "charge"
    INTEREST = "interest"
    PAYMENT = "payment"
    CREDIT = "credit"
    ADJUSTMENT = "adjustment"
    IMPORT_UPDATE = "import_update"
    REFUND = "refund"
    OPENING = "opening"
    REVERSAL = "reversal"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EntryKind.CHARGE: "Cargo",
    EntryKind.INTEREST: "Cargos e intereses",
    EntryKind.PAYMENT: "Pago",
    EntryKind.CREDIT: "Crédito",
    EntryKind.ADJUSTMENT: "Ajuste",
    EntryKind.IMPORT_UPDATE: "Actualización de saldo por importación",
    EntryKind.REFUND: "Devolución",
    EntryKind.OPENING: "Saldo migrado",
    EntryKind.REVERSAL: "Reversión de pago",
}

REASON_REQUIRED = frozenset({EntryKind.ADJUSTMENT, EntryKind.CREDIT, EntryKind.REFUND, EntryKind.REVERSAL})
"""Entries a person decides on: each carries the written reason it was made."""


class PaymentMethod(StrEnum):
    """How money reached us: a receipt over chat, or what accounting saw and captured by hand (seed 001)."""

    RECEIPT = "comprobante"
    CASH = "efectivo"
    TRANSFER = "transferencia"
    SINPE = "sinpe"
    DEPOSIT = "deposito"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    PaymentMethod.RECEIPT: "comprobante por chat",
    PaymentMethod.CASH: "efectivo",
    PaymentMethod.TRANSFER: "transferencia",
    PaymentMethod.SINPE: "SINPE Móvil",
    PaymentMethod.DEPOSIT: "depósito",
}
MANUAL_METHODS = (PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.SINPE, PaymentMethod.DEPOSIT)


def to_cents(amount: Decimal) -> int:
    """Exact minor units; an amount finer than a cent is refused rather than silently rounded."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"amount finer than a cent: {amount}")
    return int(scaled)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class Entry:
    """One account line as written. `amount` is signed in the account's currency: positive is owed
    by the customer (a debit), negative is in the customer's favour (a credit).

    For a debit `contract_id` is the payment order it belongs to; for a credit it is the order the
    money was meant for, which it pays first (oldest due first) before anything else.
    """

    id: int
    customer_id: int
    currency: str
    kind: EntryKind
    amount: Decimal
    on_date: date
    contract_id: int | None = None
    due_date: date | None = None
    description: str = ""
    reason: str | None = None
    reference: str | None = None
    payment_id: int | None = None
    original: Money | None = None
    rate: Decimal | None = None

    @property
    def is_debit(self) -> bool:
        return self.amount > 0

    @property
    def is_credit(self) -> bool:
        return self.amount < 0

    @property
    def due(self) -> date:
        """When a debit falls due (the day it was written when it has no due date of its own)."""
        return self.due_date or self.on_date

    @property
    def account(self) -> tuple[int, str]:
        return self.customer_id, self.currency

    @property
    def label(self) -> str:
        return self.description or self.kind.label


@dataclass(frozen=True)
class OpenCharge:
    """A debit not yet fully paid: what it was, what is left and when it is or was due."""

    entry_id: int
    contract_id: int | None
    kind: EntryKind
    description: str
    currency: str
    amount: Decimal
    open: Decimal
    due_date: date

    def overdue(self, today: date) -> bool:
        """Payable from the day it exists, overdue from the day after its due date."""
        return self.due_date < today

    @property
    def open_money(self) -> Money:
        return Money(self.open, self.currency)


@dataclass(frozen=True)
class Allocation:
    """Part of a credit (payment, credit, reduction) settling part of a debit."""

    credit_id: int
    debit_id: int
    amount: Decimal
    on_date: date
    from_credit_balance: bool
    """True when the credit waited as balance in the customer's favour before this debit existed."""
