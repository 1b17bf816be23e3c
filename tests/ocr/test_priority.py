"""Reader processes run at a lower CPU priority than the process that owns the pool, so the service answers
requests at once while every core is reading."""

from __future__ import annotations

import os
from pathlib import Path

from bot.ocr import ReaderPool
from bot.ocr.pool import NICENESS
from tests.conftest import REPO


def niceness(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[16])


async def test_readers_yield_the_cpu_to_the_service() -> None:
    receipt = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()
    ours = niceness(os.getpid())
    with ReaderPool(workers=1) as pool, ReaderPool(workers=1, niceness=0) as same:
        fields = await pool.read(receipt)
        await same.read(receipt)
        assert [niceness(pid) for pid in pool.pids] == [min(19, ours + NICENESS)]
        assert [niceness(pid) for pid in same.pids] == [ours]
    assert fields.amount is not None
