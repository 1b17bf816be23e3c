"""A statement laid out as a document: a terminal table, CSV, HTML (a template operators may override) or PDF."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape

from bot.account.statement import CURRENCY_NAMES, LABELS, Statement, StatementSection
from bot.accounting.spreadsheet import escape_text
from currency.money import THOUSANDS_SEPARATOR

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
"""A font with the colón sign (₡); `scripts/setup-system.sh` installs DejaVu. Without one the PDF writes CRC."""


HEADING = FontFace(emphasis="BOLD", fill_color=(232, 236, 241))


class StatementFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"

    @property
    def mime_type(self) -> str:
        return {"table": "text/plain", "csv": "text/csv", "html": "text/html", "pdf": "application/pdf"}[self.value]

    @property
    def extension(self) -> str:
        return "txt" if self is StatementFormat.TABLE else self.value


def file_name(statement: Statement, fmt: StatementFormat) -> str:
    """`estado-de-cuenta-1001-2026-11-27.pdf`: what the customer sees as the attachment's name."""
    return f"estado-de-cuenta-{statement.client_id}-{statement.end.isoformat()}.{fmt.extension}"


def render(statement: Statement, fmt: StatementFormat, *, templates_dir: Path | None = None) -> bytes:
    """The statement as the bytes of a file in `fmt` (UTF-8 for the text formats)."""
    if fmt is StatementFormat.PDF:
        return render_pdf(statement)
    if fmt is StatementFormat.HTML:
        return render_html(statement, templates_dir=templates_dir).encode()
    if fmt is StatementFormat.CSV:
        return render_csv(statement).encode()
    return render_table(statement).encode()


def _fecha(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _rate_line(statement: Statement, section: StatementSection) -> str:
    if section.closing_in_colones is None:
        return LABELS["no_rate"]
    rate = statement.rate
    described = f" ({rate.describe()})" if rate is not None else ""
    return f"{LABELS['in_colones']} {section.closing_in_colones}{described}"


def _summary(statement: Statement, section: StatementSection) -> list[tuple[str, str]]:
    rows = [
        (LABELS["opening"], section.balance_text(section.opening)),
        (LABELS["total_charges"], section.money(section.total_charges)),
        (LABELS["total_credits"], section.money(section.total_credits)),
        (f"{LABELS['closing']} {statement.end:%d/%m/%Y}", section.balance_text(section.closing)),
    ]
    if section.credit_available > 0:
        rows.append((LABELS["credit_available"], section.money(section.credit_available)))
    return rows


def _open_lines(statement: Statement, section: StatementSection) -> list[str]:
    lines = []
    for charge in section.open_charges:
        late = f" ({LABELS['overdue']})" if charge.overdue(statement.end) else ""
        lines.append(f"{charge.description}: {section.money(charge.open)}, "
                     f"{LABELS['due'].lower()} {charge.due_date:%d/%m/%Y}{late}")
    return lines


def render_table(statement: Statement) -> str:
    """For a terminal: aligned columns, es-CR amounts."""
    out = [
        f"{statement.company} · {LABELS['title']}",
        f"{LABELS['client']}: {statement.customer_name} ({LABELS['client_id']} {statement.client_id})",
        f"{LABELS['period']}: {statement.period_text} · {LABELS['issued']} {statement.issued_on:%d/%m/%Y}",
    ]
    if not statement.sections:
        out += ["", LABELS["no_entries"]]
    for section in statement.sections:
        header = (LABELS["date"], LABELS["detail"], LABELS["reference"], LABELS["charge"], LABELS["credit"],
                  LABELS["balance"])
        rows = [("", LABELS["opening"], "", "", "", section.money(section.opening))]
        for line in section.lines:
            detail = line.description + (f" ({line.note})" if line.note else "")
            rows.append((
                _fecha(line.on_date), detail, line.reference,
                section.money(line.charge) if line.charge is not None else "",
                section.money(line.credit) if line.credit is not None else "",
                section.money(line.balance),
            ))
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(6)]
        widths[1] = min(widths[1], 70)

        def fmt(row: tuple[str, ...], widths: list[int] = widths) -> str:
            cells = [str(row[i])[:widths[i]].ljust(widths[i]) if i < 3 else str(row[i]).rjust(widths[i])
                     for i in range(6)]
            return "  ".join(cells).rstrip()

        out += ["", f"{LABELS['currency']}: {CURRENCY_NAMES.get(section.currency, section.currency)}", fmt(header),
                "  ".join("-" * w for w in widths)]
        out += [fmt(row) for row in rows]
        out.append("")
        width = max(len(label) for label, _ in _summary(statement, section))
        out += [f"{label.ljust(width)}  {value}" for label, value in _summary(statement, section)]
        if section.currency != "CRC":
            out.append(_rate_line(statement, section))
        opened = _open_lines(statement, section)
        out += ["", f"{LABELS['open_charges']}:", *(f"  {line}" for line in opened)] if opened else [
            "", LABELS["no_open"]]
    return "\n".join(out) + "\n"


CSV_HEADER = ("moneda", "fecha", "tipo", "detalle", "referencia", "vence", "cargo", "abono", "saldo", "nota")


