"""Per-sender flood control: past PAYBOT_FLOOD_PER_MINUTE receipts in a minute from one sender, their next ones
wait behind everyone else's in the reading queue, and they are told once, politely, that they will be read."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import Intake, OutboxMessage
from bot.intake.messages import Audience
from bot.intake.outbox import enqueue
from bot.intake.replies import Replies
from bot.vocabulary import ReplyKind

log = logging.getLogger(__name__)

NORMAL, FLOODED = 0, 1
"""Queue places: the worker takes every normal intake before any of a flooding sender's."""
WINDOW = timedelta(minutes=1)
NOTICE_EVERY = timedelta(minutes=10)
"""A flooding sender hears about it at most once in this long, however many receipts they keep sending."""


def sent_in_the_last_minute(session: Session, intake: Intake) -> int:
    """How many intakes this sender sent on this channel in the minute up to `intake` (itself included)."""
    since = intake.created_at - WINDOW
    return int(session.exec(
        select(func.count()).select_from(Intake)
        .where(col(Intake.channel) == intake.channel).where(col(Intake.sender) == intake.sender)
        .where(col(Intake.created_at) > since).where(col(Intake.id) <= (intake.id or 0))
    ).one())


def place_in_queue(session: Session, intake: Intake, per_minute: int) -> bool:
    """Put a flooding sender's intake behind everyone else's; True when it was (0: no limit)."""
    if per_minute <= 0 or sent_in_the_last_minute(session, intake) <= per_minute:
        return False
    intake.priority = FLOODED
    session.add(intake)
    return True


def tell_flooding_sender(engine: Engine, replies: Replies, intake: Intake, now: datetime) -> bool:
    """Queue the polite notice for `intake`'s sender unless they had one recently; its own transaction, so a
    race between two web processes costs at most a refused duplicate, never the intake."""
    recipient = intake.reply_to or intake.sender
    bucket = int(now.timestamp() // NOTICE_EVERY.total_seconds())
    with Session(engine) as session:
        recent = session.exec(
            select(OutboxMessage.id).where(col(OutboxMessage.kind) == ReplyKind.FLOOD_NOTICE.value)
            .where(col(OutboxMessage.channel) == intake.channel).where(col(OutboxMessage.recipient) == recipient)
            .where(col(OutboxMessage.created_at) > now - NOTICE_EVERY)
        ).first()
        if recent is not None:
            return False
        assert ReplyKind.FLOOD_NOTICE.template is not None
        enqueue(session, dedupe_key=f"flood:{intake.channel}:{recipient}:{bucket}", channel=intake.channel,
                recipient=recipient, audience=Audience.CUSTOMER, kind=ReplyKind.FLOOD_NOTICE.value,
                text=replies.render(ReplyKind.FLOOD_NOTICE.template, {}), intake_id=intake.id, now=now)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    log.info("sender of intake %s is over the flood limit: told once, their receipts wait behind others'",
             intake.id, extra={"intake_id": intake.id})
    return True
