"""The outbox: messages are written with the state change that causes them, then delivered with retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.models import OutboxMessage, OutboxState
from bot.db.session import rowcount
from bot.db.types import utcnow
from bot.intake.claims import holder_is_gone
from bot.intake.messages import Audience, Button, ChannelSender, OutboundMessage, SendError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    audience: Audience,
    kind: str,
    text: str,
    intake_id: int | None = None,
    media_path: str | None = None,
    buttons: Sequence[Button] = (),
) -> OutboxMessage | None:
    """Add a message to the caller's transaction; a key already queued is not queued twice."""
    existing = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        intake_id=intake_id,
        channel=channel,
        recipient=recipient,
        audience=audience.value,
        kind=kind,
        text=text,
        media_path=media_path,
        buttons=[{"label": b.label, "data": b.data} for b in buttons],
    )
    session.add(message)
    return message


def _outbound(row: OutboxMessage) -> OutboundMessage:
    return OutboundMessage(
        outbox_id=row.id or 0,
        channel=row.channel,
        recipient=row.recipient,
        audience=Audience(row.audience),
        kind=row.kind,
        text=row.text,
        media_path=row.media_path,
        buttons=tuple(Button(b["label"], b["data"]) for b in row.buttons),
        intake_id=row.intake_id,
    )


class OutboxDispatcher:
    """Delivers pending outbox rows through the channel senders; safe to run in several processes."""

    def __init__(self, engine: Engine, senders: Mapping[str, ChannelSender], worker_id: str) -> None:
        self.engine = engine
        self.senders = dict(senders)
        self.worker_id = worker_id
        self.wakeup = asyncio.Event()

    def register(self, sender: ChannelSender) -> None:
        self.senders[sender.name] = sender

    def release_dead_claims(self) -> int:
        """Make messages held by a dead process of this host due again at once."""
        released = 0
        with Session(self.engine) as session:
            held = session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                .where(col(OutboxMessage.claimed_by).is_not(None))
            ).all()
            for row in held:
                if holder_is_gone(row.claimed_by):
                    row.claimed_by = None
                    row.next_attempt_at = utcnow()
                    session.add(row)
                    released += 1
            session.commit()
        return released

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Deliver forever; woken early by `wakeup` when something was just queued."""
        self.release_dead_claims()
        while True:
            try:
                sent = await self.flush()
            except Exception:
                log.exception("outbox pass failed")
                sent = 0
            if sent:
                continue
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=poll_seconds)

    async def flush(self, limit: int = 50) -> int:
        """One pass over due messages; returns how many were handled."""
        handled = 0
        for row_id in self._due_ids(limit):
            row = self._claim(row_id)
            if row is None:
                continue
            handled += 1
            await self._deliver(row)
        return handled

    def _due_ids(self, limit: int) -> list[int]:
        now = utcnow()
        with Session(self.engine) as session:
            query = (
                select(OutboxMessage.id)
                .where(OutboxMessage.state == OutboxState.PENDING.value)
                .where(OutboxMessage.next_attempt_at <= now)
                .where(col(OutboxMessage.channel).in_(list(self.senders)))
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            return [row_id for row_id in session.exec(query).all() if row_id is not None]

    def _claim(self, row_id: int) -> OutboxMessage | None:
        """Push the row's next attempt past a lease so no other dispatcher sends it meanwhile."""
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            result = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                .where(col(OutboxMessage.next_attempt_at) <= now)
                .values(next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1, claimed_by=self.worker_id)
            )
            session.commit()
            if rowcount(result) != 1:
                return None
            return session.get(OutboxMessage, row_id)

    async def _deliver(self, row: OutboxMessage) -> None:
        sender = self.senders[row.channel]
        try:
            external_id = await sender.send(_outbound(row))
        except SendError as error:
            self._failed(row, str(error), retryable=error.retryable)
            return
        except Exception as error:
            log.exception("sending outbox message %s failed", row.id)
            self._failed(row, f"{type(error).__name__}: {error}", retryable=True)
            return
        with Session(self.engine) as session:
            stored = session.get(OutboxMessage, row.id)
            if stored is not None:
                stored.state = OutboxState.SENT.value
                stored.claimed_by = None
                stored.external_id = external_id
                stored.sent_at = utcnow()
                stored.last_error = None
                session.add(stored)
                session.commit()

    def _failed(self, row: OutboxMessage, error: str, retryable: bool) -> None:
        with Session(self.engine) as session:
            stored = session.get(OutboxMessage, row.id)
            if stored is None:
                return
            stored.last_error = error[:1000]
            stored.claimed_by = None
            if not retryable or stored.attempts >= MAX_ATTEMPTS:
                stored.state = OutboxState.FAILED.value
                log.error("outbox message %s to %s:%s failed for good: %s",
                          row.id, row.channel, row.recipient, error)
            else:
                backoff = min(300.0, 2.0 ** stored.attempts) * (0.75 + random.random() / 2)
                stored.next_attempt_at = utcnow() + timedelta(seconds=backoff)
                log.warning("outbox message %s will be retried in %.0fs: %s", row.id, backoff, error)
            session.add(stored)
            session.commit()
