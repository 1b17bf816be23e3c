"""The outbox: messages are written with the state change that causes them, then delivered with retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.db.models import OutboxMessage, OutboxState
from bot.db.turns import relaxed
from bot.db.types import utcnow
from bot.intake.claims import holder_is_gone
from bot.intake.messages import Audience, Button, ChannelSender, DeliveredMessage, OutboundMessage, SendError
from bot.logs import about_intake

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
CLAIM_BATCH = 16
"""Due messages (each the first pending one of its chat) claimed together, in one transaction."""
RELEASE_EVERY = 30
"""Seconds between sweeps for claims left by a dead process of this host (a kill -9)."""

FailureHandler = Callable[[Session, OutboxMessage, str, datetime], None]
"""Called, with the time, in the transaction that marks a message failed for good: reroute it, tell someone."""


@dataclass(frozen=True)
class RetryPolicy:
    """How a message that could not be sent is tried again: capped exponential backoff with jitter,
    at least as long as the channel asked (Retry-After), until `give_up_after` since it was queued."""

    give_up_after: timedelta = timedelta(hours=24)
    first_delay: float = 2.0
    max_delay: float = 300.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempts + 1`."""
        backoff = min(self.max_delay, self.first_delay * 2.0 ** max(0, attempts - 1))
        return max(backoff * (0.75 + random.random() / 2), retry_after or 0.0)

    def gives_up(self, queued_at: datetime, now: datetime) -> bool:
        return now - queued_at >= self.give_up_after


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
    now: datetime | None = None,
    media_name: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the caller's transaction, due `now` (default: at once); a key already queued
    is not queued twice."""
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
        media_name=media_name,
        buttons=[{"label": b.label, "data": b.data} for b in buttons],
    )
    if now is not None:
        message.created_at = message.next_attempt_at = now
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
        media_name=row.media_name,
    )


def delivered_on(engine: Engine, channel: str, after: int = 0, limit: int = 200) -> list[DeliveredMessage]:
    """Messages sent on `channel` after outbox id `after`, in order (what a local channel shows)."""
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.channel == channel)
            .where(OutboxMessage.state == OutboxState.SENT.value)
            .where(col(OutboxMessage.id) > after)
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        ).all()
        return [
            DeliveredMessage(
                outbox_id=row.id or 0, audience=Audience(row.audience), recipient=row.recipient, kind=row.kind,
                text=row.text, intake_id=row.intake_id, has_media=bool(row.media_path),
                buttons=tuple(Button(b["label"], b["data"]) for b in row.buttons),
            )
            for row in rows
        ]


def _first_pending_of_its_chat(intake_id: int | None = None) -> ColumnElement[bool]:
    """No earlier message to the same chat is still pending: each chat gets its messages in order
    (among one intake's messages only, when `intake_id` is given)."""
    earlier = aliased(OutboxMessage)
    conditions = [
        col(earlier.channel) == col(OutboxMessage.channel),
        col(earlier.recipient) == col(OutboxMessage.recipient),
        col(earlier.state) == OutboxState.PENDING.value,
        col(earlier.id) < col(OutboxMessage.id),
    ]
    if intake_id is not None:
        conditions.append(col(earlier.intake_id) == intake_id)
    return ~exists().where(*conditions)


class OutboxDispatcher:
    """Delivers pending outbox rows through the channel senders; safe to run in several processes.

    Each chat's messages go in the order they were queued: a message waits while an earlier one to
    the same recipient is still pending. A failed send is retried per `policy`; a channel that
    answers "too many requests" is left alone for as long as it asks. With `intake_id` it delivers
    only that intake's messages, in order among themselves (one `paybot intake` among others).
    """

    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, ChannelSender],
        worker_id: str,
        *,
        policy: RetryPolicy | None = None,
        on_failure: FailureHandler | None = None,
        clock: Callable[[], datetime] = utcnow,
        intake_id: int | None = None,
    ) -> None:
        self.engine = engine
        self.senders = dict(senders)
        self.worker_id = worker_id
        self.policy = policy or RetryPolicy()
        self.on_failure = on_failure
        self.clock = clock
        self.intake_id = intake_id
        self.wakeup = asyncio.Event()
        self.paused_until: dict[str, datetime] = {}

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
                    row.next_attempt_at = self.clock()
                    session.add(row)
                    released += 1
            session.commit()
        return released

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Deliver forever; woken early by `wakeup` when something was just queued. Claims of dead processes
        are released at start (and swept every RELEASE_EVERY seconds by the periodic work)."""
        await asyncio.to_thread(self.release_dead_claims)
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
                async with asyncio.timeout(poll_seconds):
                    await self.wakeup.wait()

    async def flush(self, limit: int = 50) -> int:
        """Deliver what is due, each chat in order, up to `limit` sends; returns how many were handled."""
        handled = 0
        while handled < limit:
            due = await asyncio.to_thread(self._due, limit - handled)
            wanted = [row_id for row_id, channel in due if not self._paused(channel)][:CLAIM_BATCH]
            if not wanted:
                break
            rows, lease_ends = await asyncio.to_thread(self._claim, wanted)
            if not rows:
                break
            handled += await self._deliver_all(rows, lease_ends)
        return handled

    async def _deliver_all(self, rows: Sequence[OutboxMessage], lease_ends: datetime) -> int:
        """Send the claimed rows one after the other; each sent one is recorded at once, in the same
        transaction as others sent while the previous record was being committed. A row whose channel
        paused meanwhile, or whose lease is half gone, is given back unsent."""
        recorder = _SentRecorder(self._sent)
        handled = 0
        waiting = list(rows)
        unsent: list[OutboxMessage] = []
        try:
            while waiting:
                row = waiting.pop(0)
                if recorder.error is not None or self._paused(row.channel) or self.clock() >= lease_ends - LEASE / 2:
                    unsent.append(row)
                    continue
                handled += 1
                with about_intake(row.intake_id):
                    external_id = await self._deliver(row)
                if external_id is not None:
                    recorder.add(row, external_id)
        finally:
            try:
                await recorder.drain()
            finally:
                if unsent or waiting:
                    await asyncio.to_thread(self._give_back, unsent + waiting)
        return handled

    def _paused(self, channel: str) -> bool:
        until = self.paused_until.get(channel)
        return until is not None and self.clock() < until

    def _due(self, limit: int) -> list[tuple[int, str]]:
        now = self.clock()
        channels = [name for name in self.senders if not self._paused(name)]
        with Session(self.engine) as session:
            query = (
                select(OutboxMessage.id, OutboxMessage.channel)
                .where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                .where(OutboxMessage.next_attempt_at <= now)
                .where(col(OutboxMessage.channel).in_(channels))
                .where(_first_pending_of_its_chat(self.intake_id))
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            if self.intake_id is not None:
                query = query.where(col(OutboxMessage.intake_id) == self.intake_id)
            return [(row_id, channel) for row_id, channel in session.exec(query).all() if row_id is not None]

    @relaxed
    def _claim(self, row_ids: Sequence[int]) -> tuple[list[OutboxMessage], datetime]:
        """Push each row's next attempt past a lease so no other dispatcher sends it meanwhile: the rows this
        dispatcher won (one commit for all), in id order, and when their lease ends."""
        now = self.clock()
        lease_ends = now + LEASE
        with Session(self.engine, expire_on_commit=False) as session:
            won = session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(sorted(row_ids)))
                .where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                .where(col(OutboxMessage.next_attempt_at) <= now)
                .where(_first_pending_of_its_chat(self.intake_id))
                .values(next_attempt_at=lease_ends, attempts=OutboxMessage.attempts + 1, claimed_by=self.worker_id)
                .returning(col(OutboxMessage.id))
                .execution_options(synchronize_session=False)
            ).scalars().all()
            session.commit()
            if not won:
                return [], lease_ends
            rows = session.exec(
                select(OutboxMessage).where(col(OutboxMessage.id).in_(won)).order_by(col(OutboxMessage.id))
            ).all()
            return list(rows), lease_ends

    async def _deliver(self, row: OutboxMessage) -> str | None:
        """Send one claimed row: the channel's id for it, or None when it failed (recorded here)."""
        sender = self.senders[row.channel]
        try:
            return await sender.send(_outbound(row))
        except SendError as error:
            if error.retry_after:
                self.paused_until[row.channel] = self.clock() + timedelta(seconds=error.retry_after)
                log.warning("%s asked us to wait %.0fs before sending again", row.channel, error.retry_after)
            await asyncio.to_thread(self._failed, row, str(error), error.retryable, error.retry_after)
        except Exception as error:
            log.exception("sending outbox message %s failed", row.id)
            await asyncio.to_thread(self._failed, row, f"{type(error).__name__}: {error}", True)
        return None

    @relaxed
    def _sent(self, sent: Sequence[tuple[OutboxMessage, str]]) -> None:
        """Record messages as sent, in one transaction."""
        now = self.clock()
        with Session(self.engine) as session:
            session.execute(update(OutboxMessage), [
                {"id": row.id, "state": OutboxState.SENT.value, "claimed_by": None, "external_id": external_id,
                 "sent_at": now, "last_error": None}
                for row, external_id in sent
            ])
            session.commit()

    def _give_back(self, rows: Sequence[OutboxMessage]) -> None:
        """Release claimed rows that were not sent (their channel paused, their lease half gone): due again,
        their attempt not counted."""
        now = self.clock()
        with Session(self.engine) as session:
            for row in rows:
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id) == row.id)
                    .where(col(OutboxMessage.claimed_by) == self.worker_id)
                    .where(col(OutboxMessage.state) == OutboxState.PENDING.value)
                    .values(next_attempt_at=now, attempts=OutboxMessage.attempts - 1, claimed_by=None)
                )
            session.commit()

    def _failed(self, row: OutboxMessage, error: str, retryable: bool, retry_after: float | None = None) -> None:
        now = self.clock()
        with Session(self.engine) as session:
            stored = session.get(OutboxMessage, row.id)
            if stored is None:
                return
            stored.last_error = error[:1000]
            stored.claimed_by = None
            if retryable and not self.policy.gives_up(stored.created_at, now):
                delay = self.policy.delay(stored.attempts, retry_after)
                stored.next_attempt_at = now + timedelta(seconds=delay)
                session.add(stored)
                session.commit()
                log.warning("outbox message %s (%s, %s) will be retried in %.0fs: %s",
                            row.id, row.channel, row.kind, delay, error)
                return
            stored.state = OutboxState.FAILED.value
            session.add(stored)
            log.error("outbox message %s (%s, %s) failed for good after %d attempts: %s",
                      row.id, row.channel, row.kind, stored.attempts, error)
            if self.on_failure is not None:
                try:
                    self.on_failure(session, stored, error, now)
                except Exception:
                    log.exception("handling the failure of outbox message %s failed", row.id)
                    session.rollback()
                    stored = session.get(OutboxMessage, row.id)
                    if stored is None:
                        return
                    stored.state = OutboxState.FAILED.value
                    stored.last_error = error[:1000]
                    stored.claimed_by = None
                    session.add(stored)
            session.commit()


