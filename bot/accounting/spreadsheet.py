"""Tables that accounting opens in a spreadsheet: CSV as Excel in Spanish reads it (UTF-8 with BOM, `;`,
decimal comma), XLSX with real numbers and dates, and an aligned text table for the terminal. A text cell
starting with = + - @ (or a tab or carriage return) is escaped with a leading apostrophe in every export,
so a customer's name can never become a formula; numbers stay numbers, negative ones too."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import TypeAlias

Cell: TypeAlias = str | Decimal | int | date | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def escape_text(value: str) -> str:
    """`'=1+1` for `=1+1`: a spreadsheet shows it as text instead of running it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet's name), its column headers and rows of typed cells."""

    title: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)


def _local(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz) if value.tzinfo is not None else value


def csv_cell(value: Cell, tz: tzinfo) -> str:
    """A cell as Excel in Spanish reads it: 1234,50 (two decimals, no thousands mark), 27/11/2026."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"{_local(value, tz):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return escape_text(str(value))


def to_csv(sheets: Sequence[Sheet], tz: tzinfo) -> bytes:
    """UTF-8 with BOM, `;`-separated; several sheets follow each other, an empty line between them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow([escape_text(header) for header in sheet.headers])
        for row in sheet.rows:
            writer.writerow([csv_cell(value, tz) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[Sheet], tz: tzinfo) -> bytes:
    """One worksheet per sheet: numbers as numbers (two decimals shown), dates as dates, text as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        ws.append([escape_text(header) for header in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        widths = [len(header) for header in sheet.headers]
        for row_number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = ws.cell(row=row_number, column=column)
                if value is None:
                    continue
                if isinstance(value, bool):
                    cell.value = "sí" if value else "no"
                elif isinstance(value, Decimal):
                    cell.value = value
                    cell.number_format = MONEY_FORMAT
                elif isinstance(value, int):
                    cell.value = value
                elif isinstance(value, datetime):
                    cell.value = _local(value, tz).replace(tzinfo=None)
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, date):
                    cell.value = value
                    cell.number_format = DATE_FORMAT
                else:
                    cell.value = escape_text(str(value))
                    cell.data_type = "s"
                widths[column - 1] = max(widths[column - 1], min(len(csv_cell(value, tz)), 60))
        for column, width in enumerate(widths, start=1):
            ws.column_dimensions[ws.cell(row=1, column=column).column_letter].width = width + 2
        ws.freeze_panes = "A2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _aligned(values: Sequence[str], widths: Sequence[int], numeric: Sequence[bool]) -> str:
    return "  ".join(
        value.rjust(widths[i]) if numeric[i] else value.ljust(widths[i]) for i, value in enumerate(values)
    ).rstrip()


def to_text(sheets: Sequence[Sheet], tz: tzinfo) -> str:
    """Aligned columns for a terminal: numbers to the right, each sheet under its title."""
    blocks = []
    for sheet in sheets:
        cells = [[csv_cell(value, tz) for value in row] for row in sheet.rows]
        widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(sheet.headers)]
        numeric = [any(isinstance(row[i], Decimal | int) for row in sheet.rows) for i in range(len(sheet.headers))]

        lines = [sheet.title] + [_aligned(values, widths, numeric)
                                 for values in (sheet.headers, ["-" * width for width in widths], *cells)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
