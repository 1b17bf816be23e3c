"""The payments report (seed 001's "pagos iniciados" by origin, and the deposits): every payment applied
in a period with its day, bank, currency, channel and origin, subtotals by the chosen grouping and
totals per currency, as a terminal table, CSV, XLSX or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.account.entries import PaymentMethod
from bot.accounting.spreadsheet import Sheet, to_csv, to_text, to_xlsx
from bot.accounting.sync import Origin, origin_of, sync_label
from bot.db.models import BankMovement, Customer, Intake, Payment

CHANNEL_LABELS = {"whatsapp": "WhatsApp", "telegram": "Telegram", "sandbox": "sandbox", "cli": "terminal"}
STAFF_CHANNEL = "personal"


class GroupBy(StrEnum):
    DAY = "day"
    BANK = "bank"
    ORIGIN = "origin"
    CHANNEL = "channel"

    @property
    def label(self) -> str:
        return {"day": "Día", "bank": "Banco", "origin": "Origen", "channel": "Canal"}[self.value]


class ReportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"

    @property
    def suffix(self) -> str:
        return {"table": "txt", "csv": "csv", "xlsx": "xlsx", "json": "json"}[self.value]

    @property
    def mime_type(self) -> str:
        return {
            "table": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "json": "application/json",
        }[self.value]


@dataclass(frozen=True)
class PaymentLine:
    """One payment as the report shows it."""

    payment_id: int
    applied_on: date
    applied_at: datetime
    paid_on: date | None
    client_id: str
    customer_name: str
    amount: Decimal
    currency: str
    bank: str
    reference: str
    method: str
    channel: str
    origin: str
    sync: str
    invoice: str
    seen_in_bank: bool

    def key(self, by: GroupBy) -> str:
        if by is GroupBy.DAY:
            return self.applied_on.isoformat()
        if by is GroupBy.BANK:
            return self.bank or "(sin banco)"
        if by is GroupBy.ORIGIN:
            return self.origin
        return self.channel


@dataclass(frozen=True)
class GroupTotal:
    key: str
    currency: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class PaymentsReport:
    start: date
    end: date
    by: GroupBy
    lines: list[PaymentLine]
    groups: list[GroupTotal]
    totals: list[GroupTotal]

    @property
    def count(self) -> int:
        """How many payments the report counts (also when it was made without its detail lines)."""
        return sum(total.count for total in self.totals)


def _method_label(method: str) -> str:
    try:
        return PaymentMethod(method).label
    except ValueError:
        return method


def _bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def payments_report(session: Session, *, start: date, end: date, by: GroupBy, tz: tzinfo) -> PaymentsReport:
    """Payments applied from `start` to `end` (local days, both included), grouped `by`, totals per currency."""
    low, high = _bounds(start, end, tz)
    rows = session.exec(
        select(Payment, Customer, Intake.channel, BankMovement.id)
        .join(Customer, col(Customer.id) == col(Payment.customer_id))
        .outerjoin(Intake, col(Intake.id) == col(Payment.intake_id))
        .outerjoin(BankMovement, col(BankMovement.payment_id) == col(Payment.id))
        .where(col(Payment.applied_at) >= low)
        .where(col(Payment.applied_at) < high)
        .order_by(col(Payment.applied_at), col(Payment.id))
    ).all()
    lines = [
        PaymentLine(
            payment_id=payment.id or 0,
            applied_on=payment.applied_at.astimezone(tz).date(),
            applied_at=payment.applied_at,
            paid_on=payment.paid_on,
            client_id=customer.client_id,
            customer_name=customer.full_name,
            amount=payment.amount,
            currency=payment.currency,
            bank=payment.bank,
            reference=payment.reference or "",
            method=_method_label(payment.method),
            channel=CHANNEL_LABELS.get(channel or "", channel or STAFF_CHANNEL),
            origin=origin_of(payment).label,
            sync=sync_label(payment),
            invoice=payment.invoice_number or "",
            seen_in_bank=movement_id is not None,
        )
        for payment, customer, channel, movement_id in rows
    ]
    return PaymentsReport(start, end, by, lines,
                          _totals([(line.key(by), line.currency, line.amount) for line in lines]),
                          _totals([("Total", line.currency, line.amount) for line in lines]))


def payments_summary(session: Session, *, start: date, end: date, by: GroupBy, tz: tzinfo) -> PaymentsReport:
    """The report's subtotals and totals without its detail lines, reading only the columns the grouping needs
    (a page showing a month of payments need not build every line)."""
    low, high = _bounds(start, end, tz)
    rows = session.connection().execute(
        sa_select(col(Payment.applied_at), col(Payment.currency), col(Payment.amount), col(Payment.bank),
                  col(Payment.intake_id), col(Intake.channel))
        .join(Customer, col(Customer.id) == col(Payment.customer_id))
        .outerjoin(Intake, col(Intake.id) == col(Payment.intake_id))
        .where(col(Payment.applied_at) >= low)
        .where(col(Payment.applied_at) < high)
    ).all()

    def key(applied_at: datetime, bank: str | None, intake_id: int | None, channel: str | None) -> str:
        if by is GroupBy.DAY:
            return applied_at.astimezone(tz).date().isoformat()
        if by is GroupBy.BANK:
            return bank or "(sin banco)"
        if by is GroupBy.ORIGIN:
            return (Origin.CUSTOMER_CHAT if intake_id is not None else Origin.STAFF_CAPTURE).label
        return CHANNEL_LABELS.get(channel or "", channel or STAFF_CHANNEL)

    return PaymentsReport(
        start, end, by, [],
        _totals([(key(applied_at, bank, intake_id, channel), currency, amount)
                 for applied_at, currency, amount, bank, intake_id, channel in rows]),
        _totals([("Total", currency, amount) for _, currency, amount, _, _, _ in rows]),
    )


def _totals(items: list[tuple[str, str, Decimal]]) -> list[GroupTotal]:
    """(key, currency, amount) summed by key and currency, counted."""
    sums: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for key, currency, amount in items:
        count, total = sums.get((key, currency), (0, Decimal("0")))
        sums[(key, currency)] = (count + 1, total + amount)
    return [GroupTotal(key, currency, count, amount) for (key, currency), (count, amount) in sorted(sums.items())]


DETAIL_HEADERS = (
    "Pago", "Aplicado", "Fecha de pago", "ID cliente", "Cliente", "Monto", "Moneda", "Banco", "Referencia",
    "Método", "Canal", "Origen", "Sincronización", "Factura", "Visto en el banco",
)


def sheets(report: PaymentsReport) -> list[Sheet]:
    """The summary (by the grouping, then the totals) and the detail, as spreadsheet tables."""
    summary = Sheet(
        title="Resumen",
        headers=(report.by.label, "Moneda", "Pagos", "Monto"),
        rows=[(g.key if report.by is not GroupBy.DAY else date.fromisoformat(g.key), g.currency, g.count, g.amount)
              for g in report.groups]
        + [(f"Total {t.currency}", t.currency, t.count, t.amount) for t in report.totals],
    )
    detail = Sheet(
        title="Pagos",
        headers=DETAIL_HEADERS,
        rows=[(line.payment_id, line.applied_at, line.paid_on, line.client_id, line.customer_name, line.amount,
               line.currency, line.bank, line.reference, line.method, line.channel, line.origin, line.sync,
               line.invoice, "sí" if line.seen_in_bank else "no") for line in report.lines],
    )
    return [summary, detail]


def to_json(report: PaymentsReport, tz: tzinfo) -> dict[str, Any]:
    def total(group: GroupTotal) -> dict[str, Any]:
        return {"key": group.key, "currency": group.currency, "count": group.count, "amount": str(group.amount)}

    return {
        "from": report.start.isoformat(), "to": report.end.isoformat(), "by": report.by.value,
        "groups": [total(g) for g in report.groups], "totals": [total(t) for t in report.totals],
        "payments": [
            {"payment_id": line.payment_id, "applied_at": line.applied_at.astimezone(tz).isoformat(),
             "paid_on": line.paid_on.isoformat() if line.paid_on else None, "client_id": line.client_id,
             "customer_name": line.customer_name, "amount": str(line.amount), "currency": line.currency,
             "bank": line.bank, "reference": line.reference, "method": line.method, "channel": line.channel,
             "origin": line.origin, "sync": line.sync, "invoice": line.invoice or None,
             "seen_in_bank": line.seen_in_bank}
            for line in report.lines
        ],
    }


def render(report: PaymentsReport, fmt: ReportFormat, tz: tzinfo) -> bytes:
    if fmt is ReportFormat.CSV:
        return to_csv(sheets(report), tz)
    if fmt is ReportFormat.XLSX:
        return to_xlsx(sheets(report), tz)
    if fmt is ReportFormat.JSON:
        return (json.dumps(to_json(report, tz), ensure_ascii=False, indent=2) + "\n").encode()
    period = f"Pagos aplicados del {report.start:%d/%m/%Y} al {report.end:%d/%m/%Y}: {len(report.lines)}"
    if not report.lines:
        return (period + "\n").encode()
    summary = sheets(report)[0]
    return (period + "\n\n" + to_text([summary], tz)).encode()
