"""A customer writing outside business hours is told when support will answer: once per closed period and
chat (until hours start again), while their message or receipt is taken as always."""

from __future__ import annotations

from sqlmodel import Session

from bot.collections.calendar import BusinessCalendar
from bot.config import Settings
from bot.db.models import Intake
from bot.intake.facts import IntakeFacts
from bot.intake.sending import Messenger
from bot.vocabulary import ReplyKind

ANSWERED_CHANNELS = frozenset({"whatsapp", "telegram"})
"""Where customers write in: the local sandbox and `paybot intake` answer whatever the hour."""


def answer_out_of_hours(session: Session, intake: Intake, settings: Settings, messenger: Messenger) -> bool:
    """Queue the out-of-hours answer when `intake` came in while support is closed; False when it is open,
    the channel is local, or this chat was already told during this closed period."""
    if not settings.out_of_hours_reply or intake.channel not in ANSWERED_CHANNELS:
        return False
    calendar = BusinessCalendar.from_settings(settings)
    received = intake.created_at
    if calendar.is_open(received):
        return False
    opens = calendar.next_open(received)
    recipient = intake.reply_to or intake.sender
    context = messenger.greeting(session, intake, IntakeFacts.of(intake))
    context.update(
        opens=f"{calendar.opens:%H:%M}", closes=f"{calendar.closes:%H:%M}", next_open=opens,
        in_days=(opens.date() - calendar.local(received).date()).days,
        closed_weekdays=sorted(calendar.closed_weekdays), holidays=bool(calendar.country),
    )
    messenger.tell_chat(session, intake.channel, recipient, ReplyKind.OUT_OF_HOURS, context,
                        key=f"out_of_hours:{intake.channel}:{recipient}:{opens:%Y%m%d%H%M}", intake_id=intake.id)
    return True
