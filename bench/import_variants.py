"""Benchmark: how the importers read files nobody here has seen (tests/imports/variants.py).

Run: `.venv/bin/python bench/import_variants.py [--family tuned|held_out] [--count N] [--show-failures]`.
Prints rows read right and files read whole per kind (bank statements, customers, payment orders). The
held_out family is read in aggregate only: its failures are not listed unless asked.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.imports.scoring import databases, score
from tests.imports.variants import FAMILIES, all_variants


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--family", choices=FAMILIES, default="tuned")
    parser.add_argument("--count", type=int, default=120, help="bank files (half as many of each table kind)")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    variants = all_variants(args.family, args.count)
    with databases() as sessions:
        scores = score(variants, sessions)
    print(f"family {args.family}: {len(variants)} files in {time.perf_counter() - started:.1f} s")
    for kind, result in scores.items():
        print(f"  {kind:<10} {result.line()}")
        if args.show_failures:
            for name, problem in result.failures if kind != "all" else []:
                print(f"      {name}: {problem[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
