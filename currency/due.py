"""What a contract owes on a date in colones, the way support's "CÁLCULO $ A COLONES" sheet works it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from currency.money import CRC, Money, MoneyError, format_amount, format_money, round_amount
from currency.rates import AppliedRate
from currency.tax import describe_rate, iva


@dataclass(frozen=True)
class AmountDue:
    """The breakdown: fee, the rate used (None for colones), subtotal, IVA and total in colones.

    Charges and interest ("Cargos e intereses") are converted too and added after IVA, which does
    not apply to late interest.
    """

    fee: Money
    currency: str
    rate: AppliedRate | None
    subtotal_crc: Decimal
    iva_rate: Decimal
    iva: Decimal
    total_crc: Decimal
    on_date: date
    charges_crc: Decimal = Decimal("0")
    whole_colones: bool = False

    @property
    def total(self) -> Money:
        return Money(self.total_crc, CRC)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (decimal strings) for `Intake.amount_due`; `from_json` reads it back."""
        return {
            "fee": str(self.fee.amount),
            "currency": self.currency,
            "rate": self.rate.to_json() if self.rate else None,
            "subtotal_crc": str(self.subtotal_crc),
            "charges_crc": str(self.charges_crc),
            "iva_rate": str(self.iva_rate),
            "iva": str(self.iva),
            "total_crc": str(self.total_crc),
            "on_date": self.on_date.isoformat(),
            "whole_colones": self.whole_colones,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AmountDue:
        return cls(
            fee=Money(Decimal(data["fee"]), data["currency"]),
            currency=data["currency"],
            rate=AppliedRate.from_json(data["rate"]) if data.get("rate") else None,
            subtotal_crc=Decimal(data["subtotal_crc"]),
            iva_rate=Decimal(data["iva_rate"]),
            iva=Decimal(data["iva"]),
            total_crc=Decimal(data["total_crc"]),
            on_date=date.fromisoformat(data["on_date"]),
            charges_crc=Decimal(data.get("charges_crc") or "0"),
            whole_colones=bool(data.get("whole_colones")),
        )

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) rows in the spreadsheet's order, formatted es-CR."""
        whole = self.whole_colones
        rows = [("Monto del contrato", format_money(self.fee))]
        if self.rate is not None:
            label = "venta" if self.rate.side == "sell" else "compra"
            when = f"{self.rate.rate_date:%d/%m/%Y}"
            if self.rate.fallback:
                when += " (último disponible)"
            rows.append((f"Tipo de cambio ({label})", f"₡{format_amount(self.rate.value)} del {when}"))
        rows.append(("Monto en colones", format_money(Money(self.subtotal_crc, CRC), whole_colones=whole)))
        tax_label = f"IVA {describe_rate(self.iva_rate)}"
        rows.append((tax_label, format_money(Money(self.iva, CRC), whole_colones=whole)))
        if self.charges_crc:
            rows.append(
                ("Cargos e intereses", format_money(Money(self.charges_crc, CRC), whole_colones=whole))
            )
        rows.append(("Total a pagar", format_money(self.total, whole_colones=whole)))
        return rows


def amount_due(
    fee: Money,
    on_date: date,
    *,
    tax_rate: Decimal,
    rate: AppliedRate | None = None,
    charges: Money | None = None,
    whole_colones: bool = False,
) -> AmountDue:
    """`fee` converted at `rate` (needed unless the fee is in colones) plus IVA at `tax_rate`; `charges`
    (late interest, in the fee's currency) converted too and added after IVA."""
    extra = charges if charges is not None else Money.zero(fee.currency)
    applied: AppliedRate | None = None
    if fee.currency == CRC:
        subtotal = round_amount(fee.amount, CRC, whole_colones=whole_colones)
        charges_crc = round_amount(extra.amount, CRC, whole_colones=whole_colones)
    else:
        if rate is None:
            raise MoneyError(f"a fee in {fee.currency} needs an exchange rate to be owed in colones")
        applied = rate
        subtotal = round_amount(fee.amount * rate.value, CRC, whole_colones=whole_colones)
        charges_crc = round_amount(extra.amount * rate.value, CRC, whole_colones=whole_colones)
    tax = iva(subtotal, tax_rate, whole_colones=whole_colones)
    return AmountDue(
        fee=fee,
        currency=fee.currency,
        rate=applied,
        subtotal_crc=subtotal,
        iva_rate=tax_rate,
        iva=tax,
        total_crc=subtotal + tax + charges_crc,
        on_date=on_date,
        charges_crc=charges_crc,
        whole_colones=whole_colones,
    )
