"""A real `paybot run` keeps answering while another program holds SQLite's write lock (a long `paybot`
command, a backup, a second process): no part of the service waits for the database on the event loop, and a
receipt sent meanwhile is acknowledged as soon as the lock is given back."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, select

from bot.db.models import OutboxMessage
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.intake.messages import Audience
from bot.intake.outbox import enqueue
from tests.processes import Service, installation
from tests.stories import receipt_png

HOLD_SECONDS = 4.0
CUSTOMER = "+50688112233"


def queue_message_due_in(url: str, seconds: float) -> None:
    """A message for the sandbox that the outbox will find due while the lock is held."""
    engine = make_engine(url)
    with Session(engine) as session:
        enqueue(session, dedupe_key="busy-database-test", channel="sandbox", recipient=CUSTOMER,
                audience=Audience.CUSTOMER, kind="staff_note", text="Mensaje en cola",
                now=utcnow() + timedelta(seconds=seconds))
        session.commit()
    engine.dispose()


def message_state(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == "busy-database-test")).one()
    engine.dispose()
    return row.state


def test_the_service_answers_while_another_program_holds_the_write_lock(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1")
    url = env["PAYBOT_DATABASE_URL"]
    database = url.removeprefix("sqlite:///")
    image = receipt_png(amount="15000.00")
    service = Service(env, tmp_path).start()
    try:
        queue_message_due_in(url, 1.0)
        holder = sqlite3.connect(database, timeout=30)
        holder.execute("BEGIN IMMEDIATE")
        held_at = time.monotonic()
        uploaded: list[float] = []

        def upload() -> None:
            answer = httpx.post(f"{service.url}/sandbox/api/customer", data={"phone": CUSTOMER},
                                files={"file": ("comprobante.png", image, "image/png")}, timeout=30)
            assert answer.status_code == 201
            uploaded.append(time.monotonic())

        sender = threading.Thread(target=upload)
        sender.start()
        slowest = 0.0
        with httpx.Client(base_url=service.url, timeout=5) as client:
            while time.monotonic() - held_at < HOLD_SECONDS:
                began = time.monotonic()
                assert client.get("/sandbox/api/messages", params={"after": 0}).status_code == 200
                assert client.get("/healthz").status_code == 200
                slowest = max(slowest, time.monotonic() - began)
                time.sleep(0.1)
        assert not uploaded, "a receipt cannot be stored while another program holds the write lock"
        holder.rollback()
        released_at = time.monotonic()
        holder.close()
        sender.join(30)
        assert uploaded and uploaded[0] - released_at < 2, "the receipt waited long after the lock was released"
        deadline = time.monotonic() + 10
        while message_state(url) != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert message_state(url) == "sent"
    finally:
        service.stop()
    # Before, the outbox claimed its due message on the event loop and froze every answer until the lock
    # was released (about 3 s here, up to SQLite's 30 s timeout); answers take milliseconds.
    assert slowest < 1.5, f"an answer took {slowest:.1f} s while the lock was held"
