"""The delinquent list (seed 002's "lista de morosos", seed 004's "tramo de mora"): who is late, by how much
and since when, with their phones, tags and last reminder, in the formats accounting opens."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from sqlmodel import Session, col, func, select

from bot.accounting.spreadsheet import Sheet, to_csv, to_text, to_xlsx
from bot.collections.arrears import Arrears, arrears_of
from bot.collections.grace import active_extensions
from bot.contracts.registry import stored_phones
from bot.db.models import Customer, CustomerStatus, Reminder, ReminderState
from currency.money import CRC, USD

FORMATS = ("table", "csv", "xlsx", "json")
HEADERS = ("Cliente", "ID cliente", "Teléfonos", "Vencido CRC", "Vencido USD", "Vence desde", "Días de atraso",
           "Tramo", "Etiquetas", "Último recordatorio", "Prórroga hasta", "Bloqueado")


@dataclass(frozen=True)
class Filters:
    """What narrows the list: days late at least, band, tag, oldest due date between two days."""

    min_days: int = 1
    band: str | None = None
    tag: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Delinquent:
    """One line of the list."""

    customer_id: int
    name: str
    client_id: str
    phones: tuple[str, ...]
    arrears: Arrears
    tags: tuple[str, ...]
    last_reminder: datetime | None
    grace_until: date | None
    blocked: bool

    def overdue_in(self, currency: str) -> Decimal:
        return sum((m.amount for m in self.arrears.amounts if m.currency == currency), Decimal("0.00"))

    def cells(self) -> tuple[str | Decimal | int | date | None, ...]:
        return (self.name, self.client_id, ", ".join(self.phones), self.overdue_in(CRC), self.overdue_in(USD),
                self.arrears.oldest_due, self.arrears.days_late, self.arrears.band, ", ".join(self.tags),
                self.last_reminder, self.grace_until, "sí" if self.blocked else "no")

    def to_json(self, tz: tzinfo) -> dict[str, object]:
        return {
            "customer": self.name, "client_id": self.client_id, "phones": list(self.phones),
            "overdue": [{"amount": str(m.amount), "currency": m.currency} for m in self.arrears.amounts],
            "oldest_due": self.arrears.oldest_due.isoformat() if self.arrears.oldest_due else None,
            "days_late": self.arrears.days_late, "band": self.arrears.band, "tags": list(self.tags),
            "last_reminder": self.last_reminder.astimezone(tz).isoformat() if self.last_reminder else None,
            "grace_until": self.grace_until.isoformat() if self.grace_until else None, "blocked": self.blocked,
        }


def _last_reminders(session: Session, customer_ids: list[int]) -> dict[int, datetime]:
    if not customer_ids:
        return {}
    rows = session.exec(
        select(Reminder.customer_id, func.max(Reminder.sent_at))
        .where(Reminder.state == ReminderState.SENT.value).where(col(Reminder.customer_id).in_(customer_ids))
        .group_by(col(Reminder.customer_id))
    ).all()
    return {cid: sent for cid, sent in rows if cid is not None and sent is not None}


def delinquents(session: Session, today: date, filters: Filters = Filters(),
                arrears: Mapping[int, Arrears] | None = None) -> list[Delinquent]:
    """Every customer late on `today` that passes `filters`, most days late first; `arrears` are every
    owing customer's on `today` when the caller already has them."""
    everyone = arrears_of(session, today) if arrears is None else arrears
    late = {cid: a for cid, a in everyone.items()
            if a.is_late and a.days_late >= max(1, filters.min_days)}
    if filters.band:
        late = {cid: a for cid, a in late.items() if a.band == filters.band}
    if filters.start or filters.end:
        late = {cid: a for cid, a in late.items() if a.oldest_due is not None
                and (filters.start is None or a.oldest_due >= filters.start)
                and (filters.end is None or a.oldest_due <= filters.end)}
    if not late:
        return []
    customers = session.exec(select(Customer).where(col(Customer.id).in_(sorted(late)))).all()
    reminded = _last_reminders(session, sorted(late))
    grace: dict[int, date] = {}
    for extension in active_extensions(session, set(late), today):
        grace[extension.customer_id] = max(extension.until, grace.get(extension.customer_id, extension.until))
    found = []
    for customer in customers:
        if filters.tag and filters.tag not in customer.tags:
            continue
        cid = customer.id or 0
        found.append(Delinquent(
            customer_id=cid, name=customer.full_name, client_id=customer.client_id,
            phones=tuple(sorted(stored_phones(customer))), arrears=late[cid], tags=tuple(customer.tags),
            last_reminder=reminded.get(cid), grace_until=grace.get(cid),
            blocked=customer.status == CustomerStatus.BLOCKED.value,
        ))
    return sorted(found, key=lambda d: (-d.arrears.days_late, d.client_id))


def render(lines: Sequence[Delinquent], fmt: str, tz: tzinfo, today: date) -> bytes:
    """The list as a terminal table, CSV (Excel in Spanish), XLSX or JSON."""
    if fmt == "json":
        return (json.dumps({"date": today.isoformat(), "delinquents": [line.to_json(tz) for line in lines]},
                           ensure_ascii=False, indent=2) + "\n").encode()
    sheet = Sheet(f"Morosos al {today:%d-%m-%Y}", HEADERS, [line.cells() for line in lines])
    if fmt == "csv":
        return to_csv([sheet], tz)
    if fmt == "xlsx":
        return to_xlsx([sheet], tz)
    if fmt == "table":
        if not lines:
            return f"No hay clientes con saldo vencido al {today:%d/%m/%Y}.\n".encode()
        return to_text([sheet], tz).encode()
    raise ValueError(f"unknown format {fmt}")
