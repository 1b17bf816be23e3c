"""`paybot import`, `paybot quote` and `paybot rates` as an operator runs them: real processes, real files."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session

from tests.contracts.conftest import DATA

PAYBOT = [sys.executable, "-m", "bot"]
NBSP = "\u00a0"


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PAYBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env["PAYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'paybot.db'}"
    env["PAYBOT_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(DATA.parent)
    return env


def rows(tmp_path: Path, table: str) -> int:
    with sqlite3.connect(tmp_path / "paybot.db") as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_sample_files_import_on_a_fresh_database_and_reimport_says_nothing_changed(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = run_cli("import", "customers", str(DATA / "customers.csv"), env=cli_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "12 creadas" in first.stdout and "alembic" not in first.stderr
    orders = run_cli("import", "contracts", str(DATA / "contracts.csv"), env=cli_env, cwd=tmp_path)
    assert orders.returncode == 0 and "13 creadas" in orders.stdout
    again = run_cli("import", "customers", str(DATA / "customers.csv"), env=cli_env, cwd=tmp_path)
    assert "0 creadas, 0 actualizadas, 12 sin cambios" in again.stdout
    assert (rows(tmp_path, "customer"), rows(tmp_path, "contract")) == (12, 13)


def test_rejected_file_exits_nonzero_with_the_report_and_imports_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "clientes.csv"
    bad.write_bytes(
        "Tipo de documento;Número de documento;Nombres;Celular_1\n"
        "Cédula física;112340567;María;88112233\n"
        "Cédula física;112340567;Otra;8811 223\n".encode("latin-1")
    )
    result = run_cli("import", "customers", str(bad), env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "no se importó nada" in result.stderr
    assert "fila 3, columna «Número de documento», valor «112340567»" in result.stderr
    assert "fila 3, columna «Celular_1», valor «8811 223»: Un celular de Costa Rica tiene 8 dígitos" in result.stderr
    assert rows(tmp_path, "customer") == 0


def test_dry_run_and_progress_bar(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(
        "import",
        "customers",
        str(DATA / "customers.csv"),
        "--dry-run",
        "--progress",
        env=cli_env,
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert "se crearían 12" in result.stdout
    assert "100% 12/12" in result.stderr
    assert rows(tmp_path, "customer") == 0


def test_quote_prints_the_spreadsheet_breakdown(
    seeded: Session, cli_env: dict[str, str], tmp_path: Path
) -> None:
    no_rate = run_cli("quote", "1002", "--date", "2026-11-19", env=cli_env, cwd=tmp_path)
    assert no_rate.returncode == 1
    assert no_rate.stderr.count("\n") == 1 and "no hay tipo de cambio USD/CRC" in no_rate.stderr
    quote = run_cli("quote", "1002", "--date", "2026-11-27", env=cli_env, cwd=tmp_path)
    assert quote.returncode == 0, quote.stderr
    lines = [re.sub(" +", " ", line).strip() for line in quote.stdout.splitlines()]
    assert lines[:3] == [
        "CÁLCULO $ A COLONES al 27/11/2026",
        "Cliente: ID 1002, José Pablo Rodríguez Mora",
        "Contrato: WOLK-1002, mensual, fecha fin 15/03/2027",
    ]
    assert lines[3:] == [
        "Monto del contrato US$45,00",
        "Tipo de cambio (venta) ₡509,85 del 27/11/2026",
        f"Monto en colones ₡22{NBSP}943,25",
        f"IVA 13% ₡2{NBSP}982,62",
        f"Total a pagar ₡25{NBSP}925,87",
        "",
        "Cuenta al 27/11/2026:",
        "Mensualidad dic. 2026 · WOLK-1002: US$50,85 (vence 15/12/2026)",
        f"Saldo pendiente: US$50,85 = ₡25{NBSP}925,87 (tipo de cambio de venta ₡509,85 del 27/11/2026)",
    ]


def test_rates_set_then_quote_an_unknown_client(cli_env: dict[str, str], tmp_path: Path) -> None:
    rate = run_cli(
        "rates", "set", "2026-11-27", "--buy", "503.10", "--sell", "509.85", env=cli_env, cwd=tmp_path
    )
    assert rate.returncode == 0, rate.stderr
    assert rate.stdout.strip() == "2026-11-27: compra 503.10 venta 509.85 (manual)"
    comma = run_cli(
        "rates", "set", "2026-11-27", "--buy", "503,10", "--sell", "509.85", env=cli_env, cwd=tmp_path
    )
    assert comma.returncode == 2 and "separador decimal" in comma.stderr
    unknown = run_cli("quote", "4242", env=cli_env, cwd=tmp_path)
    assert unknown.returncode == 1 and "no hay cliente con ID 4242" in unknown.stderr


def test_rates_import_from_csv(cli_env: dict[str, str], tmp_path: Path) -> None:
    csv_file = tmp_path / "tc.csv"
    csv_file.write_text("fecha;compra;venta\n2026-11-26;502.00;508.00\n2026-11-27;503.10;509.85\n")
    result = run_cli("rates", "import", str(csv_file), env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 tipos de cambio guardados" in result.stdout
    assert rows(tmp_path, "exchangerate") == 2


class _Rates(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Rates.hits.append(self.path)
        body = json.dumps({"fecha": self.path, "tc": {"compra": "503.10", "venta": "509.85"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rates_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rates)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Rates.hits = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_rates_fetch_from_the_configured_json_service(
    cli_env: dict[str, str], tmp_path: Path, rates_server: str
) -> None:
    missing = run_cli("rates", "fetch", env=cli_env, cwd=tmp_path)
    assert missing.returncode == 1 and "PAYBOT_RATES_URL" in missing.stderr
    cli_env |= {
        "PAYBOT_RATES_URL": rates_server + "/tc/{date}",
        "PAYBOT_RATES_BUY_FIELD": "tc.compra",
        "PAYBOT_RATES_SELL_FIELD": "tc.venta",
    }
    for _ in range(2):
        result = run_cli("rates", "fetch", "--date", "2026-11-27", env=cli_env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "2026-11-27: compra 503.10 venta 509.85 (http:127.0.0.1)" in result.stdout
    assert _Rates.hits == ["/tc/2026-11-27"]
