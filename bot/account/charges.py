"""What a payment order or a contract's period charges: amounts with IVA, due dates and the words for them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from currency.money import round_amount

MONTHS = ("ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "set.", "oct.", "nov.", "dic.")
"""es-CR month abbreviations (Costa Rica writes "set." for septiembre)."""

MONTHLY, ANNUAL, INSTALLMENT = "monthly", "annual", "installment"
RECURRING = (MONTHLY, ANNUAL)
MAX_PERIODS = 600
"""No contract generates more than 50 years of monthly charges in one pass (a wrong date, not a plan)."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_due_dates(
    anchor: date, period: str, *, until: date, after: date | None = None, end: date | None = None
) -> list[date]:
    """Due dates of a recurring contract's periods from `anchor` on, up to `until`, that start before
    `end` and come after `after` (the last period already charged). Each period is due the day it starts.
    """
    if period not in RECURRING:
        return []
    step = 12 if period == ANNUAL else 1
    dates = []
    for k in range(MAX_PERIODS):
        due = add_months(anchor, k * step)
        if due > until or (end is not None and due >= end):
            break
        if after is None or due > after:
            dates.append(due)
    return dates


@dataclass(frozen=True)
class ChargeAmount:
    """A fee plus its IVA, in the contract's own currency."""

    fee: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.fee + self.tax


def fee_with_tax(fee: Decimal, tax_rate: Decimal, currency: str, *, whole_colones: bool = False) -> ChargeAmount:
    """The period's fee and the IVA on it, each rounded the way the support spreadsheet rounds.

    Charges and interest ("Cargos e intereses") are separate entries without IVA, as the amount-due
    sheet (`currency.due`) treats late interest.
    """
    base = round_amount(fee, currency, whole_colones=whole_colones)
    return ChargeAmount(base, round_amount(base * tax_rate, currency, whole_colones=whole_colones))


def charge_key(contract_id: int, due: date) -> str:
    """One fee charge per order and due date, whoever writes it first (import, generator, migration)."""
    return f"charge:{contract_id}:{due.isoformat()}"


def charge_description(period: str, payment_code: str, installment: int, due: date) -> str:
    """How a charge reads in a statement: `Mensualidad dic. 2026 · WOLK-1001`, `Cuota 2 · WOLK-1012`."""
    if period == INSTALLMENT or installment:
        what = f"Cuota {installment}" if installment else "Cuota"
    elif period == ANNUAL:
        what = f"Anualidad {due.year}"
    else:
        what = f"Mensualidad {MONTHS[due.month - 1]} {due.year}"
    return f"{what} · {payment_code}"


def interest_description(payment_code: str, installment: int) -> str:
    cuota = f" cuota {installment}" if installment else ""
    return f"Cargos e intereses · {payment_code}{cuota}"
