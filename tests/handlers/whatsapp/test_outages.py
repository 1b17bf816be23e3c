"""Twilio down or busy: messages wait with capped backoff for up to PAYBOT_SEND_RETRY_HOURS, honour rate
limits, keep each chat's order, and a message that fails for good is announced to support once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.db.types import utcnow
from bot.handlers.whatsapp import WhatsAppClient, build_whatsapp_client
from bot.intake.core import InlineReader
from bot.intake.messages import Audience
from bot.intake.outbox import OutboxDispatcher, enqueue
from bot.service import build_core
from tests.handlers.whatsapp.conftest import CUSTOMER, SUPPORT_NUMBER, TEMPLATE_SID
from tests.handlers.whatsapp.fake_twilio import Failure, FakeTwilio

OTHER_CUSTOMER = "whatsapp:+50688114455"


class SimulatedClock:
    """Time that moves only when the test says so; it starts a moment ahead, so what the test queues
    (stamped with the real time) is due at once."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def paybot_on(settings: Settings, engine: Engine, clock: Callable[[], datetime]) -> tuple[
        OutboxDispatcher, WhatsAppClient]:
    """One process's outbox and WhatsApp sender, on `clock`."""
    client = build_whatsapp_client(settings, engine, clock=clock, messages_per_second=1000)
    _, dispatcher = build_core(settings, engine, InlineReader(settings), clock=clock)
    dispatcher.register(client.sender)
    return dispatcher, client


def queue(engine: Engine, messages: list[tuple[str, str]]) -> None:
    """Queue (recipient, text) messages on WhatsApp, in this order."""
    with Session(engine) as session:
        for number, (recipient, text) in enumerate(messages):
            staff = not recipient.startswith("whatsapp:")
            enqueue(session, dedupe_key=f"test:{number}", channel="whatsapp", recipient=recipient,
                    audience=Audience.SUPPORT if staff else Audience.CUSTOMER,
                    kind="customer_note" if staff else "received", text=text)
        session.commit()


