"""`paybot payments record`, `account adjust`, `statement` and the seeded sample rate, as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest

REPO = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def seeded(tmp_path: Path) -> dict[str, str]:
    """`paybot db seed` on a fresh database: the sample customers, their orders and a sample rate for today."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env["PAYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'paybot.db'}"
    env["PAYBOT_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(REPO)
    data = tmp_path / "data"
    data.mkdir()
    for name in ("customers.csv", "contracts.csv"):
        (data / name).write_bytes((REPO / "data" / name).read_bytes())
    seed = run_cli("db", "seed", env=env, cwd=tmp_path)
    assert seed.returncode == 0, seed.stderr
    assert "tipo de cambio de muestra" in seed.stdout
    return env


def today() -> str:
    return datetime.now(ZoneInfo("America/Costa_Rica")).date().isoformat()


def test_seed_stores_a_sample_rate_so_a_usd_customer_sees_the_whole_calculation(
    seeded: dict[str, str], tmp_path: Path
) -> None:
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        rates = db.execute("SELECT date, buy, sell, source FROM exchangerate").fetchall()
    assert rates == [(today(), "503.10", "509.85", "muestra")]
    quote = run_cli("quote", "1002", env=seeded, cwd=tmp_path)
    assert quote.returncode == 0, quote.stderr
    text = quote.stdout.replace(NBSP, " ")
    assert "Total a pagar ₡25 925,87" in " ".join(text.split())
    assert "Mensualidad dic. 2026 · WOLK-1002: US$50,85 (vence 15/12/2026" in text
    assert "Saldo pendiente: US$50,85 = ₡25 925,87 (tipo de cambio de venta ₡509,85" in text


def test_manual_capture_applies_once_and_shows_in_the_statement_with_the_adjustment(
    seeded: dict[str, str], tmp_path: Path
) -> None:
    first = run_cli("payments", "record", "1001", "--amount", "20000", "--method", "transferencia",
                    "--date", today(), "--bank", "BCR", "--reference", "BCR-4455", env=seeded, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout.replace(NBSP, " ")
    assert "Saldo anterior: ₡28 250,00" in out and "Saldo nuevo: ₡8 250,00" in out
    assert "Mensualidad dic. 2026 · WOLK-1001 (vence 01/12/2026): ₡20 000,00, quedan ₡8 250,00" in out

    again = run_cli("payments", "record", "1001", "--amount", "20000", "--method", "transferencia",
                    "--date", today(), "--bank", "BCR", "--reference", "BCR-4455", env=seeded, cwd=tmp_path)
    assert again.returncode == 1
    assert "la referencia BCR-4455 ya fue aplicada" in again.stderr and "Traceback" not in again.stderr

    no_reason = run_cli("account", "adjust", "1001", "--amount", "-250", "--reason", " ", env=seeded, cwd=tmp_path)
    assert no_reason.returncode == 1 and "motivo" in no_reason.stderr
    adjusted = run_cli("account", "adjust", "1001", "--amount", "-250", "--reason", "Redondeo acordado con el cliente",
                       env=seeded, cwd=tmp_path)
    assert adjusted.returncode == 0, adjusted.stderr
    assert "Saldo nuevo: ₡8 000,00" in adjusted.stdout.replace(NBSP, " ")

    cash = run_cli("payments", "record", "1001", "--amount", "8000", "--method", "efectivo", "--date", today(),
                   env=seeded, cwd=tmp_path)
    assert cash.returncode == 0, cash.stderr
    assert "Saldo nuevo: ₡0,00" in cash.stdout.replace(NBSP, " ")

    pdf = subprocess.run([sys.executable, "-m", "bot", "statement", "1001", "--format", "pdf"], env=seeded,
                         cwd=tmp_path, capture_output=True, timeout=120)
    assert pdf.returncode == 0, pdf.stderr
    document = pdfium.PdfDocument(pdf.stdout)
    text = " ".join(document[0].get_textpage().get_text_range().split())
    document.close()
    assert "BCR-4455" in text and "Redondeo acordado con el cliente" in text
    assert "Total cargos ₡28 250,00" in text and "Total abonos ₡28 250,00" in text
    assert f"Saldo al {datetime.now(ZoneInfo('America/Costa_Rica')):%d/%m/%Y} ₡0,00" in text

    target = tmp_path / "estado.csv"
    saved = run_cli("statement", "1001", "--format", "csv", "--output", str(target), env=seeded, cwd=tmp_path)
    assert saved.returncode == 0 and "guardado en" in saved.stdout
    assert target.read_text().splitlines()[0] == "moneda,fecha,tipo,detalle,referencia,vence,cargo,abono,saldo,nota"


def test_unknown_client_and_bad_amounts_are_one_line_errors(seeded: dict[str, str], tmp_path: Path) -> None:
    unknown = run_cli("statement", "4242", env=seeded, cwd=tmp_path)
    assert unknown.returncode == 1 and "no hay cliente con ID 4242" in unknown.stderr
    comma = run_cli("payments", "record", "1001", "--amount", "20.000,50", "--method", "sinpe", "--date", today(),
                    env=seeded, cwd=tmp_path)
    assert comma.returncode == 2 and "separador decimal" in comma.stderr
    future = run_cli("payments", "record", "1001", "--amount", "100", "--method", "sinpe", "--date", "2099-01-01",
                     env=seeded, cwd=tmp_path)
    assert future.returncode == 1 and "futuro" in future.stderr
    charges = run_cli("account", "charges", env=seeded, cwd=tmp_path)
    assert charges.returncode == 0 and "cargos de periodo nuevos" in charges.stdout
