"""Statements (seed 001): every format adds up to the entries, and the PDF read back says the same."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
from sqlmodel import Session

from bot.account.documents import StatementFormat, file_name, render
from bot.account.operations import adjust, load_statement
from bot.account.orders import generate_period_charges
from bot.account.repository import load_entries
from bot.account.statement import Statement
from bot.db.rates import set_manual_rate
from currency.money import Money, format_money
from tests.account.conftest import POLICY, TODAY, customer_id, orders, pay

NBSP = "\u00a0"


def history(session: Session) -> Statement:
    """María: a monthly contract since October, a short payment, an overpayment, an adjustment."""
    orders(session, "Cédula física,112340567,WOLK-1001,,CRC,25000.00,0,mensual,0.13,2026-01-01,2027-01-01,"
                    "2026-09-01,", today=date(2026, 9, 1))
    generate_period_charges(session, date(2026, 11, 1))
    pay(session, "1001", "28250.00", on=date(2026, 9, 2), reference="S1")
    pay(session, "1001", "20000.00", on=date(2026, 10, 5), reference="S2", bank="BAC")
    pay(session, "1001", "40000.00", on=date(2026, 11, 3), reference="S3", bank="BCR")
    adjust(session, customer_id(session, "1001"), Decimal("-1000.00"), reason="Descuento por caída del servicio",
           actor="cli:ana", on_date=date(2026, 11, 10))
    return load_statement(session, customer_id(session, "1001"), company="Wolk Software", today=TODAY,
                          start=date(2026, 10, 1), policy=POLICY)


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return " ".join(" ".join(pages).split())
    finally:
        document.close()


def money(amount: Decimal) -> str:
    return format_money(Money(amount, "CRC")).replace(NBSP, " ")


def test_the_running_balance_and_totals_reconcile_with_the_entries(customers: Session) -> None:
    statement = history(customers)
    [section] = statement.sections
    entries = load_entries(customers, customer_id(customers, "1001"))
    before = sum(e.amount for e in entries if e.on_date < date(2026, 10, 1))
    within = [e for e in entries if date(2026, 10, 1) <= e.on_date <= TODAY]
    assert section.opening == before == Decimal("0.00")
    assert len(section.lines) == len(within)
    assert section.total_charges == sum(e.amount for e in within if e.amount > 0) == Decimal("56500.00")
    assert section.total_credits == -sum(e.amount for e in within if e.amount < 0) == Decimal("61000.00")
    assert section.closing == sum(e.amount for e in entries) == Decimal("-4500.00")
    assert section.lines[-1].balance == section.closing
    running = section.opening
    for line in section.lines:
        running += (line.charge or 0) - (line.credit or 0)
        assert line.balance == running
    assert section.credit_available == Decimal("4500.00") and not section.open_charges
    assert statement.period_text == "01/10/2026 al 27/11/2026"


def test_the_pdf_read_back_shows_the_same_totals_in_spanish(customers: Session) -> None:
    statement = history(customers)
    [section] = statement.sections
    data = render(statement, StatementFormat.PDF)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Wolk Software" in text and "Estado de cuenta" in text
    assert "María José Vargas Solano" in text and "ID cliente: 1001" in text
    assert f"Total cargos {money(section.total_charges)}" in text
    assert f"Total abonos {money(section.total_credits)}" in text
    assert f"Saldo al 27/11/2026 {money(-section.closing)} a favor del cliente" in text
    assert "Mensualidad nov. 2026 · WOLK-1001" in text and "S3" in text
    assert "Descuento por caída del servicio" in text
    assert file_name(statement, StatementFormat.PDF) == "estado-de-cuenta-1001-2026-11-27.pdf"


def test_csv_and_table_and_html_carry_the_same_numbers(customers: Session) -> None:
    statement = history(customers)
    [section] = statement.sections
    rows = list(csv.DictReader(io.StringIO(render(statement, StatementFormat.CSV).decode())))
    assert rows[0]["tipo"] == "Saldo anterior" and Decimal(rows[0]["saldo"]) == section.opening
    charges = sum(Decimal(r["cargo"]) for r in rows[1:] if r["cargo"])
    credits = sum(Decimal(r["abono"]) for r in rows[1:] if r["abono"])
    assert (charges, credits, Decimal(rows[-1]["saldo"])) == (
        section.total_charges, section.total_credits, section.closing)

    table = render(statement, StatementFormat.TABLE).decode().replace(NBSP, " ")
    assert re.search(rf"Total abonos\s+{re.escape(money(section.total_credits))}", table)
    html = render(statement, StatementFormat.HTML).decode()
    assert "<html lang=\"es-CR\">" in html and money(section.total_charges).replace(" ", NBSP) in html


def test_a_usd_statement_tells_the_balance_in_colones_at_todays_rate(customers: Session) -> None:
    set_manual_rate(customers, TODAY, Decimal("503.10"), Decimal("509.85"))
    orders(customers, "Cédula física,205670891,WOLK-1002,,USD,45.00,0,mensual,0.13,2026-03-15,2027-03-15,"
                      "2026-12-15,")
    statement = load_statement(customers, customer_id(customers, "1002"), company="Wolk Software", today=TODAY,
                               policy=POLICY)
    text = pdf_text(render(statement, StatementFormat.PDF))
    assert "Moneda: dólares (USD)" in text and "US$50,85" in text
    assert "Equivale a ₡25 925,87 (tipo de cambio de venta ₡509,85 del 27/11/2026)" in text
    assert "Mensualidad dic. 2026 · WOLK-1002: US$50,85, vence 15/12/2026" in text
