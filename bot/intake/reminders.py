"""What a receipt sets in motion for the reminders of what a customer still owes, and sending the due ones.

The rules (what a reminder chases, one set per receipt, when one is stale) live in `bot/account/reminders.py`;
this module applies them to intakes: a short receipt forwarded schedules its set, a complete one replaces
the reminders it pays, a receipt rejected or corrected to the full amount takes its own back, and the due
ones are sent through the messenger with what is still open today.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import bot.account.reminders as rules
from bot.account.operations import AccountPolicy, Told, told_in_colones
from bot.collections.calendar import BusinessCalendar
from bot.config import Settings
from bot.db.models import Intake, Reminder, ReminderState
from bot.db.session import rowcount
from bot.intake.facts import IntakeFacts
from bot.intake.sending import Messenger
from bot.vocabulary import ReplyKind

BATCH = 100


def follow_balance(session: Session, intake: Intake, facts: IntakeFacts, settings: Settings, now: datetime) -> int:
    """A receipt was forwarded: what it leaves open is reminded later (one set per receipt; each in business
    hours, moved to when they next start), and the customer's reminders of what it pays stop. Returns how
    many reminders were scheduled."""
    if intake.id is None or intake.customer_id is None:
        return 0
    account = facts.account
    if facts.difference is None:
        paid = [charge.entry_id for charge in account.charges] if account is not None else None
        if paid != []:
            rules.supersede(session, customer_id=intake.customer_id, intake_id=intake.id, charges=paid)
        return 0
    left = account.left_to_pay if account is not None else facts.difference
    return rules.schedule(
        session, intake_id=intake.id, customer_id=intake.customer_id, contract_id=intake.contract_id,
        channel=intake.channel, recipient=intake.reply_to or intake.sender, left=left,
        charges=account.chased if account is not None else (), hours=settings.reminder_hours, now=now,
        open_from=BusinessCalendar.from_settings(settings).next_open,
    )


def forget(session: Session, intake: Intake, note: str) -> int:
    """`intake` no longer chases anything (rejected, or corrected to the full amount): its own reminders
    stop, and those it had replaced come back. Returns how many of its own were cancelled."""
    if intake.id is None:
        return 0
    cancelled = rules.cancel_for_intake(session, intake.id, note)
    rules.reinstate_superseded(session, intake.id)
    return cancelled


class DueReminders:
    """Sends due reminders through the outbox; a reminder is claimed before it is sent, so once."""

    def __init__(self, engine: Engine, messenger: Messenger) -> None:
        self.engine = engine
        self.messenger = messenger

    def send_due(self, now: datetime) -> int:
        """Queue every receipt's reminder due at `now` that still chases something open, told as it is today;
        cancel the others. Only in business hours; a customer already reminded today (PAYBOT_REMINDERS_PER_DAY)
        gets it when they next start; one missed by more than PAYBOT_REMINDER_LATE_HOURS is dropped. Reminders
        of no receipt (collections' planned ones) are left to their own sender."""
        settings = self.messenger.settings
        calendar = BusinessCalendar.from_settings(settings)
        if not calendar.is_open(now):
            return 0
        policy = AccountPolicy.from_settings(settings)
        today = now.astimezone(settings.tz).date()
        late = timedelta(hours=settings.reminder_late_hours)
        dropped = rules.TOO_LATE.format(hours=settings.reminder_late_hours)
        tomorrow = calendar.opening(calendar.open_day_from(today + timedelta(days=1)))
        sent = 0
        with Session(self.engine, expire_on_commit=False) as session:
            due = session.exec(
                select(Reminder).where(Reminder.state == ReminderState.PENDING.value)
                .where(col(Reminder.intake_id).is_not(None))
                .where(Reminder.due_at <= now).order_by(col(Reminder.due_at)).limit(BATCH)
            ).all()
            midnight = datetime.combine(today, time(0), tzinfo=calendar.zone)
            reminded = rules.sent_since(session, {r.customer_id for r in due if r.customer_id is not None}, midnight)
            for reminder in due:
                if now - reminder.due_at > late:
                    session.execute(update(Reminder).where(col(Reminder.id) == reminder.id).values(
                        state=ReminderState.CANCELLED.value, last_error=dropped))
                    continue
                if reminder.customer_id is not None and reminded.get(reminder.customer_id, 0) >= \
                        settings.reminders_per_day:
                    session.execute(update(Reminder).where(col(Reminder.id) == reminder.id).values(due_at=tomorrow))
                    continue
                claimed = session.execute(
                    update(Reminder).where(col(Reminder.id) == reminder.id)
                    .where(col(Reminder.state) == ReminderState.PENDING.value)
                    .values(attempts=Reminder.attempts + 1, state=ReminderState.SENT.value, sent_at=now)
                )
                if rowcount(claimed) != 1:
                    continue
                intake = session.get(Intake, reminder.intake_id) if reminder.intake_id else None
                left = rules.still_chasing(session, reminder) if intake is not None else None
                if intake is None or left is None:
                    session.execute(
                        update(Reminder).where(col(Reminder.id) == reminder.id)
                        .values(state=ReminderState.CANCELLED.value, last_error="ya no hay diferencia")
                    )
                    continue
                self._send(session, reminder, intake, left_told=told_in_colones(session, left, today, policy),
                           today=today)
                if reminder.customer_id is not None:
                    reminded[reminder.customer_id] = reminded.get(reminder.customer_id, 0) + 1
                sent += 1
            session.commit()
        return sent

    def _send(self, session: Session, reminder: Reminder, intake: Intake, *, left_told: Told, today: date) -> None:
        context = self.messenger.reply_context(session, intake, IntakeFacts.of(intake))
        context.update(difference=left_told.amount, rate_text=left_told.rate_text, today=today)
        kind = ReplyKind.named(reminder.kind) or ReplyKind.REMINDER_SHORT_PAYMENT
        self.messenger.tell_customer(session, intake, kind, context, key_suffix=f":reminder:{reminder.id}")
