"""Access block and unblock: automatic on the day a charge is more than PAYBOT_BLOCK_AFTER_DAYS late (never
during a grace extension), by staff, released the moment the overdue balance is paid by any route; each change
reaches the company's system once, signed, and is told to the customer and support once, across restarts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.account.operations import adjust
from bot.collections.grace import grant
from bot.collections.webhook import AccessWebhookSender
from bot.collections.work import CollectionsWork
from bot.config import Settings
from bot.db.models import AccessChange, Customer, OutboxMessage
from tests.collections.conftest import (
    ACCOUNTING,
    SECRET,
    Clock,
    Collections,
    CompanySystem,
    collections_for,
    customer_id,
    load_customers,
    orders,
    pay,
)

CUOTA_NOV = "Cédula física,112340567,WOLK-1001,1,CRC,25000.00,0,cuota,0.13,2026-10-01,2027-10-01,2026-11-01,"


def prepared(engine: Engine, settings: Settings, clock: Clock, system: CompanySystem) -> Collections:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, CUOTA_NOV, today=date(2026, 10, 1))
        session.commit()
    ours = collections_for(settings, engine, clock, block_after_days=10, access_webhook_url=system.url)
    ours.dispatcher.register(AccessWebhookSender(SECRET))
    return ours


def work(ours: Collections) -> int:
    """One pass of the periodic job, as a freshly started process would run it."""
    return CollectionsWork(ours.engine, ours.desk.messenger, ours.clock).run_once()


def status(engine: Engine, client_id: str = "1001") -> str:
    with Session(engine) as session:
        return session.exec(select(Customer).where(Customer.client_id == client_id)).one().status


async def test_a_customer_is_blocked_the_day_after_the_line_and_unblocked_when_paid_each_event_once_and_signed(
    engine: Engine, settings: Settings, clock: Clock, company_system: CompanySystem,
) -> None:
    ours = prepared(engine, settings, clock, company_system)
    clock.set(2026, 11, 11)
    assert work(ours) == 0 and status(engine) == "active", "10 days late is not more than 10"

    clock.set(2026, 11, 12, 6, 0)
    work(ours)
    work(ours)
    assert status(engine) == "blocked"
    await ours.deliver()
    await ours.deliver()
    assert [e["event"] for e in company_system.accepted] == ["customer.blocked"]
    assert company_system.refused == 0
    event = company_system.accepted[0]
    assert event["customer"]["client_id"] == "1001" and event["overdue"] == [{"amount": "28250.00",
                                                                               "currency": "CRC"}]
    assert event["_key"] == event["id"], "the idempotency key is the event's id on every attempt"
    assert [m.kind for m in ours.sent("customer")] == ["access_blocked"]
    assert [m.kind for m in ours.sent("support")] == ["access_changed"]

    with Session(engine, expire_on_commit=False) as session:
        pay(session, "1001", "28250.00", reference="FT-UNBLOCK")
        session.commit()
    clock.set(2026, 11, 12, 9, 0)
    work(ours)
    work(ours)
    await ours.deliver()

    assert status(engine) == "active"
    assert [e["event"] for e in company_system.accepted] == ["customer.blocked", "customer.unblocked"]
    assert [m.kind for m in ours.sent("customer")] == ["access_blocked", "access_unblocked"]
    with Session(engine) as session:
        changes = session.exec(select(AccessChange).order_by(AccessChange.id)).all()
    assert [(c.blocked, c.automatic, c.actor) for c in changes] == [(True, True, "paybot"), (False, True, "paybot")]


async def test_a_refused_delivery_is_retried_with_the_same_event_and_a_forged_signature_is_refused(
    engine: Engine, settings: Settings, clock: Clock, company_system: CompanySystem,
) -> None:
    ours = prepared(engine, settings, clock, company_system)
    ours.desk.set_access("1001", ACCOUNTING, blocked=True, reason="acuerdo de pago incumplido")
    company_system.fail_next = 1
    await ours.deliver()
    assert company_system.accepted == []
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.channel == "webhook")).one()
        row.next_attempt_at = row.created_at
        session.add(row)
        session.commit()
    await ours.deliver()
    assert [(e["event"], e["reason"], e["automatic"]) for e in company_system.accepted] == [
        ("customer.blocked", "acuerdo de pago incumplido", False)]

    ours.dispatcher.register(AccessWebhookSender("not-the-company-secret-0000"))
    ours.desk.set_access("1001", ACCOUNTING, blocked=False, reason="pagó en efectivo")
    await ours.deliver()
    assert company_system.refused == 1 and len(company_system.accepted) == 1


def test_a_grace_extension_postpones_the_block_and_staff_unblocking_holds(
    engine: Engine, settings: Settings, clock: Clock, company_system: CompanySystem,
) -> None:
    ours = prepared(engine, settings, clock, company_system)
    with Session(engine, expire_on_commit=False) as session:
        grant(session, customer_id=customer_id(session, "1001"), today=date(2026, 11, 10), days=3, most=1,
              actor="Soporte")
        session.commit()
    clock.set(2026, 11, 12)
    work(ours)
    assert status(engine) == "active", "the grace runs to 13/11"
    clock.set(2026, 11, 14)
    work(ours)
    assert status(engine) == "blocked"

    ours.desk.set_access("1001", ACCOUNTING, blocked=False, reason="promesa de pago el viernes")
    clock.set(2026, 11, 15)
    work(ours)
    assert status(engine) == "active", "a staff unblock is not undone by the next pass"


def test_an_adjustment_that_clears_the_overdue_balance_unblocks_too(
    engine: Engine, settings: Settings, clock: Clock, company_system: CompanySystem,
) -> None:
    ours = prepared(engine, settings, clock, company_system)
    ours.desk.set_access("1001", ACCOUNTING, blocked=True, reason="moroso")
    with Session(engine, expire_on_commit=False) as session:
        adjust(session, customer_id(session, "1001"), Decimal("-28250.00"), reason="condonado por gerencia",
               actor="Laura", on_date=date(2026, 11, 27))
        session.commit()
    clock.moment = datetime(2026, 11, 27, 11, 0, tzinfo=clock.moment.tzinfo)
    work(ours)
    assert status(engine) == "active"
