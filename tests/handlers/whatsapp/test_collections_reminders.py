"""Collections' reminders on WhatsApp: a customer who has not written in 24 hours gets each reminder as the
approved template of its kind (a kind without one uses every reminder's), and a Twilio outage delays it
without sending it twice, even when another process starts meanwhile."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.collections.reminding import PlannedReminders
from bot.config import Settings, TwilioTemplate
from bot.db.models import OutboxMessage, Reminder
from bot.handlers.whatsapp import WhatsAppClient
from bot.intake.outbox import OutboxDispatcher
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from tests.collections.conftest import CR, Clock, load_customers, orders
from tests.collections.test_reminder_engine import ROWS
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.handlers.whatsapp.harness import to

OVERDUE_TEMPLATE = "HX" + "8" * 32
REMINDER_TEMPLATE = "HX" + "9" * 32
JOSE = "+50687114455"


async def test_each_reminder_goes_as_its_kinds_template_and_a_twilio_outage_only_delays_it(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio,
) -> None:
    settings = wa_settings.model_copy(update={"twilio_templates": {
        "reminder_overdue": TwilioTemplate(sid=OVERDUE_TEMPLATE, variables={"1": "text"}),
        "reminder": TwilioTemplate(sid=REMINDER_TEMPLATE, variables={"1": "text"}),
    }})
    wa_client.sender.settings = settings
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, *ROWS, today=date(2026, 8, 1))
        session.commit()
    clock = Clock(datetime(2026, 11, 25, 0, 15, tzinfo=CR))
    messenger = Messenger(settings, Replies())
    dispatcher = OutboxDispatcher(engine, {"whatsapp": wa_client.sender}, "test", clock=clock)

    async def day_of(day: date, *, outage: bool = False) -> int:
        clock.set(day.year, day.month, day.day, 0, 15)
        PlannedReminders(engine, messenger, clock).plan()
        clock.set(day.year, day.month, day.day, 8, 0)
        queued = PlannedReminders(engine, messenger, clock).send_due()
        twilio.outage = outage
        await dispatcher.flush()
        return queued

    assert await day_of(date(2026, 11, 25)) == 1
    [due] = to(twilio.accepted, JOSE)
    assert due.form["ContentSid"] == REMINDER_TEMPLATE, "no template of its own: every reminder's"
    assert "vence el 28/11/2026" in json.loads(due.form["ContentVariables"])["1"]

    assert await day_of(date(2026, 11, 30), outage=True) == 1
    assert len(to(twilio.messages, JOSE)) == 2 and len(to(twilio.accepted, JOSE)) == 1, "Twilio is down"
    clock.set(2026, 11, 30, 8, 30)
    assert PlannedReminders(engine, messenger, clock).send_due() == 0, "a process started now sends nothing new"
    twilio.outage = False
    clock.set(2026, 11, 30, 9, 0)
    await dispatcher.flush()
    await dispatcher.flush()

    [_due, overdue] = to(twilio.accepted, JOSE)
    assert overdue.form["ContentSid"] == OVERDUE_TEMPLATE
    assert "venció el 28/11/2026 (2 días de atraso)" in json.loads(overdue.form["ContentVariables"])["1"]
    with Session(engine) as session:
        assert [r.state for r in session.exec(select(Reminder).order_by(Reminder.id)).all()] == ["sent", "sent"]
        assert {m.state for m in session.exec(select(OutboxMessage)).all()} == {"sent"}
