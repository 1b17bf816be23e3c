"""Payments taken back (seed 002, "impagos después de la emisión del comprobante"): returned by the bank (a
bounced transfer, a reversed SINPE, a fake receipt), or applied by mistake. The payment stays on record; one
reversal entry per charge it paid reopens the balance. A returned payment re-charges each charge due one month
later (01/07 becomes 01/08, 31/01 the last day of February); an undone one reopens them as they were."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlmodel import Session, col, select

import bot.account.repository as repository
from bot.account.allocation import effect_of, settle_accounts
from bot.account.entries import ZERO, EntryKind
from bot.db.models import AccountEntry, Payment, PaymentReversal
from currency.money import Money, format_money
from currency.text import BadRow, csv_rows, decode_bytes, normalize_header, parse_date


class ReversalKind(StrEnum):
    """Why a payment is taken back: the bank returned it (re-charged a month later), or it was a mistake."""

    RETURNED = "returned"
    UNDONE = "undone"

    @property
    def label(self) -> str:
        return {"returned": "devuelto", "undone": "anulado"}[self.value]


class ReversalRefused(Exception):
    """The payment cannot be taken back; the message says why, in Spanish."""


def one_month_later(day: date) -> date:
    """The same day next month, or that month's last day when it has no such day (31/01 -> 28/02 or 29/02)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Reopened:
    """One reversal entry: what it reopens, how much, due when."""

    description: str
    amount: Money
    due_date: date


@dataclass(frozen=True)
class Reversal:
    """A payment taken back: the record, the entries written and the account's balance before and after."""

    payment: Payment
    record: PaymentReversal
    reopened: tuple[Reopened, ...]
    previous_balance: Money
    new_balance: Money

    @property
    def amount(self) -> Money:
        return Money(self.payment.amount, self.payment.currency)

    @property
    def new_due(self) -> date | None:
        """The earliest new due date (what the customer is told)."""
        return min((line.due_date for line in self.reopened), default=None)

    def lines(self) -> list[str]:
        kind = ReversalKind(self.record.kind)
        lines = [f"Pago {self.payment.id} {kind.label} ({format_money(self.amount)}"
                 + (f", referencia {self.payment.reference}" if self.payment.reference else "") + ")",
                 f"Motivo: {self.record.reason}"]
        for line in self.reopened:
            lines.append(f"  {line.description}: {format_money(line.amount)}, vence {line.due_date:%d/%m/%Y}")
        lines += [f"Saldo anterior: {format_money(self.previous_balance)}",
                  f"Saldo nuevo: {format_money(self.new_balance)}"]
        return lines


def reverse_payment(session: Session, payment_id: int, *, kind: ReversalKind, reason: str, actor: str,
                    today: date, staff_id: int | None = None, source: str = "cli") -> Reversal:
    """Take payment `payment_id` back with `reason`, writing the reversal entries; refused when it is unknown,
    was never put into the account, or was taken back already."""
    reason = " ".join(reason.split())
    if not reason:
        raise ReversalRefused("indique el motivo por escrito")
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise ReversalRefused(f"no existe el pago {payment_id}")
    earlier = session.exec(select(PaymentReversal).where(PaymentReversal.payment_id == payment_id)).first()
    if earlier is not None:
        raise ReversalRefused(f"el pago {payment_id} ya fue {ReversalKind(earlier.kind).label} el "
                              f"{earlier.created_at:%d/%m/%Y} ({earlier.reason})")
    posted = session.exec(select(AccountEntry).where(AccountEntry.payment_id == payment_id)).first()
    if posted is None or posted.id is None:
        raise ReversalRefused(f"el pago {payment_id} no está en la cuenta del cliente")
    entries = [e for e in repository.load_entries(session, payment.customer_id) if e.currency == posted.currency]
    ledger = settle_accounts(entries)[(payment.customer_id, posted.currency)]
    charges, left = effect_of(ledger, posted.id)
    word = "Pago devuelto" if kind is ReversalKind.RETURNED else "Pago anulado"
    reopened: list[Reopened] = []
    for charge in charges:
        due = one_month_later(charge.due_date) if kind is ReversalKind.RETURNED else charge.due_date
        repository.write_entry(
            session, customer_id=payment.customer_id, currency=posted.currency, kind=EntryKind.REVERSAL,
            amount=charge.paid, on_date=today, actor=actor, contract_id=charge.contract_id, due_date=due,
            description=f"{word}: {charge.description}", reason=reason,
            source_key=f"reversal:{payment_id}:{charge.entry_id}",
        )
        reopened.append(Reopened(charge.description, Money(charge.paid, posted.currency), due))
    if left > ZERO:
        repository.write_entry(
            session, customer_id=payment.customer_id, currency=posted.currency, kind=EntryKind.REVERSAL,
            amount=left, on_date=today, actor=actor, due_date=today, description=f"{word}: saldo a favor",
            reason=reason, source_key=f"reversal:{payment_id}:credit",
        )
        reopened.append(Reopened("saldo a favor", Money(left, posted.currency), today))
    record = PaymentReversal(payment_id=payment_id, customer_id=payment.customer_id, kind=kind.value,
                             reason=reason[:500], actor=actor[:120], staff_id=staff_id, source=source)
    session.add(record)
    session.flush()
    after = sum((line.amount.amount for line in reopened), ZERO) + ledger.balance
    return Reversal(payment, record, tuple(reopened), Money(ledger.balance, posted.currency),
                    Money(after, posted.currency))


