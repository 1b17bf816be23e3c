"""ReaderPool: receipts read in parallel worker processes that stay alive, each with its Tesseract engine warm.

Each worker is its own subprocess (`bot.ocr.worker`) with one socket to this process, so one stuck read
costs one worker: past its time limit that worker alone is killed and replaced while the others keep
reading. Workers die with their parent, hold a capped address space, and `close` kills busy ones at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection, Pipe
from types import TracebackType
from typing import Any, TypeVar

from bot.ocr.defaults import CLIENT_ID_PATTERN, MAX_UPLOAD_BYTES, OCR_TIMEOUT_SECONDS
from bot.ocr.engine import ENGINE_ENV
from bot.ocr.errors import UnreadableReceipt
from bot.ocr.fields import ReceiptFields
from bot.ocr.reader import read_receipt

T = TypeVar("T")
MARGIN_SECONDS = 2.0
"""How much of a read's time limit the worker leaves unused, to answer with its own timeout error before the
pool's deadline kills it (a tenth of the limit when that is smaller)."""
MEMORY_LIMIT_BYTES = 768 * 1024 * 1024
"""Address space per worker (RLIMIT_AS). Resident memory stays far lower (about 100 MB idle, under 350 MB on
the largest file the bounds let through); the address space also counts reserved, untouched memory."""
START_SECONDS = 60.0
NICENESS = 10
"""How far below the service's CPU priority reader processes run: with every core reading, the web process still
gets the CPU at once when a request arrives."""


class WorkerLost(Exception):
    """A worker process ended without answering (killed, crashed, out of memory in native code)."""


class _Worker:
    """One reader process and the socket to it."""

    def __init__(self, memory_limit: int, engine: str | None, niceness: int = NICENESS) -> None:
        ours, theirs = Pipe(duplex=True)
        self.connection: Connection = ours
        env = dict(os.environ, OMP_THREAD_LIMIT="1", OPENBLAS_NUM_THREADS="1", MALLOC_ARENA_MAX="2")
        if engine:
            env[ENGINE_ENV] = engine
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.ocr.worker", str(theirs.fileno()), str(os.getpid()), str(memory_limit),
             str(niceness)],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _answer(self) -> Any:
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = self.connection.fileno()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await readable
        finally:
            loop.remove_reader(fd)
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise WorkerLost(f"reader process {self.pid} ended (exit status {self.process.poll()})") from None

    async def start(self) -> None:
        if not self.ready:
            await asyncio.wait_for(self._answer(), START_SECONDS)
            self.ready = True

    async def call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        await self.start()
        try:
            self.connection.send((function, args))
        except (OSError, EOFError):
            raise WorkerLost(f"reader process {self.pid} is gone") from None
        status, value = await self._answer()
        if status == "error":
            raise value
        return value

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.connection.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class ReaderPool:
    """Worker processes, one per core by default (workers=0), reading receipts off the event loop.

    Tesseract's own deadline stops a slow recognition inside the worker; a worker that overruns its
    limit anyway (stuck in native code) is killed and replaced alone, so one bad file never holds a
    worker, or any other receipt, for long.
    """

    def __init__(
        self,
        workers: int = 0,
        *,
        client_id_pattern: str = CLIENT_ID_PATTERN,
        timeout: float = OCR_TIMEOUT_SECONDS,
        max_bytes: int = MAX_UPLOAD_BYTES,
        memory_limit: int = MEMORY_LIMIT_BYTES,
        engine: str | None = None,
        niceness: int = NICENESS,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.niceness = niceness
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.engine = engine
        budget = max(0.1, timeout - min(MARGIN_SECONDS, 0.1 * timeout))
        self._read = partial(read_receipt, client_id_pattern=client_id_pattern, timeout=budget, max_bytes=max_bytes)
        self._all: list[_Worker] = [_Worker(memory_limit, engine, niceness) for _ in range(self.workers)]
        self._idle: list[_Worker] = list(self._all)
        self._waiters: list[asyncio.Future[None]] = []
        self._replacing: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and benchmarks reading /proc)."""
        return [worker.pid for worker in self._all]

    async def read(self, data: bytes) -> ReceiptFields:
        """Read one receipt in a worker within the time limit; UnreadableReceipt says why it could not."""
        return await self.run(self._read, data, limit=self.timeout)

    async def run(self, function: Callable[..., T], *args: Any, limit: float | None = None) -> T:
        """Run a picklable function in a worker; past `limit` seconds that worker is killed and replaced."""
        worker = await self._take()
        keep = True
        try:
            await worker.start()
            if limit is None:
                return await worker.call(function, args)
            return await asyncio.wait_for(worker.call(function, args), limit)
        except TimeoutError:
            keep = False
            raise UnreadableReceipt("timeout", f"la lectura tardó más de {limit:g} s") from None
        except WorkerLost as error:
            keep = False
            raise UnreadableReceipt("crashed", str(error)) from None
        except asyncio.CancelledError:
            keep = False  # its answer would arrive for nobody: the worker is replaced
            raise
        finally:
            if keep:
                self._give_back(worker)
            else:
                self._retire(worker)

    async def _take(self) -> _Worker:
        while not self._idle:
            if self._closed:
                raise RuntimeError("the reader pool is closed")
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
        if self._closed:
            raise RuntimeError("the reader pool is closed")
        return self._idle.pop()

    def _give_back(self, worker: _Worker | None) -> None:
        if worker is None or self._closed:
            return
        self._idle.append(worker)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
                break

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its successor off the event loop: killing waits for the process to end and
        starting one forks this process, each long enough to hold up every request being answered. The pool
        is one worker short until the successor is up."""
        if worker in self._all:
            self._all.remove(worker)
        task = asyncio.get_running_loop().create_task(self._replace(worker), name="reader-replace")
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _replace(self, worker: _Worker) -> None:
        await asyncio.to_thread(worker.kill)
        if self._closed:
            return
        fresh = await asyncio.to_thread(_Worker, self.memory_limit, self.engine, self.niceness)
        if self._closed:
            await asyncio.to_thread(fresh.kill)
            return
        self._all.append(fresh)
        self._give_back(fresh)

    def close(self) -> None:
        """Stop every worker now: idle ones exit when their socket closes, busy or loading ones are killed."""
        self._closed = True
        for worker in self._all:
            if worker in self._idle and worker.ready:
                worker.connection.close()
            else:
                worker.kill()
        deadline = time.monotonic() + 1.0
        for worker in self._all:
            try:
                worker.process.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()
        self._all.clear()
        self._idle.clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
