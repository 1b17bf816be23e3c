"""Benchmark: time and peak memory of the importers on large files, against a same-run floor.

Run: `.venv/bin/python bench/import_memory.py [--rows N] [--only bank|customers|contracts]`.
Each measurement runs in a fresh Python process (imports done before measuring); memory is the process's peak
resident size minus its size just before the import, quoted as a multiple of the file's size. The floor is
`csv.reader` into a list plus one plain executemany of the same rows into a bare SQLite table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bank_csv(rows: int) -> bytes:
    lines = ["Banco de Costa Rica", "Movimientos de la cuenta", "Cuenta;CR05015202001026284066", "",
             "Fecha contable;Número de documento;Descripción;Débito;Crédito;Saldo"]
    balance = 1_000_000_000
    for n in range(rows):
        amount = 1000 + (n * 7919) % 2_000_000
        debit = n % 3 == 0
        balance += -amount if debit else amount
        day = 1 + n % 28
        lines.append(f"{day:02d}/11/2026;{10_000_000 + n};SINPE MOVIL CLIENTE {n % 5000} ID {1000 + n % 900};"
                     f"{f'{amount:,}'.replace(',', '.') + ',00' if debit else ''};"
                     f"{'' if debit else f'{amount:,}'.replace(',', '.') + ',00'};"
                     f"{f'{balance:,}'.replace(',', '.')},00")
    lines.append("Total;;;;;")
    return "\r\n".join(lines).encode("cp1252")


def _floor(data: bytes, db: str) -> None:
    """The least any import does: split the text into rows and insert them as they are."""
    import csv
    import io
    import sqlite3

    from currency.text.files import decode_bytes, sniff_delimiter

    text = decode_bytes(data)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)) if len(row) > 2]
    width = max(len(row) for row in rows)
    connection = sqlite3.connect(db)
    connection.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(width))})")
    connection.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * width)})",
                           [row + [""] * (width - len(row)) for row in rows])
    connection.commit()
    connection.execute("DROP TABLE raw")
    connection.close()


def _measure(kind: str, path: str, db: str) -> dict[str, float]:
    """Runs in the child: import the file once and report seconds and peak memory growth in bytes."""
    import resource
    import time

    def rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize()

    from bot.accounting.bank_import import import_movements, read_movements
    from bot.accounting.bank_profiles import find_profile
    from bot.contracts.importer import import_contracts, import_customers
    from bot.db.session import make_engine, session_scope

    data = Path(path).read_bytes()
    engine = make_engine(f"sqlite:///{db}")
    before = rss()
    started = time.perf_counter()
    if kind == "floor":
        _floor(data, db)
    elif kind == "bank-read":
        read_movements(data, find_profile("BCR"))
    else:
        with session_scope(engine) as session:
            if kind == "bank":
                report = import_movements(session, data, find_profile("BCR"), file_name="b.csv", actor="bench")
            elif kind == "customers":
                report = import_customers(session, data)
            else:
                report = import_contracts(session, data)
            assert report.ok, report.to_text()[:500]
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    engine.dispose()
    return {"seconds": elapsed, "memory": max(0, peak - before)}


def run(kind: str, path: Path, db: Path) -> dict[str, float]:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from bench.import_memory import _measure; "
            f"print(json.dumps(_measure({kind!r}, {str(path)!r}, {str(db)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    from bench.import_speed import contracts_csv, customers_csv
    from bot.db import migrate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("bank", "customers", "contracts"))
    args = parser.parse_args()
    files = {"bank": bank_csv(args.rows), "customers": customers_csv(args.rows),
             "contracts": contracts_csv(args.rows)}
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        migrate.upgrade(f"sqlite:///{db}")
        order = ["customers", "contracts", "bank"]
        for kind in order:
            if args.only and kind != args.only and not (args.only == "contracts" and kind == "customers"):
                continue
            path = Path(folder) / f"{kind}.csv"
            path.write_bytes(files[kind])
            size = len(files[kind])
            floor = run("floor", path, db)
            measured = run(kind, path, db)
            line = (f"{kind:<10} {args.rows} rows, {size / 2**20:5.1f} MB: {measured['seconds']:6.2f} s "
                    f"({measured['seconds'] / floor['seconds']:.1f}x floor {floor['seconds']:.2f} s), "
                    f"peak +{measured['memory'] / 2**20:6.0f} MB = {measured['memory'] / size:.1f}x the file "
                    f"(floor {floor['memory'] / size:.1f}x)")
            if kind == "bank":
                read = run("bank-read", path, db)
                line += f"; reading alone {read['seconds']:.2f} s, {read['memory'] / size:.1f}x the file"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
