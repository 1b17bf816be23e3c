"""Per-sender flood control: past PAYBOT_FLOOD_PER_MINUTE receipts in a minute, a sender's next receipts wait
behind everyone else's, and they get one polite message however many more they send."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db.models import Intake, IntakeEvent, OutboxMessage
from bot.db.types import utcnow
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.messages import InboundMessage
from bot.intake.worker import IntakeWorker

FLOODER, OTHER = "+50688112233", "+50687114455"


async def send(core: IntakeCore, sender: str, number: int, at: object = None) -> int:
    message = InboundMessage(channel="sandbox", external_id=f"{sender}:{number}", sender=sender, reply_to=sender,
                             text=f"SINPE Movil: Pago {number}", **({"received_at": at} if at else {}))
    intake_id = await core.receive(message)
    assert intake_id is not None
    return intake_id


def processing_order(engine: Engine) -> list[int]:
    with Session(engine) as session:
        events = session.exec(select(IntakeEvent).where(col(IntakeEvent.from_state) == "received")
                              .where(col(IntakeEvent.to_state) != "received").order_by(col(IntakeEvent.id))).all()
        return [event.intake_id for event in events]


async def test_a_flooding_sender_waits_behind_everyone_else_and_is_told_once(settings: Settings,
                                                                             engine: Engine) -> None:
    core = IntakeCore(settings.model_copy(update={"flood_per_minute": 3}), engine, InlineReader(settings))
    flooded = [await send(core, FLOODER, n) for n in range(6)]
    others = [await send(core, OTHER, n) for n in range(2)]

    assert await IntakeWorker(engine, core, name="test").drain() == 8
    assert processing_order(engine) == [*flooded[:3], *others, *flooded[3:]]
    with Session(engine) as session:
        priorities = {i.id: i.priority for i in session.exec(select(Intake)).all()}
        notices = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "flood_notice")).all()
    assert [priorities[i] for i in flooded] == [0, 0, 0, 1, 1, 1]
    assert [priorities[i] for i in others] == [0, 0]
    assert len(notices) == 1 and notices[0].recipient == FLOODER
    assert "Los vamos a revisar todos" in notices[0].text


async def test_receipts_spread_over_minutes_are_no_flood(settings: Settings, engine: Engine) -> None:
    assert Settings(_env_file=None).flood_per_minute == 10  # type: ignore[call-arg]
    core = IntakeCore(settings.model_copy(update={"flood_per_minute": 3}), engine, InlineReader(settings))
    start = utcnow() - timedelta(minutes=10)
    for number in range(6):
        await send(core, FLOODER, number, start + timedelta(seconds=40 * number))
    with Session(engine) as session:
        assert {i.priority for i in session.exec(select(Intake)).all()} == {0}
        assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "flood_notice")).first() is None


async def test_no_limit_when_set_to_zero(settings: Settings, engine: Engine) -> None:
    core = IntakeCore(settings.model_copy(update={"flood_per_minute": 0}), engine, InlineReader(settings))
    for number in range(15):
        await send(core, FLOODER, number)
    with Session(engine) as session:
        assert {i.priority for i in session.exec(select(Intake)).all()} == {0}
