"""Seconds per receipt of `paybot ocr` and the warm reader against plain `tesseract IMAGE - -l spa`, in one run.

Measured on the same generated images (a quarter photographed), one after the other per image:
plain tesseract (OMP_THREAD_LIMIT=1), the `paybot ocr --json` command (a fresh process each time:
start-up, imports and model loading included), and the warm reader in this process (engine loaded
once, as in a pool worker). Then pool throughput on all cores, and each pool worker's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ocr import ReaderPool, read_receipt
from bot.ocr.engine import get_engine
from tests.ocr.receipts import generate

PAYBOT = Path(sys.executable).with_name("paybot")


def _timed(command: list[str]) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _worker_peak_mb() -> float:
    """Run in a pool worker: its own peak resident memory (tesseract runs inside it when warm)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, children)


def main() -> int:
    """Measure and print the speed figures the issue asks for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20_000)
    args = parser.parse_args()
    receipts = [generate(args.seed + i, photographed=i % 4 == 3) for i in range(args.count)]
    engine = get_engine()
    read_receipt(receipts[0].data)  # load the models once, as a pool worker does at its first receipt
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, receipt in enumerate(receipts):
            path = Path(folder) / f"r{i}.img"
            path.write_bytes(receipt.data)
            paths.append(path)
        plain, cli, warm = [], [], []
        for path, receipt in zip(paths, receipts, strict=True):
            plain.append(_timed(["tesseract", str(path), "-", "-l", "spa"]))
            cli.append(_timed([str(PAYBOT), "ocr", str(path), "--json"]))
            start = time.perf_counter()
            read_receipt(receipt.data)
            warm.append(time.perf_counter() - start)
    p, c, w = statistics.median(plain), statistics.median(cli), statistics.median(warm)
    print(f"receipts: {len(receipts)} ({sum(r.photographed for r in receipts)} photographed), engine: {engine.name}")
    print(f"median s/receipt: plain tesseract {p:.3f}, paybot ocr (CLI, cold process) {c:.3f}, warm reader {w:.3f}")
    print(f"speed ratio vs plain tesseract: paybot ocr CLI {c / p:.2f}, warm reader {w / p:.2f}")

    async def throughput() -> tuple[float, int, list[float]]:
        with ReaderPool() as pool:
            await asyncio.gather(*(pool.read(r.data) for r in receipts[: pool.workers]))
            start = time.perf_counter()
            await asyncio.gather(*(pool.read(r.data) for r in receipts))
            elapsed = time.perf_counter() - start
            peaks = await asyncio.gather(*(pool.run(_worker_peak_mb) for _ in range(pool.workers * 4)))
            return elapsed, pool.workers, list(peaks)

    elapsed, workers, peaks = asyncio.run(throughput())
    print(f"pool on {workers} workers ({os.cpu_count()} cores): {60 * len(receipts) / elapsed:.0f} receipts/min")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory per pool worker: {max(peaks):.0f} MB (this bench process, warm reader: {own:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
