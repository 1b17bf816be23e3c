"""Time and peak memory of one read of each hostile file against a normal receipt, in the same run.

Each file is read by a fresh reader worker (ReaderPool of one, as the service runs it, with its
PAYBOT_OCR_TIMEOUT_SECONDS-style limit), so the worker's VmHWM from /proc is that file's peak. The
baseline is a generated receipt read the same way; every figure is also quoted as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ocr import ReaderPool, UnreadableReceipt
from bot.ocr.loading import MAX_PIXELS
from tests.ocr.hostile import at_the_cap, corpus, dense_text
from tests.ocr.receipts import generate


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _one(data: bytes, timeout: float) -> tuple[float, float, float, str]:
    """(seconds, idle peak MB, peak MB after the read, outcome) in a fresh worker."""
    with ReaderPool(workers=1, timeout=timeout) as pool:
        await pool.run(len, b"")  # wait until the worker has loaded its models
        worker = pool.pids[0]
        idle = _peak_mb(worker)
        peak = idle

        async def sample() -> None:
            nonlocal peak
            while True:  # a worker killed at the time limit takes its VmHWM with it: sample while it runs
                with contextlib.suppress(OSError):
                    peak = max(peak, _peak_mb(worker))
                await asyncio.sleep(0.02)

        sampler = asyncio.create_task(sample())
        start = time.perf_counter()
        try:
            await pool.read(data)
            outcome = "read"
        except UnreadableReceipt as error:
            outcome = f"{error.kind} ({error.code})"
        seconds = time.perf_counter() - start
        sampler.cancel()
        with contextlib.suppress(OSError):
            peak = max(peak, _peak_mb(worker))
        return seconds, idle, peak, outcome


def main() -> int:
    """Print one row per file: bytes, seconds, peak MB, and both as ratios to the normal receipt."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=10.0, help="the reader's time limit for this run")
    args = parser.parse_args()
    normal = generate(20_001, photographed=False).data
    photo = generate(20_003, photographed=True).data
    files = [("normal receipt (baseline)", normal), ("photographed receipt", photo)]
    files += [(h.name, h.data) for h in corpus()]
    files += [
        (f"largest PNG allowed ({MAX_PIXELS // 1_000_000} MP RGB)", at_the_cap("RGB", pixels=MAX_PIXELS - 100_000)),
        (f"largest RGBA PNG allowed ({MAX_PIXELS // 1_000_000} MP)", at_the_cap("RGBA", pixels=MAX_PIXELS - 100_000)),
        ("100 MP JPEG photo", at_the_cap("RGB", "JPEG", 100_000_000)),
        ("page of dense tiny text (slow)", dense_text(3000)),
    ]
    rows = [(name, len(data), *asyncio.run(_one(data, args.timeout))) for name, data in files]
    baseline = [rows[0], *((rows[0][0], rows[0][1], *asyncio.run(_one(normal, args.timeout))) for _ in range(4))]
    rows[0] = sorted(baseline, key=lambda row: row[2])[len(baseline) // 2]  # the median of five reads
    base_seconds, base_peak = rows[0][2], rows[0][4]
    print(f"reader time limit {args.timeout:g} s; one fresh worker per file; baseline {base_seconds:.3f} s, "
          f"{base_peak:.0f} MB peak")
    print(f"{'file':<40}{'bytes':>10}{'seconds':>9}{'x base':>8}{'peak MB':>9}{'x base':>8}  outcome")
    for name, size, seconds, _idle, peak, outcome in rows:
        print(f"{name:<40}{size:>10}{seconds:>9.3f}{seconds / base_seconds:>8.2f}{peak:>9.0f}"
              f"{peak / base_peak:>8.2f}  {outcome}")
    worst = max(rows, key=lambda row: row[4])
    print(f"highest peak: {worst[4]:.0f} MB ({worst[0]}); longest: {max(row[2] for row in rows):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
