"""`paybot` commands and services as child processes, the way an operator runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bot.db import migrate

PAYBOT = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], seconds: float) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False): what a child process does takes time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without the developer's PAYBOT_* settings, plus `settings` (PAYBOT_ added)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update({f"PAYBOT_{name.upper()}": value for name, value in settings.items()})
    return env


def paybot(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one `paybot` command to its end."""
    return subprocess.run([*PAYBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def installation(folder: Path, *, migrated: bool = True, **settings: str) -> dict[str, str]:
    """The environment of a SQLite installation in `folder` (its schema made unless `migrated` is false)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = clean_env(**{"database_url": f"sqlite:///{folder / 'paybot.db'}", "data_dir": str(folder),
                       "log_level": "WARNING", **settings})
    if migrated:
        migrate.upgrade(env["PAYBOT_DATABASE_URL"])
    return env


class Service:
    """`paybot run` (with extra arguments) on a loopback port; its output kept in `log`."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str, log: Path | None = None) -> None:
        self.env, self.cwd, self.args = env, cwd, args
        self.log = log or cwd / f"paybot-{id(self)}.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> Service:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [*PAYBOT, "run", "--port", str(self.port), *self.args], env=self.env, cwd=self.cwd,
                stdout=output, stderr=output, start_new_session=True)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"paybot run ended ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"paybot run did not come up:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

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
                self.process.wait(timeout=10)
