"""ReaderPool: receipts read in parallel worker processes that stay alive, each with its Tesseract engine warm."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from types import TracebackType
from typing import Any, TypeVar

from bot.ocr.errors import UnreadableReceipt
from bot.ocr.fields import ReceiptFields
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, read_receipt

T = TypeVar("T")
GRACE_SECONDS = 5.0
"""How long past its own time limit a worker may take before the pool kills and replaces it."""


def _warm_worker() -> None:
    """Run once per worker: one OpenMP thread, layouts and the Tesseract models loaded up front."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    from bot.ocr.engine import SECOND_LANGUAGE, get_engine
    from bot.ocr.layouts import load_layouts

    load_layouts()
    get_engine()
    get_engine(SECOND_LANGUAGE)


class ReaderPool:
    """A process pool sized to the cores (workers=0) for CPU-bound reading off the event loop.

    Each worker keeps its own warm engine. Tesseract's own deadline stops a slow recognition; a
    worker that still overruns (stuck in native code) is killed and the pool replaced, so one bad
    image never holds a worker forever.
    """

    def __init__(
        self,
        workers: int = 0,
        *,
        client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN,
        timeout: int = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self._read = partial(read_receipt, client_id_pattern=client_id_pattern, timeout=timeout, max_bytes=max_bytes)
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
        )

    async def read(self, data: bytes) -> ReceiptFields:
        """Read one receipt in a worker; UnreadableReceipt propagates unchanged."""
        return await self.run(self._read, data, limit=self.timeout + GRACE_SECONDS)

    async def run(self, function: Callable[..., T], *args: Any, limit: float | None = None) -> T:
        """Run a picklable function in a worker; past `limit` seconds the workers are replaced."""
        for attempt in range(2):
            executor = self._executor
            try:
                future = asyncio.wrap_future(executor.submit(function, *args))
                return await asyncio.wait_for(future, limit)
            except TimeoutError:
                self._replace(executor)
                raise UnreadableReceipt("timeout", f"the reader took more than {limit:g} s") from None
            except BrokenProcessPool:
                # Another receipt's worker was killed under this one: try once more on the new pool.
                self._replace(executor)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        if executor is not self._executor:
            return
        for process in list(getattr(executor, "_processes", {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
