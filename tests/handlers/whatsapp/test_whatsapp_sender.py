"""The bot answers on WhatsApp through Twilio's REST API: free text inside 24 hours, a template after."""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.db.types import utcnow
from bot.handlers.whatsapp import WhatsAppClient
from bot.handlers.whatsapp_sender import TokenBucket, WhatsAppSender, template_variable
from bot.handlers.whatsapp_window import ServiceWindow
from bot.intake.messages import Audience, Button, OutboundMessage, SendError
from tests.handlers.whatsapp.conftest import CUSTOMER, OUR_NUMBER, SUPPORT_NUMBER, TEMPLATE_SID
from tests.handlers.whatsapp.fake_twilio import FakeTwilio


def reply(text: str = "¡Hola María! Te confirmamos el recibido del pago 🙌🏻", **fields: object) -> OutboundMessage:
    values: dict[str, object] = {
        "outbox_id": 1,
        "channel": "whatsapp",
        "recipient": CUSTOMER,
        "audience": Audience.CUSTOMER,
        "kind": "received",
        "text": text,
    }
    values.update(fields)
    return OutboundMessage(**values)  # type: ignore[arg-type]


async def test_a_reply_inside_the_window_is_free_text_from_our_number(
    wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    wa_client.window.seen(CUSTOMER)

    sid = await wa_client.sender.send(reply())

    [call] = twilio.messages
    assert sid.startswith("SM")
    assert call.form == {
        "From": OUR_NUMBER,
        "To": CUSTOMER,
        "Body": "¡Hola María! Te confirmamos el recibido del pago 🙌🏻",
    }


async def test_a_bare_number_is_addressed_as_whatsapp(wa_client: WhatsAppClient, twilio: FakeTwilio) -> None:
    wa_client.window.seen(SUPPORT_NUMBER)

    await wa_client.sender.send(reply(recipient=SUPPORT_NUMBER, audience=Audience.SUPPORT))

    assert twilio.messages[0].form["To"] == f"whatsapp:{SUPPORT_NUMBER}"


async def test_a_reply_after_24_hours_goes_as_the_approved_template(
    wa_settings: Settings, twilio: FakeTwilio, engine: Engine
) -> None:
    now = [utcnow()]
    window = ServiceWindow(engine, clock=lambda: now[0])
    sender = WhatsAppSender(wa_settings, window)
    window.seen(CUSTOMER)
    now[0] += timedelta(hours=25)

    await sender.send(reply("Listo, el pago ya está aplicado.\nQuedamos atentos."))
    sender.close()

    [call] = twilio.messages
    assert call.form["ContentSid"] == TEMPLATE_SID
    assert json.loads(call.form["ContentVariables"]) == {"1": "Listo, el pago ya está aplicado. Quedamos atentos."}
    assert "Body" not in call.form


async def test_a_number_we_never_heard_from_gets_the_template(wa_client: WhatsAppClient, twilio: FakeTwilio) -> None:
    await wa_client.sender.send(reply(recipient="whatsapp:+50699990000"))

    assert twilio.messages[0].form["ContentSid"] == TEMPLATE_SID


async def test_without_a_template_a_closed_window_is_a_permanent_failure(
    wa_settings: Settings, twilio: FakeTwilio, engine: Engine
) -> None:
    sender = WhatsAppSender(wa_settings.model_copy(update={"twilio_template_sid": ""}), ServiceWindow(engine))

    with pytest.raises(SendError) as failure:
        await sender.send(reply())
    sender.close()

    assert failure.value.retryable is False
    assert twilio.messages == []


async def test_a_staff_card_lists_the_text_commands_for_its_buttons(
    wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    wa_client.window.seen(SUPPORT_NUMBER)
    card = reply(
        "Comprobante #42 de María Pérez: ₡25 000,00",
        recipient=SUPPORT_NUMBER,
        audience=Audience.SUPPORT,
        kind="support_card",
        media_path="/var/paybot/media/ab/abc.jpg",
        buttons=(Button("Aprobar", "pay:approve:42"), Button("Muy viejo", "pay:reject:42:too_old")),
    )

    await wa_client.sender.send(card)

    [call] = twilio.messages
    assert call.form["Body"].splitlines() == [
        "Comprobante #42 de María Pérez: ₡25 000,00",
        "",
        "Responda con:",
        "• APROBAR 42  (Aprobar)",
        "• RECHAZAR 42 fuera de plazo  (Muy viejo)",
    ]
    assert "MediaUrl" not in call.form, "a local file is not a URL Twilio could fetch"


async def test_media_goes_along_when_the_core_gives_a_public_url(wa_client: WhatsAppClient, twilio: FakeTwilio) -> None:
    wa_client.window.seen(SUPPORT_NUMBER)

    await wa_client.sender.send(reply(recipient=SUPPORT_NUMBER, media_path="https://paybot.example.com/media/abc.jpg"))

    assert twilio.messages[0].form["MediaUrl"] == "https://paybot.example.com/media/abc.jpg"


async def test_a_text_longer_than_whatsapp_allows_goes_in_parts(wa_client: WhatsAppClient, twilio: FakeTwilio) -> None:
    wa_client.window.seen(CUSTOMER)
    paragraphs = "\n".join(f"Línea {n}: " + " ".join(["detalle"] * 20) for n in range(20))

    await wa_client.sender.send(reply(paragraphs))

    bodies = [call.form["Body"] for call in twilio.messages]
    assert len(bodies) == 3
    assert all(len(body) <= 1600 for body in bodies)
    assert "\n".join(bodies) == paragraphs


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (503, True), (400, False)])
async def test_twilio_errors_say_whether_the_outbox_should_retry(
    wa_client: WhatsAppClient, twilio: FakeTwilio, status: int, retryable: bool
) -> None:
    wa_client.window.seen(CUSTOMER)
    twilio.message_failures.append(status)

    with pytest.raises(SendError) as failure:
        await wa_client.sender.send(reply())

    assert failure.value.retryable is retryable
    assert str(status) in str(failure.value)
    assert len(twilio.messages) == 1


