"""Background work fed from the database: unfinished intakes and due reminders survive any restart."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot.db.models import Intake, Payment, Reminder, ReminderState
from bot.db.session import rowcount
from bot.db.types import utcnow
from bot.intake import cards
from bot.intake.claims import holder_is_gone, worker_name
from bot.intake.core import IntakeCore
from bot.intake.states import IntakeState
from currency.money import CRC, Money

log = logging.getLogger(__name__)

UNFINISHED = (IntakeState.RECEIVED.value, IntakeState.READ.value)


class IntakeWorker:
    """Claims unfinished intakes one at a time per slot and has the core process them."""

    def __init__(self, core: IntakeCore, *, name: str | None = None, concurrency: int = 2,
                 lease: timedelta = timedelta(minutes=2), max_attempts: int = 3) -> None:
        self.core = core
        self.max_attempts = max_attempts
        self.name = name or worker_name()
        self.concurrency = max(1, concurrency)
        self.lease = lease

    def release_dead_claims(self) -> int:
        """Free claims left by processes of this host that no longer run (a crash or SIGKILL)."""
        released = 0
        with Session(self.core.engine) as session:
            claimed = session.exec(
                select(Intake).where(col(Intake.claimed_by).is_not(None)).where(col(Intake.state).in_(UNFINISHED))
            ).all()
            for intake in claimed:
                if holder_is_gone(intake.claimed_by):
                    intake.claimed_by = None
                    intake.claimed_at = None
                    session.add(intake)
                    released += 1
            session.commit()
        return released

    def claim_next(self) -> int | None:
        """Take the oldest unfinished intake nobody holds (or whose holder's lease ran out)."""
        stale = utcnow() - self.lease
        with Session(self.core.engine) as session:
            candidates = session.exec(
                select(Intake.id)
                .where(col(Intake.state).in_(UNFINISHED))
                .where(or_(col(Intake.claimed_by).is_(None), col(Intake.claimed_at) < stale))
                .order_by(col(Intake.id))
                .limit(10)
            ).all()
            for intake_id in candidates:
                if intake_id is not None and self._take(session, intake_id):
                    return intake_id
        return None

    def claim(self, intake_id: int) -> bool:
        """Take this one intake if it is unfinished and nobody holds it (the terminal's own intake)."""
        with Session(self.core.engine) as session:
            return self._take(session, intake_id)

    def _take(self, session: Session, intake_id: int) -> bool:
        now = utcnow()
        stale = now - self.lease
        result = session.execute(
            update(Intake)
            .where(col(Intake.id) == intake_id)
            .where(col(Intake.state).in_(UNFINISHED))
            .where(or_(col(Intake.claimed_by).is_(None), col(Intake.claimed_at) < stale))
            .values(claimed_by=self.name, claimed_at=now, attempts=Intake.attempts + 1)
        )
        session.commit()
        return rowcount(result) == 1

    def _attempts(self, intake_id: int) -> int:
        with Session(self.core.engine) as session:
            intake = session.get(Intake, intake_id)
            return intake.attempts if intake else 0

    def _release(self, intake_id: int, error: str | None = None) -> None:
        with Session(self.core.engine) as session:
            intake = session.get(Intake, intake_id)
            if intake is not None and intake.claimed_by == self.name:
                intake.claimed_by = None
                intake.claimed_at = None
                if error:
                    intake.error = error[:1000]
                session.add(intake)
                session.commit()

    async def work_once(self) -> bool:
        """Process one intake if there is one; True when something was done."""
        intake_id = await asyncio.to_thread(self.claim_next)
        if intake_id is None:
            return False
        await self.work_on(intake_id)
        return True

    async def work_on(self, intake_id: int) -> None:
        """Process one claimed intake; after `max_attempts` failures support gets it with the error."""
        try:
            await self.core.process(intake_id)
        except Exception as error:
            log.exception("processing intake %s failed", intake_id)
            message = f"{type(error).__name__}: {error}"
            if await asyncio.to_thread(self._attempts, intake_id) >= self.max_attempts:
                await asyncio.to_thread(self.core.give_up, intake_id, message)
                self.core.outbox_ready.set()
            await asyncio.to_thread(self._release, intake_id, message)
            await asyncio.sleep(0.2)
            return
        await asyncio.to_thread(self._release, intake_id)

    async def drain(self) -> int:
        """Process everything unfinished now (the terminal `paybot intake` and tests use this)."""
        done = 0
        while await self.work_once():
            done += 1
        return done

    async def run(self, poll_seconds: float = 2.0) -> None:
        """Work forever with `concurrency` slots; woken early when an intake arrives."""
        self.release_dead_claims()
        await asyncio.gather(*(self._slot(poll_seconds) for _ in range(self.concurrency)))

    async def _slot(self, poll_seconds: float) -> None:
        while True:
            try:
                worked = await self.work_once()
            except Exception:
                log.exception("intake worker pass failed")
                worked = False
            if worked:
                continue
            self.core.intake_ready.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.core.intake_ready.wait(), timeout=poll_seconds)


