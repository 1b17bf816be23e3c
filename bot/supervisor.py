"""`paybot run` as a web process with its worker and scheduler in child processes at a lower CPU priority, so
storing and answering a message never wait for a core or the interpreter behind reading, checking and sending."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

log = logging.getLogger(__name__)

ChildRole = Literal["worker", "scheduler"]
CHILD_ROLES: tuple[ChildRole, ...] = ("worker", "scheduler")
CHILD_NICENESS = 5
"""Steps below the web process; readers stay where they were (10 below the web process)."""
WATCH_SECONDS = 0.5
RESTARTS_ALLOWED = 5
RESTART_WINDOW_SECONDS = 60.0
"""A child that dies more than RESTARTS_ALLOWED times within this long stops the whole service."""
STOP_SECONDS = 15.0
"""How long children get to stop after SIGTERM before they are killed."""
START_SECONDS = 60.0
"""How long the web process waits for its children to start before it serves anyway."""
READY = b"r"
INTAKE, OUTBOX = b"i", b"o"
"""Wake-up bytes from the web process to its workers: an intake was stored, a message was queued."""
PR_SET_PDEATHSIG = 1
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
"""Where prometheus_client's multiprocess mode keeps the children's counts, for the web process's `/metrics`."""


@dataclass
class Child:
    """One child process of the supervisor and the write end of its wake-up pipe."""

    role: ChildRole
    process: subprocess.Popen[bytes] | None = None
    wake: int | None = None
    ready: int | None = None
    deaths: deque[float] = field(default_factory=deque)


class Supervisor:
    """Starts, watches, restarts and stops the worker and scheduler children of the web process."""

    def __init__(self, roles: tuple[ChildRole, ...] = CHILD_ROLES) -> None:
        self.children = [Child(role) for role in roles]
        self.stopping = False
        self.failed = False
        self.metrics_dir = tempfile.mkdtemp(prefix="paybot-metrics-")

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        """Start `child` from the calling (main) thread: the kernel's parent-death signal follows that thread."""
        self._close_pipe(child)
        child.ready, started = os.pipe()
        os.set_blocking(child.ready, False)
        command = [sys.executable, "-m", "bot", "run", "--role", child.role, "--no-migrate",
                   "--under", str(os.getpid()), "--ready-fd", str(started)]
        passed = [started]
        if child.role == "worker":
            reading, child.wake = os.pipe()
            os.set_blocking(child.wake, False)
            command += ["--wake-fd", str(reading)]
            passed.append(reading)
        try:
            child.process = subprocess.Popen(command, pass_fds=passed, stdin=subprocess.DEVNULL,
                                             env={**os.environ, METRICS_DIRECTORY: self.metrics_dir})
        finally:
            for fd in passed:
                os.close(fd)
        log.info("paybot %s started as process %d", child.role, child.process.pid)

    def _close_pipe(self, child: Child) -> None:
        for fd in (child.wake, child.ready):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        child.wake = child.ready = None

    async def started(self, limit: float = START_SECONDS) -> None:
        """Wait until every child has started (or ended, or `limit` passed), so the service answers once all of
        it runs, as one process did, and the children's start-up does not take the cores from the first answers."""
        deadline = time.monotonic() + limit
        waiting = [child for child in self.children if child.ready is not None]
        while waiting and not self.stopping:
            for child in list(waiting):
                assert child.ready is not None
                try:
                    data = os.read(child.ready, 1)
                except BlockingIOError:
                    continue
                waiting.remove(child)
                if data != READY:
                    log.error("paybot %s ended while starting", child.role)
            if time.monotonic() > deadline:
                log.warning("paybot %s not started after %.0f s: serving anyway",
                            ", ".join(child.role for child in waiting), limit)
                return
            await asyncio.sleep(0.05)

    def wake(self, what: bytes) -> None:
        """Tell the workers at once (a full pipe already holds a wake-up; a dead child is restarted anyway)."""
        for child in self.children:
            if child.wake is not None:
                with contextlib.suppress(OSError):
                    os.write(child.wake, what)

    async def watch(self, stop_service: Callable[[], None]) -> None:
        """Restart a child that died; one that keeps dying stops the whole service, saying why."""
        while not self.stopping:
            await asyncio.sleep(WATCH_SECONDS)
            for child in self.children:
                assert child.process is not None
                status = child.process.poll()
                if status is None or self.stopping:
                    continue
                now = time.monotonic()
                child.deaths.append(now)
                while child.deaths and now - child.deaths[0] > RESTART_WINDOW_SECONDS:
                    child.deaths.popleft()
                if len(child.deaths) > RESTARTS_ALLOWED:
                    log.error("paybot %s (process %d) ended with status %s, its %d. end within %.0f s: "
                              "stopping paybot", child.role, child.process.pid, status, len(child.deaths),
                              RESTART_WINDOW_SECONDS)
                    self.failed = True
                    self.signal_all(signal.SIGTERM)
                    stop_service()
                    return
                log.error("paybot %s (process %d) ended with status %s: starting it again", child.role,
                          child.process.pid, status)
                self._spawn(child)

    def signal_all(self, signum: int) -> None:
        self.stopping = True
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signum)

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """SIGTERM every child, wait up to `seconds` for all of them, then SIGKILL the ones left."""
        self.signal_all(signal.SIGTERM)
        deadline = time.monotonic() + seconds
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("paybot %s (process %d) did not stop within %.0f s: killed", child.role,
                          child.process.pid, seconds)
                child.process.kill()
                child.process.wait()
            self._close_pipe(child)
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


def die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); leave now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def tell_started(ready_fd: int | None) -> None:
    """Tell the web process this child has started."""
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, READY)
            os.close(ready_fd)


def woken(wake_fd: int, intake_ready: asyncio.Event, outbox_ready: asyncio.Event) -> None:
    """Turn the web process's wake-up bytes into the worker's own events."""
    try:
        data = os.read(wake_fd, 4096)
    except BlockingIOError:
        return
    if not data:
        asyncio.get_running_loop().remove_reader(wake_fd)
        return
    if INTAKE in data:
        intake_ready.set()
    if OUTBOX in data:
        outbox_ready.set()
