"""ReaderPool: receipts read in parallel worker processes that stay alive between receipts."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from types import TracebackType

from bot.ocr.fields import ReceiptFields
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, read_receipt


def _warm_worker() -> None:
    """Run once per worker: one OpenMP thread for Tesseract, layouts and imaging code loaded up front."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    from bot.ocr.layouts import load_layouts

    load_layouts()


class ReaderPool:
    """A process pool sized to the cores (workers=0) for CPU-bound reading off the event loop."""

    def __init__(
        self,
        workers: int = 0,
        *,
        client_id_pattern: str = DEFAULT_CLIENT_ID_PATTERN,
        timeout: int = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._read = partial(read_receipt, client_id_pattern=client_id_pattern, timeout=timeout, max_bytes=max_bytes)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
        )

    async def read(self, data: bytes) -> ReceiptFields:
        """Read one receipt in a worker; UnreadableReceipt propagates unchanged."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._read, data)

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
