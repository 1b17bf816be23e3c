"""Files whose titles say too little (a title nobody listed, two rows of titles, or none at all) and dates that may
be month first: the importers tell a column by what it holds and say so, read each date column the way its own
values show, and refuse a file they could only read by guessing. The files are in tests/imports/files/."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.accounting.bank_import import import_movements
from bot.accounting.bank_profiles import load_profiles, unprofiled_bank
from bot.cli import main
from bot.config import Settings
from bot.contracts.importer import ImportFileError, import_contracts, import_customers
from bot.db.models import BankMovement, Contract, Customer
from tests.imports.variants import DATA

FILES = Path(__file__).with_name("files")
KNOWN = load_profiles()


@pytest.fixture
def with_customers(session: Session) -> Session:
    assert import_customers(session, (DATA / "customers.csv").read_bytes()).ok
    return session


def movements(session: Session) -> list[tuple[date, Decimal, str]]:
    return [(m.booked_on, m.amount, m.reference)
            for m in session.exec(select(BankMovement).order_by(BankMovement.id)).all()]


def bank_file(session: Session, name: str, bank: str) -> tuple[str, bool]:
    report = import_movements(session, (FILES / name).read_bytes(), unprofiled_bank(bank), file_name=name,
                              actor="test", others=KNOWN.values())
    return report.to_text(), report.ok


def test_debit_and_credit_columns_with_unknown_titles_are_told_apart_by_the_running_balance(
        session: Session) -> None:
    text, ok = bank_file(session, "davivienda-salidas-entradas.csv", "Davivienda")

    assert ok, text
    assert movements(session) == [
        (date(2026, 11, 2), Decimal("39550.00"), "10234567"),
        (date(2026, 11, 3), Decimal("-250000.00"), "10234568"),
        (date(2026, 11, 16), Decimal("120000.00"), "10234569"),
        (date(2026, 11, 20), Decimal("-1500.00"), "10234570"),
    ]
    assert ("columna 4 («Salidas») tomada como «débito» por su contenido (montos; el saldo de la columna 6 "
            "(«Saldo») lo confirma)") in text
    assert "columna 5 («Entradas») tomada como «crédito» por su contenido" in text
    assert "columna «Fecha»: fechas leídas mes/día, como «11/16/2026» (fila 8)" in text
    assert "fila 10 omitida: totales" in text


def test_two_amount_columns_nothing_tells_apart_are_refused_rather_than_guessed(session: Session) -> None:
    text, ok = bank_file(session, "cooperativa-sin-saldo.csv", "Coopealianza")

    assert not ok and movements(session) == []
    assert ("la columna 4 («Salidas») y la columna 5 («Entradas») tienen montos, pero ningún título ni saldo dice "
            "cuál es débito y cuál crédito: póngales los títulos «Débito» y «Crédito»") in text


def test_an_export_with_no_row_of_titles_is_read_by_its_columns_contents(session: Session) -> None:
    text, ok = bank_file(session, "coopeande-sin-titulos.csv", "Coopeande")

    assert ok, text
    assert movements(session) == [
        (date(2026, 11, 2), Decimal("39550.00"), "000123456"),
        (date(2026, 11, 3), Decimal("-250000.00"), "000123457"),
        (date(2026, 11, 16), Decimal("120000.00"), "000123458"),
    ]
    assert "el archivo no trae fila de títulos: columnas tomadas por su contenido" in text
    assert "columna 1 tomada como «fecha» por su contenido (fechas)" in text
    assert "columna 4 tomada como «monto» por su contenido (montos)" in text
    assert "columna 2 tomada como «referencia» por su contenido" in text


def test_a_merged_amount_title_over_debit_and_credit_is_read_as_two_rows_of_titles(session: Session) -> None:
    text, ok = bank_file(session, "promerica-titulos-en-dos-filas.xlsx", "Promerica")

    assert ok, text
    assert movements(session) == [
        (date(2026, 11, 2), Decimal("45200.00"), "FT26306ABC1"),
        (date(2026, 11, 3), Decimal("-20000.00"), "FT26307ABC2"),
        (date(2026, 11, 4), Decimal("79100.50"), "FT26308ABC3"),
    ]
    assert "títulos en las filas 4 y 5 de la hoja «Movimientos»" in text
    assert "débito «Débito», crédito «Crédito»" in text


def test_a_date_column_with_days_first_and_months_first_is_refused_naming_both_rows(session: Session) -> None:
    text, ok = bank_file(session, "fechas-mezcladas.csv", "Coopenae")

    assert not ok and movements(session) == []
    assert ("la columna «Fecha» mezcla fechas día/mes («13/11/2026», fila 2) y mes/día («11/14/2026», fila 3): "
            "escríbalas todas igual, mejor como AAAA-MM-DD") in text


def test_payment_orders_written_month_first_are_read_so_in_every_date_column(with_customers: Session) -> None:
    report = import_contracts(with_customers, (FILES / "ordenes-mes-dia.csv").read_bytes(),
                              today=date(2026, 11, 28))

    assert report.ok, report.to_text()
    stored = {c.payment_code: (c.due_date, c.start_date, c.end_date)
              for c in with_customers.exec(select(Contract)).all()}
    assert stored == {"WOLK-1001": (date(2026, 12, 15), date(2026, 1, 2), date(2026, 12, 2)),
                      "WOLK-1003": (date(2027, 1, 5), date(2026, 2, 1), date(2027, 1, 2))}
    text = report.to_text()
    assert "columna «Fecha de vencimiento»: fechas leídas mes/día, como «12/15/2026» (fila 2)" in text
    assert "columna «Fecha inicio»: fechas leídas mes/día, como las demás fechas del archivo" in text


def test_orders_with_an_amount_and_a_due_date_under_unknown_titles_say_which_columns_they_took(
        with_customers: Session) -> None:
    report = import_contracts(with_customers, (FILES / "ordenes-titulos-desconocidos.csv").read_bytes(),
                              today=date(2026, 11, 28))

    assert report.ok, report.to_text()
    stored = {c.payment_code: (c.fee, c.currency, c.due_date) for c in with_customers.exec(select(Contract)).all()}
    assert stored == {"WOLK-1001": (Decimal("25000.00"), "CRC", date(2026, 12, 1)),
                      "WOLK-1003": (Decimal("480.00"), "USD", date(2027, 1, 31))}
    text = report.to_text()
    assert "columna 6 («Día de cobro») tomada como «Fecha de vencimiento» por su contenido (fechas)" in text
    assert "columna 5 («Cobro») tomada como «Monto» por su contenido (montos)" in text


def test_orders_with_two_untitled_date_columns_are_refused_instead_of_picking_one(with_customers: Session) -> None:
    with pytest.raises(ImportFileError) as refused:
        import_contracts(with_customers, (FILES / "ordenes-dos-fechas.csv").read_bytes())

    assert str(refused.value) == (
        "no se sabe cuál es la columna «Fecha de vencimiento»: columna 5 («Emitida») y columna 6 («Cobrar el») "
        "tienen fechas; póngale ese título a la que corresponde")
    assert with_customers.exec(select(Contract)).all() == []


def test_customers_phones_and_emails_under_the_companys_own_titles_are_found_by_their_contents(
        session: Session) -> None:
    report = import_customers(session, (FILES / "clientes-contacto-sin-titulo-conocido.csv").read_bytes())

    assert report.ok, report.to_text()
    stored = {c.client_id: ([p["number"] for p in c.phones], c.emails) for c in session.exec(select(Customer)).all()}
    assert stored == {"1001": (["88112233"], ["mj@example.cr"]), "1002": (["87223344"], ["jp@example.cr"])}
    text = report.to_text()
    assert "columna 6 («Línea») tomada como «Celular_1» por su contenido (teléfonos)" in text
    assert "columna 7 («Buzón») tomada como «Correo» por su contenido (correos)" in text


def test_importing_the_same_customers_and_orders_again_says_nothing_changed(session: Session) -> None:
    customers = (DATA / "customers.csv").read_bytes()
    orders = (DATA / "contracts.csv").read_bytes()
    assert import_customers(session, customers).ok and import_contracts(session, orders).ok

    again = import_customers(session, customers)
    orders_again = import_contracts(session, orders)
    changed = import_customers(session, customers.replace(b"88112233", b"88112299"))

    assert "12 filas importadas; 0 creadas, 0 actualizadas, 12 sin cambios" in again.to_text()
    assert "13 filas importadas; 0 creadas, 0 actualizadas, 13 sin cambios" in orders_again.to_text()
    assert (changed.updated, changed.unchanged) == (1, 11)


def test_paybot_bank_import_of_an_unknown_export_prints_how_each_column_was_taken(
        session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))

    assert main(["bank", "import", str(FILES / "davivienda-salidas-entradas.csv"), "--bank", "Davivienda"]) == 0
    out = capsys.readouterr().out
    assert "4 movimientos, 4 nuevos" in out and "tomada como «débito» por su contenido" in out
    assert main(["bank", "import", str(FILES / "cooperativa-sin-saldo.csv"), "--bank", "Coopealianza"]) == 1
    assert "ningún título ni saldo dice cuál es débito y cuál crédito" in capsys.readouterr().err


def test_a_title_that_only_sounds_like_the_amount_is_dropped_when_its_cells_are_tax_rates(
        with_customers: Session) -> None:
    report = import_contracts(with_customers, (FILES / "ordenes-iva-y-periodo-sin-titulo-conocido.csv").read_bytes(),
                              today=date(2026, 11, 28))

    assert report.ok, report.to_text()
    stored = {c.payment_code: (c.fee, c.tax_rate, c.period) for c in with_customers.exec(select(Contract)).all()}
    assert stored == {"WOLK-1001": (Decimal("25000.00"), Decimal("0.13"), "monthly"),
                      "WOLK-1003": (Decimal("480.00"), Decimal("0.04"), "annual")}
    text = report.to_text()
    assert "columna 5 («Cobro») tomada como «Monto» por su contenido (montos)" in text
    assert "columna 7 («Modalidad») tomada como «Periodo» por su contenido (periodos)" in text
    assert "columna 8 («Imp. ventas») tomada como «IVA» por su contenido (tasas de impuesto)" in text


def test_a_customers_file_without_titles_keeps_what_its_contents_show_and_lists_the_columns_left_out(
        session: Session) -> None:
    report = import_customers(session, (FILES / "clientes-sin-titulos.csv").read_bytes())

    assert report.ok, report.to_text()
    stored = {c.document_number: (c.document_type, [p["number"] for p in c.phones], c.emails, c.first_names)
              for c in session.exec(select(Customer)).all()}
    assert stored == {"112340567": ("Cédula física", ["88112233"], ["mj@example.cr"], ""),
                      "205550666": ("Cédula física", ["87223344"], ["jp@example.cr"], ""),
                      "155812345678": ("DIMEX", ["83335566"], ["ana@example.cr"], "")}
    text = report.to_text()
    assert "el archivo no trae fila de títulos: columnas tomadas por su contenido" in text
    assert "columna 2 tomada como «Número de documento» por su contenido (números de cédula)" in text
    assert "columnas ignoradas: columna 3, columna 4" in text
