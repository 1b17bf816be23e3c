"""A real `paybot run` with WhatsApp, fed what a hostile or broken sender can put in a signed webhook: a media
host that stalls or trickles, a NumMedia that lies, control characters. Twilio gets its answer in time, the
message is stored, and the customer is answered (found by the red-team probes, bench/service_hostile.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.handlers.whatsapp.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    PUBLIC_URL,
    SUPPORT_NUMBER,
    inbound,
    signed,
)
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.processes import Service, installation
from tests.stories import receipt_png

TWILIO_PATIENCE = 15.0
"""Twilio gives up on a webhook that has not answered in 15 s (error 11200) and does not post it again."""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("hostile-whatsapp")
    env = installation(folder, public_url=PUBLIC_URL, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                       twilio_whatsapp_from=OUR_NUMBER, twilio_api_base=twilio.base_url,
                       twilio_media_hosts="127.0.0.1", whatsapp_support_numbers=SUPPORT_NUMBER, ocr_workers="1",
                       out_of_hours_reply="false")
    running = Service(env, folder, log=folder / "paybot.log").start()
    yield running
    running.stop()


def intakes(service: Service, sid: str) -> list[tuple[str, str | None, str | None]]:
    with sqlite3.connect(service.cwd / "paybot.db") as db:
        return db.execute("SELECT state, reply_kind, error FROM intake WHERE external_id LIKE ? ORDER BY id",
                          (f"{sid}%",)).fetchall()


async def post(service: Service, params: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{service.url}/webhooks/whatsapp", data=params, headers=signed(params))
    return response.status_code, time.monotonic() - started


async def settled(service: Service, sid: str, count: int = 1, seconds: float = 30) -> list[tuple[str, str | None,
                                                                                                 str | None]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = intakes(service, sid)
        if len(found) >= count and all(state != "received" for state, _, _ in found):
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{sid} not settled: {intakes(service, sid)}")


async def sent_to(twilio: FakeTwilio, number: str, seconds: float = 20) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if told := [call.form.get("Body", "") for call in twilio.accepted if call.form.get("To") == number]:
            return told
        await asyncio.sleep(0.2)
    raise AssertionError(f"nothing sent to {number}")


async def test_a_media_host_that_stalls_or_trickles_still_gets_twilio_its_answer_and_the_customer_asked_again(
    service: Service, twilio: FakeTwilio
) -> None:
    picture = receipt_png("28250.00")
    stalls = twilio.serve_slowly("stalls", picture, delay=120)
    trickles = twilio.serve_slowly("trickles", picture, drip=0.5)
    customers = ("whatsapp:+50688110001", "whatsapp:+50688110002")
    messages = [inbound(sid=f"SM{'5' * 31}{n}", sender=customers[n], body="Ahí va el comprobante",
                        media=[(url, "image/png")]) for n, url in enumerate((stalls, trickles))]

    answers = await asyncio.gather(*(post(service, params) for params in messages))

    for status, seconds in answers:
        assert status == 200
        assert seconds < TWILIO_PATIENCE, f"Twilio would have given up after {seconds:.1f} s"
    for params in messages:
        [(state, reply, error)] = await settled(service, params["MessageSid"])
        assert (state, reply, error) == ("needs_info", "unreadable", "download_failed")
    for customer in customers:
        told = await sent_to(twilio, customer)
        assert "comprobante" in told[0], "the customer is asked to send it again"


async def test_a_num_media_that_claims_a_hundred_thousand_items_makes_at_most_ten_receipts(
    service: Service, twilio: FakeTwilio
) -> None:
    url = twilio.serve_media("one", receipt_png("28250.00", seed=11), "image/png")
    params = {**inbound(sid="SM" + "6" * 32, media=[(url, "image/png")]), "NumMedia": "100000"}

    status, seconds = await post(service, params)

    assert status == 200 and seconds < TWILIO_PATIENCE
    found = await settled(service, params["MessageSid"], count=10)
    assert len(found) == 10, "WhatsApp carries at most ten media items in one message"


async def test_control_characters_in_a_message_are_dropped_and_the_customer_is_answered(
    service: Service, twilio: FakeTwilio
) -> None:
    customer = "whatsapp:+50688110003"
    params = {**inbound(sid="SM" + "7" * 32, sender=customer, body="hola\x00, ¿recibieron\x1b[2J mi pago?\x07",
                        profile_name="Ana\x00 Mora"), "NumMedia": "0"}

    status, _ = await post(service, params)

    assert status == 200
    [(state, reply, _)] = await settled(service, params["MessageSid"])
    assert (state, reply) == ("needs_info", "ask_receipt")
    with sqlite3.connect(service.cwd / "paybot.db") as db:
        [(text, name)] = db.execute("SELECT text, sender_name FROM intake WHERE external_id = ?",
                                    (params["MessageSid"],)).fetchall()
    assert (text, name) == ("hola, ¿recibieron[2J mi pago?", "Ana Mora")
    assert "comprobante" in (await sent_to(twilio, customer))[0]