def states(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(row.state for row in session.exec(select(OutboxMessage)).all())


def bodies(calls: list, recipient: str) -> list[str]:  # type: ignore[type-arg]
    address = recipient if recipient.startswith("whatsapp:") else f"whatsapp:{recipient}"
    return [call.form.get("Body", "") for call in calls if call.form["To"] == address]


@pytest.mark.slow
async def test_an_hour_long_twilio_outage_ends_with_every_message_delivered_once_in_order(
    wa_settings: Settings, engine: Engine, twilio: FakeTwilio
) -> None:
    clock = SimulatedClock()
    dispatcher, client = paybot_on(wa_settings, engine, clock)
    chats = [CUSTOMER, OTHER_CUSTOMER, SUPPORT_NUMBER]
    for chat in chats:
        client.window.seen(chat)
    queue(engine, [(chat, f"mensaje {n} para {chat}") for n in range(3) for chat in chats])
    twilio.outage = True
    started = clock.now
    ended = started + timedelta(hours=1)
    delivered_at = None
    while clock.now < started + timedelta(hours=2):
        if clock.now >= ended:
            twilio.outage = False
        await dispatcher.flush()
        if states(engine) == Counter(sent=9):
            delivered_at = clock.now
            break
        clock.advance(seconds=30)
    client.sender.close()

    assert delivered_at is not None, states(engine)
    assert delivered_at - ended <= timedelta(minutes=7), "backoff is capped: no hour-long wait after it ends"
    for chat in chats:
        assert bodies(twilio.accepted, chat) == [f"mensaje {n} para {chat}" for n in range(3)]
        refused = bodies([call for call in twilio.messages if call.answered == 503], chat)
        assert set(refused) == {f"mensaje 0 para {chat}"}, "later messages wait behind the first, untried"
        assert 8 < len(refused) < 40, len(refused)
    assert len(twilio.accepted) == 9


@pytest.mark.parametrize(("failure", "wait"), [
    (Failure(429, 20429, "120"), 120),
    (Failure(429, 20429, "Wed, 21 Oct 2015 07:28:00 GMT"), 0),
    (Failure(400, 63018), 60),
])
async def test_a_rate_limited_answer_pauses_whatsapp_for_as_long_as_twilio_asks(
    wa_settings: Settings, engine: Engine, twilio: FakeTwilio, failure: Failure, wait: int
) -> None:
    clock = SimulatedClock()
    dispatcher, client = paybot_on(wa_settings, engine, clock)
    client.window.seen(CUSTOMER)
    client.window.seen(OTHER_CUSTOMER)
    queue(engine, [(CUSTOMER, "primero"), (OTHER_CUSTOMER, "segundo")])
    twilio.message_failures.append(failure)

    await dispatcher.flush()
    assert twilio.messages[0].answered == failure.status
    if wait:
        assert len(twilio.messages) == 1, "the other chat's message waits too: the limit is Twilio's, not the chat's"
        with Session(engine) as session:
            [other] = session.exec(select(OutboxMessage).where(col(OutboxMessage.text) != twilio.messages[0].form[
                "Body"])).all()
        assert (other.attempts, other.claimed_by) == (0, None), "the waiting message was never tried, nor is held"
        clock.advance(seconds=wait - 5)
        await dispatcher.flush()
        assert len(twilio.messages) == 1, "nothing goes to Twilio, to anyone, before the wait is over"
    clock.advance(seconds=10)
    await dispatcher.flush()
    await dispatcher.flush()
    client.sender.close()

    assert [call.form["Body"] for call in twilio.accepted] == ["segundo", "primero"] or [
        call.form["Body"] for call in twilio.accepted] == ["primero", "segundo"]
    assert states(engine) == Counter(sent=2)


@pytest.mark.slow
async def test_a_message_still_failing_after_the_retry_hours_is_announced_to_support_once(
    wa_settings: Settings, engine: Engine, twilio: FakeTwilio
) -> None:
    clock = SimulatedClock()
    dispatcher, client = paybot_on(wa_settings, engine, clock)
    client.window.seen(CUSTOMER)
    queue(engine, [(CUSTOMER, "Te confirmamos el recibido del pago")])
    twilio.outage = True
    started = clock.now
    while clock.now < started + timedelta(hours=24, minutes=20):
        await dispatcher.flush()
        if clock.now < started + timedelta(hours=23, minutes=45):
            assert states(engine) == Counter(pending=1), clock.now - started
        clock.advance(minutes=15)
    twilio.outage = False
    for _ in range(3):
        await dispatcher.flush()
        clock.advance(minutes=1)
    client.sender.close()

    assert states(engine) == Counter(failed=1, sent=1)
    assert twilio.accepted and all(call.form["To"] == f"whatsapp:{SUPPORT_NUMBER}" for call in twilio.accepted)
    [announcement] = twilio.accepted
    assert announcement.form["ContentSid"] == TEMPLATE_SID, "support has not written in 24 hours"
    text = json.loads(announcement.form["ContentVariables"])["1"]
    assert text.startswith("⚠️ No se pudo entregar la respuesta al cliente a +50688112233 por WhatsApp tras")
    assert "Contacte al cliente por otro medio." in text


async def two_processes_deliver_in_order(settings: Settings, engine: Engine, twilio: FakeTwilio) -> None:
    first, first_client = paybot_on(settings, engine, utcnow)
    second, second_client = paybot_on(settings, engine, utcnow)
    first.worker_id, second.worker_id = "host-a:1", "host-b:1"
    chats = [CUSTOMER, OTHER_CUSTOMER, SUPPORT_NUMBER]
    for chat in chats:
        first_client.window.seen(chat)
    queue(engine, [(chat, f"{n}") for n in range(5) for chat in chats])
    for _ in range(30):
        await asyncio.gather(first.flush(limit=2), second.flush(limit=2))
        if states(engine) == Counter(sent=15):
            break
    first_client.sender.close()
    second_client.sender.close()

    assert states(engine) == Counter(sent=15)
    for chat in chats:
        assert bodies(twilio.accepted, chat) == [str(n) for n in range(5)]
    with Session(engine) as session:
        senders = {row.claimed_by for row in session.exec(select(OutboxMessage)).all()}
    assert senders == {None}


async def test_two_processes_sending_at_once_keep_each_chats_order(
    wa_settings: Settings, engine: Engine, twilio: FakeTwilio
) -> None:
    await two_processes_deliver_in_order(wa_settings, engine, twilio)


@pytest.mark.postgres
async def test_two_processes_keep_each_chats_order_on_postgresql(
    wa_settings: Settings, pg_engine: Engine, twilio: FakeTwilio, postgres_url: str
) -> None:
    await two_processes_deliver_in_order(wa_settings.model_copy(update={"database_url": postgres_url}),
                                         pg_engine, twilio)
