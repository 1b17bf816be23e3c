"""The periodic work, triggered by APScheduler: each job with its trigger and misfire policy, and when it is
next due kept in the database, so a run missed while no process was up happens once when one comes back.

The jobs only wake the work: what is due (a reminder, an undelivered message, an expired file) is read
from the database rows each time, so a run that came late or twice does nothing wrong.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db.models import ScheduledJob
from bot.db.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One periodic job and what happens when its time passed while nothing ran it.

    `coalesce`: runs missed in a row are run once, not once each. `misfire_grace_seconds`: how late a run
    may still start (None: however late); a run later than that is skipped and the next one waits for
    its time. `at_first_start`: the first time a database sees this job, it runs at once."""

    name: str
    trigger: BaseTrigger
    run: Callable[[], Awaitable[object]]
    coalesce: bool = True
    misfire_grace_seconds: int | None = None
    at_first_start: bool = True


class PeriodicWork:
    """Runs `jobs` on an asyncio scheduler; each job's next run is stored after every run or skip."""

    def __init__(self, engine: Engine, jobs: Sequence[Job], timezone: tzinfo) -> None:
        self.engine = engine
        self.jobs = {job.name: job for job in jobs}
        self.scheduler = AsyncIOScheduler(timezone=timezone, job_defaults={"max_instances": 1})

    def start(self) -> None:
        """Schedule every job from where the database says it is due, then start (in the running loop)."""
        stored = self._stored()
        now = utcnow()
        for job in self.jobs.values():
            first_run = stored.get(job.name, now if job.at_first_start else None)
            due: dict[str, Any] = {"next_run_time": first_run} if first_run is not None else {}
            self.scheduler.add_job(self._run, job.trigger, args=[job.name], id=job.name, name=job.name,
                                   coalesce=job.coalesce, misfire_grace_time=job.misfire_grace_seconds,
                                   replace_existing=True, **due)
        self.scheduler.add_listener(self._skipped, EVENT_JOB_MISSED)
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _run(self, name: str) -> None:
        """Run one job and store when it is next due; a run cut short by shutdown stores nothing, so the
        next start runs it again (jobs read what is due from the database, so a second run is harmless)."""
        try:
            await self.jobs[name].run()
        except asyncio.CancelledError:
            log.info("periodic job %s interrupted by shutdown; it runs again at the next start", name)
            return
        except Exception:
            log.exception("periodic job %s failed", name)
        try:
            await asyncio.to_thread(self._remember, name, utcnow())
        except asyncio.CancelledError:
            log.info("periodic job %s ran; its next run was not stored before shutdown", name)

    def _skipped(self, event: JobEvent) -> None:
        log.warning("periodic job %s skipped: its run of %s came too late", event.job_id,
                    getattr(event, "scheduled_run_time", "?"))
        self._remember(event.job_id, None)

    def _next_run(self, name: str) -> datetime | None:
        job = self.scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    def _remember(self, name: str, ran_at: datetime | None) -> None:
        with Session(self.engine) as session:
            row = session.get(ScheduledJob, name) or ScheduledJob(name=name)
            row.next_run_at = self._next_run(name)
            if ran_at is not None:
                row.last_run_at = ran_at
            session.add(row)
            session.commit()

    def _stored(self) -> dict[str, datetime | None]:
        with Session(self.engine) as session:
            return {name: row.next_run_at for name in self.jobs
                    if (row := session.get(ScheduledJob, name)) is not None}


def refresh_todays_rate(settings: Settings, engine: Engine, now: datetime) -> bool:
    """Fetch and store today's exchange rate from the configured provider unless it is stored already;
    True when it is there now."""
    from bot.db.rates import fetch_rate
    from currency.rates import HttpJsonRateProvider, RateError

    provider = HttpJsonRateProvider(settings.rates_url, settings.rates_buy_field, settings.rates_sell_field)
    today = now.astimezone(settings.tz).date()
    with Session(engine) as session:
        try:
            fetch_rate(session, provider, today)
            session.commit()
        except (RateError, OSError, ValueError) as error:
            log.warning("exchange rate for %s not fetched from %s: %s", today, settings.rates_url, error)
            return False
    return True


def charge_new_periods(settings: Settings, engine: Engine, now: datetime) -> int:
    """Write the charge of every monthly or annual contract period that has started by today, in its own
    transaction (the daily job). Idempotent: a second run, or another process running it too, writes
    nothing new. Returns how many charges were written."""
    from bot.account.orders import generate_period_charges

    today = now.astimezone(settings.tz).date()
    with Session(engine) as session:
        written = generate_period_charges(session, today, whole_colones=settings.whole_colones)
        session.commit()
    if written:
        log.info("%d period charge(s) written for %s", written, today)
    return written
