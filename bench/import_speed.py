"""Benchmark: 100,000 customers and 100,000 payment orders must import in under 30 s each (issue 4).

Run: `.venv/bin/python bench/import_speed.py [--rows N] [--limit SECONDS]`. Exits 1 when too slow.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.contracts.importer import ImportReport, import_contracts, import_customers
from bot.db import migrate
from bot.db.session import make_engine, session_scope


def customers_csv(rows: int) -> bytes:
    lines = ["ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,"
             "Celular_1,Correo"]
    lines += [
        f"{n},Cédula física,{100000000 + n},Cliente {n},Apellido Prueba,506,{80000000 + n},c{n}@example.cr"
        for n in range(1, rows + 1)
    ]
    return "\n".join(lines).encode()


def contracts_csv(rows: int) -> bytes:
    lines = ["Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,"
             "Periodo,IVA,Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo"]
    lines += [
        f"Cédula física,{100000000 + n},WOLK-{n},,{'USD' if n % 3 == 0 else 'CRC'},{25000 + n % 1000}.50,0,"
        f"mensual,0.13,2026-01-01,2027-01-01,2026-12-01,{28250 + n % 1000}.00"
        for n in range(1, rows + 1)
    ]
    return "\n".join(lines).encode()


def timed(label: str, url: str, run: Callable[..., ImportReport], data: bytes) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = run(session, data)
    elapsed = time.perf_counter() - started
    engine.dispose()
    if not report.ok:
        raise SystemExit(f"{label}: rejected\n{report.to_text()[:2000]}")
    print(f"{label:<28} {report.rows:>7} rows  {report.created:>7} created  {report.updated:>7} updated  "
          f"{elapsed:6.2f} s  ({report.rows / elapsed:,.0f} rows/s)")
    return elapsed


def baseline(url: str, data: bytes) -> float:
    """The floor for the same file: csv parsing plus one plain executemany into a bare table."""
    import csv
    import io
    import sqlite3

    path = url.removeprefix("sqlite:///")
    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    connection = sqlite3.connect(path)
    columns = len(rows[0])
    connection.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(columns))})")
    connection.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * columns)})", rows[1:])
    connection.commit()
    connection.execute("DROP TABLE raw")
    connection.close()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed per import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        customers, contracts = customers_csv(args.rows), contracts_csv(args.rows)
        times = [
            timed("customers (new)", url, import_customers, customers),
            timed("contracts (new)", url, import_contracts, contracts),
            timed("customers (re-import)", url, import_customers, customers),
            timed("contracts (re-import)", url, import_contracts, contracts),
        ]
        floor = baseline(url, customers)
    print(f"baseline (csv + bare executemany of the customers file): {floor:.2f} s; "
          f"import / baseline: {times[0] / floor:.1f}x new, {times[2] / floor:.1f}x re-import")
    slowest = max(times)
    verdict = "ok" if slowest < args.limit else "TOO SLOW"
    print(f"slowest import {slowest:.2f} s, limit {args.limit:.0f} s: {verdict}")
    return 0 if slowest < args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
