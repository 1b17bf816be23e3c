"""The report's chart is drawn by paybot itself: one bar per day of the range with money, heights in
proportion, every label escaped; the range asked for is checked."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.accounting.report import GroupBy, GroupTotal, PaymentsReport
from bot.portal.reports import Period, bar_chart, daily_amounts

TODAY = date(2026, 11, 27)


def test_each_day_of_the_range_gets_its_amount_and_the_bars_are_in_proportion() -> None:
    report = PaymentsReport(date(2026, 11, 1), date(2026, 11, 3), GroupBy.DAY, [], [
        GroupTotal("2026-11-01", "CRC", 2, Decimal("50000.00")), GroupTotal("2026-11-03", "CRC", 1, Decimal("25000")),
        GroupTotal("2026-11-03", "USD", 1, Decimal("45.00"))], [])
    days = daily_amounts(report, "CRC")
    assert days == [("01/11", Decimal("50000.00")), ("02/11", Decimal("0")), ("03/11", Decimal("25000"))]
    svg = str(bar_chart(days, "CRC", "Pagos por día en CRC"))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2 and abs(heights[0] / heights[1] - 2) < 0.01
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<title>01/11: ₡50" in svg and "máximo ₡50" in svg


def test_labels_are_escaped_and_an_empty_range_draws_nothing() -> None:
    svg = str(bar_chart([("<script>alert(1)</script>", Decimal("10"))], "CRC", "a & b"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert str(bar_chart([], "CRC", "vacío")) == ""


def test_the_range_defaults_to_this_month_and_a_bad_one_is_said_plainly() -> None:
    assert Period.from_query({}, TODAY) == Period(date(2026, 11, 1), TODAY, GroupBy.DAY)
    assert Period.from_query({"desde": "2026-10-01", "hasta": "2026-10-31", "por": "bank"}, TODAY) == Period(
        date(2026, 10, 1), date(2026, 10, 31), GroupBy.BANK)
    assert Period.from_query({"desde": "2026-12-01", "hasta": "2026-11-01"}, TODAY).problem.startswith("«Desde»")
    assert Period.from_query({"desde": "2024-01-01"}, TODAY).problem == "Como mucho un año por informe."
    assert Period.from_query({"desde": "ayer"}, TODAY).problem.startswith("Fechas no válidas")
