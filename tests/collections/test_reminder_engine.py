"""The reminder engine on the service's clock: each day's reminders planned once at night and sent when business
hours start (a charge due in 3 days, overdue on days 1, 7 and 15, the monthly statement as a PDF), none on
Sundays, one a day per customer; a restart or a two-hour outage sends each once, one missed by a day is
dropped, a channel that was down gets it when it is back, and nothing goes once its balance is zero."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.account.operations import adjust
from bot.collections.grace import grant
from bot.collections.reminding import PlannedReminders
from bot.config import Settings
from bot.db.models import OutboxMessage, Reminder
from tests.collections.conftest import (
    CR,
    Clock,
    Collections,
    collections_for,
    customer_id,
    load_customers,
    orders,
    pay,
)
from tests.stories import Conversation

ROWS = (
    "Cédula física,112340567,WOLK-1001,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-12-01,",
    "Cédula física,205670891,WOLK-1002,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-11-28,",
)
MARIA, JOSE, PANADERIA = "+50688112233", "+50687114455", "+50672889900"


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, *ROWS, today=date(2026, 8, 1))
        session.commit()
    return engine


def on_the_clock(settings: Settings, engine: Engine, clock: Clock, **extra: object) -> Collections:
    """The collections desk whose outbox also runs on the test's clock (messages are queued at its time)."""
    ours = collections_for(settings, engine, clock, **extra)
    ours.dispatcher.clock = clock
    return ours


def engine_of(ours: Collections) -> PlannedReminders:
    """A fresh engine, as a newly started process has."""
    return PlannedReminders(ours.engine, ours.desk.messenger, ours.clock)


async def a_day(ours: Collections, day: date) -> list[tuple[str, str, str]]:
    """One day of the service: planned after midnight, tried before opening, at opening and at noon."""
    before = len(ours.channel.sent)
    ours.clock.set(day.year, day.month, day.day, 0, 15)
    engine_of(ours).plan()
    ours.clock.set(day.year, day.month, day.day, 7, 45)
    assert engine_of(ours).send_due() == 0, "nothing before business hours"
    for hour in (8, 12, 18):
        ours.clock.set(day.year, day.month, day.day, hour, 0)
        engine_of(ours).send_due()
        await ours.deliver()
    return [(m.recipient, m.kind, m.text.replace("\xa0", " ")) for m in ours.channel.sent[before:]
            if m.audience.value == "customer"]


