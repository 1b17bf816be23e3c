"""A `paybot run` killed with SIGKILL mid-batch loses nothing: after a restart every intake finishes
and every customer is answered exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.contracts.importer import import_contracts, import_customers
from bot.db import migrate
from bot.db.models import Intake, OutboxMessage
from bot.db.session import make_engine
from tests.conftest import REPO
from tests.intake.conftest import receipt_png

RECEIPTS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """`paybot run` as a child process on a loopback port."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--port", str(self.port)],
            env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("paybot run did not come up")

    def kill(self) -> None:
        """SIGKILL the whole process group: the service and its reader processes, no clean-up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        import_customers(session, (REPO / "data" / "customers.csv").read_bytes())
        import_contracts(session, (REPO / "data" / "contracts.csv").read_bytes())
        session.commit()
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING")
    yield env, url


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
    service = Service(env, tmp_path)
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

        service = Service(env, tmp_path)
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
