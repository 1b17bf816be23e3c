"""The payments report: totals that reconcile with the payments, by day, bank, origin and channel, and
exports Excel in Spanish opens safely (a name starting with = stays text, a negative amount a number)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.accounting.report import GroupBy, ReportFormat, payments_report, payments_summary, render
from bot.accounting.spreadsheet import escape_text
from bot.cli import main
from bot.config import Settings
from bot.db.models import Intake, Payment
from tests.accounting.conftest import CR, NOW, customer_id, pay

YESTERDAY = NOW - timedelta(days=1)


def receipt(session: Session, client_id: str, channel: str) -> int:
    intake = Intake(channel=channel, external_id=f"{channel}-{client_id}", sender="+50688112233",
                    state="applied", customer_id=customer_id(session, client_id))
    session.add(intake)
    session.commit()
    assert intake.id is not None
    return intake.id


@pytest.fixture
def month(customers: Session) -> Session:
    """Five payments over two days: chat receipts on WhatsApp and Telegram, captures by staff, one in USD,
    and a negative one (a payment given back, as a returned transfer leaves it)."""
    pay(customers, "1001", "39550.00", reference="111", bank="BCR",
        intake_id=receipt(customers, "1001", "whatsapp"), applied_at=YESTERDAY)
    pay(customers, "1002", "79100.00", reference="222", bank="BN",
        intake_id=receipt(customers, "1002", "telegram"), applied_at=YESTERDAY)
    pay(customers, "1012", "45200.50", reference="333", bank="BAC", applied_at=NOW)
    pay(customers, "1012", "350.75", currency="USD", reference="444", bank="BAC", applied_at=NOW)
    refund = pay(customers, "1001", "1000.00", reference="555", bank="BCR", applied_at=NOW)
    refund.amount = Decimal("-1000.00")
    customers.add(refund)
    customers.commit()
    return customers


def test_report_totals_reconcile_with_the_payments_by_every_grouping(month: Session) -> None:
    stored = month.exec(select(Payment)).all()
    for by in GroupBy:
        report = payments_report(month, start=YESTERDAY.date(), end=NOW.date(), by=by, tz=CR)
        assert len(report.lines) == len(stored)
        for currency in ("CRC", "USD"):
            expected = sum((p.amount for p in stored if p.currency == currency), Decimal("0"))
            assert sum((g.amount for g in report.groups if g.currency == currency), Decimal("0")) == expected
            total = next(t for t in report.totals if t.currency == currency)
            assert total.amount == expected
        assert sum(g.count for g in report.groups) == len(stored)
    by_origin = payments_report(month, start=YESTERDAY.date(), end=NOW.date(), by=GroupBy.ORIGIN, tz=CR)
    assert {(g.key, g.currency): g.amount for g in by_origin.groups} == {
        ("cliente por chat", "CRC"): Decimal("118650.00"),
        ("captura del personal", "CRC"): Decimal("44200.50"),
        ("captura del personal", "USD"): Decimal("350.75"),
    }
    by_channel = payments_report(month, start=YESTERDAY.date(), end=YESTERDAY.date(), by=GroupBy.CHANNEL, tz=CR)
    assert sorted(g.key for g in by_channel.groups) == ["Telegram", "WhatsApp"]


def test_the_portal_page_summary_has_the_same_subtotals_and_totals_as_the_full_report(month: Session) -> None:
    for by in GroupBy:
        for start in (YESTERDAY.date(), NOW.date()):
            full = payments_report(month, start=start, end=NOW.date(), by=by, tz=CR)
            summary = payments_summary(month, start=start, end=NOW.date(), by=by, tz=CR)
            assert summary.lines == [] and summary.count == len(full.lines) > 0
            assert (summary.groups, summary.totals) == (full.groups, full.totals)


def test_csv_opens_in_spanish_excel_with_the_formula_name_escaped_and_numbers_as_numbers(month: Session) -> None:
    report = payments_report(month, start=YESTERDAY.date(), end=NOW.date(), by=GroupBy.DAY, tz=CR)
    data = render(report, ReportFormat.CSV, CR)

    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    summary, detail = text.split("\r\n\r\n")
    rows = list(csv.reader(io.StringIO(detail), delimiter=";"))
    header, payments = rows[0], rows[1:]
    names = {row[header.index("Cliente")] for row in payments}
    assert "'=HYPERLINK(\"http://x\") S.R.L." in names
    amounts = [row[header.index("Monto")] for row in payments]
    assert "-1000,00" in amounts and "45200,50" in amounts and "350,75" in amounts
    assert all(not a.startswith("'") for a in amounts)
    totals = list(csv.reader(io.StringIO(summary), delimiter=";"))
    assert ["Total CRC", "CRC", "4", "162850,50"] in totals


def test_xlsx_read_back_has_real_numbers_dates_and_the_formula_name_as_text(month: Session) -> None:
    report = payments_report(month, start=YESTERDAY.date(), end=NOW.date(), by=GroupBy.BANK, tz=CR)
    book = load_workbook(io.BytesIO(render(report, ReportFormat.XLSX, CR)))

    detail = book["Pagos"]
    header = [cell.value for cell in detail[1]]
    rows = [[cell for cell in row] for row in detail.iter_rows(min_row=2)]
    name_cells = [row[header.index("Cliente")] for row in rows]
    formula = next(c for c in name_cells if "HYPERLINK" in str(c.value))
    assert formula.data_type == "s" and formula.value == "'=HYPERLINK(\"http://x\") S.R.L."
    amounts = [row[header.index("Monto")] for row in rows]
    assert all(cell.data_type == "n" for cell in amounts)
    assert -1000 in [cell.value for cell in amounts]
    assert isinstance(rows[0][header.index("Aplicado")].value, datetime)
    assert isinstance(rows[0][header.index("Fecha de pago")].value, datetime | date)
    summary = book["Resumen"]
    totals = {row[0]: row[3] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert totals["Total CRC"] == pytest.approx(162850.50)
    assert totals["Total USD"] == pytest.approx(350.75)
    assert totals["BAC"] in (pytest.approx(45200.50), pytest.approx(350.75))


def test_every_text_that_would_start_a_formula_is_escaped_and_nothing_else() -> None:
    assert [escape_text(t) for t in ("=1+1", "+506", "-x", "@SUM(A1)", "\tx", "María", "")] == [
        "'=1+1", "'+506", "'-x", "'@SUM(A1)", "'\tx", "María", ""]


def test_paybot_report_payments_writes_each_format(month: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))
    period = ["--from", YESTERDAY.date().isoformat(), "--to", NOW.date().isoformat()]

    assert main(["report", "payments", *period, "--by", "origin"]) == 0
    table = capsys.readouterr().out
    assert "Pagos aplicados del 26/11/2026 al 27/11/2026: 5" in table and "cliente por chat" in table
    output = settings.data_dir / "pagos.json"
    assert main(["report", "payments", *period, "--format", "json", "--output", str(output)]) == 0
    data = json.loads(output.read_text())
    assert {t["currency"]: t["amount"] for t in data["totals"]} == {"CRC": "162850.50", "USD": "350.75"}
    xlsx = settings.data_dir / "pagos.xlsx"
    assert main(["report", "payments", *period, "--format", "xlsx", "--output", str(xlsx)]) == 0
    assert load_workbook(xlsx)["Pagos"].max_row == 6
    assert main(["report", "payments", "--from", "2026-11-28", "--to", "2026-11-01"]) == 1
    assert "--from es posterior a --to" in capsys.readouterr().err