def render_csv(statement: Statement) -> str:
    """For spreadsheets: one row per entry after an opening-balance row; ISO dates, '.' decimals (seed 004);
    text that a spreadsheet would run as a formula (a reference read off a customer's receipt) is escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for section in statement.sections:
        first = statement.start.isoformat() if statement.start else ""
        writer.writerow((section.currency, first, LABELS["opening"], "", "", "", "", "", _plain(section.opening), ""))
        for line in section.lines:
            writer.writerow((
                section.currency, line.on_date.isoformat(), escape_text(line.kind.label),
                escape_text(line.description), escape_text(line.reference or ""),
                line.due_date.isoformat() if line.due_date else "", _plain(line.charge), _plain(line.credit),
                _plain(line.balance), escape_text(line.note or ""),
            ))
    return buffer.getvalue()


def _environment(templates_dir: Path | None) -> Environment:
    loaders: list[Any] = []
    if templates_dir is not None:
        loaders.append(FileSystemLoader(str(templates_dir)))
    loaders.append(PackageLoader("bot", "scripts_templates"))
    env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["fecha"] = _fecha
    return env


def render_html(statement: Statement, *, templates_dir: Path | None = None) -> str:
    """A page a customer can open or print: `statement.html.j2`, overridable from PAYBOT_TEMPLATES_DIR."""
    template = _environment(templates_dir).get_template("statement.html.j2")
    sections = [
        {
            "section": section,
            "name": CURRENCY_NAMES.get(section.currency, section.currency),
            "summary": _summary(statement, section),
            "open_lines": _open_lines(statement, section),
            "rate_line": _rate_line(statement, section) if section.currency != "CRC" else "",
        }
        for section in statement.sections
    ]
    return template.render(statement=statement, sections=sections, labels=LABELS)


class _Pdf(FPDF):
    """A4 pages with the company and page number in the footer."""

    def __init__(self, statement: Statement) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.statement = statement
        self.font_name = "Helvetica"
        self.unicode = False
        for candidate in FONT_CANDIDATES:
            if candidate.is_file():
                self.add_font("DejaVu", "", str(candidate))
                bold = candidate.with_name("DejaVuSans-Bold.ttf")
                self.add_font("DejaVu", "B", str(bold if bold.is_file() else candidate))
                self.font_name, self.unicode = "DejaVu", True
                break
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=16)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.replace("₡", "CRC ").replace(THOUSANDS_SEPARATOR, " ").encode("latin-1", "replace").decode(
            "latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_name, "", 8)
        self.set_text_color(110)
        line = f"{self.statement.company} · {LABELS['title']} · {self.page_no()}/{{nb}}"
        self.cell(0, 5, self.text_of(line), align="C")
        self.set_text_color(0)

    def line_text(self, value: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        self.set_font(self.font_name, style, size)
        self.multi_cell(0, height, self.text_of(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(statement: Statement) -> bytes:
    """A PDF for the customer, made with fpdf2: header, one table per currency, totals, what is open."""
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = _Pdf(statement)
    pdf.set_title(f"{LABELS['title']} {statement.client_id}")
    pdf.set_author(statement.company)
    pdf.set_creator("paybot")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.line_text(statement.company, 16, "B", 8)
    pdf.line_text(LABELS["title"], 13, "B", 7)
    pdf.line_text(f"{LABELS['client']}: {statement.customer_name}")
    pdf.line_text(f"{LABELS['client_id']}: {statement.client_id}")
    pdf.line_text(f"{LABELS['period']}: {statement.period_text}")
    pdf.line_text(f"{LABELS['issued']} {statement.issued_on:%d/%m/%Y}")
    if not statement.sections:
        pdf.ln(4)
        pdf.line_text(LABELS["no_entries"])
    for section in statement.sections:
        pdf.ln(4)
        pdf.line_text(f"{LABELS['currency']}: {CURRENCY_NAMES.get(section.currency, section.currency)}", 11, "B")
        pdf.set_font(pdf.font_name, "", 8.5)
        widths = (22, 64, 26, 22, 22, 30)
        align = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
        with pdf.table(col_widths=widths, text_align=align, line_height=4.6, padding=1,
                       headings_style=HEADING, first_row_as_headings=True) as table:
            heading = table.row()
            for key in ("date", "detail", "reference", "charge", "credit", "balance"):
                heading.cell(pdf.text_of(LABELS[key]))
            opening = table.row()
            for value in ("", LABELS["opening"], "", "", "", section.money(section.opening)):
                opening.cell(pdf.text_of(value))
            for line in section.lines:
                row = table.row()
                detail = line.description + (f"\n{line.note}" if line.note else "")
                for value in (
                    _fecha(line.on_date), detail, line.reference,
                    section.money(line.charge) if line.charge is not None else "",
                    section.money(line.credit) if line.credit is not None else "",
                    section.money(line.balance),
                ):
                    row.cell(pdf.text_of(value))
        pdf.ln(3)
        for label, value in _summary(statement, section):
            pdf.set_font(pdf.font_name, "B" if label.startswith(LABELS["closing"]) else "", 10)
            pdf.cell(70, 5.5, pdf.text_of(label))
            pdf.cell(0, 5.5, pdf.text_of(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if section.currency != "CRC":
            pdf.line_text(_rate_line(statement, section), 9)
        pdf.ln(2)
        opened = _open_lines(statement, section)
        if opened:
            pdf.line_text(f"{LABELS['open_charges']}:", 10, "B")
            for text in opened:
                pdf.line_text(f"• {text}", 9)
        else:
            pdf.line_text(LABELS["no_open"], 9)
    pdf.ln(4)
    pdf.line_text(LABELS["footer"], 9)
    return bytes(pdf.output())
