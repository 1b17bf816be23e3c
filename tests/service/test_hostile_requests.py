"""Hostile input through the running service: each file or text is answered politely, /healthz keeps
answering meanwhile, the customer always gets an answer, and nothing is stored that should not be."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import Session, select

from bot.db import migrate
from bot.db.models import Intake
from bot.db.session import make_engine
from tests.stories import ServiceProcess, receipt_png

TIMEOUT = 5
"""PAYBOT_OCR_TIMEOUT_SECONDS for these runs: a hostile file costs at most this (plus the pool's grace)."""


@dataclass
class HealthWatch:
    """Polls /healthz from a thread and keeps each answer's status and latency."""

    url: str
    answers: list[tuple[int, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> HealthWatch:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    def _poll(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(f"{self.url}/healthz").status_code
                except httpx.TransportError:
                    status = 0
                self.answers.append((status, time.monotonic() - started))
                time.sleep(0.05)

    @property
    def slowest(self) -> float:
        return max(latency for _, latency in self.answers)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[ServiceProcess, str, Path]]:
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="2", PAYBOT_OCR_TIMEOUT_SECONDS=str(TIMEOUT))
    service = ServiceProcess(env, tmp_path, log=tmp_path / "paybot.log")
    service.start()
    yield service, url, tmp_path
    service.stop()


def customer_answers(service: ServiceProcess) -> dict[int, list[dict[str, object]]]:
    messages = httpx.get(f"{service.url}/sandbox/api/messages?after=0", timeout=10).json()["messages"]
    answers: dict[int, list[dict[str, object]]] = {}
    for message in messages:
        if message["audience"] == "customer":
            answers.setdefault(int(message["intake_id"]), []).append(message)
    return answers


def wait_for_answers(
    service: ServiceProcess, url: str, intake_ids: list[int], seconds: float
) -> dict[int, list[dict[str, object]]]:
    """Wait until each intake is finished by the bot and its customer was sent something."""
    deadline = time.monotonic() + seconds
    while True:
        answers = customer_answers(service)
        finished = {intake.id for intake in intakes(url) if intake.state not in ("received", "read")}
        if all(intake_id in finished and answers.get(intake_id) for intake_id in intake_ids):
            return answers
        if time.monotonic() > deadline:
            return answers
        time.sleep(0.25)


def intakes(url: str) -> list[Intake]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.exec(select(Intake)).all())
    engine.dispose()
    return found


def test_healthz_answers_promptly_while_the_service_reads_a_200000_digit_note(
    sandbox: tuple[ServiceProcess, str, Path],
) -> None:
    service, url, _ = sandbox
    with HealthWatch(service.url) as watch:
        time.sleep(0.3)
        started = time.monotonic()
        response = httpx.post(f"{service.url}/sandbox/api/customer", timeout=30,
                              files={"file": ("", b"", "application/octet-stream")},
                              data={"phone": "88112233", "text": "1" * 200_000})
        accepted_in = time.monotonic() - started
        assert response.status_code == 201
        intake_id = response.json()["intake_id"]
        answers = wait_for_answers(service, url, [intake_id], 30)
        time.sleep(0.3)

    assert accepted_in < 3
    assert [m["kind"] for m in answers[intake_id]] == ["ask_receipt"]
    assert {status for status, _ in watch.answers} == {200} and len(watch.answers) > 5
    assert watch.slowest < 1.0, f"/healthz took {watch.slowest:.2f} s"
    [stored] = intakes(url)
    assert stored.text is not None and len(stored.text) == 10_000


@pytest.mark.slow
def test_hostile_files_and_texts_are_each_answered_and_the_service_keeps_answering(
    sandbox: tuple[ServiceProcess, str, Path],
) -> None:
    hostile = pytest.importorskip("tests.ocr.hostile", reason="the reader's hostile corpus (tests/ocr/hostile.py)")
    service, url, folder = sandbox
    genuine = receipt_png("28250.00", description="Pago ID 1001")
    files = {
        "tall_strip.png": (hostile.tall_strip(), "image/png"),
        "bomb.png": (hostile.png_header_only(50_000, 50_000), "image/png"),
        "huge_page.pdf": (hostile.huge_page_pdf(), "application/pdf"),
        "rgba_square.png": (hostile.rgba_square(), "image/png"),
        "truncated.png": (genuine[: len(genuine) // 2], "image/png"),
        "disguised.png": (b"MZ\x90\x00 this is not an image at all " * 50, "image/png"),
    }
    accepted: list[int] = []
    with HealthWatch(service.url) as watch:
        for index, (name, (data, content_type)) in enumerate(files.items()):
            started = time.monotonic()
            response = httpx.post(f"{service.url}/sandbox/api/customer", timeout=30,
                                  data={"phone": f"8811{index:04d}"}, files={"file": (name, data, content_type)})
            assert response.status_code == 201 and time.monotonic() - started < 5, (name, response.text)
            accepted.append(response.json()["intake_id"])
        note = httpx.post(f"{service.url}/sandbox/api/customer", timeout=30,
                          files={"file": ("", b"", "application/octet-stream")},
                          data={"phone": "88119999", "text": "1" * 200_000})
        assert note.status_code == 201
        accepted.append(note.json()["intake_id"])
        form = httpx.post(f"{service.url}/sandbox/api/customer", timeout=30,
                          content=urlencode({f"f{i}": "x" * 1500 for i in range(600)}).encode(),
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert form.status_code == 400
        answers = wait_for_answers(service, url, accepted, 180)
        time.sleep(0.3)

    unanswered = [intake_id for intake_id in accepted if not answers.get(intake_id)]
    assert unanswered == [], "every customer gets an answer"
    polite = ("¿Nos", "envíanos", "¿Nos envías", "captura")
    for intake_id in accepted:
        for message in answers[intake_id]:
            assert any(word in str(message["text"]) for word in polite) or message["kind"] == "ack", message
    assert {status for status, _ in watch.answers} == {200}
    assert watch.slowest < 2.0, f"/healthz took {watch.slowest:.2f} s"

    stored = intakes(url)
    assert sorted(intake.id for intake in stored) == sorted(accepted), "the refused form stored nothing"
    assert {intake.state for intake in stored} <= {"needs_info", "in_review"}, "each finished by the bot"
    kept = {Path(intake.media_path) for intake in stored if intake.media_path}
    on_disk = {path for path in (folder / "media").rglob("*") if path.is_file()}
    assert on_disk == kept, "only the customers' own files, once each, and no partial writes"
    assert len(kept) == len(files)