def reversal_of(session: Session, payment_id: int) -> PaymentReversal | None:
    return session.exec(select(PaymentReversal).where(PaymentReversal.payment_id == payment_id)).first()


# -- the bank's results file ----------------------------------------------------------------------

RESULT_COLUMNS = ("fecha", "referencia", "monto", "motivo")


@dataclass(frozen=True)
class ReturnRow:
    """One row of a results file that names an applied payment the bank returned."""

    line: int
    on_date: date
    reference: str
    amount: Decimal
    reason: str
    payment_id: int


@dataclass
class ReturnsReport:
    """The per-row report of a results file: the rows to reverse, or why each bad row is refused."""

    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_text(self) -> str:
        if self.ok:
            return f"{len(self.rows)} pagos devueltos"
        lines = [f"{len(self.errors)} filas rechazadas; no se devolvió ningún pago:"]
        lines += [f"  fila {line}: {message}" for line, message in self.errors]
        return "\n".join(lines)


def read_returns(session: Session, data: bytes, *, today: date) -> ReturnsReport:
    """Check a bank results file (Fecha, Referencia, Monto, Motivo): each row must name one applied payment not
    yet returned, with its amount; nothing is written."""
    report = ReturnsReport()
    try:
        text = decode_bytes(data)
    except ValueError as error:
        report.errors.append((1, f"el archivo no se puede leer como texto: {error}"))
        return report
    try:
        rows = list(csv_rows(text))
    except BadRow as error:
        report.errors.append((error.line, error.reason))
        return report
    header = [normalize_header(cell) for cell in (rows[0][1] if rows else [])]
    missing = [name for name in RESULT_COLUMNS if name not in header]
    if missing:
        report.errors.append((1, f"faltan columnas: {', '.join(missing)} (se esperan Fecha, Referencia, Monto, "
                                 "Motivo)"))
        return report
    where = {name: header.index(name) for name in RESULT_COLUMNS}
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in where.items()}
        problem, row = _check_row(session, number, values, today, seen)
        if problem is not None:
            report.errors.append((number, problem))
        elif row is not None:
            seen[row.reference] = number
            report.rows.append(row)
    if not report.rows and not report.errors:
        report.errors.append((1, "el archivo no tiene filas"))
    return report


def _check_row(session: Session, line: int, values: dict[str, str], today: date,
               seen: dict[str, int]) -> tuple[str | None, ReturnRow | None]:
    on_date = parse_date(values["fecha"])
    if on_date is None:
        return f"Fecha no válida: «{values['fecha']}»", None
    if on_date > today:
        return f"Fecha en el futuro: {on_date:%d/%m/%Y}", None
    reference = values["referencia"]
    if not reference:
        return "falta la Referencia", None
    if reference in seen:
        return f"la referencia {reference} ya está en la fila {seen[reference]}", None
    try:
        amount = Decimal(values["monto"].replace(" ", "").replace(",", ".")) if values["monto"] else None
    except InvalidOperation:
        amount = None
    if amount is None or amount <= 0:
        return f"Monto no válido: «{values['monto']}»", None
    if not values["motivo"]:
        return "falta el Motivo", None
    payments = session.exec(select(Payment).where(Payment.reference == reference).order_by(col(Payment.id))).all()
    if not payments:
        return f"no hay pago aplicado con la referencia {reference}", None
    if len(payments) > 1:
        return f"la referencia {reference} es de {len(payments)} pagos: devuélvalos uno a uno con paybot payments " \
               "return", None
    payment = payments[0]
    if payment.amount != amount:
        return (f"el monto {amount} no coincide con el del pago {payment.id} "
                f"({format_money(Money(payment.amount, payment.currency))})"), None
    earlier = reversal_of(session, payment.id or 0)
    if earlier is not None:
        return f"el pago {payment.id} ya fue {ReversalKind(earlier.kind).label}", None
    return None, ReturnRow(line, on_date, reference, amount, values["motivo"], payment.id or 0)


def apply_returns(session: Session, report: ReturnsReport, *, actor: str, today: date) -> list[Reversal]:
    """Reverse every row of a checked file, in the caller's transaction (all rows or none)."""
    if not report.ok:
        raise ReversalRefused("el archivo tiene filas rechazadas: no se devuelve ningún pago")
    return [reverse_payment(session, row.payment_id, kind=ReversalKind.RETURNED, reason=row.reason, actor=actor,
                            today=today, source="import") for row in report.rows]

