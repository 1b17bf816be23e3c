"""Twilio posts a customer's WhatsApp message; the webhook checks the signature and hands it to the core."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db.models import Intake, OutboxMessage, Payment
from bot.handlers.whatsapp import WhatsAppClient
from bot.intake.core import InlineReader
from bot.intake.messages import StaffActionKind
from bot.intake.worker import IntakeWorker
from bot.service import build_core
from tests.handlers.tapped_core import TappedCore
from tests.handlers.whatsapp.conftest import (
    ACCOUNT_SID,
    ACCOUNTING_NUMBER,
    CUSTOMER,
    SUPPORT_NUMBER,
    WEBHOOK_URL,
    inbound,
    signed,
    webhook_client,
)
from tests.handlers.whatsapp.fake_twilio import FakeTwilio

RECEIPT = b"\xff\xd8\xff\xe0" + b"receipt-jpeg" * 100
MEDIA_PATH = "/media/"


async def post(http: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    return await http.post("/webhooks/whatsapp", data=params, headers=headers)


async def test_a_signed_text_message_becomes_one_intake_and_twilio_gets_empty_twiml(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    params = inbound(body="Hola, ya pagué la mensualidad, ID 1187")

    response = await post(webhook, params, signed(params))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response />" in response.text
    [message] = core.received
    assert message.channel == "whatsapp"
    assert message.external_id == params["MessageSid"]
    assert message.sender == "+50688112233"
    assert message.reply_to == CUSTOMER
    assert message.sender_name == "María Pérez"
    assert message.text == "Hola, ya pagué la mensualidad, ID 1187"
    assert message.media is None
    assert twilio.calls == []


async def test_a_forged_twin_is_refused_and_nothing_is_stored(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    params = inbound(body="ID 1187", media=[(twilio.serve_media("forged", RECEIPT), "image/jpeg")])

    wrong_key = await post(webhook, params, signed(params, token="someone-elses-token"))
    tampered = await post(webhook, {**params, "From": "whatsapp:+50611112222"}, signed(params))
    missing = await post(webhook, params, {})
    wrong_url = await post(webhook, params, signed(params, url="https://attacker.example/webhooks/whatsapp"))

    assert [r.status_code for r in (wrong_key, tampered, missing, wrong_url)] == [403, 403, 403, 403]
    assert core.received == []
    assert twilio.calls == [], "no media fetched for a forged request"


async def test_the_signature_is_checked_against_the_public_url_not_the_proxied_one(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    params = inbound(body="Buenas")
    as_seen_behind_the_proxy = "http://10.0.0.5:8080/webhooks/whatsapp"

    refused = await post(webhook, params, signed(params, url=as_seen_behind_the_proxy))
    accepted = await post(webhook, params, signed(params, url=WEBHOOK_URL))

    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert len(core.received) == 1


async def downloaded(core: TappedCore) -> list[Intake]:
    """The intakes after the worker took them up: their files downloaded (or why not), then read."""
    await core.settle()
    return core.intakes()


def stored_file(core: TappedCore, intake: Intake) -> bytes:
    assert intake.media_path is not None
    return core.core.media.read(intake.media_path)


async def test_the_same_message_delivered_three_times_is_one_intake_downloaded_once(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("again", RECEIPT)
    params = inbound(body="ID 1187", media=[(url, "image/jpeg")])

    statuses = [(await post(webhook, params, signed(params))).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert len(core.received) == 1
    assert core.received[0].media_source == url
    [intake] = await downloaded(core)
    assert stored_file(core, intake) == RECEIPT
    assert len(twilio.calls_to(MEDIA_PATH + "again")) == 1


async def test_twilio_is_answered_before_the_photo_is_downloaded_and_the_customer_is_acknowledged(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("ME-later", RECEIPT)
    params = inbound(body="ID 1187", media=[(url, "image/jpeg")])

    response = await post(webhook, params, signed(params))

    assert response.status_code == 200
    assert twilio.calls_to(MEDIA_PATH + "ME-later") == [], "nothing downloaded while Twilio waits"
    [intake] = core.intakes()
    assert (intake.media_source, intake.media_path, intake.state) == (url, None, "received")
    with Session(core.engine) as session:
        kinds = session.exec(select(OutboxMessage.kind).where(OutboxMessage.intake_id == intake.id)).all()
    assert list(kinds) == ["ack"], "the customer hears back at once"
    [intake] = await downloaded(core)
    assert (intake.media_source, stored_file(core, intake)) == (None, RECEIPT)


async def test_a_receipt_photo_is_fetched_with_our_credentials_after_twilio_makes_it_ready(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("ME1", RECEIPT, content_type="image/jpeg", not_ready=1)
    params = inbound(body="ID 1187", media=[(url, "image/jpeg")])

    response = await post(webhook, params, signed(params))
    [intake] = await downloaded(core)

    assert response.status_code == 200
    fetches = twilio.calls_to(MEDIA_PATH + "ME1")
    assert len(fetches) == 2, "one 404 while Twilio prepares the media, then the download"
    assert {call.username for call in fetches} == {ACCOUNT_SID}
    assert (stored_file(core, intake), intake.media_type, intake.text) == (RECEIPT, "image/jpeg", "ID 1187")
    assert intake.external_id == params["MessageSid"]
    assert intake.media_sha256 == hashlib.sha256(RECEIPT).hexdigest()


async def test_an_album_is_one_intake_per_image(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    first = twilio.serve_media("ME-a", RECEIPT)
    second = twilio.serve_media("ME-b", b"%PDF-1.4 second receipt", content_type="application/pdf")
    params = inbound(media=[(first, "image/jpeg"), (second, "application/pdf")])

    await post(webhook, params, signed(params))
    await post(webhook, params, signed(params))

    sid = params["MessageSid"]
    assert [(m.external_id, m.media_type, m.media_source) for m in core.received] == [
        (f"{sid}:0", "image/jpeg", first),
        (f"{sid}:1", "application/pdf", second),
    ]
    assert core.received[0].text is None
    intakes = await downloaded(core)
    assert [stored_file(core, intake) for intake in intakes] == [RECEIPT, b"%PDF-1.4 second receipt"]


async def test_media_on_a_foreign_host_is_refused_without_sending_credentials(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    foreign = twilio.media_url("ME-foreign", host="localhost")
    twilio.serve_media("ME-foreign", RECEIPT)
    params = inbound(body="ID 1187", media=[(foreign, "image/jpeg")])

    await post(webhook, params, signed(params))
    [intake] = await downloaded(core)

    assert twilio.calls == [], "the foreign host never sees a request, let alone our credentials"
    [message] = core.received
    assert (message.media_source, message.media_error) == (None, "download_failed")
    assert (intake.state, intake.reply_kind, intake.error) == ("needs_info", "unreadable", "download_failed")


async def test_a_redirect_to_a_foreign_host_is_not_followed(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    twilio.serve_media("ME-target", RECEIPT)
    url = twilio.redirect_media("ME-redirect", twilio.media_url("ME-target", host="localhost"))
    params = inbound(media=[(url, "image/jpeg")])

    await post(webhook, params, signed(params))
    [intake] = await downloaded(core)

    assert [call.path for call in twilio.calls_to(MEDIA_PATH)] == ["/media/ME-redirect"]
    assert (intake.media_path, intake.error) == (None, "download_failed")


async def test_a_redirect_to_another_allowed_host_is_followed_without_our_credentials(
    wa_settings: Settings, core: TappedCore, twilio: FakeTwilio, engine: Engine
) -> None:
    from bot.handlers.whatsapp import build_whatsapp_client

    settings = wa_settings.model_copy(update={"twilio_media_hosts": ["127.0.0.1", "localhost"]})
    client = build_whatsapp_client(settings, engine, media_retry_delays=(0.01,))
    core.core.fetch_media_with("whatsapp", client.media)
    twilio.serve_media("ME-cdn", RECEIPT)
    url = twilio.redirect_media("ME-api", twilio.media_url("ME-cdn", host="localhost"))
    params = inbound(media=[(url, "image/jpeg")])

    async with webhook_client(settings, core, client) as http:
        await post(http, params, signed(params))
    [intake] = await downloaded(core)
    await client.aclose()

    assert [(call.path, call.username) for call in twilio.calls_to(MEDIA_PATH)] == [
        ("/media/ME-api", ACCOUNT_SID),
        ("/media/ME-cdn", None),
    ]
    assert stored_file(core, intake) == RECEIPT


async def test_media_over_the_size_limit_is_cut_off_and_reported_as_too_large(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio, wa_settings: Settings
) -> None:
    url = twilio.serve_media("ME-huge", b"\xff" * (wa_settings.max_upload_bytes + 1))
    params = inbound(media=[(url, "image/jpeg")])

    await post(webhook, params, signed(params))
    [intake] = await downloaded(core)

    assert (intake.media_path, intake.error, intake.reply_kind) == (None, "too_large", "file_too_large")


async def test_media_that_never_becomes_ready_is_a_failed_download_and_the_customer_is_asked_again(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("ME-gone", RECEIPT, not_ready=100)
    params = inbound(body="ID 1187", media=[(url, "image/jpeg")])

    await post(webhook, params, signed(params))
    [intake] = await downloaded(core)

    assert len(twilio.calls_to(MEDIA_PATH + "ME-gone")) == 4, "first try and three retries"
    assert (intake.media_path, intake.media_source, intake.error, intake.text) == (
        None, None, "download_failed", "ID 1187")
    with Session(core.engine) as session:
        kinds = session.exec(select(OutboxMessage.kind).where(OutboxMessage.intake_id == intake.id)
                             .order_by(col(OutboxMessage.id))).all()
    assert list(kinds) == ["ack", "unreadable"], "acknowledged at once, asked to send it again once it failed"


async def test_a_staff_command_reaches_the_core_and_the_answer_goes_back_through_the_rest_api(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    intake_id = await core.receipt_forwarded()
    params = inbound(sid="SM" + "b" * 32, sender=f"whatsapp:{ACCOUNTING_NUMBER}", body=f"aplicado {intake_id}",
                     profile_name="Mario Solís")

    response = await post(webhook, params, signed(params))

    assert response.status_code == 200
    assert core.received == []
    [action] = core.actions
    assert (action.channel, action.user, action.chat) == ("whatsapp", ACCOUNTING_NUMBER, ACCOUNTING_NUMBER)
    assert (action.kind, action.intake_id) == (StaffActionKind.APPLY, intake_id)
    [reply] = twilio.messages
    assert reply.form["To"] == f"whatsapp:{ACCOUNTING_NUMBER}"
    assert reply.form["Body"] == (f"Pago #{intake_id} aplicado (₡20\u00a0000,00). Queda por pagar ₡8\u00a0250,00. "
                                  "Se avisó al cliente.")
    assert core.intake(intake_id).state == "applied"
    with Session(core.engine) as session:
        assert session.exec(select(Payment)).one().applied_by == "Mario Solís", "named by their WhatsApp profile"


async def test_a_command_from_a_number_that_is_not_staff_is_a_customer_message(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    params = inbound(body="RECHAZAR 123 duplicado")

    await post(webhook, params, signed(params))

    assert core.actions == []
    [message] = core.received
    assert (message.sender, message.text) == ("+50688112233", "RECHAZAR 123 duplicado")
    assert twilio.messages == []


async def test_staff_asking_for_help_get_the_command_list(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    params = inbound(sender=f"whatsapp:{SUPPORT_NUMBER}", body="Ayuda")

    await post(webhook, params, signed(params))

    [reply] = twilio.messages
    assert "RECHAZAR 123 motivo" in reply.form["Body"]
    assert core.received == [] and core.actions == []


async def test_a_customer_writing_ayuda_or_a_half_command_is_just_a_customer_message(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    first = inbound(sid="SM" + "c" * 32, body="ayuda")
    second = inbound(sid="SM" + "d" * 32, body="Aprobado por el banco, ya pagué")

    await post(webhook, first, signed(first))
    await post(webhook, second, signed(second))

    assert [m.text for m in core.received] == ["ayuda", "Aprobado por el banco, ya pagué"]
    assert twilio.messages == []


async def test_a_staff_members_malformed_command_gets_the_usage_line(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    params = inbound(sender=f"whatsapp:{SUPPORT_NUMBER}", body="CORREGIR 123 monto")

    await post(webhook, params, signed(params))

    [reply] = twilio.messages
    assert reply.form["Body"].startswith("Uso: CORREGIR <número> <campo> <valor>")
    assert core.received == [] and core.actions == []


async def test_every_inbound_message_opens_the_24_hour_window(
    webhook: httpx.AsyncClient, wa_client: WhatsAppClient
) -> None:
    params = inbound(body="Hola")
    assert not wa_client.window.is_open(CUSTOMER)

    await post(webhook, params, signed(params))

    assert wa_client.window.is_open("+50688112233")


async def test_a_photo_acknowledged_before_a_restart_is_downloaded_by_the_next_process(
    wa_settings: Settings, demo_engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("ME-restart", RECEIPT)
    params = inbound(body="ID 1187", media=[(url, "image/jpeg")])
    before, _ = build_core(wa_settings, demo_engine, InlineReader(wa_settings))
    async with webhook_client(wa_settings, before, wa_client) as http:
        assert (await post(http, params, signed(params))).status_code == 200
    before.close()

    after, _ = build_core(wa_settings, demo_engine, InlineReader(wa_settings))
    after.fetch_media_with("whatsapp", wa_client.media)
    await IntakeWorker(demo_engine, after, name="after-restart").drain()

    with Session(demo_engine) as session:
        [intake] = session.exec(select(Intake)).all()
    assert intake.media_source is None and intake.media_path is not None
    assert after.media.read(intake.media_path) == RECEIPT
    assert intake.state != "received"


async def test_a_process_that_cannot_download_the_photo_hands_it_to_support_after_its_attempts(
    webhook: httpx.AsyncClient, wa_settings: Settings, demo_engine: Engine, twilio: FakeTwilio
) -> None:
    params = inbound(body="ID 1187", media=[(twilio.serve_media("ME-nowhere", RECEIPT), "image/jpeg")])
    await post(webhook, params, signed(params))
    without, _ = build_core(wa_settings, demo_engine, InlineReader(wa_settings))

    await IntakeWorker(demo_engine, without, name="no-downloader", max_attempts=2).drain()

    with Session(demo_engine) as session:
        [intake] = session.exec(select(Intake)).all()
        kinds = session.exec(select(OutboxMessage.kind).where(OutboxMessage.intake_id == intake.id)
                             .order_by(col(OutboxMessage.id))).all()
    assert (intake.state, intake.reply_kind) == ("needs_info", "unreadable")
    assert "no downloader of whatsapp files" in (intake.error or "")
    assert list(kinds) == ["ack", "unreadable", "support_card"], "acknowledged, asked again, support told"
