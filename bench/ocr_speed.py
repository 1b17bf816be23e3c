"""Seconds per receipt of `paybot ocr` against plain `tesseract IMAGE - -l spa`, pool throughput, memory."""

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
from tests.ocr.receipts import generate

PAYBOT = Path(sys.executable).with_name("paybot")


def _timed(command: list[str]) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> int:
    """Measure and print the speed figures the issue asks for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20_000)
    args = parser.parse_args()
    receipts = [generate(args.seed + i, photographed=i % 4 == 3) for i in range(args.count)]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, receipt in enumerate(receipts):
            path = Path(folder) / f"r{i}.img"
            path.write_bytes(receipt.data)
            paths.append(path)
        plain, cli, inproc = [], [], []
        for path, receipt in zip(paths, receipts, strict=True):
            plain.append(_timed(["tesseract", str(path), "-", "-l", "spa"]))
            cli.append(_timed([str(PAYBOT), "ocr", str(path), "--json"]))
            start = time.perf_counter()
            read_receipt(receipt.data)
            inproc.append(time.perf_counter() - start)
    p, c, w = statistics.median(plain), statistics.median(cli), statistics.median(inproc)
    print(f"median s/receipt: plain tesseract {p:.3f}, paybot ocr (CLI) {c:.3f}, reader in-process {w:.3f}")
    print(f"speed ratio paybot ocr / tesseract: {c / p:.2f}  (warm reader / tesseract: {w / p:.2f})")

    async def throughput() -> float:
        with ReaderPool() as pool:
            await pool.read(receipts[0].data)
            start = time.perf_counter()
            await asyncio.gather(*(pool.read(r.data) for r in receipts))
            return time.perf_counter() - start

    elapsed = asyncio.run(throughput())
    print(f"pool on {os.cpu_count()} cores: {60 * len(receipts) / elapsed:.0f} receipts/min")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {own:.0f} MB, largest child (worker or tesseract) {child:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
