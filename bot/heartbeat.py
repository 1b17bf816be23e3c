"""Heartbeats in the database: each process doing a kind of background work (reading, sending, scheduling) says
so every few seconds, so `/healthz` on any process tells whether some worker, outbox sender and scheduler is
alive somewhere, across machines."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import Heartbeat
from bot.db.session import rowcount
from bot.db.turns import relaxed
from bot.db.types import utcnow

log = logging.getLogger(__name__)

COMPONENTS = ("worker", "outbox", "scheduler")
BEAT_SECONDS = 10.0


@relaxed
def beat(engine: Engine, component: str, process: str, now: datetime | None = None) -> None:
    """Record that `process` is doing `component`'s work now."""
    now = now or utcnow()
    with Session(engine) as session:
        done = session.execute(update(Heartbeat).where(col(Heartbeat.component) == component)
                               .where(col(Heartbeat.process) == process).values(beat_at=now))
        if rowcount(done) == 0:
            session.add(Heartbeat(component=component, process=process, beat_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()


def last_beats(engine: Engine) -> dict[str, datetime | None]:
    """The latest heartbeat of each component, whichever process gave it (None: never)."""
    with Session(engine) as session:
        rows = session.exec(select(Heartbeat.component, func.max(Heartbeat.beat_at))
                            .group_by(col(Heartbeat.component))).all()
    latest: dict[str, datetime | None] = dict.fromkeys(COMPONENTS)
    latest.update({component: when for component, when in rows})
    return latest


async def keep_beating(engine: Engine, process: str, alive: dict[str, Callable[[], bool]],
                       every: float = BEAT_SECONDS) -> None:
    """Every `every` seconds, beat for each component whose work is still running here."""
    while True:
        for component, running in alive.items():
            if running():
                try:
                    await asyncio.to_thread(beat, engine, component, process)
                except Exception as error:
                    log.warning("heartbeat of %s not stored: %s", component, error)
        await asyncio.sleep(every)


def task_running(task: asyncio.Task[None] | None) -> bool:
    return task is not None and not task.done()

