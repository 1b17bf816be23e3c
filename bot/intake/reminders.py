"""Reminders of what a customer still owes: scheduled as rows when a short payment is forwarded, sent
through the outbox when due, and cancelled once something paid it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.models import Intake, Payment, Reminder, ReminderState
from bot.db.session import rowcount
from bot.intake.facts import IntakeFacts
from bot.intake.sending import Messenger
from bot.vocabulary import ReplyKind
from currency.money import CRC, Money

BATCH = 100


def schedule_difference_reminders(session: Session, intake: Intake, difference: Money | None,
                                  hours: Sequence[int], now: datetime) -> None:
    """Durable reminders of the difference at `hours` after `now`."""
    for after in hours:
        session.add(Reminder(
            intake_id=intake.id,
            customer_id=intake.customer_id,
            contract_id=intake.contract_id,
            kind=ReplyKind.REMINDER_SHORT_PAYMENT.value,
            channel=intake.channel,
            recipient=intake.reply_to or intake.sender,
            payload={"difference": str(difference.amount) if difference else "0", "hours": after},
            due_at=now + timedelta(hours=after),
        ))


def cancel_reminders_paid_by(session: Session, intake: Intake) -> None:
    """The customer's other pending reminders: `intake` paid what they chase."""
    for reminder in session.exec(
        select(Reminder)
        .where(Reminder.customer_id == intake.customer_id)
        .where(Reminder.state == ReminderState.PENDING.value)
        .where(col(Reminder.intake_id) != intake.id)
    ).all():
        reminder.state = ReminderState.CANCELLED.value
        reminder.last_error = f"pagado con el comprobante #{intake.id}"
        session.add(reminder)


def _paid_since(session: Session, reminder: Reminder) -> bool:
    if reminder.customer_id is None:
        return False
    later = session.exec(
        select(Payment).where(Payment.customer_id == reminder.customer_id)
        .where(Payment.applied_at > reminder.created_at)
        .where(col(Payment.intake_id) != reminder.intake_id)
    ).first()
    return later is not None


class DueReminders:
    """Sends due reminders through the outbox; a reminder is claimed before it is sent, so once."""

    def __init__(self, engine: Engine, messenger: Messenger) -> None:
        self.engine = engine
        self.messenger = messenger

    def send_due(self, now: datetime) -> int:
        """Queue every reminder due at `now` whose difference is still unpaid; cancel the others."""
        sent = 0
        with Session(self.engine, expire_on_commit=False) as session:
            due = session.exec(
                select(Reminder).where(Reminder.state == ReminderState.PENDING.value)
                .where(Reminder.due_at <= now).order_by(col(Reminder.due_at)).limit(BATCH)
            ).all()
            for reminder in due:
                claimed = session.execute(
                    update(Reminder).where(col(Reminder.id) == reminder.id)
                    .where(col(Reminder.state) == ReminderState.PENDING.value)
                    .values(attempts=Reminder.attempts + 1, state=ReminderState.SENT.value, sent_at=now)
                )
                if rowcount(claimed) != 1:
                    continue
                intake = session.get(Intake, reminder.intake_id) if reminder.intake_id else None
                if intake is None or _paid_since(session, reminder):
                    session.execute(
                        update(Reminder).where(col(Reminder.id) == reminder.id)
                        .values(state=ReminderState.CANCELLED.value, last_error="ya no hay diferencia")
                    )
                    continue
                context = self.messenger.reply_context(session, intake, IntakeFacts.of(intake))
                context["difference"] = Money(Decimal(reminder.payload.get("difference", "0")), CRC)
                kind = ReplyKind.named(reminder.kind) or ReplyKind.REMINDER_SHORT_PAYMENT
                self.messenger.tell_customer(session, intake, kind, context, key_suffix=f":reminder:{reminder.id}")
                sent += 1
            session.commit()
        return sent