async def test_a_month_of_reminders_follows_each_charge_and_stops_when_it_is_paid(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    ours = on_the_clock(settings, loaded, clock)
    days: dict[date, list[tuple[str, str, str]]] = {}
    day = date(2026, 11, 24)
    while day <= date(2026, 12, 17):
        if day == date(2026, 12, 9):
            with Session(loaded, expire_on_commit=False) as session:
                pay(session, "1002", "28250.00", on=day, reference="FT-1002")
                session.commit()
        sent = await a_day(ours, day)
        if sent:
            days[day] = sent
        day += timedelta(days=1)

    assert {d: [(who, kind) for who, kind, _t in sent] for d, sent in days.items()} == {
        date(2026, 11, 25): [(JOSE, "reminder_due")],
        date(2026, 11, 28): [(MARIA, "reminder_due")],
        date(2026, 11, 30): [(JOSE, "reminder_overdue")],          # day 1 was Sunday 29/11
        date(2026, 12, 1): [(MARIA, "reminder_statement"), (JOSE, "reminder_statement")],
        date(2026, 12, 2): [(MARIA, "reminder_overdue")],
        date(2026, 12, 5): [(JOSE, "reminder_overdue")],
        date(2026, 12, 8): [(MARIA, "reminder_overdue")],
        date(2026, 12, 16): [(MARIA, "reminder_overdue")],         # José paid on 09/12: no day 15 for him
    }
    due = days[date(2026, 11, 25)][0][2]
    assert "José" in due and "vence el 28/11/2026" in due and "28 250" in due and "ID 1002" in due
    overdue = days[date(2026, 11, 30)][0][2]
    assert "venció el 28/11/2026 (2 días de atraso)" in overdue and "28 250" in overdue
    assert "SINPE Móvil al 88887777" in overdue
    week = days[date(2026, 12, 5)][0][2]
    assert "(7 días de atraso)" in week and "56 500" not in week, "each reminder chases its own charge"
    statements = [m for m in ours.channel.sent if m.kind == "reminder_statement"]
    assert all(Path(m.media_path or "").read_bytes().startswith(b"%PDF") for m in statements)
    assert {m.media_name for m in statements} == {"estado-de-cuenta-1001-2026-12-01.pdf",
                                                  "estado-de-cuenta-1002-2026-12-01.pdf"}
    assert "estado de cuenta al 01/12/2026" in statements[0].text



def at(ours: Collections, day: date, hour: int, minute: int = 0) -> PlannedReminders:
    """A process started at that moment (a restart is a new one)."""
    ours.clock.set(day.year, day.month, day.day, hour, minute)
    return engine_of(ours)


def states(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with Session(engine) as session:
        return {r.plan_key or "": (r.state, r.last_error) for r in session.exec(select(Reminder)).all()}


async def test_a_restart_or_two_hours_down_sends_each_reminder_once_and_one_missed_by_a_day_is_dropped(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    ours = on_the_clock(settings, loaded, clock)
    monday, tuesday, wednesday, thursday = (date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2),
                                            date(2026, 12, 3))
    at(ours, monday, 0, 15).plan()
    assert at(ours, monday, 8).send_due() == 1, "queued, then the process dies before delivering"
    restarted = at(ours, monday, 8, 5)
    assert restarted.plan() == 0 and restarted.send_due() == 0
    await ours.deliver()
    assert [(m.recipient, m.kind) for m in ours.channel.sent] == [(JOSE, "reminder_overdue")]

    back = at(ours, tuesday, 10)          # down from midnight to 10:00: nothing planned, nothing sent yet
    assert back.plan() == 2 and back.send_due() == 2
    assert at(ours, tuesday, 10, 1).send_due() == 0
    await ours.deliver()
    assert [m.kind for m in ours.channel.sent[1:]] == ["reminder_statement", "reminder_statement"]

    at(ours, wednesday, 0, 15).plan()     # María's day 1; then down until Thursday 09:00, 25 hours late
    late = at(ours, thursday, 9)
    assert late.plan() == 0 and late.send_due() == 0
    await ours.deliver()
    assert len(ours.channel.sent) == 3, "not sent a day late"
    assert states(loaded)["overdue:1:1"] == ("cancelled", "no se envió a tiempo (más de 24 h tarde): se descarta")


async def test_one_reminder_a_day_the_most_urgent_first_and_the_statement_waits_for_the_next_day(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    from bot.collections.work import CollectionsWork

    ours = on_the_clock(settings, loaded, clock)
    with Session(loaded, expire_on_commit=False) as session:
        grant(session, customer_id=customer_id(session, "1002"), today=date(2026, 11, 29), days=1, most=1,
              actor="Laura Soporte", reason="cierre de mes")
        session.commit()
    assert await a_day(ours, date(2026, 11, 30)) == [], "day 1 falls in the grace"
    at(ours, date(2026, 12, 1), 0, 5)
    CollectionsWork(loaded, ours.desk.messenger, clock).run_once()
    first = await a_day(ours, date(2026, 12, 1))
    second = await a_day(ours, date(2026, 12, 2))

    assert [(who, kind) for who, kind, _t in first] == [(JOSE, "reminder_grace"), (MARIA, "reminder_statement")]
    assert "La prórroga de tu sistema terminó el 30/11/2026" in first[0][2] and "28 250" in first[0][2]
    assert [(who, kind) for who, kind, _t in second] == [(JOSE, "reminder_statement"), (MARIA, "reminder_overdue")]
    assert "estado de cuenta al 02/12/2026" in second[0][2]


async def test_nothing_is_sent_once_the_balance_it_chases_is_zero_by_any_route(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    from bot.account import repository
    from bot.account.entries import EntryKind

    ours = on_the_clock(settings, loaded, clock)
    with Session(loaded, expire_on_commit=False) as session:
        orders(session, "Cédula jurídica,3101222333,WOLK-1012,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,"
                        "2026-12-01,", today=date(2026, 8, 1))
        session.commit()
    monday, tuesday, wednesday = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)

    at(ours, monday, 0, 15).plan()
    with Session(loaded, expire_on_commit=False) as session:
        adjust(session, customer_id(session, "1002"), Decimal("-28250.00"), reason="condonado por la gerencia",
               actor="test:admin", on_date=monday)
        session.commit()
    assert await a_day(ours, monday) == []
    assert states(loaded)["overdue:2:1"][0] == "cancelled", "an adjustment made it zero"

    at(ours, tuesday, 0, 15).plan()
    with Session(loaded, expire_on_commit=False) as session:
        pay(session, "1001", "28250.00", on=tuesday, reference="FT-1")
        session.commit()
    assert [(who, kind) for who, kind, _t in await a_day(ours, tuesday)] == [(PANADERIA, "reminder_statement")]
    assert states(loaded)["statement:1:2026-12"][0] == "cancelled", "a payment made it zero"

    at(ours, wednesday, 0, 15).plan()
    with Session(loaded, expire_on_commit=False) as session:
        repository.write_entry(session, customer_id=customer_id(session, "1012"), currency="CRC",
                               kind=EntryKind.PAYMENT, amount=Decimal("-28250.00"), on_date=wednesday,
                               actor="otro sistema")
        session.commit()
    assert await a_day(ours, wednesday) == [], "paid by a route that told no one: checked when sending"
    assert states(loaded)["overdue:3:1"] == ("cancelled", "ya no hay saldo pendiente")
    assert await a_day(ours, date(2026, 12, 8)) == [], "nothing owed, nothing planned"


async def test_the_service_plans_each_night_and_sends_from_its_scheduler(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    from apscheduler.triggers.cron import CronTrigger

    from bot.intake.core import InlineReader
    from bot.service import build_core, periodic_jobs

    core, dispatcher = build_core(settings, loaded, InlineReader(settings), clock=clock)
    core.now = clock
    jobs = {job.name: job for job in periodic_jobs(settings, loaded, core, dispatcher)}
    assert isinstance(jobs["plan-reminders"].trigger, CronTrigger) and jobs["plan-reminders"].at_first_start
    clock.set(2026, 11, 30, 0, 15)
    await jobs["plan-reminders"].run()
    await jobs["planned-reminders"].run()
    assert not core.outbox_ready.is_set(), "planned at night, due when business hours start"
    clock.set(2026, 11, 30, 8, 0)
    await jobs["planned-reminders"].run()

    assert core.outbox_ready.is_set()
    with Session(loaded) as session:
        queued = session.exec(select(OutboxMessage).where(OutboxMessage.audience == "customer")).all()
    assert [(m.recipient, m.kind) for m in queued] == [(JOSE, "reminder_overdue")]


async def test_a_short_payments_reminders_go_in_business_hours_and_one_a_day_late_is_dropped(
    conversation: Conversation,
) -> None:
    from bot.intake.actions import StaffDesk
    from bot.intake.messages import StaffActionKind
    from bot.intake.reminders import DueReminders
    from tests.stories import receipt_png

    core = conversation.core
    saturday_evening = datetime(2026, 11, 28, 20, 0, tzinfo=CR)
    core.desk = StaffDesk(core.settings, core.engine, core.messenger, lambda: saturday_evening)
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok

    with Session(conversation.engine) as session:
        due = [r.due_at.astimezone(CR) for r in session.exec(select(Reminder).where(Reminder.intake_id == intake_id)
                                                             .order_by(Reminder.id)).all()]
    assert due == [datetime(2026, 11, 30, 8, 0, tzinfo=CR), datetime(2026, 12, 2, 8, 0, tzinfo=CR)], \
        "24 h later is Sunday evening: Monday at opening; 72 h later is Tuesday evening: Wednesday at opening"
    sender = DueReminders(conversation.engine, core.messenger)
    assert sender.send_due(datetime(2026, 11, 30, 7, 59, tzinfo=CR)) == 0
    assert sender.send_due(datetime(2026, 11, 30, 8, 0, tzinfo=CR)) == 1
    assert sender.send_due(datetime(2026, 12, 3, 9, 0, tzinfo=CR)) == 0, "the service was down 25 hours"
    with Session(conversation.engine) as session:
        states = [(r.state, r.last_error) for r in session.exec(
            select(Reminder).where(Reminder.intake_id == intake_id).order_by(Reminder.id)).all()]
    assert states == [("sent", None), ("cancelled", "no se envió a tiempo (más de 24 h tarde): se descarta")]


async def test_a_receipt_approved_for_the_charge_stops_its_planned_reminder_before_accounting_applies_it(
    conversation: Conversation,
) -> None:
    from bot.intake.messages import StaffActionKind
    from tests.stories import receipt_png

    clock = Clock(datetime(2026, 11, 28, 0, 15, tzinfo=CR))
    planned = PlannedReminders(conversation.engine, conversation.core.messenger, clock)
    planned.plan()
    with Session(conversation.engine) as session:
        maria = customer_id(session, "1001")
        [ours] = session.exec(select(Reminder).where(Reminder.customer_id == maria)).all()
    assert ours.kind == "reminder_due", "demo customer 1001's charge of 01/12: due in 3 days"
    intake_id = await conversation.customer_sends(receipt_png("28250.00", description="Mensualidad ID 1001"))
    assert intake_id is not None
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    clock.set(2026, 11, 28, 8, 0)
    planned.send_due()

    with Session(conversation.engine) as session:
        reminder = session.get(Reminder, ours.id)
        sent_to_maria = session.exec(select(Reminder).where(Reminder.customer_id == maria)
                                     .where(Reminder.state == "sent")).all()
    assert reminder is not None and sent_to_maria == []
    assert (reminder.state, reminder.payload["superseded_by"]) == ("cancelled", intake_id), \
        "the approved receipt pays it: accounting has not applied it yet, the reminder stops anyway"
