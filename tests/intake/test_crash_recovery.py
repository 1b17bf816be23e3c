"""A `paybot run` killed with SIGKILL mid-batch loses nothing: after a restart every intake finishes
and every customer is answered exactly once."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.db.models import Intake, OutboxMessage
from bot.db.session import make_engine
from tests.stories import ServiceProcess, receipt_png

RECEIPTS = 20


def states(url: str) -> Counter[str]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = Counter(intake.state for intake in session.exec(select(Intake)).all())
    engine.dispose()
    return found


@pytest.mark.slow
def test_sigkill_mid_batch_then_restart_finishes_every_intake_and_answers_each_customer_once(
    installation: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, url = installation
    service = ServiceProcess(env, tmp_path)
    service.start()
    try:
        for number in range(RECEIPTS):
            data = receipt_png(f"{28000 + number}.00", description="Pago ID 1001", seed=100 + number)
            response = httpx.post(
                f"{service.url}/sandbox/api/customer",
                data={"phone": "+50688112233", "message_id": f"batch-{number}"},
                files={"file": (f"r{number}.png", data, "image/png")},
                timeout=10,
            )
            assert response.status_code == 201, response.text
        deadline = time.monotonic() + 60
        while states(url)["in_review"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        service.kill()
        before = states(url)
        assert before["in_review"] < RECEIPTS, "the kill came too late to prove anything"

        service = ServiceProcess(env, tmp_path)
        service.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if states(url)["in_review"] == RECEIPTS and not _pending(url):
                break
            time.sleep(0.2)
    finally:
        service.stop()

    assert states(url) == Counter({"in_review": RECEIPTS})
    engine = make_engine(url)
    with Session(engine) as session:
        messages = session.exec(select(OutboxMessage)).all()
    engine.dispose()
    acks = Counter(m.intake_id for m in messages if m.audience == "customer" and m.kind == "ack")
    cards = Counter(m.intake_id for m in messages if m.audience == "support")
    assert len(acks) == RECEIPTS and set(acks.values()) == {1}
    assert len(cards) == RECEIPTS and set(cards.values()) == {1}
    assert {m.state for m in messages} == {"sent"}


def _pending(url: str) -> bool:
    engine = make_engine(url)
    with Session(engine) as session:
        pending = session.exec(select(OutboxMessage).where(OutboxMessage.state != "sent")).first()
    engine.dispose()
    return pending is not None
