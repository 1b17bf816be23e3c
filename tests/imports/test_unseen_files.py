"""Accounting and operators bring files nobody here has seen: other banks' statements, Excel's other ways of
saving, customers and payment orders typed by hand. The importers find the table, recognise its columns by
their wording, leave title and total lines aside saying so, read every amount and date style, and name each
bad row by its spreadsheet line, column and reason."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.accounting.bank_import import import_movements
from bot.accounting.bank_profiles import find_profile, load_profiles, unprofiled_bank
from bot.cli import main
from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import BankMovement, Contract, Customer
from tests.imports.scoring import databases, score
from tests.imports.variants import DATA, all_variants, bank_variant

KNOWN = load_profiles()


def movements(session: Session) -> list[tuple[date, Decimal, str, str]]:
    return [(m.booked_on, m.amount, m.currency, m.reference)
            for m in session.exec(select(BankMovement).order_by(BankMovement.id)).all()]


def xlsx(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_every_tuned_variant_of_the_samples_is_read_row_for_row() -> None:
    variants = all_variants("tuned", 24)

    with databases() as sessions:
        scores = score(variants, sessions)

    assert scores["all"].failures == []
    assert scores["all"].rows_right == scores["all"].rows > 250


def test_a_statement_with_title_lines_other_wordings_and_totals_is_read_and_says_how(session: Session) -> None:
    export = (
        "Banco de Costa Rica\n"
        "Estado de cuenta\n"
        "Cuenta;CR05015202001026284066\n"
        "Periodo;01/11/2026 al 30/11/2026\n"
        "\n"
        "F. Valor;Núm. Ref.;Glosa;Cargo;Abono;Saldo;Oficina\n"
        "02/11/2026;00012345678;\"SINPE MOVIL MARIA; ID 1001\";;39.550,00;1.039.550,00;Central\n"
        "02/11/2026;;SALDO ANTERIOR;;;1.000.000,00;\n"
        "03-11-26;87654321;PAGO CCSS;(250.000,00);;789.550,00;Web\n"
        "28/nov/2026;45678912;\"DEPOSITO\nVENTANILLA\";;₡120.000,00;909.550,00;Central\n"
        "Total;;;250.000,00;159.550,00;;\n"
        "Saldo final;;;;;909.550,00;\n"
        "Página 1 de 1\n"
    ).encode("utf-8-sig")

    report = import_movements(session, export, find_profile("BCR"), file_name="bcr-nuevo.csv", actor="test",
                              others=KNOWN.values())

    assert report.ok, report.to_text()
    assert movements(session) == [
        (date(2026, 11, 2), Decimal("39550.00"), "CRC", "00012345678"),
        (date(2026, 11, 3), Decimal("-250000.00"), "CRC", "87654321"),
        (date(2026, 11, 28), Decimal("120000.00"), "CRC", "45678912"),
    ]
    text = report.to_text()
    assert "columnas reconocidas por su nombre: fecha «F. Valor», referencia «Núm. Ref.»" in text
    assert "títulos en la fila 6" in text
    assert [row for row, _ in report.skipped] == [8, 11, 12, 13]
    assert "saldo, no un movimiento" in dict(report.skipped)[8]
    assert "«Total" in dict(report.skipped)[11]
    assert "pie de página: «Página 1 de 1»" in dict(report.skipped)[13]


def test_the_same_movements_exported_again_as_utf16_text_or_xlsx_add_nothing(session: Session) -> None:
    first = bank_variant("BN", 3, "tuned")
    assert import_movements(session, first.data, find_profile("BN"), file_name=first.name, actor="t").ok
    rows = [["Consulta de movimientos - BN"], [],
            ["Fecha", "Documento", "Descripción", "Débitos", "Créditos"]]
    for movement in first.expected:
        debit = -movement.amount if movement.amount < 0 else None
        credit = movement.amount if movement.amount > 0 else None
        rows.append([datetime.combine(movement.booked_on, datetime.min.time()), movement.reference,
                     movement.description, debit, credit])
    text = "\n".join("\t".join(cell.strftime("%d/%m/%Y") if isinstance(cell, datetime) else str(cell or "")
                               for cell in row) for row in rows if row and "\n" not in str(row[2:3]))

    again_xlsx = import_movements(session, xlsx([("Resumen", [["Saldo", 1]]), ("Movimientos", rows)]),
                                  find_profile("BN"), file_name="bn.xlsx", actor="t")
    again_text = import_movements(session, text.encode("utf-16"), find_profile("BN"), file_name="bn.txt",
                                  actor="t")

    assert (again_xlsx.ok, again_xlsx.new_rows, again_xlsx.already_loaded) == (True, 0, len(first.expected))
    assert again_text.ok and again_text.new_rows == 0
    assert len(movements(session)) == len(first.expected)


def test_a_bad_row_names_its_line_column_and_reason_and_nothing_is_loaded(session: Session) -> None:
    export = (
        b"Fecha de movimiento,Referencia,Detalle,Monto,Moneda\n"
        b"04/11/2026,111,SINPE A,\"79,100.00\",CRC\n"
        b"31/02/2026,222,SINPE B,\"1,000.00\",CRC\n"
        b"05/11/2026,333,SINPE C,mil colones,CRC\n"
        b"06/11/2026,444,SINPE D,\"1,000.00\",EUR\n"
    )

    report = import_movements(session, export, find_profile("BN"), file_name="bn.csv", actor="t")

    assert report.errors == [
        (3, "columna «Fecha de movimiento»: fecha no válida «31/02/2026»"),
        (4, "columna «Monto»: monto no válido «mil colones»"),
        (5, "columna «Moneda»: moneda no válida «EUR»"),
    ]
    assert "no se importó nada" in report.to_text()
    assert movements(session) == []


def test_an_excel_workbook_with_a_summary_sheet_first_and_serial_dates_is_read(session: Session) -> None:
    book = xlsx([
        ("Resumen", [["Resumen de la cuenta"], ["Saldo inicial", 1_000_000]]),
        ("Detalle", [["Banco Popular y de Desarrollo Comunal"], [],
                     ["FECHA", "COMPROBANTE", "CONCEPTO", "IMPORTE", "DIVISA", "SALDO"],
                     [46339, "33445566", "SINPE MOVIL", 79100, "COLONES", 1_079_100],
                     [46340, "33445567", "TRANSFERENCIA", 350.75, "Dólares", 350.75],
                     [46342, "33445568", "PAGO PROVEEDOR", -20000, "₡", 1_059_100],
                     ["Total de movimientos: 3"]]),
    ])

    report = import_movements(session, book, find_profile("POPULAR"), file_name="popular.xlsx", actor="t")

    assert report.ok, report.to_text()
    assert movements(session) == [
        (date(2026, 11, 13), Decimal("79100.00"), "CRC", "33445566"),
        (date(2026, 11, 14), Decimal("350.75"), "USD", "33445567"),
        (date(2026, 11, 16), Decimal("-20000.00"), "CRC", "33445568"),
    ]
    assert "hoja «Detalle»" in report.to_text()


def test_an_unknown_banks_export_is_read_without_a_mapping_and_the_result_says_so(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))
    export = tmp_path / "coopenae.csv"
    export.write_text("Coopenae R.L.\nFecha|Comprobante|Detalle|Retiro|Depósito\n"
                      "20/11/2026|777888|SINPE MOVIL CLIENTE|0,00|25.000,00\n"
                      "21/11/2026|777889|COMISION|1.234,5 |0,00\n", encoding="utf-8")

    assert main(["bank", "import", str(export), "--bank", "Coopenae"]) == 0
    out = capsys.readouterr().out
    assert "coopenae.csv (COOPENAE): 2 movimientos, 2 nuevos" in out
    assert "sin formato conocido de ese banco: columnas reconocidas por su nombre" in out
    assert main(["bank", "import", str(DATA / "bank" / "bcr-movimientos.csv"), "--bank", "Coopenae"]) == 1
    assert "dice ser de Banco de Costa Rica" in capsys.readouterr().err
    assert unprofiled_bank("Coopenae").columns == {}


def test_customers_from_an_excel_sheet_with_titles_and_written_cedulas_match_their_orders(session: Session) -> None:
    customers = xlsx([("Clientes", [
        ["Clientes exportados del ERP"], [],
        ["Código de cliente", "Tipo ID", "Identificación", "Nombre", "Apellidos", "Teléfono", "E-mail"],
        [1001, "Cédula física", "1-1234-0567", "María José", "Vargas Solano", "+506 8811-2233 / 8711 4455",
         " MJ@example.cr "],
        [1003, "Cédula jurídica", "3-101-456789", "Ferretería El Tornillo", "S.A.", "1", "conta@example.cr"],
    ])])
    orders = xlsx([("Órdenes", [
        ["Tipo de documento", "Cédula", "Contrato", "N° cuota", "Divisa", "Valor cuota", "% IVA",
         "Vencimiento", "Saldo pendiente"],
        ["Cédula física", 112340567, "WOLK-1001", 1, "Colones", 25000, "13%", datetime(2026, 12, 1), 28250],
        ["Cédula jurídica", "3101456789", "WOLK-1003", None, "$", "480.00", 0.13, 46418, "542,40"],
    ])])

    loaded = import_customers(session, customers)
    assert loaded.ok, loaded.to_text()
    assert "títulos en la fila 3" in loaded.to_text()
    report = import_contracts(session, orders, today=date(2026, 11, 27))

    assert report.ok, report.to_text()
    maria = session.exec(select(Customer).where(Customer.client_id == "1001")).one()
    assert (maria.document_number, [p["number"] for p in maria.phones], maria.emails) == (
        "112340567", ["88112233", "87114455"], ["MJ@example.cr"])
    stored = {c.payment_code: (c.installment, c.currency, c.fee, c.tax_rate, c.due_date, c.imported_balance)
              for c in session.exec(select(Contract)).all()}
    assert stored == {
        "WOLK-1001": (1, "CRC", Decimal("25000.00"), Decimal("0.13"), date(2026, 12, 1), Decimal("28250.00")),
        "WOLK-1003": (0, "USD", Decimal("480.00"), Decimal("0.13"), date(2027, 1, 31), Decimal("542.40")),
    }
    again = import_contracts(session, orders, today=date(2026, 11, 27))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert len(session.exec(select(Contract)).all()) == 2


def test_payment_orders_list_every_bad_row_by_its_spreadsheet_line_and_load_none(session: Session) -> None:
    assert import_customers(session, (DATA / "customers.csv").read_bytes()).ok
    orders = (
        "Órdenes de pago al 28/11/2026\n"
        "\n"
        "Tipo de documento;Número de documento;Código de pago;Moneda;Monto;Fecha de vencimiento\n"
        "Cédula física;1-1234-0567;WOLK-1001;CRC;25.000,00;01/12/2026\n"
        "Cédula física;999999999;WOLK-9;CRC;25.000,00;01/12/2026\n"
        "Cédula física;205670891;WOLK-1002;USD;-45,00;01/12/2026\n"
        "Cédula física;304560123;WOLK-1004;CRC;18.500,00;31/11/2026\n"
    ).encode("cp1252")

    report = import_contracts(session, orders)

    assert "títulos en la fila 3" in report.to_text()
    assert [(e.row, e.column) for e in report.errors] == [
        (5, "Número de documento"), (6, "Monto"), (7, "Fecha de vencimiento")]
    assert report.errors[0].reason.startswith("Cliente no existe")
    assert report.errors[1].reason == "El monto no puede ser negativo"
    assert session.exec(select(Contract)).all() == []


def test_an_unsigned_amount_beside_a_debit_credit_column_takes_its_sign_from_it(session: Session) -> None:
    export = ("Fecha;Referencia;Descripción;Tipo;Monto\n"
              "01/11/2026;5001;SINPE MOVIL CLIENTE;C;1.000,00\n"
              "02/11/2026;5002;COMISION;D;500,00\n").encode()

    report = import_movements(session, export, unprofiled_bank("Mutual"), file_name="mutual.csv", actor="t")

    assert report.ok, report.to_text()
    assert movements(session) == [(date(2026, 11, 1), Decimal("1000.00"), "CRC", "5001"),
                                  (date(2026, 11, 2), Decimal("-500.00"), "CRC", "5002")]
    assert "el signo de cada monto sale de la columna «Tipo»" in report.to_text()
    unclear = import_movements(session, export + b"03/11/2026;5003;AJUSTE;;700,00\n", unprofiled_bank("Mutual"),
                               file_name="mutual.csv", actor="t")
    assert unclear.errors == [(4, "columna «Tipo»: no dice si es débito o crédito «»")]


def test_a_partial_import_loads_the_good_rows_lists_the_rest_and_the_corrected_file_adds_only_those(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))
    export = tmp_path / "bn.csv"
    good = "04/11/2026,111,SINPE A,,\"79,100.00\"\n06/11/2026,333,SINPE C,,\"5,000.00\"\n"
    export.write_text("Fecha movimiento,Documento,Descripción,Débitos,Créditos\n"
                      "04/11/2026,111,SINPE A,,\"79,100.00\"\n05/11/2026,222,SINPE B,,mil\n"
                      "06/11/2026,333,SINPE C,,\"5,000.00\"\n", encoding="utf-8")

    assert main(["bank", "import", str(export), "--bank", "BN"]) == 1
    assert "no se importó nada" in capsys.readouterr().err
    assert main(["bank", "import", str(export), "--bank", "BN", "--partial"]) == 2
    out = capsys.readouterr().out
    assert "3 movimientos, 2 nuevos" in out
    assert "fila 3: columna «Créditos»: crédito no válido «mil»" in out
    export.write_text("Fecha movimiento,Documento,Descripción,Débitos,Créditos\n" + good.replace(
        "06/11", "05/11/2026,222,SINPE B,,\"1,000.00\"\n06/11", 1), encoding="utf-8")
    assert main(["bank", "import", str(export), "--bank", "BN"]) == 0
    assert "3 movimientos, 1 nuevos, 2 ya estaban" in capsys.readouterr().out
