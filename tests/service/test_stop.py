"""`paybot run` stops promptly whatever its readers are doing, leaves no process behind, and picks up
the receipt it was reading at the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_commands import free_port
from tests.ocr.hostile import dense_text

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` or that are in its process group (the service runs as a group leader)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == pid:
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, parent, group = fields[0], int(fields[1]), int(fields[2])
        if state != "Z" and (parent == pid or group == pid):
            found.append(int(entry.name))
    return found


class Service:
    """A real `paybot run` (sandbox, SQLite in a temporary folder) in its own process group."""

    def __init__(self, tmp_path: Path, timeout: float) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
        env.update(PAYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'paybot.db'}", PAYBOT_DATA_DIR=str(tmp_path),
                   PAYBOT_OCR_TIMEOUT_SECONDS=str(timeout), PAYBOT_OCR_WORKERS="2")
        self.log = tmp_path / f"paybot-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(self.port)], env=env,
                                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("paybot run did not start")

    def send(self, data: bytes) -> int:
        response = httpx.post(f"{self.url}/sandbox/api/customer", timeout=10,
                              data={"phone": "+50688112233", "name": "Ana", "text": ""},
                              files={"file": ("receipt.png", data, "image/png")})
        assert response.status_code in (200, 201), response.text
        return int(response.json()["intake_id"])

    def messages(self) -> list[dict[str, object]]:
        return list(httpx.get(f"{self.url}/sandbox/api/messages", params={"after": 0}, timeout=5).json()["messages"])

    def wait_busy_reader(self) -> None:
        """Until a reader worker is using the CPU (it is reading the slow file)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for pid in _children(self.process.pid):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[0] == "R":
                    return
            time.sleep(0.1)
        raise AssertionError("no reader got busy")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def test_sigterm_stops_within_10_s_while_a_worker_reads_a_slow_file_and_the_next_start_reads_it(
    tmp_path: Path,
) -> None:
    service = Service(tmp_path, timeout=120)
    try:
        intake = service.send(dense_text(3000))
        service.wait_busy_reader()
        time.sleep(1)
        workers = _children(service.process.pid)
        assert workers
        start = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        service.process.wait(timeout=15)
        assert time.monotonic() - start < 10
        assert service.process.returncode == 0, service.log.read_text()
        time.sleep(0.5)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        assert _children(service.process.pid) == []
    finally:
        service.stop()
    restarted = Service(tmp_path, timeout=2)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = [m for m in restarted.messages() if m["intake_id"] == intake and m["audience"] == "customer"]
            if any(m["kind"] == "unreadable" for m in replies):
                break
            time.sleep(0.3)
        assert any(m["kind"] == "unreadable" for m in replies), replies
    finally:
        restarted.stop()


def test_kill_9_leaves_no_process_behind(tmp_path: Path) -> None:
    service = Service(tmp_path, timeout=120)
    try:
        service.send(dense_text(3000))
        service.wait_busy_reader()
        group = service.process.pid
        before = _children(group)
        assert len(before) >= 2
        service.process.kill()
        service.process.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and [pid for pid in before if Path(f"/proc/{pid}").exists()]:
            time.sleep(0.1)
        left = [pid for pid in before if Path(f"/proc/{pid}").exists()]
        assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
        assert _children(group) == []
    finally:
        service.stop()
