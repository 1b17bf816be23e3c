"""Per-field exact-match accuracy of the reader on generated receipts, and its confidently wrong amounts."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ocr import UnreadableReceipt, read_receipt
from bot.ocr.fields import JSON_KEYS
from tests.ocr.receipts import generate


def score(seed: int, photo: bool) -> dict[str, Any]:
    """Read one generated receipt and compare it with its truth."""
    receipt = generate(seed, photographed=photo)
    truth = receipt.truth.as_json()
    try:
        got = read_receipt(receipt.data).to_json()
    except UnreadableReceipt:
        got = {key: None for key in JSON_KEYS} | {"confidence": {}}
    return {"photo": photo, "dark": receipt.dark, "truth": truth, "got": got}


def main() -> int:
    """Print the accuracy table for clean and photographed receipts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    jobs = [(args.seed + i, i % 4 == 3) for i in range(args.count)]
    with ProcessPoolExecutor(max_workers=args.workers or None) as pool:
        results = list(pool.map(score, *zip(*jobs, strict=True)))
    groups = {"clean": [r for r in results if not r["photo"]], "photo": [r for r in results if r["photo"]],
              "all": results}
    print(f"{'field':<12}" + "".join(f"{name:>10}" for name in groups))
    for key in JSON_KEYS:
        cells = []
        for rows in groups.values():
            hits = sum(r["got"][key] == r["truth"][key] for r in rows)
            cells.append(f"{100 * hits / max(1, len(rows)):9.1f}%")
        print(f"{key:<12}" + "".join(cells))
    confident_wrong = [r for r in results if r["got"]["amount"] != r["truth"]["amount"]
                       and r["got"]["confidence"].get("amount", 0) >= 0.9]
    confident_right = sum(r["got"]["amount"] == r["truth"]["amount"]
                          and r["got"]["confidence"].get("amount", 0) >= 0.9 for r in results)
    print(f"receipts: {len(results)} ({len(groups['photo'])} photographed)")
    print(f"amounts right with confidence >= 0.9: {confident_right}")
    print(f"confidently wrong amounts (confidence >= 0.9): {len(confident_wrong)}")
    for r in confident_wrong:
        print(f"  read {r['got']['amount']} for {r['truth']['amount']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
