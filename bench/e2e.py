"""End to end: receipts posted by concurrent senders to a running paybot, against plain tesseract on the same cores.

One run measures, on the same generated receipts (held out: seeds no test uses; a quarter photographed):

- the floor: plain `tesseract IMAGE - -l spa` (OMP_THREAD_LIMIT=1) over every image, as many at a time as the
  service has readers, at the readers' CPU priority (`nice -n 10`, as the pool runs them), so both compete
  alike with whatever else the machine runs;
- for each installation and each pace: the receipts are posted to the sandbox's upload endpoint by `--senders`
  concurrent connections (many customers, a few receipts each), either all at once (`burst`: the readers are
  saturated from the first second and end to end is the readers' throughput) or at 1.15x the floor's pace
  (`paced`: posts go on for the whole run while the readers work, so end to end cannot be shorter than the
  posting, about 0.87x the floor); acknowledgement = each upload's HTTP response time (the receipt is stored and
  the customer's acknowledgement queued when it answers): p50, p99, max; end to end = first post to the last
  support card delivered, as receipts per minute and as a ratio to the floor's time;
- installations: SQLite with one `paybot run` (role all); PostgreSQL with a web process and 1 worker process
  (all cores' readers in it); PostgreSQL with a web process and 2 worker processes (half the readers each);
  both PostgreSQL runs have a scheduler process too.

Usage: python bench/e2e.py [--count 200] [--senders 8] [--runs sqlite,pg1,pg2] [--paces burst,paced]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.session import make_engine
from bot.ocr.pool import NICENESS
from tests.ocr.receipts import generate
from tests.processes import Service, clean_env, paybot

REPO = Path(__file__).resolve().parent.parent
SEED = 91_000
PHONES = 50
"""Distinct customers: each sends a few receipts, below the flood limit, as on a busy day."""


@dataclass
class Result:
    name: str
    acks: list[float]
    elapsed: float
    cards: int
    load: tuple[float, float]


def floor_seconds(paths: list[Path], parallel: int) -> float:
    """Wall time of plain tesseract over every image, `parallel` at a time, at the readers' priority."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def read(path: Path) -> None:
        subprocess.run(["nice", "-n", str(NICENESS), "tesseract", str(path), "-", "-l", "spa"], check=True,
                       capture_output=True, env=env)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(read, paths))
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def post_all(url: str, images: list[bytes], senders: int, pace: float) -> tuple[list[float], float]:
    """Post every image (one customer per few images) from `senders` connections, one every `pace` seconds
    overall; the upload response times and the time of the first post."""
    acks: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5
    queue = list(enumerate(images))

    def sender() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    number, data = queue.pop(0)
                wait = start + number * pace - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                began = time.perf_counter()
                answer = client.post("/sandbox/api/customer", data={"phone": f"8{7000000 + number % PHONES}"},
                                     files={"file": (f"r{number}.img", data, "application/octet-stream")})
                took = time.perf_counter() - began
                assert answer.status_code == 201, answer.text
                with lock:
                    acks.append(took)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks, start


def wait_for_cards(database_url: str, count: int, started: float, limit: float) -> tuple[float, int]:
    """Seconds from `started` until `count` support cards were delivered (or `limit` passed)."""
    engine = make_engine(database_url)
    try:
        while True:
            with engine.connect() as connection:
                cards = int(connection.execute(text(
                    "SELECT count(*) FROM outboxmessage WHERE kind = 'support_card' AND state = 'sent'")).scalar() or 0)
            now = time.perf_counter()
            if cards >= count or now - started > limit:
                return now - started, cards
            time.sleep(0.05)
    finally:
        engine.dispose()


@contextmanager
def installation(kind: str, folder: Path, readers: int) -> Iterator[tuple[str, str]]:
    """(upload URL, database URL) of a running installation of `kind`: sqlite, pg1 or pg2."""
    with ExitStack() as stack:
        if kind == "sqlite":
            database = f"sqlite:///{folder / 'paybot.db'}"
        else:
            from tests.postgres import postgres_server

            database = stack.enter_context(postgres_server())
        env = clean_env(database_url=database, data_dir=str(folder), log_level="WARNING")
        setup = paybot("db", "seed", "--customers", str(REPO / "data" / "customers.csv"), "--contracts",
                       str(REPO / "data" / "contracts.csv"), env=env, cwd=folder)
        assert setup.returncode == 0, setup.stderr
        services: list[Service] = []
        if kind == "sqlite":
            services.append(Service(dict(env, PAYBOT_OCR_WORKERS=str(readers)), folder, "--no-migrate"))
        else:
            services.append(Service(env, folder, "--role", "web", "--no-migrate"))
            processes = 1 if kind == "pg1" else 2
            for _ in range(processes):
                services.append(Service(dict(env, PAYBOT_OCR_WORKERS=str(max(1, readers // processes))), folder,
                                        "--role", "worker", "--no-migrate"))
            services.append(Service(env, folder, "--role", "scheduler", "--no-migrate"))
        for service in services:
            service.start(wait=False)
            stack.callback(service.stop)
        for service in services:
            service.wait_healthy()
        time.sleep(3)  # the readers load their models
        yield services[0].url, database


def run(kind: str, images: list[bytes], senders: int, pace: float, readers: int) -> Result:
    folder = Path(tempfile.mkdtemp(prefix=f"paybot-e2e-{kind}-"))
    try:
        with installation(kind, folder, readers) as (url, database):
            load_before = os.getloadavg()[0]
            acks, started = post_all(url, images, senders, pace)
            elapsed, cards = wait_for_cards(database, len(images), started, limit=20 * 60)
            return Result(kind, acks, elapsed, cards, (load_before, os.getloadavg()[0]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--runs", default="sqlite,pg1,pg2")
    parser.add_argument("--paces", default="burst,paced")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    receipts = [generate(SEED + i, photographed=i % 4 == 3) for i in range(args.count)]
    images = [r.data for r in receipts]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, data in enumerate(images):
            path = Path(folder) / f"r{number}.img"
            path.write_bytes(data)
            paths.append(path)
        print(f"{args.count} receipts ({sum(r.photographed for r in receipts)} photographed), {args.senders} senders, "
              f"{cores} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
        floor = floor_seconds(paths, cores)
    print(f"floor: plain tesseract, {cores} at a time, nice {NICENESS}: {floor:.1f} s "
          f"({60 * args.count / floor:.0f} receipts/min)", flush=True)
    paces = {"burst": 0.0, "paced": floor / args.count / 1.15}
    for kind in args.runs.split(","):
        for pace_name in args.paces.split(","):
            result = run(kind, images, args.senders, paces[pace_name], cores)
            print(f"{kind} {pace_name}: support cards {result.cards}/{args.count} after {result.elapsed:.1f} s "
                  f"({60 * result.cards / result.elapsed:.0f} receipts/min, {result.elapsed / floor:.2f}x the floor); "
                  f"acknowledgement p50 {1000 * statistics.median(result.acks):.0f} ms, "
                  f"p99 {1000 * percentile(result.acks, 0.99):.0f} ms, max {1000 * max(result.acks):.0f} ms; "
                  f"load average {result.load[0]:.1f} -> {result.load[1]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
