"""`paybot run --role`: a web process stores what arrives and never reads; a worker reads, checks and sends;
only one process runs the scheduler (on SQLite the second says it waits); /healthz shows each one's heartbeat."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import Intake
from bot.db.session import make_engine
from bot.intake.core import InlineReader
from bot.service import build_app
from tests.conftest import REPO
from tests.processes import Service, installation, wait_for

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


def states(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return [intake.state for intake in session.exec(select(Intake)).all()]
    finally:
        engine.dispose()


def test_each_role_gets_only_its_routes_and_work(settings: Settings, engine: Engine) -> None:
    def paths(role: str) -> set[str]:
        app = build_app(settings, engine, InlineReader(settings), role=role)  # type: ignore[arg-type]
        return {getattr(route, "path", "") for route in app.routes}

    assert {"/healthz", "/metrics", "/", "/sandbox/api/customer", "/portal"} <= paths("web")
    assert paths("worker") == paths("scheduler") == {"/healthz", "/metrics"}
    assert paths("all") == paths("web")
    web = build_app(settings, engine, role="web").state.service
    assert not web.reads and web.serves_channels and not web.schedules


def test_a_worker_takes_up_two_receipts_per_reader_so_readers_never_wait_for_checks(
        settings: Settings, engine: Engine) -> None:
    three = settings.model_copy(update={"ocr_workers": 3})
    worker = build_app(three, engine, InlineReader(three), role="worker").state.service.worker
    assert worker.concurrency == 6


def test_web_stores_workers_read_and_one_scheduler_runs_on_sqlite(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1", log_level="INFO")
    web = Service(env, tmp_path, "--role", "web", "--no-migrate", log=tmp_path / "web.log").start()
    first = Service(env, tmp_path, "--role", "scheduler", "--no-migrate", log=tmp_path / "first.log").start()
    worker = None
    try:
        assert wait_for(lambda: "este proceso ejecuta las tareas programadas" in first.output(), 20), first.output()
        second = Service(env, tmp_path, "--role", "all", "--no-migrate", log=tmp_path / "second.log")
        second.env = dict(env, PAYBOT_OCR_WORKERS="1")
        answer = httpx.post(f"{web.url}/sandbox/api/customer", data={"phone": "88112233"},
                            files={"file": ("recibo.png", RECEIPT, "image/png")}, timeout=30)
        assert answer.status_code == 201
        time.sleep(3)
        assert states(env["PAYBOT_DATABASE_URL"]) == ["received"], "a web process never reads"
        assert "Rol web" in web.output()

        worker = Service(env, tmp_path, "--role", "worker", "--no-migrate", log=tmp_path / "worker.log").start()
        assert wait_for(lambda: states(env["PAYBOT_DATABASE_URL"]) == ["in_review"], 60), worker.output()
        second.start()
        assert wait_for(lambda: "otro proceso ya ejecuta las tareas programadas" in second.output(), 20), \
            second.output()
        assert "scheduler.lock" in second.output()

        def beating() -> bool:
            beats = httpx.get(f"{web.url}/healthz", timeout=10).json()["heartbeats"]
            return all(beats[name] for name in ("worker", "outbox", "scheduler"))
        assert wait_for(beating, 30)
        messages = httpx.get(f"{web.url}/sandbox/api/messages", timeout=10).json()["messages"]
        assert [m["kind"] for m in messages].count("support_card") == 1
        first.kill()
        assert wait_for(lambda: "este proceso ejecuta las tareas programadas" in second.output(), 40), \
            "the waiting process takes over"
        second.stop()
    finally:
        for service in (web, first, worker):
            if service is not None:
                service.stop()
