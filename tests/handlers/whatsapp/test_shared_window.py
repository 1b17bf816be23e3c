"""The 24-hour window is data: any process answers as free text once the customer wrote to any other."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import migrate
from bot.db.models import OutboxMessage
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.handlers.whatsapp_window import ServiceWindow
from tests.conftest import REPO
from tests.handlers.whatsapp.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    OUR_NUMBER,
    PUBLIC_URL,
    SUPPORT_NUMBER,
    TEMPLATE_SID,
    inbound,
    signed,
)
from tests.handlers.whatsapp.fake_twilio import Call, FakeTwilio
from tests.processes import wait_for
from tests.stories import ServiceProcess


def dead_port() -> int:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return int(closed.getsockname()[1])


def to_customer(twilio: FakeTwilio) -> list[Call]:
    return [call for call in twilio.accepted if call.form["To"] == CUSTOMER]


def first_attempt_failed(url: str) -> bool:
    """The reply was tried once and is waiting for its next attempt, held by nobody."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == CUSTOMER)).first()
            return row is not None and row.attempts >= 1 and row.claimed_by is None and row.last_error is not None
    finally:
        engine.dispose()


@pytest.fixture
def two_processes(tmp_path: Path, twilio: FakeTwilio) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    """Two `paybot run` on one database, both started before anything is received. The first cannot
    reach Twilio (a network split); once it has tried, it is killed, so only the second can deliver."""
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAYBOT_")}
    env.update(
        PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING",
        PAYBOT_OCR_WORKERS="1", PAYBOT_PUBLIC_URL=PUBLIC_URL, PAYBOT_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        PAYBOT_TWILIO_AUTH_TOKEN=AUTH_TOKEN, PAYBOT_TWILIO_WHATSAPP_FROM=OUR_NUMBER,
        PAYBOT_TWILIO_TEMPLATE_SID=TEMPLATE_SID, PAYBOT_TWILIO_MEDIA_HOSTS="127.0.0.1",
        PAYBOT_WHATSAPP_SUPPORT_NUMBERS=SUPPORT_NUMBER, PAYBOT_OUT_OF_HOURS_REPLY="false",
    )
    cut_off = ServiceProcess({**env, "PAYBOT_TWILIO_API_BASE": f"http://127.0.0.1:{dead_port()}"}, REPO)
    connected = ServiceProcess({**env, "PAYBOT_TWILIO_API_BASE": twilio.base_url}, REPO)
    try:
        cut_off.start()
        connected.start()
        yield cut_off, connected
    finally:
        cut_off.stop()
        connected.stop()


@pytest.mark.slow
def test_a_reply_sent_by_another_process_is_free_text(
    two_processes: tuple[ServiceProcess, ServiceProcess], twilio: FakeTwilio
) -> None:
    receiving, _sending = two_processes
    engine_url = receiving.env["PAYBOT_DATABASE_URL"]
    params = inbound(body="Buenas, ¿a qué cuenta les deposito?")

    forged = httpx.post(f"{receiving.url}/webhooks/whatsapp", data=params, headers=signed(params, token="x"))
    answer = httpx.post(f"{receiving.url}/webhooks/whatsapp", data=params, headers=signed(params))
    assert (forged.status_code, answer.status_code) == (403, 200)

    tried = wait_for(lambda: first_attempt_failed(engine_url), seconds=30)
    assert tried, "the receiving process tried (and could not reach Twilio)"
    receiving.kill()
    wait_for(lambda: bool(to_customer(twilio)), seconds=60)
    [reply] = to_customer(twilio)
    assert "Body" in reply.form and "ContentSid" not in reply.form, "the window opened in the other process"
    assert "comprobante" in reply.form["Body"].lower()


def test_a_staff_number_opens_its_window_by_writing(engine: Engine) -> None:
    window = ServiceWindow(engine)
    assert not window.is_open(SUPPORT_NUMBER)

    window.seen(f"whatsapp:{SUPPORT_NUMBER}")

    assert window.is_open(SUPPORT_NUMBER) and window.is_open(f"whatsapp:{SUPPORT_NUMBER}")


@pytest.mark.postgres
def test_every_process_sees_the_same_window_on_postgresql(pg_engine: Engine, postgres_url: str) -> None:
    other_process = make_engine(postgres_url)
    now = utcnow()
    try:
        mine, theirs = ServiceWindow(pg_engine), ServiceWindow(other_process)
        mine.seen(CUSTOMER, now - timedelta(hours=2))
        theirs.seen(CUSTOMER, now - timedelta(hours=30))
        assert theirs.is_open(CUSTOMER), "an older message never closes a window"
        last = theirs.last_inbound(CUSTOMER)
        assert last is not None and abs(last - (now - timedelta(hours=2))) < timedelta(seconds=1)
        theirs.seen(CUSTOMER, now - timedelta(minutes=1))
        later = mine.last_inbound(CUSTOMER)
        assert later is not None and abs(later - (now - timedelta(minutes=1))) < timedelta(seconds=1)
        mine.close(CUSTOMER)
        assert not theirs.is_open(CUSTOMER)
    finally:
        other_process.dispose()
