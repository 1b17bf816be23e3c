"""Today's reminders are written once as rows: a charge due in 3 days, overdue on days 1, 7 and 15 (the due date
is day zero), moved off Sundays and holidays, never during a grace extension, the statement on its day; pacing
keeps them inside business hours, one a day per customer (the most urgent), and drops one missed by a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.collections.calendar import BusinessCalendar
from bot.collections.grace import grant
from bot.collections.pacing import Waiting, pace
from bot.collections.planner import plan_reminders
from bot.config import Settings
from bot.db.models import Reminder
from tests.collections.conftest import CR, customer_id, load_customers, orders

CAL = BusinessCalendar()
ROWS = (
    "Cédula física,112340567,WOLK-1001,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-12-01,",
    "Cédula física,205670891,WOLK-1002,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-11-28,",
)


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, *ROWS, today=date(2026, 8, 1))
        session.commit()
    return engine


def plan_on(engine: Engine, settings: Settings, day: date, hour: int = 6) -> list[str]:
    with Session(engine, expire_on_commit=False) as session:
        plan_reminders(session, settings, CAL, datetime(day.year, day.month, day.day, hour, tzinfo=CR))
        session.commit()
        return [r.plan_key or "" for r in session.exec(select(Reminder).order_by(Reminder.id)).all()]


def test_each_reminder_is_planned_on_its_day_once_and_moved_off_sundays(loaded: Engine, settings: Settings) -> None:
    planned: dict[date, list[str]] = {}
    seen: list[str] = []
    day = date(2026, 11, 20)
    while day <= date(2026, 12, 20):
        keys = plan_on(loaded, settings, day)
        planned[day] = keys[len(seen):]
        assert plan_on(loaded, settings, day, hour=9) == keys, "planning again writes nothing twice"
        seen = keys
        day += timedelta(days=1)
    kinds = {d: [k.split(":")[0] + ":" + k.split(":")[-1] for k in keys] for d, keys in planned.items() if keys}
    assert kinds == {
        date(2026, 11, 25): ["due:3"],         # 1002's charge of Saturday 28/11
        date(2026, 11, 28): ["due:3"],         # 1001's charge of Tuesday 01/12
        date(2026, 11, 30): ["overdue:1"],     # 1002's day 1 is Sunday 29/11: Monday
        date(2026, 12, 1): ["statement:2026-12", "statement:2026-12"],
        date(2026, 12, 2): ["overdue:1"],
        date(2026, 12, 5): ["overdue:7"],
        date(2026, 12, 8): ["overdue:7"],
        date(2026, 12, 14): ["overdue:15"],    # 1002's day 15 is Sunday 13/12
        date(2026, 12, 16): ["overdue:15"],
    }
    with Session(loaded) as session:
        due_at = {r.due_at.astimezone(CR).time().hour for r in session.exec(select(Reminder)).all()}
    assert due_at == {8}, "each is due when business hours start"


def test_a_day_the_service_never_ran_is_not_planned_later_and_a_grace_silences_overdue_reminders(
    loaded: Engine, settings: Settings,
) -> None:
    assert plan_on(loaded, settings, date(2026, 12, 3)) == [], "day 1 of 1001 was yesterday: gone, not late"
    with Session(loaded, expire_on_commit=False) as session:
        grant(session, customer_id=customer_id(session, "1001"), today=date(2026, 12, 6), days=3, most=1,
              actor="Soporte")
        session.commit()
    assert plan_on(loaded, settings, date(2026, 12, 8)) == [], "1001's day 7 falls inside its grace"


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CR)


def test_pacing_keeps_quiet_hours_one_a_day_and_drops_what_is_a_day_late() -> None:
    waiting = [
        Waiting(1, 7, "reminder_due", at(8)),
        Waiting(2, 7, "reminder_overdue", at(8), days=7),
        Waiting(3, 7, "reminder_statement", at(8)),
        Waiting(4, 8, "reminder_overdue", at(8, day=1) - timedelta(minutes=1), days=1),
        Waiting(5, 9, "reminder_due", at(8)),
    ]
    night = pace(waiting, now=at(21), open_now=CAL.is_open(at(21)), sent_today={}, per_day=1,
                 late=timedelta(hours=24))
    assert night.send == [] and night.too_late == []

    morning = pace(waiting, now=at(8, 1), open_now=CAL.is_open(at(8, 1)), sent_today={9: 1}, per_day=1,
                   late=timedelta(hours=24))
    assert morning.send == [2], "the overdue one is the most urgent of customer 7"
    assert morning.over_limit == [1, 5] and morning.deferred == [3]
    assert morning.too_late == [4]


def test_a_sunday_and_a_holiday_send_nothing() -> None:
    waiting = [Waiting(1, 7, "reminder_due", at(8, day=13))]
    assert pace(waiting, now=at(10, day=13), open_now=CAL.is_open(at(10, day=13)), sent_today={}, per_day=1,
                late=timedelta(hours=24)).send == []
    christmas = datetime(2026, 12, 25, 10, tzinfo=CR)
    assert not CAL.is_open(christmas)
