"""The intake worker: claims unfinished intakes from the database, so none is lost to a restart or a crash."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.models import Intake
from bot.db.session import rowcount
from bot.db.turns import relaxed
from bot.db.types import utcnow
from bot.intake.claims import holder_is_gone, worker_name
from bot.intake.states import IntakeState
from bot.logs import about_intake

log = logging.getLogger(__name__)

UNFINISHED = (IntakeState.RECEIVED.value, IntakeState.READ.value)


class Pipeline(Protocol):
    """What the worker needs of the core: take one intake as far as it goes, or give up on it; and the
    event set when an intake arrives."""

    intake_ready: asyncio.Event

    async def process(self, intake_id: int) -> None: ...

    async def give_up(self, intake_id: int, error: str) -> None: ...


class IntakeWorker:
    """Claims unfinished intakes one at a time per slot and has the pipeline process them."""

    def __init__(self, engine: Engine, pipeline: Pipeline, *, name: str | None = None, concurrency: int = 2,
                 lease: timedelta = timedelta(minutes=2), max_attempts: int = 3) -> None:
        self.engine = engine
        self.pipeline = pipeline
        self.max_attempts = max_attempts
        self.name = name or worker_name()
        self.concurrency = max(1, concurrency)
        self.lease = lease

    def release_dead_claims(self) -> int:
        """Free claims left by processes of this host that no longer run (a crash or SIGKILL)."""
        released = 0
        with Session(self.engine) as session:
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

    @relaxed
    def claim_next(self) -> int | None:
        """Take the oldest unfinished intake nobody holds (or whose holder's lease ran out)."""
        stale = utcnow() - self.lease
        with Session(self.engine) as session:
            candidates = session.exec(
                select(Intake.id)
                .where(col(Intake.state).in_(UNFINISHED))
                .where(or_(col(Intake.claimed_by).is_(None), col(Intake.claimed_at) < stale))
                .order_by(col(Intake.priority), col(Intake.id))
                .limit(10)
            ).all()
            for intake_id in candidates:
                if intake_id is not None and self._take(session, intake_id):
                    return intake_id
        return None

    def claim(self, intake_id: int) -> bool:
        """Take this one intake if it is unfinished and nobody holds it (the terminal's own intake)."""
        with Session(self.engine) as session:
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
        with Session(self.engine) as session:
            intake = session.get(Intake, intake_id)
            return intake.attempts if intake else 0

    @relaxed
    def _release(self, intake_id: int, error: str | None = None) -> None:
        """Give the claim back, so another slot may try again; an intake taken as far as the bot goes needs no
        write (only unfinished intakes are claimed), which saves a commit per receipt while customers wait
        for theirs to be stored."""
        with Session(self.engine) as session:
            intake = session.get(Intake, intake_id)
            if intake is not None and error is None and intake.state not in UNFINISHED:
                return
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
        with about_intake(intake_id):
            await self.work_on(intake_id)
        return True

    async def work_on(self, intake_id: int) -> None:
        """Process one claimed intake; after `max_attempts` failures support gets it with the error."""
        try:
            await self.pipeline.process(intake_id)
        except Exception as error:
            log.exception("processing intake %s failed", intake_id)
            message = f"{type(error).__name__}: {error}"
            if await asyncio.to_thread(self._attempts, intake_id) >= self.max_attempts:
                await self.pipeline.give_up(intake_id, message)
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
            ready = self.pipeline.intake_ready
            ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await ready.wait()
