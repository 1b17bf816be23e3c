"""Telling everyone what collections changed, once: each block or unblock to the company's system (signed
webhook), the customer and support; each grace extension that ended with its charge still open to accounting
(and the customer's reminder is planned). Rows are claimed before anything is queued, so a change is announced
once however many processes or restarts see it."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.account.entries import ZERO
from bot.collections import grace
from bot.collections.arrears import arrears_one
from bot.collections.calendar import BusinessCalendar
from bot.collections.contact import customer_chat, customer_context, tell_customer
from bot.collections.planner import chase
from bot.collections.webhook import CHANNEL
from bot.db.models import AccessChange, Customer, GraceExtension, Reminder
from bot.db.session import rowcount
from bot.intake.cards import customer_label
from bot.intake.messages import Audience, Button
from bot.intake.outbox import enqueue
from bot.intake.sending import Messenger
from bot.vocabulary import ReplyKind, StaffActionKind, StaffMessage
from currency.money import Money

BLOCKED, UNBLOCKED = "customer.blocked", "customer.unblocked"


def access_event(change: AccessChange, customer: Customer, overdue: tuple[Money, ...]) -> dict[str, object]:
    """The JSON the company's system receives for one change."""
    return {
        "id": f"paybot-access-{change.id}",
        "event": BLOCKED if change.blocked else UNBLOCKED,
        "occurred_at": change.created_at.isoformat(),
        "customer": {"client_id": customer.client_id, "name": customer.full_name,
                     "document_type": customer.document_type, "document_number": customer.document_number},
        "reason": change.reason,
        "automatic": change.automatic,
        "actor": change.actor,
        "overdue": [{"amount": str(m.amount), "currency": m.currency} for m in overdue],
    }


def _claim(session: Session, row_type: type[AccessChange] | type[GraceExtension], row_id: int,
           column: str, now: datetime) -> bool:
    table_column = getattr(row_type, column)
    claimed = session.execute(update(row_type).where(col(row_type.id) == row_id)
                              .where(col(table_column).is_(None)).values({column: now}))
    return rowcount(claimed) == 1


def announce_access(session: Session, messenger: Messenger, *, today: date, now: datetime,
                    local_channel: str = "sandbox") -> int:
    """Queue the webhook event, the customer's message and support's note of every change not announced yet."""
    settings = messenger.settings
    pending = session.exec(select(AccessChange).where(col(AccessChange.announced_at).is_(None))
                           .order_by(col(AccessChange.id))).all()
    done = 0
    for change in pending:
        if change.id is None or not _claim(session, AccessChange, change.id, "announced_at", now):
            continue
        customer = session.get(Customer, change.customer_id)
        if customer is None:
            continue
        overdue = arrears_one(session, change.customer_id, today).amounts
        event = access_event(change, customer, overdue)
        webhook = bool(settings.access_webhook_url)
        if webhook:
            enqueue(session, dedupe_key=f"access:{change.id}:webhook", channel=CHANNEL,
                    recipient=settings.access_webhook_url, audience=Audience.SYSTEM, kind=str(event["event"]),
                    text=json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")), now=now)
        amount = overdue[0] if overdue else None
        context = {**customer_context(settings, customer), "amount": amount}
        kind = ReplyKind.ACCESS_BLOCKED if change.blocked else ReplyKind.ACCESS_UNBLOCKED
        tell_customer(session, messenger, customer, kind, context, key=f"access:{change.id}",
                      local_channel=local_channel)
        note = messenger.replies.render(StaffMessage.ACCESS_CHANGED.template, {
            "blocked": change.blocked, "customer_label": customer_label(customer), "reason": change.reason,
            "automatic": change.automatic, "actor": change.actor, "amount": amount, "webhook": webhook,
            "event": event["event"]})
        undo = StaffActionKind.UNBLOCK if change.blocked else StaffActionKind.BLOCK
        buttons = ([Button(undo.button, undo.callback(0, customer.client_id))]
                   if customer.client_id.isdigit() and len(customer.client_id) <= 20 else [])
        messenger.tell_staff(session, Audience.SUPPORT, StaffMessage.ACCESS_CHANGED, note, intake_id=None,
                             key=f"access:{change.id}:support", buttons=buttons)
        done += 1
    return done


def end_graces(session: Session, messenger: Messenger, *, today: date, now: datetime,
               calendar: BusinessCalendar, local_channel: str = "sandbox") -> int:
    """Close every extension whose last day passed: paid, or escalated to accounting with a reminder planned for
    the customer at the next business hour. Returns how many were escalated."""
    escalated = 0
    for extension in grace.ended(session, today):
        if extension.id is None or not _claim(session, GraceExtension, extension.id, "ended_at", now):
            continue
        arrears = arrears_one(session, extension.customer_id, today)
        still = [c for c in arrears.open_charges
                 if extension.charge_entry_id is None or c.entry_id == extension.charge_entry_id]
        customer = session.get(Customer, extension.customer_id)
        if not still or customer is None:
            grace.close(session, extension, outcome="paid", now=now)
            continue
        grace.close(session, extension, outcome="escalated", now=now)
        charge = still[0]
        left = Money(sum((c.open for c in still), ZERO), charge.currency)
        text = messenger.replies.render(StaffMessage.GRACE_ENDED.template, {
            "customer_label": customer_label(customer),
            "charge_label": f"{charge.description} (vence {charge.due_date:%d/%m/%Y})", "amount": left,
            "granted_by": extension.granted_by, "starts_on": extension.starts_on, "reason": extension.reason,
            "until": extension.until})
        messenger.tell_staff(session, Audience.ACCOUNTING, StaffMessage.GRACE_ENDED, text,
                             intake_id=extension.intake_id, key=f"grace:{extension.id}:ended")
        chat = customer_chat(messenger.settings, customer, local_channel)
        if chat is not None:
            session.add(Reminder(
                customer_id=customer.id, contract_id=charge.contract_id, kind=ReplyKind.REMINDER_GRACE.value,
                channel=chat.channel, recipient=chat.recipient, plan_key=f"grace:{extension.id}",
                payload=chase(left.amount, left.currency, [c.entry_id for c in still], extension_id=extension.id,
                              until=extension.until.isoformat()),
                due_at=calendar.next_open(now), created_at=now,
            ))
        escalated += 1
    session.flush()
    return escalated
