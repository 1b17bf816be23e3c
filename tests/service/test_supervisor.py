"""`paybot run` answers in a web process of its own while its worker and scheduler run as child processes a few
steps lower in CPU priority; a child that dies is started again, one that keeps dying stops the service."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ocr.pool import NICENESS
from bot.supervisor import CHILD_NICENESS, RESTARTS_ALLOWED
from tests.conftest import REPO
from tests.processes import Service, installation, wait_for

pytestmark = pytest.mark.slow

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


def children(parent: int) -> dict[int, str]:
    """Live processes whose parent is `parent`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == parent:
            found[int(entry.name)] = command
    return found


def group(leader: int) -> list[int]:
    """Live processes of the process group `leader` started (the service and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == leader:
                found.append(int(entry.name))
    return found


def child(parent: int, role: str) -> int | None:
    return next((pid for pid, command in children(parent).items() if f"--role {role}" in command), None)


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def send(service: Service) -> int:
    answer = httpx.post(f"{service.url}/sandbox/api/customer", data={"phone": "88112233", "name": "Ana"},
                        files={"file": ("recibo.png", RECEIPT, "image/png")}, timeout=30)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["intake_id"])


def carded(service: Service, intake: int) -> bool:
    messages = httpx.get(f"{service.url}/sandbox/api/messages", timeout=10).json()["messages"]
    return any(m["kind"] == "support_card" and m["intake_id"] == intake for m in messages)


def test_a_killed_worker_is_started_again_and_reads_the_next_receipt(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1", log_level="INFO")
    service = Service(env, tmp_path, "--no-migrate").start()
    try:
        started = service.output()
        assert "paybot started (worker)" in started and "paybot started (scheduler)" in started, \
            "it answers once its children have started"
        assert wait_for(lambda: child(service.pid, "worker") and child(service.pid, "scheduler"), 10)
        worker, scheduler = child(service.pid, "worker"), child(service.pid, "scheduler")
        assert worker is not None and scheduler is not None
        lower = niceness(service.pid) + CHILD_NICENESS
        assert wait_for(lambda: niceness(worker) == niceness(scheduler) == lower, 30)
        assert wait_for(lambda: children(worker), 30), "the worker starts its reader"
        readers = niceness(service.pid) + NICENESS
        assert wait_for(lambda: all(niceness(reader) == readers for reader in children(worker)), 30)
        first = send(service)
        assert wait_for(lambda: carded(service, first), 60), service.output()

        os.kill(worker, signal.SIGKILL)
        second = send(service)
        assert wait_for(lambda: carded(service, second), 60), service.output()
        assert child(service.pid, "worker") not in (None, worker)
        assert child(service.pid, "scheduler") == scheduler
        assert f"paybot worker (process {worker}) ended with status -9: starting it again" in service.output()
    finally:
        service.stop()
    assert service.process is not None and service.process.returncode == 0, service.output()
    assert wait_for(lambda: group(service.pid) == [], 5), group(service.pid)


def reads_counted(service: Service) -> dict[str, float]:
    """The web process's `/metrics`: receipts read (by source) and read errors (by kind), as Prometheus parses them."""
    text = httpx.get(f"{service.url}/metrics", timeout=10).text
    counted = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "paybot_read_seconds_count":
                counted[sample.labels["source"]] = sample.value
            elif sample.name == "paybot_read_errors_total":
                counted[sample.labels["kind"]] = sample.value
    return counted


def test_the_web_process_metrics_count_what_its_worker_children_read_across_a_restart(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1")
    service = Service(env, tmp_path, "--no-migrate").start()
    try:
        assert reads_counted(service) == {"too_large": 0, "too_long": 0, "unreadable": 0, "timeout": 0}
        first = send(service)
        assert wait_for(lambda: carded(service, first), 60), service.output()
        assert wait_for(lambda: reads_counted(service).get("file") == 1, 10), reads_counted(service)
        worker = child(service.pid, "worker")
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        second = send(service)
        assert wait_for(lambda: carded(service, second), 60), service.output()
        assert wait_for(lambda: reads_counted(service).get("file") == 2, 10), reads_counted(service)
    finally:
        service.stop()


def test_a_worker_that_keeps_dying_stops_the_whole_service_and_says_why(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1", log_level="INFO")
    service = Service(env, tmp_path, "--no-migrate").start()
    killed: set[int] = set()
    try:
        assert service.process is not None
        deadline = time.monotonic() + 60
        while service.process.poll() is None and time.monotonic() < deadline:
            worker = child(service.pid, "worker")
            if worker is not None and worker not in killed:
                os.kill(worker, signal.SIGKILL)
                killed.add(worker)
            time.sleep(0.05)
        assert service.process.wait(timeout=30) == 1, service.output()
        assert len(killed) == RESTARTS_ALLOWED + 1
        assert "stopping paybot" in service.output()
        assert wait_for(lambda: group(service.pid) == [], 5), group(service.pid)
    finally:
        service.stop()


def test_one_process_when_asked(tmp_path: Path) -> None:
    env = installation(tmp_path, ocr_workers="1", single_process="true")
    service = Service(env, tmp_path, "--no-migrate").start()
    try:
        assert wait_for(lambda: children(service.pid), 30)
        assert all("bot.ocr.worker" in command for command in children(service.pid).values())
        intake = send(service)
        assert wait_for(lambda: carded(service, intake), 60), service.output()
    finally:
        service.stop()
