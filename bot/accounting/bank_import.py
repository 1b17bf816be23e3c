"""`paybot bank import`: the company's own bank movements from each bank's CSV or XLSX export, all rows or
none with a per-row report; a row already loaded (the same export again, or an overlapping one) is not
loaded twice."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.accounting.bank_profiles import BankProfile
from bot.accounting.matching import reference_key
from bot.db.models import BankImport, BankMovement
from bot.db.types import utcnow
from currency.text import currency_code, fold, normalize_header, parse_amount
from currency.text.amounts import parse_ledger_amount
from currency.text.contents import (
    KINDS,
    SAMPLE_ROWS,
    Kind,
    amounts_of,
    balance_explains,
    column_cells,
    find_table,
    guess_roles,
)
from currency.text.tables import (
    HeaderMatch,
    UnreadableTable,
    Vocabulary,
    cell_date,
    cell_text,
    date_order,
    decimal_of,
    read_sheets,
    text_of_rows,
)

MAX_ROWS = 200_000
INSERT_BATCH = 2_000
"""Movements written per statement: one plain INSERT of many rows, never an ORM object per movement."""

BANK_VOCABULARY = Vocabulary(
    wordings={
        "date": ("Fecha", "Fecha contable", "Fecha de movimiento", "Fecha movimiento", "F. Valor",
                 "Fecha de transacción", "Fecha de registro", "Date", "Posting date"),
        "debit": ("Débito", "Débitos", "Cargo", "Retiro", "Retiros", "Débito de transacción", "Debe", "Debit",
                  "Withdrawal"),
        "credit": ("Crédito", "Créditos", "Abono", "Depósito", "Depósitos", "Crédito de transacción", "Haber",
                   "Credit", "Deposit"),
        "balance": ("Saldo", "Saldo contable", "Saldo disponible", "Balance", "Balance de transacción"),
        "amount": ("Monto", "Importe", "Valor", "Amount"),
        "reference": ("Referencia", "N° documento", "Número de documento", "Documento", "Comprobante", "Núm. Ref.",
                      "Número de referencia", "Referencia de transacción", "Reference"),
        "description": ("Descripción", "Concepto", "Detalle", "Glosa", "Descripción de transacción", "Description"),
        "currency": ("Moneda", "Divisa", "Currency"),
        "direction": ("Tipo", "Tipo de movimiento", "D/C", "C/D", "DB/CR", "Débito/Crédito", "Naturaleza", "Signo"),
        "ignored": ("Código", "Código de transacción", "Oficina", "Hora", "Cuenta"),
    },
    blocked={
        "amount": ("debito", "credito", "cargo", "abono", "retiro", "deposito", "saldo", "debe", "haber"),
        "reference": ("fecha", "monto", "saldo"),
        "description": ("fecha", "monto", "saldo"),
        "debit": ("saldo",),
        "credit": ("saldo",),
    },
)
"""The wordings banks use for each column; a header nobody listed is matched by similarity."""
FOOTER_WORDS = ("total", "totales", "saldo", "resumen", "pagina", "fin del", "generado", "impreso", "este documento",
                "movimientos", "cantidad", "subtotal")
"""Words that mark a line under the movements (totals, balances, page footers), not a movement."""
BALANCE_WORDS = ("saldo anterior", "saldo inicial", "saldo final", "saldo al corte", "saldo del dia")
DEBIT_MARKS = frozenset({"d", "db", "dr", "deb", "debito", "debitos", "cargo", "retiro", "egreso", "salida", "-"})
CREDIT_MARKS = frozenset({"c", "cr", "cred", "credito", "creditos", "abono", "deposito", "ingreso", "entrada", "+"})
"""What a debit/credit column (`D/C`, `Tipo`) says about an unsigned amount beside it."""


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
    """What an import did or would do: the rows read, the new ones, every row refused with why, every line
    left aside (titles, totals, balances) with why, and how the columns were recognised."""

    bank: str
    file_name: str
    rows: int = 0
    new_rows: int = 0
    already_loaded: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    matched: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_text(self) -> str:
        if not self.ok:
            lines = [f"{self.file_name}: no se importó nada ({len(self.errors)} filas con errores de {self.rows}):"]
            lines += [f"  fila {row}: {message}" if row else f"  {message}" for row, message in self.errors]
        else:
            lines = [f"{self.file_name} ({self.bank}): {self.rows} movimientos, {self.new_rows} nuevos, "
                     f"{self.already_loaded} ya estaban; {self.matched} pagos conciliados"]
            if self.rejected:
                lines.append(f"  {len(self.rejected)} filas rechazadas, no se importaron (corríjalas e importe el "
                             "archivo otra vez: lo ya cargado no se repite):")
                lines += [f"  fila {row}: {message}" for row, message in self.rejected]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  fila {row} omitida: {why}" for row, why in self.skipped[:50]]
        if len(self.skipped) > 50:
            lines.append(f"  ... y {len(self.skipped) - 50} filas omitidas más")
        return "\n".join(lines)


def read_cells(data: bytes) -> list[list[Any]]:
    """The first sheet's rows as cells (XLSX by its signature, otherwise CSV in any of Excel's encodings)."""
    try:
        return read_sheets(data, max_rows=MAX_ROWS + 50)[0].rows
    except UnreadableTable as error:
        raise BankFileError(str(error)) from error


def _complete(columns: Mapping[str, int]) -> bool:
    return "date" in columns and ("amount" in columns or {"debit", "credit"} <= set(columns))


def _other_bank_named(profile: BankProfile, text: str, others: Iterable[BankProfile]) -> BankProfile | None:
    """Another known bank the lines above the titles name while this one's name is nowhere there."""
    folded = fold(text)

    def named(candidate: BankProfile) -> bool:
        names = {fold(n) for n in (candidate.name, *candidate.aliases) if len(n) >= 4}
        return any(re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", folded) for name in names)

    if named(profile):
        return None
    return next((other for other in others if other.bank != profile.bank and named(other)), None)


def locate_header(data: bytes, profile: BankProfile,
                  others: Iterable[BankProfile] = ()) -> tuple[HeaderMatch, list[str]]:
    """The row of titles and each role's column: the bank's mapping when the file has all its headers,
    else the columns recognised by their wording (said in the notes)."""
    try:
        sheets = read_sheets(data, max_rows=MAX_ROWS + 50)
    except UnreadableTable as error:
        raise BankFileError(str(error)) from error
    wanted = {role: header for role in profile.columns if (header := profile.header(role))}
    try:
        match = find_table(sheets, BANK_VOCABULARY, _complete, _by_contents, preferred=wanted)
    except UnreadableTable as error:
        raise BankFileError(str(error)) from error
    if match is None or not _complete(match.columns):
        names = ", ".join(f"«{h}»" for h in profile.columns.values())
        expected = f" ({names})" if names else ""
        raise BankFileError(f"no se encontró la fila de títulos de {profile.bank}{expected}: hace falta una "
                            "columna de fecha y una de monto (o de débito y crédito): ¿es el archivo de ese banco?")
    other = _other_bank_named(profile, text_of_rows(match.sheet.rows[:match.row]), others)
    if other is not None:
        raise BankFileError(f"el archivo dice ser de {other.name}, no de {profile.name}: use --bank {other.bank}")
    headers = [normalize_header(label) for label in match.labels]
    by_profile = bool(wanted) and all(header in headers for header in wanted.values())
    notes = []
    if not by_profile:
        by_name = set(match.columns) - match.by_contents
        found = ", ".join(f"{ROLE_NAMES[role]} «{match.label(role)}»" for role in ROLE_NAMES if role in by_name)
        reason = "sin formato conocido de ese banco" if not wanted else "no trae los títulos de su formato conocido"
        notes.append(f"{reason}: columnas reconocidas por su nombre: {found}" if found else reason)
    notes += [note for note in (match.where(), *match.notes) if note]
    return match, notes


MARKS = Kind("débito o crédito", lambda value: fold(cell_text(value)).rstrip(".") in DEBIT_MARKS | CREDIT_MARKS)
CONTENTS = (("date", "date", True), ("reference", "code", False), ("description", "text", False),
            ("currency", "currency", False), ("direction", "mark", False))
"""The columns told by their contents when no title names them (amounts apart: see `_amounts_by_contents`)."""


def _by_contents(match: HeaderMatch) -> HeaderMatch:
    """The roles the titles left out, told by the columns' contents: the date, then the amounts (one signed
    column, or debit and credit told apart by the running balance), then reference, description, currency."""
    names = {**ROLE_NAMES, "direction": "débito/crédito"}
    kinds = {**KINDS, "mark": MARKS}
    body = match.sheet.rows[match.row + 1:]
    titled = dict(match.columns)
    if "direction" in titled and not MARKS.fits(column_cells(body, titled["direction"])):
        del titled["direction"]
    first = guess_roles(body, match.labels, titled, CONTENTS[:1], names, kinds)
    if first.refusal:
        raise UnreadableTable(first.refusal)
    columns = {**titled, **first.columns}
    notes = [*match.notes, *first.notes]
    if "date" in columns and not _complete(columns):
        amounts, amount_notes = _amounts_by_contents(body, match.labels, columns)
        columns.update(amounts)
        notes += amount_notes
    rest = guess_roles(body, match.labels, columns, CONTENTS[1:], names, kinds)
    columns.update(rest.columns)
    return replace(match, columns=columns, notes=(*notes, *rest.notes),
                   by_contents=match.by_contents | {role for role in columns if titled.get(role) != columns[role]})


def _named(column: int, labels: Sequence[str]) -> str:
    label = labels[column] if column < len(labels) else ""
    return f"columna {column + 1} («{label}»)" if label else f"columna {column + 1}"


def _amounts_by_contents(body: Sequence[Sequence[Any]], labels: Sequence[str],
                         columns: Mapping[str, int]) -> tuple[dict[str, int], list[str]]:
    """The amount columns no title named: a running balance is told by each row moving it by the others; one
    column left is the signed amount; two are debit and credit, which the balance must tell apart."""
    width = max([len(labels), *(len(row) for row in body[:SAMPLE_ROWS])])
    free = [column for column in range(width) if column not in columns.values()
            and KINDS["amount"].fits(column_cells(body, column))]
    values = {column: amounts_of(body, column, _amount) for column in free}
    if "balance" in columns:
        values[columns["balance"]] = amounts_of(body, columns["balance"], _amount)

    def change(debit: int, credit: int) -> list[Decimal | None]:
        return [None if d is None and c is None else (c or Decimal(0)) - (d or Decimal(0))
                for d, c in zip(values[debit], values[credit], strict=True)]

    balance = columns.get("balance")
    amounts = list(free)
    if balance is None:
        for candidate in free:
            rest = [column for column in free if column != candidate]
            if (len(rest) == 1 and balance_explains(values[candidate], values[rest[0]])) or (
                    len(rest) == 2 and (balance_explains(values[candidate], change(rest[0], rest[1]))
                                        or balance_explains(values[candidate], change(rest[1], rest[0])))):
                balance, amounts = candidate, rest
                break
    found: dict[str, int] = {}
    why = "montos" + (f"; el saldo de la {_named(balance, labels)} lo confirma" if balance is not None else "")
    one_known = [role for role in ("debit", "credit") if role in columns]
    if len(one_known) == 1 and len(amounts) == 1:
        found["credit" if one_known[0] == "debit" else "debit"] = amounts[0]
    elif not one_known and len(amounts) == 1:
        found["amount"] = amounts[0]
    elif not one_known and len(amounts) == 2:
        left, right = amounts
        if balance is not None and balance_explains(values[balance], change(left, right)):
            found.update(debit=left, credit=right)
        elif balance is not None and balance_explains(values[balance], change(right, left)):
            found.update(debit=right, credit=left)
        else:
            raise UnreadableTable(
                f"la {_named(left, labels)} y la {_named(right, labels)} tienen montos, pero ningún título ni "
                "saldo dice cuál es débito y cuál crédito: póngales los títulos «Débito» y «Crédito»")
    elif len(amounts) > 2 and not one_known:
        named = ", ".join(_named(column, labels) for column in amounts)
        raise UnreadableTable(f"hay varias columnas de montos sin un título que diga qué son ({named}): póngales "
                              "títulos como «Monto», «Débito», «Crédito» o «Saldo»")
    notes = [f"{_named(column, labels)} tomada como «{ROLE_NAMES[role]}» por su contenido ({why})"
             for role, column in found.items()]
    return found, notes


ROLE_NAMES = {"date": "fecha", "reference": "referencia", "description": "descripción", "debit": "débito",
              "credit": "crédito", "amount": "monto", "currency": "moneda"}


def _amount(value: Any) -> Decimal | None:
    number = decimal_of(value)
    if number is not None:
        return number.quantize(Decimal("0.01"))
    if isinstance(value, bool):
        return None
    typed = parse_ledger_amount(cell_text(value))
    return typed.value.quantize(Decimal("0.01")) if typed is not None else None


def _footer_reason(cells: Sequence[str]) -> str | None:
    filled = [cell for cell in cells if cell]
    text = fold(" ".join(filled))
    if any(re.search(rf"(?<![a-z]){word}", text) for word in FOOTER_WORDS):
        return f"totales, saldos o pie de página: «{' '.join(filled)[:60]}»"
    if len(filled) == 1:
        return f"texto fuera de la tabla: «{filled[0][:60]}»"
    return None


def read_movements(data: bytes, profile: BankProfile, others: Iterable[BankProfile] = ()
                   ) -> tuple[list[ParsedMovement], list[tuple[int, str]], list[tuple[int, str]], int, list[str]]:
    """(movements, errors, lines left aside with why, movement rows read, notes on how the file was read);
    row numbers are the spreadsheet's."""
    match, notes = locate_header(data, profile, others)
    at = dict(match.columns)
    direction = at.pop("direction", None)
    if direction is not None:
        marks = {fold(cell_text(row[direction])).rstrip(".") for row in match.sheet.rows[match.row + 1:]
                 if direction < len(row) and cell_text(row[direction]) and at["date"] < len(row)
                 and cell_date(row[at["date"]]) is not None}
        if "amount" in at and not {"debit", "credit"} <= set(at) and marks and marks <= DEBIT_MARKS | CREDIT_MARKS:
            notes.append(f"el signo de cada monto sale de la columna «{match.labels[direction]}»")
        else:
            direction = None
    body = match.sheet.rows[match.row + 1:]
    dates = date_order(match.label("date"), ((line, row[at["date"]]) for line, row in
                                             enumerate(body, start=match.row + 2) if at["date"] < len(row)))
    if dates.refusal:
        raise BankFileError(dates.refusal)
    if dates.note:
        notes.append(dates.note)
    header_cells = [normalize_header(label) for label in match.labels]
    skip = tuple(fold(s) for s in profile.skip_rows_starting_with)
    movements: list[ParsedMovement] = []
    errors: list[tuple[int, str]] = []
    skipped: list[tuple[int, str]] = []
    read = 0
    for number, row in enumerate(body, start=match.row + 2):
        cells = [cell_text(cell) for cell in row]
        if not any(cells):
            continue
        if cells[0].lower() == match.labels[0].lower() and [
                normalize_header(c) for c in cells[:len(header_cells)]] == header_cells:
            skipped.append((number, "títulos repetidos"))
            continue
        if skip and fold(next(c for c in cells if c)).startswith(skip):
            skipped.append((number, f"fila «{next(c for c in cells if c)[:40]}» (formato del banco)"))
            continue

        def cell(role: str, row: Sequence[Any] = row) -> Any:
            index = at.get(role)
            return row[index] if index is not None and index < len(row) else None

        def label(role: str) -> str:
            return f"columna «{match.label(role)}»"

        booked_on = cell_date(cell("date"), month_first=dates.month_first)
        if booked_on is None:
            reason = _footer_reason(cells)
            if reason is not None:
                skipped.append((number, reason))
                continue
        read += 1
        if read > MAX_ROWS:
            errors.append((number, f"más de {MAX_ROWS} movimientos: divida el archivo"))
            break
        problems = []
        if booked_on is None:
            written = cell_text(cell("date"))
            way = " (la columna va mes/día)" if dates.month_first else ""
            problems.append(f"{label('date')}: fecha no válida «{written}»{way}" if written
                            else f"{label('date')}: falta la fecha")
        amount: Decimal | None
        currency = profile.currency
        if "amount" in at:
            amount = _amount(cell("amount"))
            if amount is None:
                problems.append(f"{label('amount')}: monto no válido «{cell_text(cell('amount'))}»")
            elif direction is not None:
                mark = fold(cell_text(row[direction] if direction < len(row) else "")).rstrip(".")
                if mark in DEBIT_MARKS | CREDIT_MARKS:
                    amount = -abs(amount) if mark in DEBIT_MARKS else abs(amount)
                else:
                    problems.append(f"columna «{match.labels[direction]}»: no dice si es débito o crédito "
                                    f"«{cell_text(row[direction]) if direction < len(row) else ''}»")
            typed = parse_amount(cell_text(cell("amount")))
            if typed is not None and typed.currency:
                currency = typed.currency
        else:
            credit, debit = _amount(cell("credit")), _amount(cell("debit"))
            if credit is None:
                problems.append(f"{label('credit')}: crédito no válido «{cell_text(cell('credit'))}»")
            if debit is None:
                problems.append(f"{label('debit')}: débito no válido «{cell_text(cell('debit'))}»")
            amount = None if credit is None or debit is None else abs(credit) - abs(debit)
        if "currency" in at and cell_text(cell("currency")):
            named = currency_code(cell_text(cell("currency")))
            if named is None:
                problems.append(f"{label('currency')}: moneda no válida «{cell_text(cell('currency'))}»")
            else:
                currency = named
        description = cell_text(cell("description"))
        if amount is not None and amount == 0 and not problems:
            if fold(description).startswith(BALANCE_WORDS) or fold(" ".join(cells)).startswith(BALANCE_WORDS):
                read -= 1
                skipped.append((number, f"saldo, no un movimiento: «{description[:40]}»"))
                continue
            problems.append(f"{label('amount')}: sin monto" if "amount" in at else
                            f"columnas «{match.label('debit')}» y «{match.label('credit')}»: sin monto (débito y "
                            "crédito vacíos)")
        if problems:
            errors.append((number, "; ".join(problems)))
            continue
        assert booked_on is not None and amount is not None
        movements.append(ParsedMovement(number, booked_on, amount, currency, cell_text(cell("reference"))[:80],
                                        description[:300]))
    return movements, errors, skipped, read, notes


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
                     dry_run: bool = False, others: Iterable[BankProfile] = (),
                     partial: bool = False) -> BankImportReport:
    """Load the file in the caller's transaction: every row or none (with `partial`, the good rows, and the
    bad ones listed as rejected); rows already loaded are skipped."""
    report = BankImportReport(bank=profile.bank, file_name=Path(file_name).name)
    try:
        movements, errors, skipped, read, notes = read_movements(data, profile, others)
    except BankFileError as error:
        report.errors.append((0, str(error)))
        return report
    report.rows = read
    (report.rejected if partial else report.errors).extend(errors)
    report.skipped.extend(skipped)
    report.notes.extend(notes)
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
    table = BankMovement.__table__  # type: ignore[attr-defined]
    now = utcnow()
    for start in range(0, len(new), INSERT_BATCH):
        session.execute(insert(table), [{
            "source_key": key, "import_id": batch.id, "bank": profile.bank, "booked_on": movement.booked_on,
            "amount": movement.amount, "currency": movement.currency, "reference": movement.reference,
            "reference_key": reference_key(movement.reference), "description": movement.description,
            "payment_id": None, "match_rule": None, "matched_at": None, "created_at": now,
        } for key, movement in new[start:start + INSERT_BATCH]])
    session.flush()
    return report
