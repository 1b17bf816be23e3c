"""Periodic work: a run missed while no paybot process was up happens once when one comes back, a run later
than its job allows is skipped, the service's due reminders go out once after an outage, and today's
exchange rate is kept stored."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import AccountEntry, ExchangeRate, Reminder, ScheduledJob
from bot.db.types import utcnow
from bot.intake.outbox import OutboxDispatcher
from bot.scheduler import Job, PeriodicWork, refresh_todays_rate
from bot.service import periodic_jobs
from bot.vocabulary import StaffActionKind
from tests.rate_service import RateService
from tests.stories import Conversation, receipt_png

ZONE = ZoneInfo("America/Costa_Rica")


class Counter:
    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> None:
        self.runs += 1


def stored_next_run(engine: Engine, name: str) -> datetime | None:
    with Session(engine) as session:
        row = session.get(ScheduledJob, name)
        return row.next_run_at if row else None


def was_due(engine: Engine, name: str, at: datetime) -> None:
    """The database says `name` was next due at `at` (as a process that stopped before then left it)."""
    with Session(engine) as session:
        session.add(ScheduledJob(name=name, next_run_at=at, last_run_at=at - timedelta(days=1)))
        session.commit()


async def running(work: PeriodicWork, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
    work.start()
    try:
        for _ in range(int(seconds / 0.05)):
            if until():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    finally:
        work.stop()


def daily_at(moment: datetime) -> CronTrigger:
    local = moment.astimezone(ZONE)
    return CronTrigger(hour=local.hour, minute=local.minute, second=local.second, timezone=ZONE)


async def test_a_daily_job_missed_while_the_service_was_down_runs_once_when_it_comes_back(engine: Engine) -> None:
    missed = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    was_due(engine, "report", missed - timedelta(days=3))
    report = Counter()
    work = PeriodicWork(engine, [Job("report", daily_at(missed), report, coalesce=True,
                                     misfire_grace_seconds=5 * 86400, at_first_start=False)], ZONE)

    await running(work, 3.0, until=lambda: report.runs > 0)

    assert report.runs == 1, "four missed days coalesce into one run"
    after = stored_next_run(engine, "report")
    assert after is not None and after > utcnow() + timedelta(hours=22), "the next one is tomorrow's"


async def test_a_run_later_than_its_job_allows_is_skipped_and_the_next_one_waits(engine: Engine) -> None:
    missed = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    was_due(engine, "report", missed)
    report = Counter()
    work = PeriodicWork(engine, [Job("report", daily_at(missed), report, coalesce=True,
                                     misfire_grace_seconds=3600, at_first_start=False)], ZONE)

    await running(work, 1.5)

    assert report.runs == 0, "three hours late is past its one hour of grace"
    after = stored_next_run(engine, "report")
    assert after is not None and after > utcnow() + timedelta(hours=20)


async def test_a_new_job_runs_at_the_first_start_and_then_on_its_interval(engine: Engine) -> None:
    sweep = Counter()
    work = PeriodicWork(engine, [Job("sweep", IntervalTrigger(seconds=30), sweep, coalesce=True,
                                     misfire_grace_seconds=None)], ZONE)

    await running(work, 2.0, until=lambda: sweep.runs > 0)

    assert sweep.runs == 1
    after = stored_next_run(engine, "sweep")
    assert after is not None and timedelta(seconds=25) < after - utcnow() <= timedelta(seconds=30)


async def test_a_job_running_when_the_service_stops_ends_quietly_and_runs_again_at_the_next_start(
    engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    started, release = threading.Event(), threading.Event()

    async def slow_sweep() -> None:
        started.set()
        await asyncio.to_thread(release.wait, 10)

    work = PeriodicWork(engine, [Job("sweep", IntervalTrigger(seconds=30), slow_sweep)], ZONE)
    work.start()
    try:
        for _ in range(100):
            if started.is_set():
                break
            await asyncio.sleep(0.05)
        assert started.is_set()
        running_jobs = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in running_jobs:
            task.cancel()
        await asyncio.gather(*running_jobs, return_exceptions=True)
    finally:
        release.set()
        work.stop()

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "interrupted by shutdown" in caplog.text
    assert stored_next_run(engine, "sweep") is None, "nothing stored: the next start runs it again"


async def test_reminders_due_during_a_two_hour_outage_are_each_sent_once_when_the_service_is_back(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    engine = conversation.engine
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=ZONE)
    with Session(engine) as session:
        reminders = session.exec(select(Reminder).where(Reminder.intake_id == intake_id)).all()
        for reminder in reminders:
            reminder.due_at = monday - timedelta(hours=2)
            session.add(reminder)
        session.commit()
    was_due(engine, "reminders", utcnow() - timedelta(hours=2))
    core = conversation.core
    clock = [monday]
    core.now = lambda: clock[0]
    dispatcher = OutboxDispatcher(engine, {}, "test")
    jobs = [job for job in periodic_jobs(conversation.settings, engine, core, dispatcher) if job.name == "reminders"]
    sent_before = len(conversation.received_by("customer"))

    await running(PeriodicWork(engine, jobs, ZONE), 3.0, until=core.outbox_ready.is_set)
    await conversation.dispatcher.flush()
    first_day = conversation.received_by("customer")[sent_before:]
    clock[0] = monday + timedelta(days=1)
    [job] = jobs
    await job.run()
    await conversation.dispatcher.flush()

    assert [m.kind for m in first_day] == ["reminder_short_payment"], "both were due: one a day"
    both = conversation.received_by("customer")[sent_before:]
    assert [m.kind for m in both] == ["reminder_short_payment"] * len(reminders) == ["reminder_short_payment"] * 2
    with Session(engine) as session:
        assert {r.state for r in session.exec(select(Reminder)).all()} == {"sent"}


def test_the_service_keeps_todays_rate_stored_from_the_configured_provider(
    rate_service: RateService, engine: Engine, settings: Settings
) -> None:
    rate_service.answer({"data": {"compra": 503.1, "venta": 509.85}})
    configured = settings.model_copy(update={
        "rates_url": rate_service.url + "/tc?fecha={date}", "rates_buy_field": "data.compra",
        "rates_sell_field": "data.venta",
    })
    morning = datetime(2026, 11, 27, 8, 0, tzinfo=configured.tz)
    assert refresh_todays_rate(configured, engine, morning) and refresh_todays_rate(configured, engine, morning)
    assert rate_service.requests == ["/tc?fecha=2026-11-27"]
    with Session(engine) as session:
        stored = session.exec(select(ExchangeRate)).one()
    assert (stored.buy, stored.sell) == (Decimal("503.1"), Decimal("509.85"))

    rate_service.answer({"error": "down"}, status=503)
    assert not refresh_todays_rate(configured, engine, datetime(2026, 11, 28, 8, 0, tzinfo=configured.tz))


async def test_the_service_charges_each_new_period_at_first_start_and_daily_and_never_twice(
    conversation: Conversation,
) -> None:
    engine = conversation.engine
    core = conversation.core
    core.now = lambda: datetime(2027, 1, 1, 0, 5, tzinfo=ZONE)
    dispatcher = OutboxDispatcher(engine, {}, "test")
    [job] = [job for job in periodic_jobs(conversation.settings, engine, core, dispatcher)
             if job.name == "period-charges"]
    assert isinstance(job.trigger, CronTrigger) and job.at_first_start and job.misfire_grace_seconds is None

    def charges() -> int:
        with Session(engine) as session:
            return len(session.exec(select(AccountEntry).where(AccountEntry.kind == "charge")).all())

    before = charges()
    await running(PeriodicWork(engine, [job], ZONE), 3.0, until=lambda: charges() > before)
    generated = charges() - before
    assert generated == 4, "the first start charges January 1 to the four monthly contracts due that day"
    await job.run()
    await job.run()
    assert charges() - before == generated, "a second run, or a run after a restart, charges nothing again"
