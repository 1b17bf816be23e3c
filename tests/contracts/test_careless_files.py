"""Files and numbers an operator gets wrong, through the real `paybot` commands: each is refused or read with
a Spanish reason and a line number, never a traceback or an English library message (red-team probes)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from tests.processes import paybot

pytestmark = pytest.mark.slow

CUSTOMERS_HEADER = ("ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,"
                    "Celular_1,Celular_2,Correo,Correo2")
CUSTOMER = "2001,Cédula física,111111111,Pedro,Pérez,506,88887777,,pedro@example.cr,"
ORDERS_HEADER = ("Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,"
                 "Periodo,IVA,Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo")


@pytest.fixture
def env(installation: tuple[dict[str, str], str]) -> dict[str, str]:
    return installation[0]


def customers(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        return [row[0] for row in db.execute("SELECT client_id FROM customer ORDER BY client_id")]


def test_a_customers_file_saved_as_unicode_text_from_excel_imports_like_its_csv(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Excel's "Texto Unicode" is UTF-16 with tabs: it was read as Windows-1252 and every column was missing."""
    path = tmp_path / "clientes.txt"
    path.write_bytes(f"{CUSTOMERS_HEADER}\n{CUSTOMER}\n".replace(",", "\t").encode("utf-16"))

    done = paybot("import", "customers", str(path), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 creadas" in done.stdout and "2001" in customers(tmp_path)


def test_an_old_xls_workbook_given_as_the_customers_csv_is_named_for_what_it_is(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An XLSX is read as a table; an Excel 97 .xls was decoded as Windows-1252 and reported as missing columns."""
    workbook = tmp_path / "clientes.xls"
    workbook.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)

    done = paybot("import", "customers", str(workbook), env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert "libro de Excel" in done.stderr and "CSV UTF-8" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("cell, line, why", [
    ("A" * (csv.field_size_limit() + 10), 3, "una celda de más de 131 072 caracteres"),
    ('"Pérez sin cerrar', 3, "comillas"),
])
def test_an_endless_cell_or_an_unclosed_quote_is_reported_with_its_line_and_nothing_imported(
    env: dict[str, str], tmp_path: Path, cell: str, line: int, why: str
) -> None:
    before = customers(tmp_path)
    broken = f"2002,Cédula física,222222222,{cell},X,506,88886666,,b@example.cr,"
    path = tmp_path / "clientes.csv"
    path.write_text(f"{CUSTOMERS_HEADER}\n{CUSTOMER}\n{broken}\n{CUSTOMER.replace('2001', '2003')}\n",
                    encoding="utf-8")

    done = paybot("import", "customers", str(path), env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert f"fila {line}: " in done.stderr and why in done.stderr, done.stderr
    assert "Error:" not in done.stderr and "Traceback" not in done.stderr
    assert customers(tmp_path) == before


def test_escape_characters_in_a_name_are_dropped_and_a_nul_byte_refuses_the_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A NUL reached PostgreSQL (which refuses it with an error) and escape sequences an operator's terminal."""
    path = tmp_path / "clientes.csv"
    escaped, with_nul = CUSTOMER.replace("Pedro", "Pe\x1b[2Jdro"), CUSTOMER.replace("Pedro", "Pe\x00dro")
    path.write_bytes(f"{CUSTOMERS_HEADER}\n{escaped}\n".encode())
    nul = tmp_path / "nulo.csv"
    nul.write_bytes(f"{CUSTOMERS_HEADER}\n{with_nul}\n".encode())

    done = paybot("import", "customers", str(path), env=env, cwd=tmp_path)
    refused = paybot("import", "customers", str(nul), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        assert db.execute("SELECT first_names FROM customer WHERE client_id = '2001'").fetchone() == ("Pe[2Jdro",)
    assert refused.returncode == 1 and "bytes nulos" in refused.stderr, refused.stderr


def test_an_order_with_an_amount_of_twenty_digits_is_refused_with_its_line_not_an_overflow(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "ordenes.csv"
    path.write_text(f"{ORDERS_HEADER}\n"
                    "Cédula física,112340567,WOLK-9001,,CRC,1000.00,0,mensual,0.13,2026-01-01,2027-01-01,2026-12-01,\n"
                    "Cédula física,112340567,WOLK-9002,,CRC,99999999999999999999,0,mensual,0.13,2026-01-01,"
                    "2027-01-01,2026-12-01,\n", encoding="utf-8")

    done = paybot("import", "contracts", str(path), env=env, cwd=tmp_path)

    assert done.returncode == 1
    report = done.stdout + done.stderr
    assert "fila 3, columna «Monto»" in report and "demasiado grande" in report, report
    assert "OverflowError" not in done.stderr


@pytest.mark.parametrize("command", [
    ("payments", "record", "1001", "--method", "efectivo", "--date", "2026-11-27", "--amount"),
    ("account", "adjust", "1001", "--reason", "prueba", "--amount"),
])
@pytest.mark.parametrize("amount", ["1e30", "99999999999999999999"])
def test_a_typed_amount_with_digits_to_spare_is_refused_before_anything_is_written(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...], amount: str
) -> None:
    done = paybot(*command, amount, env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert "monto demasiado grande" in done.stderr and "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        assert db.execute("SELECT count(*) FROM payment").fetchone() == (0,)


def test_a_payment_code_written_as_a_formula_stays_text_in_the_statement_csv(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "ordenes.csv"
    path.write_text(f"{ORDERS_HEADER}\nCédula física,112340567,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,CRC,"
                    "1000.00,0,mensual,0.13,2026-01-01,2027-01-01,2026-12-01,\n", encoding="utf-8")
    assert paybot("import", "contracts", str(path), env=env, cwd=tmp_path).returncode == 0
    done = paybot("account", "adjust", "1001", "--amount", "-10", "--reason", "@SUM(1+1)", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    statement = paybot("statement", "1001", "--format", "csv", env=env, cwd=tmp_path)

    cells = [cell for row in csv.reader(statement.stdout.splitlines()) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells) and any("SUM(1+1)" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) and not cell[1:2].isdigit() for cell in cells), cells


@pytest.mark.parametrize("command", [("import", "customers"), ("bank", "import", "--bank", "BCR"),
                                     ("payments", "import-returns")])
def test_an_endless_file_is_refused_at_the_import_limit_instead_of_filling_memory(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`paybot import customers /dev/zero` read until memory ran out and died with a bare MemoryError."""
    done = paybot(*command, "/dev/zero", env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert "el archivo pasa de 64 MB" in done.stderr, done.stderr
    assert "MemoryError" not in done.stderr


def test_a_folder_or_a_missing_file_is_named_in_spanish(env: dict[str, str], tmp_path: Path) -> None:
    folder = paybot("import", "customers", str(tmp_path), env=env, cwd=tmp_path)
    missing = paybot("import", "contracts", str(tmp_path / "no-esta.csv"), env=env, cwd=tmp_path)

    assert "es una carpeta, no un archivo" in folder.stderr
    assert "no-esta.csv: no existe" in missing.stderr


def test_charging_periods_at_a_mistyped_future_date_is_refused_before_anyone_is_charged(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`account charges --date 2099-...` charged every contract each period up to its end date, ahead of time."""
    done = paybot("account", "charges", "--date", "2099-11-27", env=env, cwd=tmp_path)

    assert done.returncode == 1 and "está en el futuro" in done.stderr, done.stderr
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        assert db.execute("SELECT count(*) FROM accountentry WHERE on_date > date('now')").fetchone() == (0,)


@pytest.mark.parametrize("command", [("tasks", "close", "99999999999999999999", "--note", "x"),
                                     ("staff", "disable", "99999999999999999999"),
                                     ("payments", "return", "99999999999999999999", "--reason", "x")])
def test_an_id_with_digits_to_spare_is_a_one_line_error_not_an_overflow(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = paybot(*command, env=env, cwd=tmp_path)

    assert done.returncode == 2 and "no es un número de la lista" in done.stderr, done.stderr
    assert "OverflowError" not in done.stderr


def test_a_payment_dated_in_the_year_one_is_refused_as_a_typo(env: dict[str, str], tmp_path: Path) -> None:
    done = paybot("payments", "record", "1001", "--amount", "10", "--method", "efectivo", "--date", "0001-01-01",
                  env=env, cwd=tmp_path)

    assert done.returncode == 2 and "fecha demasiado antigua" in done.stderr, done.stderr
    with sqlite3.connect(tmp_path / "paybot.db") as db:
        assert db.execute("SELECT count(*) FROM payment").fetchone() == (0,)
