"""The same core on PostgreSQL: the whole conversation, and two workers never claiming one intake."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.account.operations import contract_balance
from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import Contract, Intake, Payment
from bot.db.rates import set_manual_rate
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.messages import InboundMessage, StaffActionKind
from bot.intake.outbox import OutboxDispatcher
from bot.intake.worker import IntakeWorker
from tests.conftest import REPO
from tests.stories import TODAY, Conversation, RecordingChannel, receipt_png

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_conversation(pg_engine: Engine, settings: Settings, tmp_path: Path) -> Conversation:
    with Session(pg_engine) as session:
        assert not import_customers(session, (REPO / "data" / "customers.csv").read_bytes()).errors
        assert not import_contracts(session, (REPO / "data" / "contracts.csv").read_bytes(), today=TODAY).errors
        set_manual_rate(session, TODAY, Decimal("503.10"), Decimal("509.85"))
        session.commit()
    channel = RecordingChannel("sandbox")
    core = IntakeCore(settings, pg_engine, InlineReader(settings),
                      now=lambda: datetime(2026, 11, 27, 15, 0, tzinfo=settings.tz))
    return Conversation(core, OutboxDispatcher(pg_engine, {"sandbox": channel}, "test"), channel, pg_engine, settings)


async def test_receipt_to_applied_payment_on_postgresql(pg_conversation: Conversation) -> None:
    intake_id = await pg_conversation.customer_sends(receipt_png("28250.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert (await pg_conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    assert (await pg_conversation.staff("accounting", StaffActionKind.APPLY, intake_id)).ok
    assert pg_conversation.last_to("customer").kind == "applied"
    with Session(pg_conversation.engine) as session:
        payment = session.exec(select(Payment)).one()
        contract = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1001")).one()
        open_amount = contract_balance(session, contract.id or 0)
    assert payment.amount == Decimal("28250.00")
    assert open_amount.amount == Decimal("0")


async def test_two_workers_never_claim_the_same_intake(pg_conversation: Conversation) -> None:
    core = pg_conversation.core
    for number in range(12):
        await core.receive(InboundMessage(channel="sandbox", external_id=f"t{number}", sender="+50688112233",
                                          reply_to="+50688112233", text=f"hola {number}"))
    workers = [IntakeWorker(core.engine, core, name=f"host:{n}") for n in (1, 2)]
    claims = await asyncio.gather(*(asyncio.to_thread(_claim_all, w) for w in workers))
    first, second = (set(c) for c in claims)
    assert not first & second
    assert len(first | second) == 12
    with Session(pg_conversation.engine) as session:
        holders = {i.claimed_by for i in session.exec(select(Intake)).all()}
    assert holders <= {"host:1", "host:2"}


def _claim_all(worker: IntakeWorker) -> list[int]:
    claimed = []
    while (intake_id := worker.claim_next()) is not None:
        claimed.append(intake_id)
    return claimed


async def test_a_message_with_nul_bytes_is_kept_on_postgresql_and_the_customer_answered(
    pg_conversation: Conversation,
) -> None:
    """PostgreSQL refuses NUL in text: it answered 500 and the message was lost (found by the red-team probe)."""
    core = pg_conversation.core
    intake_id = await core.receive(InboundMessage(
        channel="sandbox", external_id="nul\x00-1", sender="+50688112233", reply_to="+50688112233",
        sender_name="María\x00 José\x1b[2J", text="hola\x00, ¿recibieron mi pago?\x07"))
    assert intake_id is not None
    await IntakeWorker(core.engine, core).drain()
    await pg_conversation.dispatcher.flush()
    with Session(pg_conversation.engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        assert (intake.text, intake.sender_name) == ("hola, ¿recibieron mi pago?", "María José[2J")
    assert pg_conversation.last_to("customer").kind == "ask_receipt"
    assert "recibieron mi pago" in pg_conversation.last_to("support").text
