"""A process competing for the scheduler lock, printing each thing that happens (for the leadership tests):
`python -m tests.leader_child DATABASE_URL DATA_DIR RETRY_SECONDS`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.leadership import lead, scheduler_lock


def main() -> None:
    url, data_dir, retry = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    lock = scheduler_lock(url, data_dir)
    asyncio.run(lead(lock, lambda: print("START", flush=True), lambda: print("STOP", flush=True),
                     retry_seconds=retry, say=lambda line: print(line, flush=True)))


if __name__ == "__main__":
    main()
