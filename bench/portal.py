"""Benchmark: the staff portal on SQLite with 100,000 intakes and 100,000 payments.

`paybot run` serves a database filled here (10,000 customers, 100,000 receipts over a year in every state,
100,000 payments in every sync state); a logged-in client asks, round-robin, for /healthz (the baseline: the
same process, the same loopback, one trivial query) and each portal page, and reads how long the service took
from each answer's `Server-Timing` header. Printed: p50 and p99 of that server time per page, the ratio of
each p50 to /healthz's, and the loopback round trip as the client saw it.

Run: `.venv/bin/python bench/portal.py [--intakes N] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlmodel import Session

from bot.db import migrate
from bot.db.models import Contract, Customer, Intake, Payment, StaffMember
from bot.db.session import make_engine
from bot.portal.passwords import hash_password

TODAY = date(2026, 11, 27)
CUSTOMERS = 10_000
STATES = (("synced", 50), ("applied", 20), ("in_review", 10), ("forwarded", 10), ("needs_info", 5),
          ("rejected", 3), ("sync_failed", 2))
PAYMENT_STATE = {"synced": "synced", "applied": "pending", "sync_failed": "sync_failed"}
BANKS = ("BCR", "BN", "BAC", "Popular")
PASSWORD = "clave del banco de pruebas"


def populate(url: str, intakes: int, seed: int = 5) -> None:
    """Customers with a contract each, `intakes` receipts and as many payments (those of applied receipts,
    the rest captured by hand), spread over the year before TODAY."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = datetime(TODAY.year - 1, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    states = [state for state, weight in STATES for _ in range(weight)]
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(insert(Customer.__table__), [  # type: ignore[attr-defined]
            {"id": n, "client_id": str(1000 + n), "document_type": "Cédula física", "document_number": str(10**8 + n),
             "first_names": f"Cliente{n}", "last_names": "Prueba", "phones": [], "emails": [],
             "known_payer_names": [], "tags": [], "status": "active", "whatsapp_number": f"+5068{n:07d}",
             "created_at": now, "updated_at": now}
            for n in range(1, CUSTOMERS + 1)])
        session.execute(insert(Contract.__table__), [  # type: ignore[attr-defined]
            {"id": n, "customer_id": n, "payment_code": f"WOLK-{n}", "installment": 0, "currency": "CRC",
             "fee": "25000.00", "charges": "0", "period": "monthly", "tax_rate": "0.13", "start_date": TODAY,
             "end_date": None, "due_date": TODAY, "created_at": now, "updated_at": now}
            for n in range(1, CUSTOMERS + 1)])
        intake_rows: list[dict[str, Any]] = []
        payment_rows: list[dict[str, Any]] = []
        for n in range(1, intakes + 1):
            when = start + timedelta(seconds=int(n * 365 * 86400 / intakes))
            state, customer, bank = rng.choice(states), rng.randint(1, CUSTOMERS), rng.choice(BANKS)
            reference = f"{when:%Y%m%d}{n:012d}"
            intake_rows.append({
                "id": n, "channel": ("whatsapp", "telegram")[n % 2], "external_id": f"m{n}",
                "sender": f"+5068{customer:07d}", "sender_name": f"Cliente{customer} Prueba", "reply_to": "",
                "state": state, "fields": {"amount": "28250.00", "currency": "CRC", "reference": reference,
                                           "bank": bank, "client_id": str(1000 + customer)},
                "confidences": {}, "checks": {}, "amount_due": {}, "customer_id": customer, "contract_id": customer,
                "reference": reference, "bank": bank, "attempts": 0, "created_at": when, "updated_at": when})
            linked = state in PAYMENT_STATE
            payment_rows.append({
                "id": n, "intake_id": n if linked else None, "customer_id": customer, "contract_id": customer,
                "amount": "28250.00", "currency": "CRC", "credit": "0", "bank": bank,
                "reference": reference if linked else f"CAJA{n:010d}",
                "method": "comprobante" if linked else "efectivo",
                "paid_on": when.date(), "applied_by": "Bench", "applied_at": when + timedelta(hours=2),
                "sync_state": PAYMENT_STATE.get(state) or rng.choice(("synced",) * 9 + ("pending",))})
        for table, rows in ((Intake.__table__, intake_rows), (Payment.__table__, payment_rows)):  # type: ignore[attr-defined]
            for first in range(0, len(rows), 20_000):
                session.execute(insert(table), rows[first:first + 20_000])
        session.add(StaffMember(name="Bench Admin", role="admin", login="bench", password_hash=hash_password(PASSWORD)))
        session.commit()
    engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(folder: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(folder), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="1")
    process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port)], env=env, cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("paybot run did not come up")


def log_in(client: httpx.Client) -> None:
    form = client.get("/portal/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    answer = client.post("/portal/login", data={"csrf": token.group(1), "login": "bench", "password": PASSWORD})
    assert answer.status_code == 303, answer.status_code


def server_ms(answer: httpx.Response) -> float:
    found = re.search(r"app;dur=([\d.]+)", answer.headers.get("server-timing", ""))
    assert found is not None and answer.status_code == 200, (answer.status_code, answer.url)
    return float(found.group(1))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intakes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    month_start = TODAY.replace(day=1)
    pages = {
        "/healthz (baseline)": "/healthz",
        "inbox, first page and counts": "/portal/",
        "inbox, state filter": "/portal/?estado=in_review",
        "inbox, search by client ID": "/portal/?q=1234",
        "inbox, a page deep in the list": f"/portal/?antes={args.intakes // 2}",
        "payments, pagado sin sincronizar": "/portal/pagos?estado=sync_failed",
        "payments, a page deep in the list": f"/portal/pagos?antes={args.intakes // 2}",
        "payments report page (this month)": f"/portal/informes?desde={month_start}&hasta={TODAY}",
    }
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = f"sqlite:///{folder / 'paybot.db'}"
        migrate.upgrade(url)
        started = time.perf_counter()
        populate(url, args.intakes)
        print(f"filled: {CUSTOMERS} customers, {args.intakes} intakes, {args.intakes} payments "
              f"in {time.perf_counter() - started:.1f} s")
        process, base = serve(folder, url)
        try:
            with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
                log_in(client)
                timings: dict[str, list[float]] = {name: [] for name in pages}
                walls: dict[str, list[float]] = {name: [] for name in pages}
                for _ in range(5):
                    for path in pages.values():
                        server_ms(client.get(path))
                for _ in range(args.rounds):
                    for name, path in pages.items():
                        began = time.perf_counter()
                        answer = client.get(path)
                        walls[name].append((time.perf_counter() - began) * 1000)
                        timings[name].append(server_ms(answer))
        finally:
            process.terminate()
            process.wait(timeout=30)
    base_p50 = statistics.median(timings["/healthz (baseline)"])
    print(f"{args.rounds} requests per page, round-robin, one client on loopback; server time from Server-Timing")
    print(f"{'page':36} {'p50 ms':>8} {'p99 ms':>8} {'p50/healthz':>12} {'round trip p50':>15}")
    for name in pages:
        values = timings[name]
        print(f"{name:36} {statistics.median(values):8.2f} {percentile(values, 0.99):8.2f} "
              f"{statistics.median(values) / base_p50:12.1f} {statistics.median(walls[name]):15.2f}")


if __name__ == "__main__":
    main()
