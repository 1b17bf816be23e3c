"""Per-field accuracy and calibration of the reader on generated receipts, and every confidently wrong field.

`--holdout` reads as many receipts from layout families and label wordings the reader is tuned on (half of them
from the wider tuned group, tests/ocr/generator/wide.py, families named w-*) as from
the ones held out from tuning (the split is fixed in tests/ocr/generator/families.py) and from the second
held-out group (tests/ocr/generator/holdout2.py: five more families, wordings and templates), and reports
each and the whole. For each field it prints how often it was right, a reliability table (observed
accuracy of the values read per confidence band), the expected calibration error, and the fields wrong
with confidence >= 0.9, which an automatic forward would let through. Details of single misreadings are
printed for tuned receipts only (`--failures`), so fixes are made from what the tuned set shows; the first
held-out group's confidently wrong fields only with `--show-held`, the second group's never (aggregate
figures only). The auto-forward threshold is derived from the tuned and first held-out receipts; the second
group checks it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ocr import UnreadableReceipt, read_receipt
from bot.ocr.fields import JSON_KEYS
from tests.ocr.generator import families, generate
from tests.ocr.generator.wide import WIDE_NAMES
from tests.ocr.generator.wide_layouts import LAYOUT_NAMES

BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01))
CONFIDENT = 0.9
HELD_SEED_OFFSET = 500_000
HELD2_SEED_OFFSET = 900_000
THRESHOLDS = (0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99)
FORWARD_KEYS = ("amount", "date", "reference", "client_id")
"""The fields auto-forward requires to be sure (bot/intake/core.py)."""
TARGET_RIGHT = 0.995


def score(seed: int, part: str | None, classic: bool, photographed: bool | None = None,
          family: str | None = None) -> dict[str, Any]:
    """Read one generated receipt and compare it with its truth."""
    if classic:
        from tests.ocr.receipts import generate as generate_classic

        old = generate_classic(seed, photographed=seed % 4 == 3)
        data, truth, family, photo = old.data, old.truth.as_json(), "classic", old.photographed
    else:
        receipt = generate(seed, part=part, photographed=photographed, family=family)  # type: ignore[arg-type]
        data, truth, family, photo = receipt.data, receipt.truth.as_json(), receipt.family, receipt.photographed
    try:
        got = read_receipt(data).to_json()
    except UnreadableReceipt as error:
        got = {key: None for key in JSON_KEYS} | {"confidence": {}, "error": error.code}
    return {"seed": seed, "part": part or "all", "family": family, "photo": photo, "truth": truth, "got": got}


def tuned_family_names() -> set[str]:
    """The families a tuning run may pick (a held-out family's name is refused, never generated)."""
    return {f.name for f in families("tuned")} | set(WIDE_NAMES) | set(LAYOUT_NAMES)


def _cells(rows: Sequence[dict[str, Any]], key: str) -> tuple[int, int]:
    return sum(r["got"][key] == r["truth"][key] for r in rows), len(rows)


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:6.1f}%" if total else "      -"


def _pct2(hits: int, total: int) -> str:
    return f"{100 * hits / total:.2f}%" if total else "-"


def accuracy_table(groups: dict[str, list[dict[str, Any]]]) -> None:
    """Fields right (exact match; a field the receipt does not show is right when read as nothing)."""
    print(f"{'field':<12}" + "".join(f"{name:>12}" for name in groups))
    for key in JSON_KEYS:
        print(f"{key:<12}" + "".join(f"{_pct(*_cells(rows, key)):>12}" for rows in groups.values()))
    line = []
    for rows in groups.values():
        hits = sum(_cells(rows, key)[0] for key in JSON_KEYS)
        line.append(f"{_pct(hits, len(rows) * len(JSON_KEYS)):>12}")
    print(f"{'all fields':<12}" + "".join(line))
    print(f"{'receipts':<12}" + "".join(f"{len(rows):>12}" for rows in groups.values()))