class ReminderScheduler:
    """Sends due reminders through the outbox; a reminder is claimed before it is sent, so once."""

    def __init__(self, core: IntakeCore) -> None:
        self.core = core

    def send_due(self, now: datetime | None = None) -> int:
        """Queue every due reminder whose difference is still unpaid; cancel the others."""
        sent = 0
        now = now or utcnow()
        with Session(self.core.engine, expire_on_commit=False) as session:
            due = session.exec(
                select(Reminder).where(Reminder.state == ReminderState.PENDING.value)
                .where(Reminder.due_at <= now).order_by(col(Reminder.due_at)).limit(100)
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
                if intake is None or self._paid_since(session, reminder):
                    session.execute(
                        update(Reminder).where(col(Reminder.id) == reminder.id)
                        .values(state=ReminderState.CANCELLED.value, last_error="ya no hay diferencia")
                    )
                    continue
                context = cards.reply_context(self.core, session, intake)
                context["difference"] = Money(Decimal(reminder.payload.get("difference", "0")), CRC)
                self.core.tell_customer(session, intake, reminder.kind, context,
                                        key_suffix=f":reminder:{reminder.id}")
                sent += 1
            session.commit()
        if sent:
            self.core.outbox_ready.set()
        return sent

    @staticmethod
    def _paid_since(session: Session, reminder: Reminder) -> bool:
        if reminder.customer_id is None:
            return False
        later = session.exec(
            select(Payment).where(Payment.customer_id == reminder.customer_id)
            .where(Payment.applied_at > reminder.created_at)
            .where(col(Payment.intake_id) != reminder.intake_id)
        ).first()
        return later is not None

    async def run(self, poll_seconds: float = 30.0) -> None:
        while True:
            try:
                await asyncio.to_thread(self.send_due)
            except Exception:
                log.exception("reminder pass failed")
            await asyncio.sleep(poll_seconds)


class RateRefresher:
    """Keeps today's exchange rate stored when an HTTP provider is configured (checked hourly)."""

    def __init__(self, core: IntakeCore) -> None:
        self.core = core

    def refresh_today(self) -> bool:
        """Fetch and store today's rate unless it is already stored; True when it is there now."""
        from bot.db.rates import fetch_rate
        from currency.rates import HttpJsonRateProvider, RateError

        settings = self.core.settings
        provider = HttpJsonRateProvider(settings.rates_url, settings.rates_buy_field, settings.rates_sell_field)
        today = self.core.now().astimezone(settings.tz).date()
        with Session(self.core.engine) as session:
            try:
                fetch_rate(session, provider, today)
                session.commit()
            except (RateError, OSError, ValueError) as error:
                log.warning("exchange rate for %s not fetched from %s: %s", today, settings.rates_url, error)
                return False
        return True

    async def run(self, poll_seconds: float = 3600.0) -> None:
        while True:
            await asyncio.to_thread(self.refresh_today)
            await asyncio.sleep(poll_seconds)
