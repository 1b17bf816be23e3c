"""Seconds per receipt of `paybot ocr` and the warm reader against plain `tesseract IMAGE - -l spa`, in one run.

Measured on the same generated images (a quarter photographed), in the same run, OMP_THREAD_LIMIT=1 for
every tesseract:

- per image: plain `tesseract IMAGE - -l spa` (a process per image), `paybot ocr IMAGE --json` (a fresh
  process per image: start-up, imports, settings and model loading included) and the warm reader in this
  process (models loaded once, as in a pool worker), one after the other per image, `--repeats` rounds
  over all the images; wall-clock medians, and the CPU seconds (user + system) of the two commands, since
  `paybot ocr` loads its models on a background thread while it prepares the image (the wall ratio gains
  from a free second core, the CPU ratio does not). Ratios are given two ways: of the medians over every
  run, and the median over images of each image's own ratio (the same image, same round, interleaved),
  for screenshots and photos apart too; the load average is printed before and after, since the machine
  may be shared;
- batch: `paybot ocr IMG1 ... IMGN --json` (one process, one warm engine) against tesseract run once per
  image, and against tesseract's own batch mode (`tesseract LIST.txt - -l spa`, a file listing the N
  images, read by one process with one model load; its text output is the N pages one after the other);
- the pool on all cores: receipts per minute, and each worker's peak resident memory.

The project's bytecode is compiled first (as `make setup` and any installed package have it), so a fresh
process is not charged for compiling sources that PYTHONDONTWRITEBYTECODE keeps Python from caching; one
untimed `paybot ocr` leaves the regular expressions' cache any earlier run leaves.
`--compare OTHER/.venv/bin/paybot` times another checkout's `paybot ocr` on the same images in the same
run, interleaved with this one (a before/after ratio that the machine's load cannot skew).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
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
ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str]) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + system, all threads) and stdout of one command."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start, _children_cpu() - cpu, done.stdout


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM) in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    """Measure and print the speed figures the issue asks for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20_000)
    parser.add_argument("--compare", type=Path, help="another checkout's paybot, timed on the same images")
    parser.add_argument("--repeats", type=int, default=1, help="rounds over the images (interleaved per image)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    for package in ("bot", "currency"):
        compileall.compile_dir(ROOT / package, quiet=1)
    receipts = [generate(args.seed + i, photographed=i % 4 == 3) for i in range(args.count)]
    engine = get_engine()
    read_receipt(receipts[0].data)  # load the models once, as a pool worker does at its first receipt
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, receipt in enumerate(receipts):
            path = Path(folder) / f"r{i}.img"
            path.write_bytes(receipt.data)
            paths.append(path)
        # The regular expressions' cache (bot/cli/regex_cache.py), like the bytecode, is what any earlier run left.
        subprocess.run([str(PAYBOT), "ocr", str(paths[0]), "--json"], check=True, capture_output=True)
        listing = Path(folder) / "images.txt"
        listing.write_text("".join(f"{path}\n" for path in paths))
        runs: dict[str, list[list[tuple[float, float]]]] = {
            key: [[] for _ in paths] for key in ("plain", "cli", "other")
        }
        warm: list[float] = []
        for _ in range(args.repeats):
            for number, (path, receipt) in enumerate(zip(paths, receipts, strict=True)):
                seconds, cpu, _ = _timed(["tesseract", str(path), "-", "-l", "spa"])
                runs["plain"][number].append((seconds, cpu))
                seconds, cpu, _ = _timed([str(PAYBOT), "ocr", str(path), "--json"])
                runs["cli"][number].append((seconds, cpu))
                if args.compare:
                    seconds, cpu, _ = _timed([str(args.compare), "ocr", str(path), "--json"])
                    runs["other"][number].append((seconds, cpu))
                start = time.perf_counter()
                read_receipt(receipt.data)
                warm.append(time.perf_counter() - start)
        plain = [w for image in runs["plain"] for w, _ in image]
        plain_cpu = [c for image in runs["plain"] for _, c in image]
        cli = [w for image in runs["cli"] for w, _ in image]
        cli_cpu = [c for image in runs["cli"] for _, c in image]
        other = [w for image in runs["other"] for w, _ in image]
        other_cpu = [c for image in runs["other"] for _, c in image]
        first_plain = [image[0] for image in runs["plain"]]
        batch, batch_cpu, out = _timed([str(PAYBOT), "ocr", *map(str, paths), "--json"])
        assert len(out.splitlines()) == len(paths), "paybot ocr printed one line per image"
        tess_batch, tess_batch_cpu, pages = _timed(["tesseract", str(listing), "-", "-l", "spa"])
        assert pages.count(b"\f") >= len(paths) - 1, "tesseract read every listed image (pages end in form feeds)"
    n = len(receipts)
    p, c, w = statistics.median(plain), statistics.median(cli), statistics.median(warm)
    pc, cc = statistics.median(plain_cpu), statistics.median(cli_cpu)
    print(f"receipts: {n} ({sum(r.photographed for r in receipts)} photographed) x {args.repeats} rounds, "
          f"engine: {engine.name}, {os.cpu_count()} cores, load average {load_before[0]:.1f} before")
    print("per image (median s/receipt over every run):")
    print(f"  plain tesseract {p:.3f} wall, {pc:.3f} cpu")
    print(f"  paybot ocr, fresh process {c:.3f} wall, {cc:.3f} cpu: ratio {c / p:.2f} wall, {cc / pc:.2f} cpu")
    if args.compare:
        o, oc = statistics.median(other), statistics.median(other_cpu)
        print(f"  {args.compare} ocr, fresh process {o:.3f} wall, {oc:.3f} cpu: ratio {o / p:.2f} wall, "
              f"{oc / pc:.2f} cpu (this checkout / that one: {c / o:.2f} wall, {cc / oc:.2f} cpu)")
    print(f"  warm reader (in process) {w:.3f}: ratio {w / p:.2f}")
    print("median over images of each image's ratio to plain tesseract (wall / cpu):")
    kinds = (("all", [True] * n), ("screenshots", [not r.photographed for r in receipts]),
             ("photos", [r.photographed for r in receipts]))
    for name, key in (("paybot ocr", "cli"), (str(args.compare), "other")):
        if not runs[key][0]:
            continue
        shares = [_paired(runs[key][k], runs["plain"][k]) for k in range(n)]
        print(f"  {name}: " + ", ".join(
            f"{kind} {statistics.median(s[0] for s, keep in zip(shares, chosen, strict=True) if keep):.2f} / "
            f"{statistics.median(s[1] for s, keep in zip(shares, chosen, strict=True) if keep):.2f}"
            for kind, chosen in kinds if any(chosen)))
    print(f"batch of {n} (s/receipt):")
    plain, plain_cpu = [w for w, _ in first_plain], [c for _, c in first_plain]
    print(f"  tesseract, a process per image {sum(plain) / n:.3f} wall, {sum(plain_cpu) / n:.3f} cpu")
    print(f"  tesseract batch mode (file list) {tess_batch / n:.3f} wall, {tess_batch_cpu / n:.3f} cpu")
    print(f"  paybot ocr IMG1..IMG{n} {batch / n:.3f} wall, {batch_cpu / n:.3f} cpu: "
          f"ratio {batch / sum(plain):.2f} vs a process per image, {batch / tess_batch:.2f} vs batch mode "
          f"(cpu {batch_cpu / sum(plain_cpu):.2f} and {batch_cpu / tess_batch_cpu:.2f})")

    async def throughput() -> tuple[float, int, list[float]]:
        with ReaderPool() as pool:
            await asyncio.gather(*(pool.read(r.data) for r in receipts[: pool.workers]))
            start = time.perf_counter()
            await asyncio.gather(*(pool.read(r.data) for r in receipts))
            elapsed = time.perf_counter() - start
            return elapsed, pool.workers, [_peak_mb(pid) for pid in pool.pids]

    elapsed, workers, peaks = asyncio.run(throughput())
    print(f"pool on {workers} workers ({os.cpu_count()} cores): {60 * n / elapsed:.0f} receipts/min")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory per pool worker: {max(peaks):.0f} MB (this bench process, warm reader: {own:.0f} MB)")
    print(f"load average {os.getloadavg()[0]:.1f} after")
    return 0


def _paired(command: list[tuple[float, float]], plain: list[tuple[float, float]]) -> tuple[float, float]:
    """One image's wall and CPU ratio to plain tesseract: the median of its rounds' ratios (each round's two
    runs were one right after the other)."""
    return (statistics.median(a[0] / b[0] for a, b in zip(command, plain, strict=True)),
            statistics.median(a[1] / b[1] for a, b in zip(command, plain, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