def _readings(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> list[tuple[str, float, bool]]:
    """(field, confidence, right) for every value the reader claimed (fields read as nothing are left out)."""
    out = []
    for r in rows:
        for key in keys:
            if r["got"][key] is None:
                continue
            out.append((key, float(r["got"]["confidence"].get(key, 0.0)), r["got"][key] == r["truth"][key]))
    return out


def calibration(rows: Sequence[dict[str, Any]], title: str) -> None:
    """Reliability table per field (n and observed accuracy per confidence band) and the ECE."""
    print(f"\nreliability, {title} (values read; n / right per confidence band; ECE)")
    header = "".join(f"{f'{lo:.2f}-{min(hi, 1):.2f}':>15}" for lo, hi in BANDS)
    print(f"{'field':<12}{header}{'ECE':>8}")
    for key in (*JSON_KEYS, "all"):
        readings = _readings(rows, JSON_KEYS if key == "all" else (key,))
        cells, ece = [], 0.0
        for lo, hi in BANDS:
            band = [(c, ok) for _, c, ok in readings if lo <= c < hi]
            if not band:
                cells.append(f"{'-':>15}")
                continue
            right = sum(ok for _, ok in band)
            mean = sum(c for c, _ in band) / len(band)
            ece += len(band) / max(1, len(readings)) * abs(right / len(band) - mean)
            cells.append(f"{len(band):>6} {100 * right / len(band):6.1f}%")
        print(f"{key:<12}{''.join(cells)}{ece:8.3f}")


def thresholds(rows: Sequence[dict[str, Any]]) -> None:
    """For candidate auto-forward thresholds: fields at or above it, how many wrong, observed accuracy."""
    print("\nthreshold    all fields: n  wrong  right      forward keys: n  wrong  right")
    every = _readings(rows, JSON_KEYS)
    forward = _readings(rows, FORWARD_KEYS)
    lowest: dict[str, float | None] = {"all fields": None, "forward keys": None}
    for t in THRESHOLDS:
        a = [ok for _, c, ok in every if c >= t]
        f = [ok for _, c, ok in forward if c >= t]
        print(f"{t:>9.2f} {len(a):>15} {len(a) - sum(a):>6} {_pct2(sum(a), len(a)):>8} "
              f"{len(f):>17} {len(f) - sum(f):>6} {_pct2(sum(f), len(f)):>8}")
        for name, oks in (("all fields", a), ("forward keys", f)):
            if oks and sum(oks) < TARGET_RIGHT * len(oks):
                lowest[name] = None
            elif lowest[name] is None:
                lowest[name] = t
    print("lowest threshold from which every higher one keeps at least {:.1%} right: {}".format(
        TARGET_RIGHT, ", ".join(f"{name} {t if t is not None else '-'}" for name, t in lowest.items())))


def confidently_wrong(rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    return [(r, key) for r in rows for key in JSON_KEYS
            if r["got"][key] is not None and r["got"][key] != r["truth"][key]
            and r["got"]["confidence"].get(key, 0.0) >= CONFIDENT]


def report_wrong(rows: Sequence[dict[str, Any]], title: str, detail: bool) -> None:
    wrong = confidently_wrong(rows)
    clean_amounts = [r for r, key in wrong if key == "amount" and not r["photo"]]
    print(f"\n{title}: fields wrong with confidence >= {CONFIDENT}: {len(wrong)} "
          f"(amounts on clean screenshots: {len(clean_amounts)})")
    if detail:
        for r, key in wrong:
            print(f"  seed {r['seed']} {r['family']}{' photo' if r['photo'] else ''}: {key} read "
                  f"{r['got'][key]!r} ({r['got']['confidence'].get(key)}) for {r['truth'][key]!r}")


def per_family(rows: Sequence[dict[str, Any]]) -> None:
    print("\nfields right per family (tuned receipts; w-* are the wider tuned group's)")
    for title, mine in (("first generator's", [r for r in rows if not r["family"].startswith("w-")]),
                        ("wider group's", [r for r in rows if r["family"].startswith("w-")])):
        hits = sum(_cells(mine, key)[0] for key in JSON_KEYS)
        print(f"  {title + ' families':<30} {len(mine):>4} receipts {_pct(hits, len(mine) * len(JSON_KEYS))}")
    names = sorted({r["family"] for r in rows})
    for name in names:
        mine = [r for r in rows if r["family"] == name]
        hits = sum(_cells(mine, key)[0] for key in JSON_KEYS)
        worst = sorted(JSON_KEYS, key=lambda k: _cells(mine, k)[0])[:3]
        print(f"  {name:<20} {len(mine):>4} receipts {_pct(hits, len(mine) * len(JSON_KEYS))}   weakest: "
              + ", ".join(f"{k} {_pct(*_cells(mine, k)).strip()}" for k in worst))


def failures(rows: Sequence[dict[str, Any]]) -> None:
    print("\nevery wrong field (tuned receipts)")
    for r in rows:
        for key in JSON_KEYS:
            if r["got"][key] != r["truth"][key]:
                print(f"  seed {r['seed']} {r['family']}{' photo' if r['photo'] else ''}: {key} "
                      f"{r['got'][key]!r} ({r['got']['confidence'].get(key)}) truth {r['truth'][key]!r}")


def main() -> int:
    """Print accuracy, calibration and confidently wrong fields; with --holdout for both parts of the split."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="receipts (per part with --holdout)")
    parser.add_argument("--seed", type=int, default=10_000)
    parser.add_argument("--holdout", action="store_true", help="tuned and held-out families, reported apart")
    parser.add_argument("--tuned-only", action="store_true", help="only tuned families (for working on the reader)")
    parser.add_argument("--classic", action="store_true", help="the issue-3 generator's receipts instead")
    parser.add_argument("--failures", action="store_true", help="list every wrong field of tuned receipts")
    parser.add_argument("--show-held", action="store_true", help="also detail held-out confidently wrong fields")
    parser.add_argument("--photographed", action="store_true",
                        help="with --tuned-only: every receipt photographed (the photo path measured over many)")
    parser.add_argument("--family", help="with --tuned-only: receipts of this tuned family only")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--save", type=Path, help="write every tuned result as JSON lines")
    args = parser.parse_args()
    parts: list[str | None] = ["tuned", "held", "held2"] if args.holdout else ["tuned"] if args.tuned_only else [None]
    offsets = {"held": HELD_SEED_OFFSET, "held2": HELD2_SEED_OFFSET}
    if (args.photographed or args.family) and not args.tuned_only:
        parser.error("--photographed and --family go with --tuned-only")
    if args.family and args.family not in tuned_family_names():
        parser.error(f"--family: {args.family!r} is no tuned family")
    forced = True if args.photographed else None
    jobs = [(args.seed + offsets.get(part or "", 0) + i, part, args.classic, forced, args.family)
            for part in parts for i in range(args.count)]
    with ProcessPoolExecutor(max_workers=args.workers or None) as pool:
        results = list(pool.map(score, *zip(*jobs, strict=True), chunksize=4))
    tuned = [r for r in results if r["part"] in ("tuned", "all")]
    held = [r for r in results if r["part"] == "held"]
    held2 = [r for r in results if r["part"] == "held2"]
    derived = tuned + held
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, rows in (("tuned" if args.holdout else "all", tuned), ("held-out", held), ("held-out-2", held2)):
        if not rows:
            continue
        groups[f"{name} clean"] = [r for r in rows if not r["photo"]]
        groups[f"{name} photo"] = [r for r in rows if r["photo"]]
        groups[name] = rows
    if args.holdout:
        groups["whole"] = results
    accuracy_table(groups)
    if args.holdout:
        calibration(tuned, "tuned")
        calibration(held, "held-out")
        calibration(held2, "held-out-2")
    calibration(results, "whole benchmark")
    if args.holdout:
        print("\nthresholds from the tuned and first held-out receipts")
        thresholds(derived)
        print("\nthe same thresholds on the second held-out group")
        thresholds(held2)
    else:
        thresholds(results)
    report_wrong(tuned, "tuned" if args.holdout else "all", True)
    if args.holdout:
        report_wrong(held, "held-out", args.show_held)
        report_wrong(held2, "held-out-2", False)
        report_wrong(results, "whole benchmark", False)
    per_family(tuned)
    if args.failures:
        failures(tuned)
    if args.save:
        with args.save.open("w") as out:
            for r in tuned:
                out.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
