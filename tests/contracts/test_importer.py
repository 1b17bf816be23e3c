"""Stories of seed 004: loading customers and payment orders from CSV, all rows or none."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.account.operations import contract_balance
from bot.contracts.importer import ImportFileError, ImportReport, import_contracts, import_customers
from bot.contracts.registry import find_by_client_id, find_by_phone, remember_payer
from bot.db.models import Contract, Customer
from currency.money import Money
from tests.contracts.conftest import DATA

CUSTOMERS_HEADER = (
    "ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,"
    "Celular_1 código país,Celular_1,Correo"
)
CONTRACTS_HEADER = (
    "Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Fecha de vencimiento,Saldo"
)


def customers(session: Session, *rows: str, header: str = CUSTOMERS_HEADER, **kwargs: bool) -> ImportReport:
    return import_customers(session, "\n".join([header, *rows]).encode(), **kwargs)


def contracts(session: Session, *rows: str, header: str = CONTRACTS_HEADER, **kwargs: bool) -> ImportReport:
    return import_contracts(session, "\n".join([header, *rows]).encode(), **kwargs)


def errors(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.value) for e in report.errors]


def count(session: Session, model: type[Customer] | type[Contract]) -> int:
    return len(session.exec(select(model)).all())


def test_sample_files_import_cleanly_and_reimport_updates_rather_than_duplicates(session: Session) -> None:
    first = import_customers(session, (DATA / "customers.csv").read_bytes())
    assert (first.ok, first.created, first.updated, first.ignored_columns) == (True, 12, 0, [])
    orders = import_contracts(session, (DATA / "contracts.csv").read_bytes())
    assert (orders.ok, orders.created, orders.updated) == (True, 13, 0)
    again = import_customers(session, (DATA / "customers.csv").read_bytes())
    orders_again = import_contracts(session, (DATA / "contracts.csv").read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert (orders_again.created, orders_again.updated, orders_again.unchanged) == (0, 0, 13)
    assert "0 creadas, 0 actualizadas, 12 sin cambios" in again.to_text()
    assert (count(session, Customer), count(session, Contract)) == (12, 13)
    ferreteria = find_by_client_id(session, "1003")
    assert ferreteria is not None
    assert ferreteria.phones == [
        {"country": "506", "number": "60223344"},
        {"country": "506", "number": "22334455"},
    ]
    assert ferreteria.emails == ["contabilidad@eltornillo.example.cr", "gerencia@eltornillo.example.cr"]
    assert ferreteria.whatsapp_number == "+50660223344"


def test_an_amount_that_could_mean_two_things_is_rejected_naming_row_and_column_and_nothing_is_imported(
        session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    report = contracts(
        session,
        "Cédula física,112340567,WOLK-1,,CRC,25000.00,2026-12-01,0",
        'Cédula física,112340567,WOLK-2,,CRC,"25.000.00",2026-12-01,0',
    )
    assert errors(report) == [(3, "Monto", "25.000.00")]
    assert "10000.12" in report.errors[0].reason
    assert count(session, Contract) == 0
    assert "fila 3, columna «Monto», valor «25.000.00»" in report.to_text()
    assert "no se importó nada" in report.to_text()


def test_amounts_written_with_a_decimal_comma_thousands_or_a_symbol_are_read(session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    report = contracts(
        session,
        'Cédula física,112340567,WOLK-1,,CRC,"25000,50",2026-12-01,"28.250,00"',
        'Cédula física,112340567,WOLK-2,,CRC,"₡25 000",2026-12-01,0',
        'Cédula física,112340567,WOLK-3,,,"$45.00",2026-12-01,"50.85"',
        'Cédula física,112340567,WOLK-4,,CRC,"$45.00",2026-12-01,0',
    )
    assert errors(report) == [(5, "Monto", "$45.00")]
    assert "USD" in report.errors[0].reason and "CRC" in report.errors[0].reason
    fixed = contracts(
        session,
        'Cédula física,112340567,WOLK-1,,CRC,"25000,50",2026-12-01,"28.250,00"',
        'Cédula física,112340567,WOLK-2,,CRC,"₡25 000",2026-12-01,0',
        'Cédula física,112340567,WOLK-3,,,"$45.00",2026-12-01,"50.85"',
    )
    assert fixed.ok, fixed.to_text()
    stored = {c.payment_code: (c.currency, c.fee, c.imported_balance) for c in session.exec(select(Contract)).all()}
    assert stored == {"WOLK-1": ("CRC", Decimal("25000.50"), Decimal("28250.00")),
                      "WOLK-2": ("CRC", Decimal("25000"), Decimal("0")),
                      "WOLK-3": ("USD", Decimal("45.00"), Decimal("50.85"))}


def test_contract_of_a_missing_customer_is_cliente_no_existe(session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    report = contracts(
        session,
        "Cédula física,112340567,WOLK-1,,CRC,25000.00,2026-12-01,0",
        "Cédula física,999999999,WOLK-9,,CRC,25000.00,2026-12-01,0",
        "Cédula jurídica,112340567,WOLK-3,,CRC,25000.00,2026-12-01,0",
    )
    assert errors(report) == [
        (3, "Número de documento", "999999999"),
        (4, "Número de documento", "112340567"),
    ]
    assert all(e.reason.startswith("Cliente no existe") for e in report.errors)
    assert "registrado con el tipo «Cédula física»" in report.errors[1].reason
    assert count(session, Contract) == 0


def test_duplicated_document_number_is_rejected_and_nothing_is_imported(session: Session) -> None:
    report = customers(
        session,
        "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr",
        "1002,Cédula física,205670891,José,Rodríguez,506,87114455,j@example.cr",
        "1003,Cédula física,112340567,Otra,Persona,506,87000000,o@example.cr",
    )
    assert errors(report) == [(4, "Número de documento", "112340567")]
    assert "fila 2" in report.errors[0].reason
    assert count(session, Customer) == 0


def test_a_latin1_semicolon_file_is_read_with_its_accents(session: Session) -> None:
    text = (
        "ID CLIENTE;TIPO DE DOCUMENTO;NUMERO DE DOCUMENTO;Nombres;Apellidos;Celular_1;Correo\n"
        "1001;Cédula física;112340567;María José;Peña Solís;88112233;mj@example.cr\n"
        "1002;Cédula física;205670891;José;Muñoz;8711-445;jm@example.cr\n"
    )
    report = import_customers(session, text.encode("latin-1"))
    assert errors(report) == [(3, "Celular_1", "8711-445")]
    assert "8 dígitos" in report.errors[0].reason
    assert count(session, Customer) == 0
    fixed = import_customers(session, text.replace("8711-445", "8711-4455").encode("latin-1"))
    assert fixed.ok
    maria = find_by_client_id(session, "1001")
    assert maria is not None and maria.full_name == "María José Peña Solís"


def test_an_excel_windows_1252_file_keeps_curly_quotes_and_enye(session: Session) -> None:
    text = (
        "ID CLIENTE;TIPO DE DOCUMENTO;NUMERO DE DOCUMENTO;Nombres;Apellidos;Celular_1;Correo\r\n"
        "1010;Cédula jurídica;3101999888;Ferretería “El Niño”;S.A.;88990011;compras@elnino.example.cr\r\n"
        "1011;Cédula física;109870654;Ana O’Neill;Muñoz Peña;87224455;ana@example.cr\r\n"
    )
    data = text.encode("cp1252")
    assert b"\x93" in data and b"\x92" in data and b"\xf1" in data
    assert import_customers(session, data).ok
    shop, ana = find_by_client_id(session, "1010"), find_by_client_id(session, "1011")
    assert shop is not None and shop.first_names == "Ferretería “El Niño”"
    assert ana is not None and ana.full_name == "Ana O’Neill Muñoz Peña"


def test_a_file_in_no_known_encoding_is_refused_whole(session: Session) -> None:
    with pytest.raises(ImportFileError, match="Windows-1252"):
        import_customers(session, CUSTOMERS_HEADER.encode() + b"\n1001,C\x81dula,1,A,B,506,88112233,a@b.cr\n")
    assert count(session, Customer) == 0


def test_every_rejected_row_is_listed(session: Session) -> None:
    report = customers(
        session,
        "1001,Cédula física,112340567,María,Vargas,506,5068811223,m@example.cr",
        "1002,Cédula física,205670891,José,Rodríguez,506,8711 44 55 6,j@example.cr",
        '1003,Cédula física,305670891,Ana,Mora,506,87114456,"a@example.cr, b@example"',
        "1004,Cédula física,405670891,Toño,Mora,506,87114457,toño@example.cr",
        "1005,Cédula física,505670891,Sin,Contacto,506,,",
        "1006,,605670891,Sin,Tipo,506,87114458,t@example.cr",
    )
    assert [(row, column) for row, column, _ in errors(report)] == [
        (2, "Celular_1"),
        (3, "Celular_1"),
        (4, "Correo"),
        (5, "Correo"),
        (6, "Celular_1"),
        (7, "Tipo de documento"),
    ]
    assert "8 dígitos" in report.errors[0].reason
    assert "Correo inválido" in report.errors[2].reason
    assert "ñ" in report.errors[3].reason
    assert report.rejected_rows == 6 and count(session, Customer) == 0


def test_phones_written_with_spaces_dashes_a_prefix_or_two_to_a_cell_are_each_stored_once(
        session: Session) -> None:
    report = customers(
        session,
        "1001,Cédula física,112340567,María,Vargas,506,8811-2233 / 8711 4455,m@example.cr",
        "1002,Cédula física,205670891,José,Rodríguez,506,+506 8711-4455,j@example.cr",
        "1003,Cédula física,305670891,Ana,Mora,+506,(506) 8711-4456,a@example.cr",
        "1004,Cédula física,405670891,Luis,Mora,506,50687114457,l@example.cr",
        '1005,Cédula física,505670891,Eva,Mora,506,1,"eva@example.cr; EVA.MORA@example.cr"',
    )
    assert report.ok, report.to_text()
    stored = {c.client_id: ([p["number"] for p in c.phones], c.emails, c.whatsapp_number)
              for c in session.exec(select(Customer)).all()}
    assert stored == {
        "1001": (["88112233", "87114455"], ["m@example.cr"], "+50688112233"),
        "1002": (["87114455"], ["j@example.cr"], "+50687114455"),
        "1003": (["87114456"], ["a@example.cr"], "+50687114456"),
        "1004": (["87114457"], ["l@example.cr"], "+50687114457"),
        "1005": ([], ["eva@example.cr", "EVA.MORA@example.cr"], None),
    }


def test_a_foreign_phone_is_checked_and_found_in_any_written_form(session: Session) -> None:
    report = customers(session, "1020,Pasaporte,X1234567,John,Smith,1,3055550100,js@example.com",
                       "1021,Pasaporte,X7654321,Jane,Doe,1,30555,jd@example.com")
    assert errors(report) == [(3, "Celular_1", "30555")]
    assert "código de país 1" in report.errors[0].reason
    assert customers(session, "1020,Pasaporte,X1234567,John,Smith,1,3055550100,js@example.com").ok
    john = find_by_client_id(session, "1020")
    assert john is not None and john.whatsapp_number == "+13055550100"
    for written in ("+1 305 555 0100", "001 (305) 555-0100", "whatsapp:+13055550100"):
        assert [c.client_id for c in find_by_phone(session, written)] == ["1020"]


def test_phone_1_means_no_phone_and_a_company_gives_an_email(session: Session) -> None:
    report = customers(session, "1001,Cédula jurídica,3101456789,Ferretería,S.A.,506,1,conta@example.cr")
    assert report.ok
    customer = find_by_client_id(session, "1001")
    assert customer is not None and customer.phones == [] and customer.whatsapp_number is None


def test_document_number_is_the_client_id_when_absent(session: Session) -> None:
    header = "Tipo de documento,Número de documento,Nombres,Celular_1"
    assert customers(session, "Cédula física,112340567,María,88112233", header=header).ok
    assert find_by_client_id(session, "112340567") is not None


def test_english_headers_and_any_case_or_accents(session: Session) -> None:
    header = "client id,DOCUMENT TYPE,document number,first name,last name,phone 1,email,Notes"
    report = customers(
        session, "1001,Cedula fisica,112340567,Maria,Vargas,88112233,m@example.cr,vip", header=header
    )
    assert report.ok and report.ignored_columns == ["Notes"]
    orders = contracts(
        session,
        "cédula FÍSICA,112340567,WOLK-1,,USD,45.00,01/12/2026,50.85",
        header="Tipo de Documento,NUMERO DE DOCUMENTO,codigo de pago,cuota,currency,amount,due date,balance",
    )
    assert orders.ok, orders.errors
    contract = session.exec(select(Contract)).one()
    assert (contract.currency, contract.fee, contract.imported_balance) == ("USD", Decimal("45.00"), Decimal("50.85"))
    assert contract.id is not None
    assert contract_balance(session, contract.id) == Money(Decimal("50.85"), "USD")
    assert (contract.period, contract.tax_rate) == ("monthly", Decimal("0.13"))


def test_missing_required_column_is_reported_on_the_header_row(session: Session) -> None:
    report = customers(session, "1001,112340567", header="ID cliente,Número de documento")
    assert errors(report) == [(1, "Tipo de documento", "")]


def test_same_payment_code_with_different_installments_is_allowed(session: Session) -> None:
    assert customers(session, "1012,Cédula jurídica,3101222333,Panadería,S.R.L.,506,72889900,p@example.cr").ok
    ok = contracts(
        session,
        "Cédula jurídica,3101222333,WOLK-1012,1,CRC,60000.00,2026-11-01,0",
        "Cédula jurídica,3101222333,WOLK-1012,2,CRC,60000.00,2026-12-01,67800.00",
    )
    assert ok.ok and ok.created == 2
    periods = {c.installment: c.period for c in session.exec(select(Contract)).all()}
    assert periods == {1: "installment", 2: "installment"}
    repeated = contracts(
        session,
        "Cédula jurídica,3101222333,WOLK-1012,3,CRC,60000.00,2027-01-01,0",
        "Cédula jurídica,3101222333,WOLK-1012,3,CRC,60000.00,2027-01-01,0",
    )
    assert errors(repeated) == [(3, "Código de pago", "WOLK-1012")]


def test_saldo_updates_the_outstanding_balance_on_reimport(session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    assert contracts(session, "Cédula física,112340567,WOLK-1001,,CRC,25000.00,2026-12-01,28250.00").ok
    contract = session.exec(select(Contract)).one()
    assert contract.id is not None
    assert contract_balance(session, contract.id) == Money(Decimal("28250.00"), "CRC")
    paid = contracts(session, "Cédula física,112340567,WOLK-1001,,CRC,25000.00,2026-12-01,0")
    assert (paid.created, paid.updated) == (0, 1)
    assert "1 actualizaciones de saldo" in paid.to_text()
    assert contract_balance(session, contract.id) == Money(Decimal("0"), "CRC")
    no_saldo = contracts(
        session,
        "Cédula física,112340567,WOLK-1001,,CRC,26000.00,2027-01-01",
        header=CONTRACTS_HEADER.removesuffix(",Saldo"),
    )
    assert no_saldo.ok
    session.refresh(contract)
    assert (contract.fee, contract.imported_balance) == (Decimal("26000.00"), Decimal("0"))
    assert contract_balance(session, contract.id) == Money(Decimal("29380.00"), "CRC")


def test_dry_run_validates_and_writes_nothing(session: Session) -> None:
    report = customers(
        session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr", dry_run=True
    )
    assert report.ok and report.created == 1 and not report.applied
    assert "--dry-run" in report.to_text()
    assert count(session, Customer) == 0


def test_reimport_keeps_the_payers_support_learned(session: Session) -> None:
    row = "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr"
    assert customers(session, row).ok
    customer = find_by_client_id(session, "1001")
    assert customer is not None
    remember_payer(session, customer, "JUAN VARGAS", "+50670001111")
    assert customers(session, row).ok
    session.expire_all()
    customer = find_by_client_id(session, "1001")
    assert customer is not None
    assert {"country": "506", "number": "70001111", "source": "payer"} in customer.phones
    assert customer.known_payer_names == ["JUAN VARGAS"]


def test_a_client_id_taken_by_another_document_is_rejected(session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    report = customers(session, "1001,Cédula física,205670891,José,Rodríguez,506,87114455,j@example.cr")
    assert errors(report) == [(2, "ID cliente", "1001")]


def test_bad_dates_currencies_periods_and_taxes_are_named(session: Session) -> None:
    assert customers(session, "1001,Cédula física,112340567,María,Vargas,506,88112233,m@example.cr").ok
    header = (
        "Tipo de documento,Número de documento,Código de pago,Moneda,Monto,Fecha de vencimiento,Periodo,IVA"
    )
    report = contracts(
        session,
        "Cédula física,112340567,A,EUR,10.00,2026-12-01,mensual,13",
        "Cédula física,112340567,B,CRC,10.00,31/31/2026,mensual,13",
        "Cédula física,112340567,C,CRC,10.00,2026-12-01,quincenal,13",
        "Cédula física,112340567,D,CRC,10.00,2026-12-01,anual,trece",
        "Cédula física,112340567,E,CRC,-10.00,2026-12-01,anual,4",
        header=header,
    )
    assert [(row, column) for row, column, _ in errors(report)] == [
        (2, "Moneda"),
        (3, "Fecha de vencimiento"),
        (4, "Periodo"),
        (5, "IVA"),
        (6, "Monto"),
    ]


def test_ten_thousand_rows_import_quickly(session: Session) -> None:
    import time

    rows = [
        f"{n},Cédula física,{100000000 + n},Cliente,{n},506,{80000000 + n},c{n}@example.cr"
        for n in range(10_000)
    ]
    started = time.perf_counter()
    ticks: list[tuple[int, int]] = []
    report = import_customers(
        session,
        "\n".join([CUSTOMERS_HEADER, *rows]).encode(),
        progress=lambda done, total: ticks.append((done, total)),
    )
    assert report.ok and report.created == 10_000
    assert ticks[-1] == (10_000, 10_000)
    assert time.perf_counter() - started < 5
