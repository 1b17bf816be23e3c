"""A customer's statement (estado de cuenta, seed 001) as rows: entries in, lines with a running balance out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.account.allocation import Ledger, replay_key, settle_accounts
from bot.account.conversion import MissingRate, convert
from bot.account.entries import ZERO, Entry, EntryKind, OpenCharge
from currency.money import CRC, Money, format_amount, format_money
from currency.rates import AppliedRate

LABELS = {
    "title": "Estado de cuenta",
    "client": "Cliente",
    "client_id": "ID cliente",
    "period": "Periodo",
    "period_all": "Desde el inicio",
    "issued": "Emitido el",
    "currency": "Moneda",
    "date": "Fecha",
    "kind": "Tipo",
    "detail": "Detalle",
    "reference": "Referencia",
    "due": "Vence",
    "charge": "Cargo",
    "credit": "Abono",
    "balance": "Saldo",
    "note": "Nota",
    "opening": "Saldo anterior",
    "total_charges": "Total cargos",
    "total_credits": "Total abonos",
    "closing": "Saldo al",
    "in_favour": "a favor del cliente",
    "open_charges": "Cargos pendientes",
    "overdue": "vencido",
    "no_open": "No hay cargos pendientes.",
    "credit_available": "Saldo a favor disponible",
    "in_colones": "Equivale a",
    "no_rate": "Sin tipo de cambio registrado para expresarlo en colones.",
    "no_entries": "Sin movimientos en el periodo.",
    "footer": "Cualquier consulta quedamos a la orden.",
}
"""Every word a statement shows, in one place, for the table, CSV, HTML (template) and PDF alike."""

CURRENCY_NAMES = {"CRC": "colones (CRC)", "USD": "dólares (USD)"}


@dataclass(frozen=True)
class StatementLine:
    """One entry as the customer reads it, with the balance after it."""

    on_date: date
    kind: EntryKind
    description: str
    reference: str
    due_date: date | None
    charge: Decimal | None
    credit: Decimal | None
    balance: Decimal
    note: str = ""


@dataclass(frozen=True)
class StatementSection:
    """The lines of one currency's account between two dates, with what is left open at the end."""

    currency: str
    opening: Decimal
    lines: tuple[StatementLine, ...]
    closing: Decimal
    open_charges: tuple[OpenCharge, ...]
    credit_available: Decimal
    closing_in_colones: Money | None = None

    @property
    def total_charges(self) -> Decimal:
        return sum((line.charge for line in self.lines if line.charge is not None), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.credit for line in self.lines if line.credit is not None), ZERO)

    def money(self, amount: Decimal) -> str:
        return format_money(Money(amount, self.currency))

    def balance_text(self, amount: Decimal) -> str:
        """`₡1 000,00`, or `₡1 000,00 a favor del cliente` for a negative balance."""
        if amount < 0:
            return f"{self.money(-amount)} {LABELS['in_favour']}"
        return self.money(amount)


@dataclass(frozen=True)
class Statement:
    """Everything a statement document shows; renderers in `bot.account.documents` only lay it out."""

    company: str
    client_id: str
    customer_name: str
    start: date | None
    end: date
    issued_on: date
    sections: tuple[StatementSection, ...]
    rate: AppliedRate | None = None

    @property
    def period_text(self) -> str:
        if self.start is None:
            return f"{LABELS['period_all']} al {self.end:%d/%m/%Y}"
        return f"{self.start:%d/%m/%Y} al {self.end:%d/%m/%Y}"


def _notes(entry: Entry, ledger: Ledger) -> str:
    notes = []
    if entry.original is not None and entry.rate is not None:
        notes.append(f"{format_money(entry.original)} a ₡{format_amount(entry.rate)} por dólar")
    if entry.is_credit:
        paid_then = sum(
            (a.amount for a in ledger.allocations if a.credit_id == entry.id and not a.from_credit_balance), ZERO
        )
        waiting = -entry.amount - paid_then
        if waiting > 0:
            notes.append(f"quedó a favor {format_money(Money(waiting, entry.currency))}")
    elif entry.is_debit:
        covered = sum(
            (a.amount for a in ledger.allocations if a.debit_id == entry.id and a.from_credit_balance), ZERO
        )
        if covered > 0:
            notes.append(f"cubierto con saldo a favor {format_money(Money(covered, entry.currency))}")
    if entry.reason and entry.kind not in (EntryKind.ADJUSTMENT, EntryKind.CREDIT, EntryKind.REFUND):
        notes.append(entry.reason)
    return "; ".join(notes)


def _section(ledger: Ledger, start: date | None, rate: AppliedRate | None) -> StatementSection:
    opening = sum((e.amount for e in ledger.entries if start is not None and e.on_date < start), ZERO)
    running = opening
    lines = []
    for entry in sorted(ledger.entries, key=replay_key):
        if start is not None and entry.on_date < start:
            continue
        running += entry.amount
        lines.append(StatementLine(
            on_date=entry.on_date,
            kind=entry.kind,
            description=entry.label,
            reference=entry.reference or "",
            due_date=entry.due_date if entry.is_debit else None,
            charge=entry.amount if entry.is_debit else None,
            credit=-entry.amount if entry.is_credit else None,
            balance=running,
            note=_notes(entry, ledger),
        ))
    closing = ledger.balance
    in_colones = None
    if ledger.currency != CRC:
        try:
            in_colones = convert(Money(closing, ledger.currency), CRC, rate)
        except MissingRate:
            in_colones = None
    return StatementSection(
        currency=ledger.currency,
        opening=opening,
        lines=tuple(lines),
        closing=closing,
        open_charges=tuple(ledger.open_charges()),
        credit_available=ledger.credit,
        closing_in_colones=in_colones,
    )


def build_statement(
    entries: Iterable[Entry],
    *,
    company: str,
    client_id: str,
    customer_name: str,
    end: date,
    issued_on: date,
    start: date | None = None,
    rate: AppliedRate | None = None,
) -> Statement:
    """The statement of one customer from `start` (or the beginning) to `end`, one section per currency.

    The running balance starts at the sum of every entry before `start`; the closing balance is the
    sum of every entry up to `end`; open charges and credit are those of the replay up to `end`.
    """
    if start is not None and start > end:
        raise ValueError("the statement's start is after its end")
    upto = [entry for entry in entries if entry.on_date <= end]
    ledgers = settle_accounts(upto)
    sections = tuple(
        _section(ledger, start, rate) for (_customer, _currency), ledger in sorted(ledgers.items())
    )
    return Statement(
        company=company,
        client_id=client_id,
        customer_name=customer_name,
        start=start,
        end=end,
        issued_on=issued_on,
        sections=sections,
        rate=rate,
    )
