"""`paybot bank import`: the company's own bank movements from each bank's CSV or XLSX export, all rows or
none with a per-row report; a row already loaded (the same export again, or an overlapping one) is not
loaded twice."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot.accounting.bank_profiles import BankProfile
from bot.accounting.matching import reference_key
from bot.db.models import BankImport, BankMovement
from currency.text import (
    BadRow,
    UndecodableFile,
    csv_rows,
    decode_bytes,
    normalize_header,
    parse_amount,
    parse_date,
    sniff_delimiter,
)

MAX_ROWS = 200_000
XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_UNPACKED = 128 * 1024 * 1024
"""The most an XLSX may unpack to (a bank's 200 000 rows take far less): a small file that unpacks to gigabytes
is a zip bomb, refused before openpyxl reads it."""


class BankFileError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header row of that bank)."""


@dataclass(frozen=True)
class ParsedMovement:
    row: int
    booked_on: date
    amount: Decimal
    currency: str
    reference: str
    description: str


@dataclass
class BankImportReport:
    """What an import did or would do: the rows read, the new ones, and every row refused with why."""

    bank: str
    file_name: str
    rows: int = 0
    new_rows: int = 0
    already_loaded: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    matched: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_text(self) -> str:
        if not self.ok:
            lines = [f"{self.file_name}: no se importó nada ({len(self.errors)} filas con errores de {self.rows}):"]
            lines += [f"  fila {row}: {message}" if row else f"  {message}" for row, message in self.errors]
            return "\n".join(lines)
        return (f"{self.file_name} ({self.bank}): {self.rows} movimientos, {self.new_rows} nuevos, "
                f"{self.already_loaded} ya estaban; {self.matched} pagos conciliados")


def _unpacked_size(data: bytes) -> int:
    """What the XLSX's parts unpack to, as its zip directory declares (zipfile never inflates past that)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise BankFileError(f"no es un XLSX legible: {type(error).__name__}") from error


def _cells_from_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    if (unpacked := _unpacked_size(data)) > MAX_XLSX_UNPACKED:
        raise BankFileError(f"el XLSX se descomprime a {unpacked // 2**20} MB, más de los "
                            f"{MAX_XLSX_UNPACKED // 2**20} MB de un estado de cuenta: ¿es el archivo del banco?")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise BankFileError(f"no es un XLSX legible: {type(error).__name__}") from error
    try:
        sheet = book.worksheets[0]
        return [list(row) for _, row in zip(range(MAX_ROWS + 50), sheet.iter_rows(values_only=True), strict=False)]
    finally:
        book.close()


def _cells_from_csv(data: bytes) -> list[list[Any]]:
    try:
        text = decode_bytes(data)
    except UndecodableFile as error:
        raise BankFileError(str(error)) from error
    lines = text.splitlines()
    delimiter = max((";", ",", "\t"), key=lambda d: max((line.count(d) for line in lines[:30]), default=0))
    if not any(delimiter in line for line in lines[:30]):
        delimiter = sniff_delimiter(text)
    try:
        return [list(row) for _, row in csv_rows(text, delimiter)]
    except BadRow as error:
        raise BankFileError(str(error)) from None


def read_cells(data: bytes) -> list[list[Any]]:
    """The file's rows as cells: XLSX (first sheet) by its signature, otherwise CSV in UTF-8 or Windows-1252."""
    return _cells_from_xlsx(data) if data.startswith(XLSX_MAGIC) else _cells_from_csv(data)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _find_header(rows: Sequence[Sequence[Any]], profile: BankProfile) -> tuple[int, dict[str, int]]:
    wanted = {role: profile.header(role) for role in profile.columns}
    for index, row in enumerate(rows[:50]):
        headers = [normalize_header(_text(cell)) for cell in row]
        if all(header in headers for header in wanted.values()):
            return index, {role: headers.index(header) for role, header in wanted.items() if header}
    names = ", ".join(f"«{h}»" for h in profile.columns.values())
    raise BankFileError(f"no se encontró la fila de títulos de {profile.bank} ({names}): ¿es el archivo de ese banco?")


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(_text(value)) if _text(value) else None


def _amount(value: Any) -> Decimal | None:
    if value is None or _text(value) == "":
        return Decimal("0")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    typed = parse_amount(_text(value))
    return typed.value.quantize(Decimal("0.01")) if typed is not None else None


def parse_movements(data: bytes, profile: BankProfile) -> tuple[list[ParsedMovement], list[tuple[int, str]], int]:
    """(movements, errors by row number as a spreadsheet numbers it, rows read)."""
    rows = read_cells(data)
    header_index, at = _find_header(rows, profile)
    skip = tuple(s.casefold() for s in profile.skip_rows_starting_with)
    movements: list[ParsedMovement] = []
    errors: list[tuple[int, str]] = []
    read = 0
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        cells = [_text(cell) for cell in row]
        if not any(cells):
            continue
        if cells[0].casefold().startswith(skip) if skip else False:
            continue
        read += 1
        if read > MAX_ROWS:
            errors.append((number, f"más de {MAX_ROWS} movimientos: divida el archivo"))
            break

        def cell(role: str, row: Sequence[Any] = row) -> Any:
            index = at.get(role)
            return row[index] if index is not None and index < len(row) else None

        problems = []
        booked_on = _date(cell("date"))
        if booked_on is None:
            problems.append(f"fecha no válida «{_text(cell('date'))}»")
        if "amount" in at:
            amount = _amount(cell("amount"))
            if amount is None:
                problems.append(f"monto no válido «{_text(cell('amount'))}»")
        else:
            credit, debit = _amount(cell("credit")), _amount(cell("debit"))
            if credit is None:
                problems.append(f"crédito no válido «{_text(cell('credit'))}»")
            if debit is None:
                problems.append(f"débito no válido «{_text(cell('debit'))}»")
            amount = None if credit is None or debit is None else abs(credit) - abs(debit)
        currency = profile.currency
        if "currency" in at and _text(cell("currency")):
            named = _text(cell("currency")).upper().replace("₡", "CRC").replace("$", "USD")
            currency = {"COLONES": "CRC", "DOLARES": "USD", "DÓLARES": "USD"}.get(named, named)
            if currency not in ("CRC", "USD"):
                problems.append(f"moneda no válida «{_text(cell('currency'))}»")
        if amount is not None and amount == 0 and not problems:
            problems.append("sin monto (débito y crédito vacíos)")
        if problems:
            errors.append((number, "; ".join(problems)))
            continue
        assert booked_on is not None and amount is not None
        movements.append(ParsedMovement(number, booked_on, amount, currency, _text(cell("reference"))[:80],
                                        _text(cell("description"))[:300]))
    return movements, errors, read


def source_keys(bank: str, movements: Iterable[ParsedMovement]) -> list[str]:
    """A key per movement, the same for the same row in any export of that bank: its fields, and how many
    identical rows came before it in the file (two equal transfers on one day stay two)."""
    seen: Counter[tuple[str, ...]] = Counter()
    keys = []
    for movement in movements:
        fields = (bank, movement.booked_on.isoformat(), str(movement.amount), movement.currency,
                  movement.reference, movement.description)
        seen[fields] += 1
        keys.append(hashlib.sha256("|".join((*fields, str(seen[fields]))).encode()).hexdigest())
    return keys


def import_movements(session: Session, data: bytes, profile: BankProfile, *, file_name: str, actor: str,
                     dry_run: bool = False) -> BankImportReport:
    """Load the file in the caller's transaction: every row or none; rows already loaded are skipped."""
    report = BankImportReport(bank=profile.bank, file_name=Path(file_name).name)
    try:
        movements, errors, read = parse_movements(data, profile)
    except BankFileError as error:
        report.errors.append((0, str(error)))
        return report
    report.rows = read
    report.errors.extend(errors)
    if not report.ok:
        return report
    keys = source_keys(profile.bank, movements)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(session.exec(
            select(BankMovement.source_key).where(col(BankMovement.source_key).in_(keys[start:start + 500]))
        ).all())
    new = [(key, movement) for key, movement in zip(keys, movements, strict=True) if key not in existing]
    report.new_rows = len(new)
    report.already_loaded = len(movements) - len(new)
    if dry_run:
        return report
    batch = BankImport(bank=profile.bank, file_name=report.file_name[:300],
                       file_sha256=hashlib.sha256(data).hexdigest(), rows=read, new_rows=len(new), imported_by=actor)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    for key, movement in new:
        session.add(BankMovement(
            source_key=key, import_id=batch.id, bank=profile.bank, booked_on=movement.booked_on,
            amount=movement.amount, currency=movement.currency, reference=movement.reference,
            reference_key=reference_key(movement.reference), description=movement.description,
        ))
    session.flush()
    return report
