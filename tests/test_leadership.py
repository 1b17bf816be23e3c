"""Exactly one scheduler: real processes compete for the lock; while one leads the others say they wait, and
when the leader is killed with SIGKILL one of them takes over within a minute, on PostgreSQL and on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.leadership import KEEPALIVE, RETRY_SECONDS, FileLock
from tests.conftest import REPO


class Candidate:
    """One competing process and the lines it printed so far."""

    def __init__(self, url: str, data_dir: Path, retry: float) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.leader_child", url, str(data_dir), str(retry)], cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.append(line.strip())

    def wait_for(self, text: str, seconds: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if any(text in line for line in self.lines):
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {seconds}s: {self.lines}")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.reader.join(timeout=10)


def compete(url: str, data_dir: Path, retry: float) -> tuple[float, Candidate, list[Candidate]]:
    first = Candidate(url, data_dir, retry)
    first.wait_for("START", 30)
    others = [Candidate(url, data_dir, retry), Candidate(url, data_dir, retry)]
    try:
        for other in others:
            other.wait_for("otro proceso ya ejecuta las tareas programadas", 30)
        time.sleep(retry * 0.6)
        first.kill()
        killed_at = time.monotonic()
        deadline = killed_at + 60
        while time.monotonic() < deadline and not any("START" in line for o in others for line in o.lines):
            time.sleep(0.05)
        took = time.monotonic() - killed_at
        time.sleep(min(retry * 1.5, 3))
        leaders = [o for o in others if "START" in o.lines]
        assert len(leaders) == 1, [o.lines for o in others]
        return took, leaders[0], others
    finally:
        for other in others:
            other.stop()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_standby_scheduler_takes_over_on_postgresql_when_the_leader_is_killed(
        postgres_url: str, tmp_path: Path) -> None:
    took, _leader, _others = compete(postgres_url, tmp_path, RETRY_SECONDS)
    assert took <= RETRY_SECONDS + 5, f"took {took:.1f}s"
    dead_machine = KEEPALIVE["tcp_keepalives_idle"] + KEEPALIVE["tcp_keepalives_interval"] * KEEPALIVE[
        "tcp_keepalives_count"]
    assert dead_machine + RETRY_SECONDS < 60, "a machine gone silent is replaced within a minute too"


@pytest.mark.slow
def test_on_sqlite_a_second_process_waits_with_the_file_lock_and_takes_over(tmp_path: Path) -> None:
    took, _leader, _others = compete(f"sqlite:///{tmp_path / 'paybot.db'}", tmp_path, 0.5)
    assert took < 5


def test_the_file_lock_is_held_by_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "scheduler.lock"), FileLock(tmp_path / "scheduler.lock")
    assert first.try_acquire() and not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
