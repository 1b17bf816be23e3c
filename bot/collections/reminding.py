"""Collections' own reminders (a charge due soon, overdue, a grace that ended, the monthly statement) planned
each day as rows and sent when business hours allow: paced to one a day per customer, the most urgent first,
never once what they chase is paid, and each claimed before it is queued, so once across restarts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import bot.account.reminders as rules
from bot.account.operations import AccountPolicy, told_in_colones
from bot.collections.arrears import Arrears, arrears_of, arrears_one
from bot.collections.calendar import BusinessCalendar
from bot.collections.contact import customer_context
from bot.collections.grace import active_extensions, covers
from bot.collections.pacing import Waiting, pace
from bot.collections.planner import PLANNED_KINDS, plan_reminders
from bot.db.models import Customer, Reminder, ReminderState
from bot.db.session import rowcount
from bot.intake.sending import Messenger
from bot.intake.statements import statement_document
from bot.vocabulary import ReplyKind
from currency.money import Money

log = logging.getLogger(__name__)

BATCH = 200
PAID = "ya no hay saldo pendiente"
OVER_LIMIT = "el cliente ya recibió un recordatorio hoy"
IN_GRACE = "el cargo está en prórroga"


def _days(reminder: Reminder) -> int:
    value = reminder.payload.get("days")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def _local_midnight(calendar: BusinessCalendar, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.zone)


@dataclass
class PlannedReminders:
    """Plans today's reminders and sends those due, through the messenger's outbox."""

    engine: Engine
    messenger: Messenger
    clock: Callable[[], datetime]
    local_channel: str = "sandbox"

    @property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar.from_settings(self.messenger.settings)

    def plan(self) -> int:
        """Write today's reminder rows (each once, whoever plans again); returns how many were new."""
        with Session(self.engine, expire_on_commit=False) as session:
            written = plan_reminders(session, self.messenger.settings, self.calendar, self.clock(),
                                     local_channel=self.local_channel)
            session.commit()
        if written:
            log.info("collections: %d reminder(s) planned", written)
        return written

    def send_due(self) -> int:
        """Queue every planned reminder whose time has come, paced; returns how many were queued."""
        now = self.clock()
        calendar = self.calendar
        if not calendar.is_open(now):
            return 0
        settings = self.messenger.settings
        today = calendar.local(now).date()
        sent = 0
        with Session(self.engine, expire_on_commit=False) as session:
            due = self._due(session, now)
            customers = {r.customer_id for r in due if r.customer_id is not None}
            if customers and rules.cancel_settled(session, customers, PAID):
                due = self._due(session, now)
            owing = arrears_of(session, today, {r.customer_id for r in due if r.customer_id is not None})
            due = self._outside_grace(session, due, today, owing)
            if not due:
                session.commit()
                return 0
            decision = pace(
                [Waiting(r.id or 0, r.customer_id, r.kind, r.due_at, days=_days(r), manual=bool(r.sent_by))
                 for r in due],
                now=now, open_now=True, sent_today=self._sent_today(session, customers, today),
                per_day=settings.reminders_per_day, late=timedelta(hours=settings.reminder_late_hours))
            rows = {r.id: r for r in due}
            self._close(session, decision.too_late, rules.TOO_LATE.format(hours=settings.reminder_late_hours))
            self._close(session, decision.over_limit, OVER_LIMIT)
            tomorrow = calendar.opening(calendar.open_day_from(today + timedelta(days=1)))
            for reminder_id in decision.deferred:
                session.execute(update(Reminder).where(col(Reminder.id) == reminder_id).values(due_at=tomorrow))
            for reminder_id in decision.send:
                reminder = rows[reminder_id]
                if self.send_one(session, reminder, now=now, today=today, arrears=owing.get(reminder.customer_id or 0)):
                    sent += 1
            session.commit()
        if sent:
            log.info("collections: %d reminder(s) queued", sent)
        return sent

    def send_one(self, session: Session, reminder: Reminder, *, now: datetime, today: date,
                 arrears: Arrears | None = None) -> bool:
        """Claim `reminder` and queue its message with what it still chases today (`arrears`: the customer's,
        read already); False when another process had it, or when nothing is left to chase (it is cancelled)."""
        claimed = session.execute(
            update(Reminder).where(col(Reminder.id) == reminder.id)
            .where(col(Reminder.state) == ReminderState.PENDING.value)
            .values(attempts=Reminder.attempts + 1, state=ReminderState.SENT.value, sent_at=now))
        if rowcount(claimed) != 1:
            return False
        left = rules.still_chasing(session, reminder)
        customer = session.get(Customer, reminder.customer_id) if reminder.customer_id is not None else None
        if left is None or customer is None:
            self._close(session, [reminder.id or 0], PAID)
            return False
        kind = ReplyKind.named(reminder.kind) or ReplyKind.REMINDER_OVERDUE
        context = self.context(session, customer, reminder, left, today,
                               arrears or arrears_one(session, customer.id or 0, today))
        document = None
        if kind is ReplyKind.REMINDER_STATEMENT:
            document, _told = statement_document(session, self.messenger.settings, customer, today,
                                                 self.messenger.media)
        self.messenger.tell_chat(session, reminder.channel, reminder.recipient, kind, context,
                                 key=f"customer:{customer.id}:reminder:{reminder.id}", document=document, now=now)
        return True

    def context(self, session: Session, customer: Customer, reminder: Reminder, left: Money, today: date,
                arrears: Arrears) -> dict[str, Any]:
        """What each kind's script says: the charges chased as they are today, the amount left in colones at
        today's rate, days late, the grace's last day."""
        settings = self.messenger.settings
        chased = set(rules.chase_of(reminder).charges)
        charges = [c for c in arrears.open_charges if c.entry_id in chased]
        told = told_in_colones(session, left, today, AccountPolicy.from_settings(settings))
        oldest = min((c.due_date for c in charges), default=None)
        until = reminder.payload.get("until")
        return {
            **customer_context(settings, customer), "amount": told.amount, "rate_text": told.rate_text,
            "charges": charges, "oldest_due": oldest, "days_late": (today - oldest).days if oldest else 0,
            "today": today, "until": date.fromisoformat(until) if isinstance(until, str) else None,
        }

    def _due(self, session: Session, now: datetime) -> list[Reminder]:
        return list(session.exec(
            select(Reminder).where(Reminder.state == ReminderState.PENDING.value)
            .where(col(Reminder.intake_id).is_(None)).where(col(Reminder.kind).in_(PLANNED_KINDS))
            .where(Reminder.due_at <= now).order_by(col(Reminder.due_at), col(Reminder.id)).limit(BATCH)
        ).all())

    def _outside_grace(self, session: Session, due: list[Reminder], today: date,
                       owing: dict[int, Arrears]) -> list[Reminder]:
        """Overdue reminders of a charge a grace now covers (granted after they were planned) stop."""
        overdue = [r for r in due if r.kind == ReplyKind.REMINDER_OVERDUE.value and r.customer_id is not None]
        if not overdue:
            return due
        graces = active_extensions(session, {r.customer_id for r in overdue if r.customer_id}, today)
        silenced: list[int] = []
        for reminder in overdue:
            chased = set(rules.chase_of(reminder).charges)
            known = owing.get(reminder.customer_id or 0)
            charges = [c for c in (known.open_charges if known else ()) if c.entry_id in chased]
            if any(covers(graces, reminder.customer_id or 0, charge) for charge in charges):
                silenced.append(reminder.id or 0)
        self._close(session, silenced, IN_GRACE)
        return [r for r in due if r.id not in silenced]

    def _sent_today(self, session: Session, customers: set[int], today: date) -> dict[int, int]:
        """How many reminders (of any kind) each customer was sent since today's local midnight."""
        return rules.sent_since(session, customers, _local_midnight(self.calendar, today)) if customers else {}

    @staticmethod
    def _close(session: Session, reminder_ids: list[int], note: str) -> None:
        if not reminder_ids:
            return
        session.execute(update(Reminder).where(col(Reminder.id).in_(reminder_ids))
                        .where(col(Reminder.state).in_((ReminderState.PENDING.value, ReminderState.SENT.value)))
                        .values(state=ReminderState.CANCELLED.value, last_error=note[:500]))
