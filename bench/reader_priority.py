"""How long the service's threads wait for a core when they wake, while every core is reading at a given priority.

The readers' CPU priority is meant to let the web process run the moment a request arrives. This measures that
directly: a thread at the service's priority sleeps 2 ms again and again and records how late it wakes, while
one busy process per core runs at each candidate priority in turn (as readers with every core reading): none,
nice 10 (what the pool uses), nice 19, SCHED_IDLE. Rounds alternate, so a change in the machine's other load
shows in every row alike; the load average is printed with each.

Usage: python bench/reader_priority.py [--rounds 3] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

BUSY = """
import os, sys
mode = sys.argv[1]
if mode == "idle":
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
else:
    os.nice(int(mode))
while True:
    pass
"""
MODES = {"none": None, "nice 10": "10", "nice 19": "19", "SCHED_IDLE": "idle"}
SLEEP = 0.002


def wake_delays(seconds: float) -> list[float]:
    """How late each 2 ms sleep ended, for `seconds`."""
    delays = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        began = time.perf_counter()
        time.sleep(SLEEP)
        delays.append(time.perf_counter() - began - SLEEP)
    return sorted(delays)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores; a nice-0 thread sleeping 2 ms while {cores} busy processes run at each priority")
    for round_number in range(args.rounds):
        for name, mode in MODES.items():
            busy = [] if mode is None else [subprocess.Popen([sys.executable, "-c", BUSY, mode])
                                            for _ in range(cores)]
            try:
                time.sleep(0.3)
                delays = wake_delays(args.seconds)
            finally:
                for process in busy:
                    process.kill()
                    process.wait()
            p50, p99 = delays[len(delays) // 2], delays[int(0.99 * (len(delays) - 1))]
            print(f"round {round_number + 1}, readers {name:>10}: woke late p50 {1000 * p50:.2f} ms, "
                  f"p99 {1000 * p99:.2f} ms, max {1000 * delays[-1]:.2f} ms; load average {os.getloadavg()[0]:.1f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
