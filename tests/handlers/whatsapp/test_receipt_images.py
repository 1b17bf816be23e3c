"""Support and accounting on WhatsApp get the receipt itself: Twilio fetches it from a signed, expiring link."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from bot.config import Settings
from bot.db.types import utcnow
from bot.handlers.whatsapp import WhatsAppClient
from bot.intake.media import store_media
from bot.intake.messages import Audience, OutboundMessage
from bot.web.media_links import MediaLinks, link_secret, signed_media_route
from tests.handlers.whatsapp.conftest import (
    ACCOUNTING_NUMBER,
    AUTH_TOKEN,
    PUBLIC_URL,
    SUPPORT_NUMBER,
    inbound,
)
from tests.handlers.whatsapp.fake_twilio import FakeTwilio, LoopbackServer
from tests.handlers.whatsapp.harness import RECEIPT, load_demo_customers, paybot_process, public_media, to


async def test_support_and_accounting_cards_each_carry_the_receipt_image(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    load_demo_customers(engine)
    with public_media(wa_settings, twilio):
        async with paybot_process(wa_settings, engine, wa_client) as paybot:
            await paybot.post(inbound(sid="SM" + "1" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body="AYUDA"))
            await paybot.post(inbound(sid="SM" + "2" * 32, sender=f"whatsapp:{ACCOUNTING_NUMBER}", body="AYUDA"))
            url = twilio.serve_media("ME-receipt", RECEIPT)
            await paybot.post(inbound(body="Adjunto el pago", media=[(url, "image/png")]))
            await paybot.settle()
            [intake] = paybot.intakes()
            assert intake.state == "in_review", intake.error

            await paybot.post(inbound(sid="SM" + "3" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}",
                                      body=f"APROBAR {intake.id}"))
            await paybot.settle()

    support = [call for call in to(twilio.accepted, SUPPORT_NUMBER) if "MediaUrl" in call.form]
    accounting = [call for call in to(twilio.accepted, ACCOUNTING_NUMBER) if "MediaUrl" in call.form]
    assert len(support) == 1 and len(accounting) == 1, "each staff card goes once, with the receipt"
    links = [support[0].form["MediaUrl"], accounting[0].form["MediaUrl"]]
    assert all(link.startswith(f"{PUBLIC_URL}/media/{intake.media_sha256}.png?") for link in links)
    assert [(f.url, f.status, f.content_type, f.content) for f in twilio.fetches] == [
        (link, 200, "image/png", RECEIPT) for link in links
    ]
    card_texts = [call.form.get("Body", "") for call in to(twilio.accepted, SUPPORT_NUMBER)]
    assert any(f"Comprobante #{intake.id}" in text for text in card_texts)
    assert any(f"APROBAR {intake.id}" in text for text in card_texts), "the commands carry the intake number"
    assert not any("ContentSid" in call.form for call in twilio.accepted), "both staff members wrote today"


async def test_a_pdf_receipt_goes_to_staff_as_a_document_before_the_card(
    wa_settings: Settings, wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    pdf = b"%PDF-1.4\n" + b"receipt page " * 200 + b"\n%%EOF\n"
    path, _ = store_media(wa_settings.media_dir, pdf)
    wa_client.window.seen(ACCOUNTING_NUMBER)
    card = OutboundMessage(outbox_id=1, channel="whatsapp", recipient=ACCOUNTING_NUMBER,
                           audience=Audience.ACCOUNTING, kind="accounting_card",
                           text="💰 Pago por aplicar #7\nResponda: APLICADO 7 · DEVOLVER 7 motivo",
                           media_path=str(path), intake_id=7)

    with public_media(wa_settings, twilio):
        await wa_client.sender.send(card)

    document, text = twilio.accepted
    assert "Body" not in document.form, "WhatsApp shows no caption under a document"
    assert text.form["Body"] == card.text and "MediaUrl" not in text.form
    [fetch] = twilio.fetches
    assert (fetch.url, fetch.status, fetch.content_type, fetch.content) == (
        document.form["MediaUrl"], 200, "application/pdf", pdf)


async def test_a_changed_or_expired_link_is_refused(wa_settings: Settings) -> None:
    path, _ = store_media(wa_settings.media_dir, RECEIPT)
    other, _ = store_media(wa_settings.media_dir, RECEIPT + b"\0")
    now = [utcnow()]
    server_links = MediaLinks.from_settings(wa_settings, clock=lambda: now[0])
    server = LoopbackServer(Starlette(routes=[signed_media_route(server_links)]))
    server.start()
    try:
        link = MediaLinks.from_settings(wa_settings).link_for(str(path))
        assert link is not None
        local = server.base_url + link.url.removeprefix(PUBLIC_URL)
        parts = urlsplit(local)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        base = f"{server.base_url}/media/"

        def with_query(file_id: str, **changes: str) -> str:
            values = {**query, **changes}
            return f"{base}{file_id}?expires={values['expires']}&signature={values['signature']}"

        flipped = query["signature"][:-1] + ("A" if query["signature"][-1] != "A" else "B")
        async with httpx.AsyncClient(trust_env=False) as http:
            good = await http.get(local)
            answers = {
                "signature changed": await http.get(with_query(path.name, signature=flipped)),
                "expiry pushed later": await http.get(with_query(path.name, expires=str(int(query["expires"]) + 600))),
                "another file, same signature": await http.get(with_query(other.name)),
                "no signature": await http.get(f"{base}{path.name}"),
                "signed by someone else": await http.get(with_query(path.name, signature=MediaLinks(
                    b"another-installation-key", PUBLIC_URL, wa_settings.media_dir).signature(
                        path.name, int(query["expires"])))),
            }
            now[0] += timedelta(seconds=wa_settings.media_url_seconds + 1)
            answers["expired"] = await http.get(local)
            listing = [await http.get(f"{server.base_url}/media/"), await http.get(f"{server.base_url}/media"),
                       await http.get(f"{base}..%2F..%2Fpaybot.db?expires=1&signature=x")]
    finally:
        server.stop()

    assert good.status_code == 200 and good.content == RECEIPT
    assert good.headers["content-type"] == "image/png"
    assert "no-store" in good.headers["cache-control"]
    assert {reason: answer.status_code for reason, answer in answers.items()} == dict.fromkeys(answers, 403)
    assert all(answer.content == b"forbidden" for answer in answers.values())
    assert [answer.status_code for answer in listing] == [404, 404, 404], "nothing is listable or reachable"


def test_the_link_key_is_the_same_in_every_process_and_never_empty(settings: Settings, tmp_path: Path) -> None:
    with_token = settings.model_copy(update={"twilio_auth_token": SecretStr(AUTH_TOKEN)})
    derived = link_secret(with_token)
    assert derived == link_secret(with_token.model_copy()), "two processes with one configuration agree"
    assert len(derived) == 32 and AUTH_TOKEN.encode() not in derived

    alone = settings.model_copy(update={"data_dir": tmp_path / "fresh"})
    generated = link_secret(alone)
    assert len(generated) >= 32 and generated == link_secret(alone)
    key_file = tmp_path / "fresh" / "media-links.key"
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"

    with pytest.raises(ValueError, match="at least 16"):
        Settings(_env_file=None, media_url_secret=SecretStr(""))  # type: ignore[call-arg]
    configured = settings.model_copy(update={"media_url_secret": SecretStr("x" * 40)})
    assert link_secret(configured) == b"x" * 40


def test_files_whatsapp_cannot_carry_get_no_link(wa_settings: Settings) -> None:
    links = MediaLinks.from_settings(wa_settings)
    webp, _ = store_media(wa_settings.media_dir, b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 64)
    huge, _ = store_media(wa_settings.media_dir, b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 1))
    readable, _ = store_media(wa_settings.media_dir, RECEIPT)

    assert links.link_for(str(webp)) is None
    assert links.link_for(str(huge)) is None, "WhatsApp takes images up to 5 MB"
    assert links.link_for("/etc/passwd") is None
    assert links.link_for(str(readable)) is not None
    assert MediaLinks.from_settings(wa_settings.model_copy(update={"public_url": ""})).link_for(str(readable)) is None
