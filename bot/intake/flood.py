"""Per-sender flood control: past PAYBOT_FLOOD_PER_MINUTE receipts in a minute from one sender, their next ones
wait behind everyone else's in the reading queue, and they are told once, politely, that they will be read."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

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


def sent_in_the_last_minute(session: Session, intakes: list[Intake]) -> list[int]:
    """For each of `intakes` (flushed, so with their ids), how many intakes its sender sent on its channel in
    the minute up to it (itself included): one query for all of them."""
    if not intakes:
        return []
    senders = {(intake.channel, intake.sender) for intake in intakes}
    since = min(intake.created_at for intake in intakes) - WINDOW
    rows = session.exec(
        select(Intake.id, Intake.channel, Intake.sender, Intake.created_at)
        .where(col(Intake.channel).in_({channel for channel, _ in senders}))
        .where(col(Intake.sender).in_({sender for _, sender in senders}))
        .where(col(Intake.created_at) > since).where(col(Intake.id) <= max(intake.id or 0 for intake in intakes))
    ).all()
    by_sender: dict[tuple[str, str], list[tuple[int, datetime]]] = {}
    for row_id, channel, sender, created_at in rows:
        by_sender.setdefault((channel, sender), []).append((row_id or 0, created_at))
    return [sum(1 for row_id, created_at in by_sender.get((intake.channel, intake.sender), [])
                if row_id <= (intake.id or 0) and created_at > intake.created_at - WINDOW) for intake in intakes]


def place_in_queue(session: Session, intakes: list[Intake], per_minute: int) -> list[bool]:
    """Put each flooding sender's intake behind everyone else's; for each, True when it was (0: no limit)."""
    if per_minute <= 0:
        return [False] * len(intakes)
    flooded = []
    for intake, sent in zip(intakes, sent_in_the_last_minute(session, intakes), strict=True):
        if sent > per_minute:
            intake.priority = FLOODED
            session.add(intake)
        flooded.append(sent > per_minute)
    return flooded


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
