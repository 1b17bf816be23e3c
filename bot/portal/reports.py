"""Informes: accounting's payments report over a date range (totals per currency, subtotals by day, bank,
origin or channel, a bar chart drawn here as inline SVG), downloadable as CSV and XLSX. The figures are the
same functions `paybot report` prints (collections' delinquent list is its own page, Morosos)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal

from markupsafe import Markup, escape
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.accounting.report import GroupBy, PaymentsReport, ReportFormat, payments_report, payments_summary, render
from bot.portal.guard import Portal
from bot.portal.sessions import Viewer
from currency.money import Money, format_money

LONGEST_RANGE = timedelta(days=366)
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 760, 220, 34
MAX_BAR = 36.0
DOWNLOADS = {"csv": ReportFormat.CSV, "xlsx": ReportFormat.XLSX}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    by: GroupBy
    problem: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str], today: date) -> Period:
        """The range and grouping the query asks for; this month so far by day when it asks for none."""
        try:
            by = GroupBy(params.get("por") or "day")
        except ValueError:
            by = GroupBy.DAY
        try:
            end = date.fromisoformat(params["hasta"]) if params.get("hasta") else today
            start = date.fromisoformat(params["desde"]) if params.get("desde") else end.replace(day=1)
        except ValueError:
            return cls(today.replace(day=1), today, by, "Fechas no válidas: use el calendario.")
        if start > end:
            return cls(end, end, by, "«Desde» es posterior a «hasta».")
        if end - start > LONGEST_RANGE:
            return cls(end - LONGEST_RANGE, end, by, "Como mucho un año por informe.")
        return cls(start, end, by)


def daily_amounts(report: PaymentsReport, currency: str) -> list[tuple[str, Decimal]]:
    """Each day of the report's range with what was applied in `currency` that day (zero when nothing)."""
    applied = {g.key: g.amount for g in report.groups if g.currency == currency}
    days = (report.end - report.start).days + 1
    return [(f"{day:%d/%m}", applied.get(day.isoformat(), Decimal("0")))
            for day in (report.start + timedelta(days=n) for n in range(days))]


def bar_chart(bars: list[tuple[str, Decimal]], currency: str, title: str) -> Markup:
    """`bars` (label, amount in `currency`) as an SVG bar chart drawn here, no external service; each bar's
    tooltip says its label and amount."""
    if not bars:
        return Markup("")
    top = max(amount for _, amount in bars) or Decimal("1")
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_MARGIN, CHART_HEIGHT - 2 * CHART_MARGIN
    step = inner_w / len(bars)
    width = min(MAX_BAR, max(1.0, step * 0.8))
    bottom = CHART_HEIGHT - CHART_MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="bar-chart" data-currency="{escape(currency)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{CHART_MARGIN}" y1="{bottom}" x2="{CHART_WIDTH - CHART_MARGIN}" y2="{bottom}" stroke="#9aa5b1"/>',
        f'<text x="{CHART_MARGIN}" y="{CHART_MARGIN - 12}" font-size="12" fill="#1d2733">'
        f"{escape(title)} · máximo {escape(format_money(Money(top, currency)))}</text>",
    ]
    for index, (label, amount) in enumerate(bars):
        if amount <= 0:
            continue
        height = max(1.0, float(amount / top) * inner_h)
        x = CHART_MARGIN + index * step + (step - width) / 2
        tip = f"{label}: {format_money(Money(amount, currency))}"
        parts.append(f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{width:.1f}" height="{height:.1f}" '
                     f'fill="#1f7a5a"><title>{escape(tip)}</title></rect>')
    for index in sorted({0, len(bars) // 2, len(bars) - 1}):
        x = CHART_MARGIN + index * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle" fill="#6b7785">'
                     f"{escape(bars[index][0])}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def load_report(engine: Engine, period: Period, tz: tzinfo) -> PaymentsReport:
    with Session(engine) as session:
        return payments_report(session, start=period.start, end=period.end, by=period.by, tz=tz)


def load_summary(engine: Engine, period: Period, tz: tzinfo) -> PaymentsReport:
    with Session(engine) as session:
        return payments_summary(session, start=period.start, end=period.end, by=period.by, tz=tz)


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        period = Period.from_query(request.query_params, portal.today())
        report = await portal.run(load_summary, portal.engine, period, portal.settings.tz)
        currencies = sorted({total.currency for total in report.totals})
        charts = [bar_chart(daily_amounts(report, currency), currency, f"Pagos por día en {currency}")
                  for currency in currencies] if period.by is GroupBy.DAY else []
        return portal.pages.render(request, "reports.html", report=report, period=period, charts=charts,
                                   groupings=list(GroupBy))

    async def download(request: Request, viewer: Viewer) -> Response:
        fmt = DOWNLOADS.get(request.path_params["fmt"])
        if fmt is None:
            return Response(status_code=404)
        period = Period.from_query(request.query_params, portal.today())
        report = await portal.run(load_report, portal.engine, period, portal.settings.tz)
        data = await portal.run(render, report, fmt, portal.settings.tz)
        name = f"pagos-{period.start.isoformat()}-a-{period.end.isoformat()}.{fmt.suffix}"
        return Response(data, media_type=fmt.mime_type, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})

    return [
        Route("/informes", portal.guard(index), methods=["GET"]),
        Route("/informes/pagos.{fmt}", portal.guard(download), methods=["GET"]),
    ]