async def test_twilio_unreachable_is_retryable(wa_settings: Settings, engine: Engine) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    sender = WhatsAppSender(
        wa_settings.model_copy(update={"twilio_api_base": f"http://127.0.0.1:{port}"}), ServiceWindow(engine)
    )
    sender.window.seen(CUSTOMER)

    with pytest.raises(SendError) as failure:
        await sender.send(reply())
    sender.close()

    assert failure.value.retryable is True


async def test_sends_are_paced_by_the_rate_limit() -> None:
    bucket = TokenBucket(rate=50, burst=1)
    started = time.monotonic()

    for _ in range(6):
        await bucket.acquire()

    assert time.monotonic() - started >= 0.09


def test_the_window_closes_24_hours_after_the_customer_last_wrote(engine: Engine) -> None:
    now = [datetime(2025, 3, 1, 12, 0, tzinfo=utcnow().tzinfo)]
    window = ServiceWindow(engine, clock=lambda: now[0])
    window.seen("whatsapp:+50688112233")

    now[0] += timedelta(hours=23, minutes=59)
    assert window.is_open("+50688112233")
    now[0] += timedelta(minutes=2)
    assert not window.is_open("+50688112233")


def test_a_long_card_sent_as_a_template_keeps_its_start_and_its_commands() -> None:
    card = "🧾 Comprobante #42\n" + "\n".join(f"  • campo {n}: valor" for n in range(200)) + "\nResponda: APROBAR 42"

    variable = template_variable(card)

    assert len(variable) <= 1024
    assert variable.startswith("🧾 Comprobante #42 • campo 0: valor")
    assert variable.endswith(" … Responda: APROBAR 42")
