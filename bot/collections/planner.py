"""Which reminders are due today, written as rows before they are sent (the rows are the truth): a charge due in
N days, a charge overdue on day 1, 7, 15 (the due date is day zero), the monthly statement of who owes. Each row
has a plan key, so planning again (a second run, a restart, a second process) writes nothing twice; a day the
service never ran is never planned late. Days are moved to open days (a Sunday or holiday reminder goes the day
before a due date, the day after for an overdue one)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.account.entries import ZERO, OpenCharge
from bot.collections.arrears import Arrears, arrears_of
from bot.collections.calendar import BusinessCalendar
from bot.collections.contact import customer_chat
from bot.collections.grace import active_extensions, covers
from bot.config import Settings
from bot.db.models import Customer, Reminder
from bot.vocabulary import ReplyKind

URGENCY = {
    ReplyKind.REMINDER_GRACE.value: 50,
    ReplyKind.REMINDER_OVERDUE.value: 40,
    ReplyKind.REMINDER_SHORT_PAYMENT.value: 30,
    ReplyKind.REMINDER_DUE.value: 20,
    ReplyKind.REMINDER_STATEMENT.value: 10,
}
"""When one customer has several reminders due the same day, the most urgent is the one sent."""
PLANNED_KINDS = tuple(URGENCY)


def chase(amount: Decimal, currency: str, charges: list[int], **extra: object) -> dict[str, object]:
    """A reminder's payload in the account's form (what it chases: these charges, this much then)."""
    return {"amount": str(amount), "currency": currency, "charges": charges, "hours": 0, "superseded_by": None,
            **extra}


def _previous_open_day(calendar: BusinessCalendar, day: date) -> date:
    for back in range(15):
        candidate = day - timedelta(days=back)
        if calendar.is_open_day(candidate):
            return candidate
    return day


def _due_soon(settings: Settings, calendar: BusinessCalendar, charge: OpenCharge, today: date) -> int | None:
    for days in sorted(set(settings.reminder_due_days), reverse=True):
        target = charge.due_date - timedelta(days=days)
        if target >= today and _previous_open_day(calendar, target) == today and today < charge.due_date:
            return days
    return None


def _overdue_on(settings: Settings, calendar: BusinessCalendar, charge: OpenCharge, today: date) -> int | None:
    for days in sorted(set(settings.reminder_overdue_days)):
        if calendar.open_day_from(charge.due_date + timedelta(days=days)) == today:
            return days
    return None


def statement_day(settings: Settings, calendar: BusinessCalendar, today: date) -> bool:
    if not settings.statement_day:
        return False
    return calendar.open_day_from(today.replace(day=settings.statement_day)) == today


def _rows_for(settings: Settings, calendar: BusinessCalendar, arrears: Arrears, graced: bool,
              today: date) -> list[tuple[str, str, dict[str, object]]]:
    """(plan key, kind, payload) of every reminder this customer is due today."""
    rows: list[tuple[str, str, dict[str, object]]] = []
    for charge in arrears.open_charges:
        late = _overdue_on(settings, calendar, charge, today) if charge.overdue(today) else None
        if late is not None and not graced:
            rows.append((f"overdue:{charge.entry_id}:{late}", ReplyKind.REMINDER_OVERDUE.value,
                         chase(charge.open, charge.currency, [charge.entry_id], days=late)))
        soon = _due_soon(settings, calendar, charge, today) if not charge.overdue(today) else None
        if soon is not None:
            rows.append((f"due:{charge.entry_id}:{soon}", ReplyKind.REMINDER_DUE.value,
                         chase(charge.open, charge.currency, [charge.entry_id], days=soon)))
    if arrears.open_charges and statement_day(settings, calendar, today):
        currency = arrears.open_charges[0].currency
        owed = sum((c.open for c in arrears.open_charges if c.currency == currency), ZERO)
        rows.append((f"statement:{arrears.customer_id}:{today:%Y-%m}", ReplyKind.REMINDER_STATEMENT.value,
                     chase(owed, currency, [c.entry_id for c in arrears.open_charges])))
    return rows


def plan_reminders(session: Session, settings: Settings, calendar: BusinessCalendar, now: datetime,
                   local_channel: str = "sandbox") -> int:
    """Write today's reminders of every customer who owes, due when business hours start; returns how many new."""
    local = calendar.local(now)
    today = local.date()
    if not calendar.is_open_day(today):
        return 0
    owing = arrears_of(session, today)
    if not owing:
        return 0
    graces = active_extensions(session, set(owing), today)
    planned = []
    for customer_id, arrears in owing.items():
        graced = any(covers(graces, customer_id, charge) for charge in arrears.overdue)
        for key, kind, payload in _rows_for(settings, calendar, arrears, graced, today):
            planned.append((customer_id, key, kind, payload))
    if not planned:
        return 0
    keys = [key for _c, key, _k, _p in planned]
    existing = set(session.exec(select(Reminder.plan_key).where(col(Reminder.plan_key).in_(keys))).all())
    customers = {c.id: c for c in session.exec(
        select(Customer).where(col(Customer.id).in_(sorted({c for c, *_ in planned})))).all()}
    due_at = max(calendar.opening(today), now) if local.time() >= calendar.closes else calendar.opening(today)
    written = 0
    for customer_id, key, kind, payload in planned:
        customer = customers.get(customer_id)
        if key in existing or customer is None:
            continue
        chat = customer_chat(settings, customer, local_channel)
        if chat is None:
            continue
        charge_ids = payload["charges"]
        contract_id = None
        if isinstance(charge_ids, list) and len(charge_ids) == 1:
            contract_id = next((c.contract_id for c in owing[customer_id].open_charges
                                if c.entry_id == charge_ids[0]), None)
        session.add(Reminder(customer_id=customer_id, contract_id=contract_id, kind=kind, channel=chat.channel,
                             recipient=chat.recipient, payload=payload, due_at=due_at, plan_key=key, created_at=now))
        written += 1
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return 0
    return written
