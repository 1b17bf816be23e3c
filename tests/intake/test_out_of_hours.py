"""A customer who writes outside business hours (at night, on Sunday, on a public holiday) is told when support
answers, once until hours start again, and their receipt is taken and checked as always."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db.models import Intake
from bot.intake.core import InlineReader
from bot.intake.messages import InboundMessage
from bot.intake.worker import IntakeWorker
from bot.service import build_core
from tests.account.conftest import CR
from tests.stories import RecordingChannel, receipt_png

MARIA, ANA = "+50688112233", "+50683334444"


def last_told(channel: RecordingChannel) -> str:
    return [m.text for m in channel.sent if m.kind == "out_of_hours"][-1]


async def test_a_customer_writing_when_support_is_closed_is_told_when_it_answers_once_per_closed_spell(
    demo_engine: Engine, settings: Settings,
) -> None:
    configured = settings.model_copy(update={"out_of_hours_reply": True})
    core, dispatcher = build_core(configured, demo_engine, InlineReader(configured))
    whatsapp = RecordingChannel("whatsapp")
    dispatcher.register(whatsapp)
    counter = iter(range(1, 100))

    async def writes(sender: str, when: datetime, *, media: bytes | None = None, text: str | None = None) -> int:
        before = len(whatsapp.sent)
        intake_id = await core.receive(InboundMessage(
            channel="whatsapp", external_id=f"wa-{next(counter)}", sender=sender, reply_to=sender,
            sender_name="María José", text=text, media=media, received_at=when))
        assert intake_id is not None
        await IntakeWorker(core.engine, core, name="test").drain()
        await dispatcher.flush()
        return len([m for m in whatsapp.sent[before:] if m.kind == "out_of_hours"])

    saturday_night = datetime(2026, 11, 28, 20, 30, tzinfo=CR)
    assert await writes(MARIA, saturday_night, media=receipt_png("28250.00", description="Mensualidad ID 1001")) == 1
    [told] = [m.text for m in whatsapp.sent if m.kind == "out_of_hours"]
    assert "Nuestro horario de atención es de 08:00 a 19:00, excepto los domingos y los feriados" in told
    assert "soporte te responde el lunes 30/11/2026 a partir de las 08:00" in told
    assert "ack" in [m.kind for m in whatsapp.sent], "the receipt is acknowledged as always"
    with Session(demo_engine) as session:
        receipt = session.get(Intake, 1)
        assert receipt is not None and receipt.state in ("in_review", "needs_info"), "taken and checked"

    assert await writes(MARIA, datetime(2026, 11, 29, 11, 0, tzinfo=CR), text="¿Me confirman?") == 0, \
        "once until hours start again"
    assert await writes(MARIA, datetime(2026, 11, 30, 10, 0, tzinfo=CR), text="Buenos días") == 0, "open"
    assert await writes(MARIA, datetime(2026, 11, 30, 19, 5, tzinfo=CR), text="Gracias") == 1
    assert "soporte te responde mañana a partir de las 08:00" in last_told(whatsapp)
    assert await writes(ANA, datetime(2026, 12, 1, 6, 45, tzinfo=CR), text="Hola") == 1
    assert "soporte te responde hoy a partir de las 08:00" in last_told(whatsapp)
    assert await writes(ANA, datetime(2026, 12, 25, 10, 0, tzinfo=CR), text="Feliz Navidad") == 1, "a holiday"
    assert "soporte te responde mañana a partir de las 08:00" in last_told(whatsapp)