class _SentRecorder:
    """Records sent messages as soon as each is sent: the next send does not wait for the commit, and the
    messages sent while a commit is under way are recorded together in the next one. A message is never
    longer between its send and its record than one commit behind another."""

    def __init__(self, record: Callable[[Sequence[tuple[OutboxMessage, str]]], None]) -> None:
        self.record = record
        self.waiting: list[tuple[OutboxMessage, str]] = []
        self.task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None

    def add(self, row: OutboxMessage, external_id: str) -> None:
        self.waiting.append((row, external_id))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._commit(), name="outbox-sent")

    async def _commit(self) -> None:
        while self.waiting and self.error is None:
            batch, self.waiting = self.waiting, []
            try:
                await asyncio.to_thread(self.record, batch)
            except Exception as error:
                self.error = error

    async def drain(self) -> None:
        """Wait until every sent message is recorded; raises what recording failed with (those messages stay
        claimed and are sent again once their lease ends, as after a crash)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)
        if self.error is not None:
            raise self.error


def waiting_messages(engine: Engine, *, failed_only: bool = False, limit: int = 100) -> list[OutboxMessage]:
    """Messages not delivered (pending and failed, or only failed), oldest first: what an operator looks at."""
    states = [OutboxState.FAILED.value] if failed_only else [OutboxState.PENDING.value, OutboxState.FAILED.value]
    with Session(engine) as session:
        return list(session.exec(
            select(OutboxMessage).where(col(OutboxMessage.state).in_(states)).order_by(col(OutboxMessage.id))
            .limit(limit)
        ).all())


def rerouted_copy_sent(session: Session, row: OutboxMessage) -> bool:
    """Whether a copy of `row` sent by another staff channel after it failed was delivered."""
    key = row.dedupe_key.removesuffix(f":{row.channel}:{row.recipient}")
    return session.exec(
        select(OutboxMessage.id).where(col(OutboxMessage.dedupe_key).startswith(f"{key}:rerouted:"))
        .where(OutboxMessage.state == OutboxState.SENT.value)
    ).first() is not None


@dataclass(frozen=True)
class Retried:
    """What `retry_failed` did: the messages queued again, and those left alone because a copy got through."""

    queued: list[int]
    skipped: list[int]


def retry_failed(engine: Engine, ids: Sequence[int] | None = None, *, now: datetime | None = None,
                 skip_delivered_copies: bool = True) -> Retried:
    """Queue failed messages again (`ids`, or every failed one) with a fresh retry window; any dispatcher picks
    them up at its next pass. A message whose rerouted copy was delivered is skipped unless told otherwise."""
    now = now or utcnow()
    queued: list[int] = []
    skipped: list[int] = []
    with Session(engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.state == OutboxState.FAILED.value)
        if ids is not None:
            query = query.where(col(OutboxMessage.id).in_(list(ids)))
        for row in session.exec(query.order_by(col(OutboxMessage.id))).all():
            if skip_delivered_copies and rerouted_copy_sent(session, row):
                skipped.append(row.id or 0)
                continue
            note = f"reintento pedido el {now.isoformat(timespec='seconds')}; en cola desde " \
                   f"{row.created_at.isoformat(timespec='seconds')}; último error: {row.last_error or ''}"
            session.execute(
                update(OutboxMessage).where(col(OutboxMessage.id) == row.id)
                .where(col(OutboxMessage.state) == OutboxState.FAILED.value)
                .values(state=OutboxState.PENDING.value, attempts=0, claimed_by=None, next_attempt_at=now,
                        created_at=now, last_error=note[:1000])
            )
            queued.append(row.id or 0)
        session.commit()
    if queued:
        log.info("outbox messages %s queued again by an operator", queued)
    return Retried(queued, skipped)
