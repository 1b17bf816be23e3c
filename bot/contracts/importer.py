"""Customer and payment-order CSV import as collections platforms do it (seed 004): all rows or none."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from bot.account.orders import OrderPosting, OrderRow, post_orders
from bot.db.models import Contract, ContractPeriod, Customer
from bot.db.types import utcnow
from currency.money import CURRENCIES, MAX_AMOUNT, too_large
from currency.tax import STANDARD_IVA, TaxError, parse_tax_rate
from currency.text import (
    currency_code,
    fold,
    international_phone,
    normalize_header,
    parse_amount,
    parse_phone,
)
from currency.text.contents import EMAIL, PHONE_PUNCTUATION, SAMPLE_ROWS, completer, find_table
from currency.text.tables import (
    HeaderMatch,
    UnreadableTable,
    Vocabulary,
    cell_date,
    cell_text,
    date_order,
    decimal_of,
    file_date_order,
    find_header,
    read_sheets,
)

Progress = Callable[[int, int], None]
"""Called with (rows done, rows total) while a file is validated and written."""

PROGRESS_EVERY = 2000
MAX_PHONES = 5
MAX_EMAILS = 5
DEFAULT_COUNTRY_CODE = "506"
NO_PHONE = "1"
"""Seed 004: "Si no tienes un número de celular, ingresa 1 en el campo de teléfono"."""

CLIENT_NOT_FOUND = "Cliente no existe"
LOCAL_TIME = ZoneInfo("America/Costa_Rica")


@dataclass(frozen=True)
class RowError:
    """One rejected cell: spreadsheet row (header is row 1), the column as written, its value, why."""

    row: int
    column: str
    value: str
    reason: str

    def to_text(self) -> str:
        return f"fila {self.row}, columna «{self.column}», valor «{self.value}»: {self.reason}"


@dataclass
class ImportReport:
    """What an import did or would do; with any error nothing was written."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    """Rows already stored exactly as the file has them (a re-import of the same file changes nothing)."""
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    account: OrderPosting | None = None
    header_row: int = 1
    recognised: dict[str, str] = field(default_factory=dict)
    """Columns taken by the similarity of their title: the column we read -> the title as written."""
    notes: list[str] = field(default_factory=list)
    """How the file was read where it could have been read otherwise (dates month first, a column taken by
    its contents)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors})

    def to_text(self) -> str:
        """The per-row report an operator reads after `paybot import`."""
        label = {"customers": "clientes", "contracts": "órdenes de pago"}.get(self.kind, self.kind)
        lines = []
        if self.errors:
            lines.append(
                f"{label}: {self.rows} filas leídas; {len(self.errors)} errores en {self.rejected_rows} "
                "filas; no se importó nada"
            )
            lines.extend(error.to_text() for error in self.errors)
        elif self.dry_run:
            lines.append(
                f"{label}: {self.rows} filas válidas; se crearían {self.created} y se actualizarían "
                f"{self.updated}, {self.unchanged} sin cambios (--dry-run: no se guardó nada)"
            )
        else:
            lines.append(
                f"{label}: {self.rows} filas importadas; {self.created} creadas, {self.updated} actualizadas, "
                f"{self.unchanged} sin cambios"
            )
        if self.account is not None and not self.errors:
            lines.append(self.account.to_text())
        if self.recognised:
            lines.append("columnas reconocidas por su nombre: " + ", ".join(
                f"«{written}» como «{column}»" for column, written in self.recognised.items()))
        if self.ignored_columns:
            lines.append("columnas ignoradas: " + ", ".join(self.ignored_columns))
        lines.extend(self.notes)
        return "\n".join(lines)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, no header)."""


def _aliases(mapping: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {normalize_header(alias): key for key, aliases in mapping.items() for alias in aliases}


_DOCUMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "document_type": (
        "Tipo de documento", "Tipo ID", "Tipo de identificación", "Tipo documento",
        "Document type", "ID type",
    ),
    "document_number": (
        "Número de documento", "Número ID Fiscal", "Número de identificación", "Numero documento",
        "Cédula", "Identificación", "N° de identificación", "Document number", "ID number", "Tax ID",
    ),
}

_CUSTOMER_ALIASES: dict[str, tuple[str, ...]] = {
    **_DOCUMENT_ALIASES,
    "client_id": ("ID cliente", "ID del cliente", "ID Wolk", "Código de cliente", "Client ID", "Customer ID"),
    "first_names": ("Nombres", "Nombre", "First names", "First name", "Name"),
    "last_names": ("Apellidos", "Apellido", "Last names", "Last name", "Surname"),
}
for _n in range(1, MAX_PHONES + 1):
    _first = _n == 1
    _CUSTOMER_ALIASES[f"phone_{_n}"] = (
        f"Celular_{_n}", f"Celular{_n}", f"Teléfono {_n}", f"Phone {_n}", f"Phone{_n}", f"Mobile {_n}",
        *(("Celular", "Teléfono", "Móvil", "Tel. celular", "Phone", "Mobile") if _first else ()),
    )
    _CUSTOMER_ALIASES[f"country_{_n}"] = (
        f"Celular_{_n} código país", f"Celular{_n} código país", f"Código país {_n}",
        f"Phone {_n} country code", f"Phone{_n} country code",
        *(("Código país", "Country code", "Phone country code") if _first else ()),
    )
for _n in range(1, MAX_EMAILS + 1):
    _CUSTOMER_ALIASES[f"email_{_n}"] = (
        f"Correo{_n}", f"Correo_{_n}", f"Correo {_n}", f"Email{_n}", f"Email {_n}", f"E-mail {_n}",
        *(("Correo", "Correo electrónico", "Email", "E-mail") if _n == 1 else ()),
    )

_CONTRACT_ALIASES: dict[str, tuple[str, ...]] = {
    **_DOCUMENT_ALIASES,
    "payment_code": ("Código de pago", "Código pago", "Payment code", "Contrato", "N° contrato", "Contract"),
    "installment": ("Cuota", "Número de cuota", "Installment"),
    "currency": ("Moneda", "Divisa", "Currency"),
    "fee": ("Monto", "Monto (OP)", "Monto OP", "Importe", "Valor cuota", "Amount", "Fee"),
    "charges": ("Cargos e intereses", "Cargos e intereses (OP)", "Cargos", "Intereses", "Charges",
                "Charges and interest"),
    "due_date": ("Fecha de vencimiento", "Fecha vencimiento", "Vencimiento", "Fecha vence", "Due date"),
    "balance": ("Saldo", "Saldo pendiente", "Balance", "Outstanding balance"),
    "period": ("Periodo", "Período", "Frecuencia", "Period"),
    "start_date": ("Fecha inicio", "Fecha de inicio", "Inicio", "Start date"),
    "end_date": ("Fecha fin", "Fecha de fin", "Fecha fin de contrato", "Fin de contrato", "End date"),
    "tax_rate": ("IVA", "Impuesto", "Tasa IVA", "% IVA", "Tax", "Tax rate", "VAT"),
}

CUSTOMER_HEADERS = _aliases(_CUSTOMER_ALIASES)
CONTRACT_HEADERS = _aliases(_CONTRACT_ALIASES)
CUSTOMER_VOCABULARY = Vocabulary(_CUSTOMER_ALIASES, blocked={
    "first_names": ("apellido", "apellidos"), "document_type": ("numero",), "client_id": ("nombre",),
})
CONTRACT_VOCABULARY = Vocabulary(_CONTRACT_ALIASES, blocked={
    "fee": ("saldo", "cargo", "interes"), "balance": ("monto",), "document_type": ("numero",),
})
"""The columns of each file by every wording we know; a header nobody listed is matched by similarity."""
CUSTOMER_CONTENTS = (("document_number", "document", True), ("document_type", "document_type", True),
                     ("phone_1", "phone", False), ("email_1", "email", False), ("country_1", "country", False))
CONTRACT_CONTENTS = (("document_number", "document", True), ("document_type", "document_type", True),
                     ("due_date", "date", True), ("fee", "amount", True), ("payment_code", "code", True),
                     ("currency", "currency", False), ("period", "period", False), ("tax_rate", "rate", False))
"""The columns told by their contents when no title names them: (column, what its cells hold, required)."""
CUSTOMER_REQUIRED = ("document_type", "document_number")
CONTRACT_REQUIRED = ("document_type", "document_number", "payment_code", "fee", "due_date")
_LABELS = {key: aliases[0] for key, aliases in {**_CUSTOMER_ALIASES, **_CONTRACT_ALIASES}.items()}

_DOCUMENT = re.compile(r"[A-Za-z0-9-]{1,60}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9-]{1,40}")
_DIGITS = re.compile(r"\d+")
_PLAIN_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,6})?")
_LONG_NUMBER = re.compile(r"\d{13,}([.,]\d{1,6})?")
"""Digits past MAX_AMOUNT's twelve before the decimals: a typo of extra digits, told as such."""
_GROUPED_NUMBER = re.compile(r"\d[\d .\-]*\d")
_PHONE_SEPARATORS = re.compile(r"\s*(?:/|,|;|\||\s[yo]\s)\s*")
_PERIOD_WORDS = {
    "mensual": ContractPeriod.MONTHLY, "monthly": ContractPeriod.MONTHLY, "mes": ContractPeriod.MONTHLY,
    "anual": ContractPeriod.ANNUAL, "annual": ContractPeriod.ANNUAL, "yearly": ContractPeriod.ANNUAL,
    "cuota": ContractPeriod.INSTALLMENT, "cuotas": ContractPeriod.INSTALLMENT,
    "installment": ContractPeriod.INSTALLMENT, "installments": ContractPeriod.INSTALLMENT,
}


class _Table:
    """The parsed file: canonical column -> position, the header as written, and the data rows (numbered as
    the spreadsheet numbers them, wherever the row of titles stands)."""

    def __init__(self, data: bytes, vocabulary: Vocabulary, required: Iterable[str],
                 wanted: Sequence[tuple[str, str, bool]]) -> None:
        try:
            sheets = read_sheets(data)
        except UnreadableTable as error:
            raise ImportFileError(str(error)) from error
        needed = tuple(required)

        def complete(found: Mapping[str, int]) -> bool:
            return all(key in found for key in needed)

        try:
            match = find_table(sheets, vocabulary, complete, completer(wanted, {**_LABELS, "email_1": "Correo"}))
        except UnreadableTable as error:
            raise ImportFileError(str(error)) from error
        if match is None or not complete(match.columns):
            match = find_header(sheets, vocabulary, lambda found: len(found) >= 2) or match
        if match is None:
            first = next((sheet for sheet in sheets if any(any(cell_text(c) for c in r) for r in sheet.rows)), None)
            if first is None:
                raise ImportFileError("el archivo está vacío")
            index = next(i for i, row in enumerate(first.rows) if any(cell_text(c) for c in row))
            labels = [cell_text(cell) for cell in first.rows[index]]
            match = HeaderMatch(first, index, {}, {}, labels)
        self.header_row = max(1, match.row + 1)
        self.notes = [note for note in (match.where(), *match.notes) if note]
        self.header = match.labels
        self.columns: dict[str, int] = dict(match.columns)
        self.guessed = dict(match.guessed)
        self.missing = [key for key in needed if key not in self.columns]
        self.rows = [
            (number, row) for number, row in enumerate(match.sheet.rows[match.row + 1:], start=match.row + 2)
            if any(cell_text(c) for c in row)
        ]
        width = max([len(self.header), *(len(row) for _, row in self.rows[:SAMPLE_ROWS])])
        self.ignored = [
            (self.header[index] if index < len(self.header) and self.header[index] else f"columna {index + 1}")
            for index in range(width) if index not in self.columns.values()
            and ((index < len(self.header) and self.header[index])
                 or any(index < len(row) and cell_text(row[index]) for _, row in self.rows[:SAMPLE_ROWS]))
        ]

    def label(self, key: str) -> str:
        index = self.columns.get(key)
        return self.header[index] if index is not None else _LABELS.get(key, key)

    def recognised(self) -> dict[str, str]:
        return {_LABELS.get(key, key): written for key, written in self.guessed.items()}

    def raw(self, row: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(row):
            return None
        return row[index]

    def cell(self, row: list[Any], key: str) -> str:
        return cell_text(self.raw(row, key))


class _RowChecker:
    """Collects the errors of one row, labelled with the column as the file writes it."""

    def __init__(self, table: _Table, row: int) -> None:
        self.table, self.row = table, row
        self.errors: list[RowError] = []

    def fail(self, key: str, value: str, reason: str) -> None:
        self.errors.append(RowError(self.row, self.table.label(key), value, reason))


def document_number(raw: str) -> str:
    """`1-1234-0567`, `1 1234 0567` -> `112340567`: a number written in groups is the same number; anything
    with letters (a passport, an internal code) stays as written."""
    value = raw.strip()
    if _GROUPED_NUMBER.fullmatch(value):
        return re.sub(r"\D", "", value)
    return value


def _doc_key(document_type: str, number: str) -> tuple[str, str]:
    return fold(document_type), document_number(number).upper()


def _amount(raw: Any) -> tuple[Decimal | None, str | None, str | None]:
    """A money cell: a number cell as it is, or a written amount in any unambiguous style (`10000.12`,
    `10.000,12`, `10,000.12`, `₡10 000`, `$45`): (value, the currency its symbol names, problem)."""
    number = decimal_of(raw)
    if number is None and isinstance(raw, str) and _PLAIN_AMOUNT.fullmatch(raw):
        number = Decimal(raw)
    if number is not None:
        value: Decimal = number
        currency = None
    else:
        typed = parse_amount(cell_text(raw))
        if typed is None and _LONG_NUMBER.fullmatch(cell_text(raw)):
            return None, None, f"Monto demasiado grande: a lo sumo {MAX_AMOUNT} (¿cifras de más?)"
        if typed is None:
            return None, None, "Monto inválido: escriba solo el monto, por ejemplo 10000.12"
        value, currency = typed.value, typed.currency
    if value < 0:
        return None, None, "El monto no puede ser negativo"
    if too_large(value):
        return None, None, f"Monto demasiado grande: a lo sumo {MAX_AMOUNT} (¿cifras de más?)"
    return value, currency, None


def _tax_text(raw: str) -> str:
    """`0,13` -> `0.13`, `13 %` -> `13%`: the rate as `parse_tax_rate` reads it."""
    value = raw.replace(" ", "")
    if re.fullmatch(r"\d+,\d+%?", value):
        value = value.replace(",", ".")
    return value


def _header_errors(table: _Table) -> list[RowError]:
    return [
        RowError(table.header_row, _LABELS.get(key, key), "",
                 f"Falta la columna obligatoria «{_LABELS.get(key, key)}»")
        for key in table.missing
    ]


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        progress(done, total)


def _country_code(raw: str) -> str | None:
    """`506`, `+506`, `00506` -> `506`; None when it is not a country code."""
    value = raw.strip().removeprefix("+")
    if value.startswith("00"):
        value = value[2:]
    return value if _DIGITS.fullmatch(value) and len(value) <= 3 else None


def _phone(piece: str, country: str) -> tuple[dict[str, str] | None, str | None]:
    """One written number (`8811-2233`, `+506 8811 2233`, `50688112233`, `(506) 8811-2233`) as
    ({country, national number}, None), or (None, why not)."""
    value = piece.strip()
    for prefix in ("whatsapp:", "tel:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    digits = PHONE_PUNCTUATION.sub("", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        parsed = parse_phone(digits)
        if parsed is None or not _DIGITS.fullmatch(digits[1:]):
            return None, "Número de celular inválido"
        return {"country": str(parsed.country_code), "number": str(parsed.national_number)}, None
    if not _DIGITS.fullmatch(digits):
        return None, "El celular lleva solo dígitos (se aceptan espacios, guiones y el prefijo +506)"
    if country == DEFAULT_COUNTRY_CODE:
        if len(digits) == 11 and digits.startswith(country):
            digits = digits[3:]
        if len(digits) != 8:
            return None, "Un celular de Costa Rica tiene 8 dígitos"
    if parse_phone(f"+{country}{digits}") is None:
        return None, f"Largo de celular inválido para el código de país {country}"
    return {"country": country, "number": digits}, None


def _phones_in(cell: str, country: str) -> tuple[list[dict[str, str]], str | None]:
    """Every number a cell holds (several may be separated by `/`, `,`, `;` or `y`); `1` means none."""
    phones = []
    for piece in _PHONE_SEPARATORS.split(cell.strip()):
        if not piece or piece == NO_PHONE:
            continue
        phone, problem = _phone(piece, country)
        if problem:
            return [], problem
        assert phone is not None
        phones.append(phone)
    return phones, None


def _whatsapp_of(phone: Mapping[str, str] | None) -> str | None:
    """A customer's first phone as the E.164 number WhatsApp writes from."""
    if phone is None:
        return None
    return international_phone(f"+{phone['country']}{phone['number']}") or None


def _emails_in(cell: str) -> list[str]:
    """The addresses a cell holds: one, or several separated by `,`, `;` or spaces (`mailto:` dropped)."""
    pieces = [piece.strip() for piece in re.split(r"[,;\s]+", cell.strip()) if piece.strip()]
    return [piece[7:] if piece.lower().startswith("mailto:") else piece for piece in pieces]


def _email_error(value: str) -> str | None:
    if not value.isascii():
        return "El correo no debe tener ñ, tildes ni caracteres especiales"
    if not EMAIL.fullmatch(value):
        return "Correo inválido"
    return None


@dataclass
class _CustomerRow:
    row: int
    client_id: str
    document_type: str
    document_number: str
    values: dict[str, Any]


def import_customers(
    session: Session, data: bytes, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Validate every row of a customers file, then create or update them all (or, on any error, none)."""
    table = _Table(data, CUSTOMER_VOCABULARY, CUSTOMER_REQUIRED, CUSTOMER_CONTENTS)
    report = ImportReport("customers", rows=len(table.rows), dry_run=dry_run, ignored_columns=table.ignored,
                          header_row=table.header_row, recognised=table.recognised(), notes=list(table.notes))
    report.errors.extend(_header_errors(table))
    if report.errors:
        return report
    existing: dict[tuple[str, str], tuple[int, str, str, Any, str | None]] = {}
    stored: dict[int, dict[str, Any]] = {}
    for cid, client_id, doc_type, number, old_phones, whatsapp, first_names, last_names, old_emails in session.execute(
        select(
            Customer.id, Customer.client_id, Customer.document_type, Customer.document_number,  # type: ignore[call-overload]
            Customer.phones, Customer.whatsapp_number, Customer.first_names, Customer.last_names, Customer.emails,
        )
    ):
        existing[_doc_key(doc_type, number)] = (cid, client_id, doc_type, old_phones, whatsapp)
        stored[cid] = {"client_id": client_id, "first_names": first_names, "last_names": last_names,
                       "phones": old_phones or [], "emails": old_emails or [], "whatsapp_number": whatsapp}
    numbers_in_db = {number: doc_type for (_t, number), (_i, _c, doc_type, _p, _w) in existing.items()}
    numbers_in_db.update({document_number(n).upper(): t for n, t in list(numbers_in_db.items())})
    client_ids_in_db = {client_id: key for key, (_i, client_id, *_rest) in existing.items()}
    has_names = {key: key in table.columns for key in ("first_names", "last_names")}
    phone_keys = [n for n in range(1, MAX_PHONES + 1) if f"phone_{n}" in table.columns]
    email_keys = [n for n in range(1, MAX_EMAILS + 1) if f"email_{n}" in table.columns]
    seen_numbers: dict[str, int] = {}
    seen_client_ids: dict[str, int] = {}
    parsed: list[_CustomerRow] = []
    total = len(table.rows)
    for done, (number_row, row) in enumerate(table.rows, start=1):
        _tick(progress, done, total)
        checker = _RowChecker(table, number_row)
        fail, errors = checker.fail, checker.errors

        doc_type = table.cell(row, "document_type")
        doc_number = document_number(table.cell(row, "document_number"))
        if not doc_type:
            fail("document_type", doc_type, "Falta el tipo de documento")
        elif len(doc_type) > 40:
            fail("document_type", doc_type, "Tipo de documento demasiado largo")
        if not doc_number:
            fail("document_number", doc_number, "Falta el número de documento")
        elif not _DOCUMENT.fullmatch(doc_number):
            fail("document_number", doc_number, "El número de documento va sin espacios ni símbolos")
        elif doc_number.upper() in seen_numbers:
            fail(
                "document_number", doc_number,
                f"Número de documento repetido: ya aparece en la fila {seen_numbers[doc_number.upper()]}",
            )
        else:
            seen_numbers[doc_number.upper()] = number_row
            other_type = numbers_in_db.get(doc_number.upper())
            if doc_type and other_type is not None and fold(other_type) != fold(doc_type):
                fail(
                    "document_number", doc_number,
                    f"El número de documento ya existe con el tipo «{other_type}»",
                )
        client_id = table.cell(row, "client_id") or doc_number
        if "client_id" in table.columns and client_id and not _CLIENT_ID.fullmatch(client_id):
            fail("client_id", client_id, "El ID cliente va sin espacios ni símbolos")
        elif client_id in seen_client_ids:
            first_row = seen_client_ids[client_id]
            fail("client_id", client_id, f"ID cliente repetido: ya aparece en la fila {first_row}")
        elif client_id:
            seen_client_ids[client_id] = number_row
            owner = client_ids_in_db.get(client_id)
            if owner is not None and doc_type and doc_number and owner != _doc_key(doc_type, doc_number):
                fail("client_id", client_id, f"El ID cliente ya pertenece al documento {owner[1]}")

        phones: list[dict[str, str]] = []
        for n in phone_keys:
            number = table.cell(row, f"phone_{n}")
            written_country = table.cell(row, f"country_{n}")
            if not number or number == NO_PHONE:
                continue
            country = _country_code(written_country) if written_country else DEFAULT_COUNTRY_CODE
            if country is None:
                fail(f"country_{n}", written_country, "El código de país son 1 a 3 dígitos (ej. 506)")
                continue
            found, problem = _phones_in(number, country)
            if problem:
                fail(f"phone_{n}", number, problem)
            phones.extend(phone for phone in found if phone not in phones)
        if len(phones) > MAX_PHONES:
            fail("phone_1", table.cell(row, "phone_1"), f"Más de {MAX_PHONES} celulares en la fila")
        emails: list[str] = []
        for n in email_keys:
            value = table.cell(row, f"email_{n}")
            for address in _emails_in(value):
                problem = _email_error(address)
                if problem:
                    fail(f"email_{n}", value, problem)
                elif address.lower() not in (e.lower() for e in emails):
                    emails.append(address)
        if len(emails) > MAX_EMAILS:
            fail("email_1", table.cell(row, "email_1"), f"Más de {MAX_EMAILS} correos en la fila")
        if not phones and not emails and not errors:
            column = "phone_1" if phone_keys else ("email_1" if email_keys else "document_number")
            reason = "Falta un medio de contacto: al menos un celular o un correo"
            fail(column, table.cell(row, column), reason)
        if errors:
            report.errors.extend(errors)
            continue
        values: dict[str, Any] = {"phones": phones, "emails": emails}
        for key, present in has_names.items():
            if present:
                values[key] = table.cell(row, key)[:200]
        parsed.append(_CustomerRow(number_row, client_id, doc_type, doc_number, values))
    table.rows.clear()
    if report.errors:
        return report

    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for item in parsed:
        doc_key = _doc_key(item.document_type, item.document_number)
        phones = item.values["phones"]
        first = phones[0] if phones else None
        if doc_key in existing:
            cid, _client, _type, old_phones, whatsapp = existing[doc_key]
            learned = [p for p in (old_phones or []) if p.get("source") == "payer" and p not in phones]
            update_ = {
                "_id": cid,
                "client_id": item.client_id,
                "first_names": item.values.get("first_names"),
                "last_names": item.values.get("last_names"),
                "phones": [*phones, *learned],
                "emails": item.values["emails"],
                "whatsapp_number": whatsapp or _whatsapp_of(first),
                "updated_at": now,
            }
            before = stored[cid]
            if all(before[name] == update_[name] for name in ("client_id", "phones", "emails", "whatsapp_number")
                   ) and all(before[name] == update_[name] for name, present in has_names.items() if present):
                report.unchanged += 1
            else:
                updates.append(update_)
        else:
            inserts.append({
                "client_id": item.client_id,
                "document_type": item.document_type,
                "document_number": item.document_number,
                "first_names": item.values.get("first_names", ""),
                "last_names": item.values.get("last_names", ""),
                "phones": phones,
                "emails": item.values["emails"],
                "whatsapp_number": _whatsapp_of(first),
                "telegram_user_id": None,
                "known_payer_names": [],
                "tags": [],
                "status": "active",
                "created_at": now,
                "updated_at": now,
            })
    report.created, report.updated = len(inserts), len(updates)
    if dry_run:
        return report
    table_ = Customer.__table__  # type: ignore[attr-defined]
    parsed.clear()
    if inserts:
        _execute_in_batches(session, insert(table_), inserts)
    if updates:
        columns = ["client_id", "phones", "emails", "whatsapp_number", "updated_at"]
        columns += [key for key, present in has_names.items() if present]
        statement = (
            update(table_)
            .where(table_.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in columns})
        )
        wanted = {*columns, "_id"}
        _execute_in_batches(session, statement, [{k: v for k, v in u.items() if k in wanted} for u in updates])
    session.flush()
    return report


def import_contracts(
    session: Session,
    data: bytes,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    default_tax_rate: Decimal = STANDARD_IVA,
    today: date | None = None,
    whole_colones: bool = False,
) -> ImportReport:
    """Validate every payment order against existing customers, then create or update them all or none.

    Each order's Cuota is then charged to the customer's account and a changed Saldo recorded
    (`bot.account.orders.post_orders`), dated `today` (default: today in Costa Rica).
    """
    table = _Table(data, CONTRACT_VOCABULARY, CONTRACT_REQUIRED, CONTRACT_CONTENTS)
    report = ImportReport("contracts", rows=len(table.rows), dry_run=dry_run, ignored_columns=table.ignored,
                          header_row=table.header_row, recognised=table.recognised(), notes=list(table.notes))
    report.errors.extend(_header_errors(table))
    if report.errors:
        return report
    customers: dict[tuple[str, str], int] = {}
    numbers: dict[str, str] = {}
    for cid, doc_type, number in session.execute(
        select(Customer.id, Customer.document_type, Customer.document_number)  # type: ignore[call-overload]
    ):
        customers[_doc_key(doc_type, number)] = cid
        numbers[document_number(number).upper()] = doc_type
    existing: dict[tuple[int, str, int], int] = {}
    previous_saldo: dict[tuple[int, str, int], Decimal | None] = {}
    stored: dict[int, dict[str, Any]] = {}
    for stored_row in session.execute(
        select(Contract.id, Contract.customer_id, Contract.payment_code, Contract.installment,  # type: ignore[call-overload,misc]
               Contract.imported_balance, Contract.fee, Contract.due_date, Contract.charges, Contract.period,
               Contract.start_date, Contract.end_date, Contract.tax_rate, Contract.currency)
    ):
        stored_key = (stored_row.customer_id, stored_row.payment_code, stored_row.installment)
        existing[stored_key] = stored_row.id
        previous_saldo[stored_key] = stored_row.imported_balance
        stored[stored_row.id] = dict(stored_row._mapping)
    posted: list[tuple[tuple[int, str, int], Decimal | None, Decimal | None]] = []
    month_first = _date_orders(table, report)
    if report.errors:
        return report
    optional_keys = ("charges", "balance", "period", "start_date", "end_date", "tax_rate", "currency")
    optional = [key for key in optional_keys if key in table.columns]
    seen: dict[tuple[int, str, int], int] = {}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = utcnow()
    total = len(table.rows)
    for done, (number_row, row) in enumerate(table.rows, start=1):
        _tick(progress, done, total)
        checker = _RowChecker(table, number_row)
        fail, errors = checker.fail, checker.errors

        doc_type = table.cell(row, "document_type")
        doc_number = document_number(table.cell(row, "document_number"))
        customer_id = customers.get(_doc_key(doc_type, doc_number))
        if not doc_type:
            fail("document_type", doc_type, "Falta el tipo de documento")
        if not doc_number:
            fail("document_number", doc_number, "Falta el número de documento")
        elif customer_id is None and doc_type:
            registered = numbers.get(doc_number.upper())
            hint = f" (el documento está registrado con el tipo «{registered}»)" if registered else ""
            fail("document_number", doc_number, CLIENT_NOT_FOUND + hint)
        code = table.cell(row, "payment_code")
        if not code:
            fail("payment_code", code, "Falta el código de pago")
        elif len(code) > 80:
            fail("payment_code", code, "Código de pago demasiado largo")
        raw_installment = table.cell(row, "installment")
        installment = 0
        if raw_installment:
            if _DIGITS.fullmatch(raw_installment) and int(raw_installment) >= 1:
                installment = int(raw_installment)
            else:
                fail("installment", raw_installment, "La cuota es un número entero: 1, 2, 3 ...")
        raw_currency = table.cell(row, "currency")
        currency = (currency_code(raw_currency) or raw_currency.upper()) if raw_currency else ""
        if raw_currency and currency not in CURRENCIES:
            fail("currency", raw_currency, "Moneda desconocida: use CRC o USD")
        amounts: dict[str, Decimal] = {}
        for key in ("fee", "charges", "balance"):
            raw = table.cell(row, key)
            if not raw:
                if key == "fee":
                    fail(key, raw, "Falta el monto")
                continue
            value, named, problem = _amount(table.raw(row, key))
            if problem:
                fail(key, raw, problem)
                continue
            if named and currency and named != currency:
                fail(key, raw, f"El monto está en {named} pero la moneda de la fila es {currency}")
                continue
            currency = currency or named or ""
            if value is not None:
                amounts[key] = value
        currency = currency or "CRC"
        dates: dict[str, date] = {}
        for key in ("due_date", "start_date", "end_date"):
            raw = table.cell(row, key)
            if not raw:
                if key == "due_date":
                    fail(key, raw, "Falta la fecha de vencimiento (es el día cero de la cobranza)")
                continue
            parsed_date = cell_date(table.raw(row, key), month_first=month_first[key])
            if parsed_date is None:
                fail(key, raw, "Fecha inválida: use AAAA-MM-DD o DD/MM/AAAA" if not month_first[key] else
                     "Fecha inválida: el resto de la columna va mes/día (MM/DD/AAAA)")
            else:
                dates[key] = parsed_date
        if "start_date" in dates and "end_date" in dates and dates["end_date"] < dates["start_date"]:
            fail("end_date", table.cell(row, "end_date"), "La fecha fin es anterior a la fecha de inicio")
        raw_period = table.cell(row, "period")
        if raw_period:
            period = _PERIOD_WORDS.get(fold(raw_period))
            if period is None:
                fail("period", raw_period, "Periodo desconocido: use mensual, anual o cuota")
        else:
            period = ContractPeriod.INSTALLMENT if installment else ContractPeriod.MONTHLY
        raw_tax = table.cell(row, "tax_rate")
        tax_rate = default_tax_rate
        if raw_tax:
            try:
                tax_rate = parse_tax_rate(_tax_text(raw_tax))
            except (TaxError, ValueError) as error:
                fail("tax_rate", raw_tax, f"IVA inválido: {error}")
        key3 = (customer_id or -1, code, installment)
        if customer_id is not None and code and not errors:
            if key3 in seen:
                fail(
                    "payment_code", code,
                    f"Código de pago y cuota repetidos: ya aparecen en la fila {seen[key3]}",
                )
            else:
                seen[key3] = number_row
        if errors:
            report.errors.extend(errors)
            continue
        values: dict[str, Any] = {
            "currency": currency,
            "fee": amounts["fee"],
            "charges": amounts.get("charges", Decimal("0")),
            "period": period.value if period else ContractPeriod.MONTHLY.value,
            "tax_rate": tax_rate,
            "start_date": dates.get("start_date"),
            "end_date": dates.get("end_date"),
            "due_date": dates["due_date"],
            "imported_balance": amounts.get("balance"),
            "updated_at": now,
        }
        posted.append((key3, amounts.get("balance"), values["charges"] if "charges" in table.columns else None))
        if key3 in existing:
            changed = {"_id": existing[key3], "fee": values["fee"], "due_date": values["due_date"],
                       "updated_at": now}
            for name in optional:
                if name == "balance":
                    if "balance" in amounts:
                        changed["imported_balance"] = amounts["balance"]
                    continue
                changed[name] = values[name]
            if _same_contract(stored[existing[key3]], changed):
                report.unchanged += 1
            else:
                updates.append(changed)
        else:
            inserts.append({"customer_id": customer_id, "payment_code": code, "installment": installment,
                            "created_at": now, **values})
    table.rows.clear()
    if report.errors:
        return report
    report.created, report.updated = len(inserts), len(updates)
    if dry_run:
        return report
    table_ = Contract.__table__  # type: ignore[attr-defined]
    if inserts:
        _execute_in_batches(session, insert(table_), inserts)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in updates:
        groups.setdefault(tuple(sorted(k for k in item if k != "_id")), []).append(item)
    for columns, items in groups.items():
        statement = (
            update(table_)
            .where(table_.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in columns})
        )
        _execute_in_batches(session, statement, items)
    session.flush()
    total_posting = report.account = OrderPosting()
    for batch in _by_customer_batches(posted):
        posting = post_orders(session, _order_rows(session, batch, previous_saldo),
                              on_date=today or datetime.now(LOCAL_TIME).date(), whole_colones=whole_colones)
        total_posting.charges += posting.charges
        total_posting.interest += posting.interest
        total_posting.balance_updates += posting.balance_updates
        total_posting.reminders_cancelled += posting.reminders_cancelled
        session.flush()
    return report


POST_BATCH = 5_000
"""Orders posted to the accounts at a time (every order of one customer in the same batch)."""


_Posted = tuple[tuple[int, str, int], Decimal | None, Decimal | None]


def _by_customer_batches(posted: list[_Posted]) -> Iterable[list[_Posted]]:
    """The posted orders in batches of about POST_BATCH, a customer's orders together and in file order."""
    by_customer: dict[int, list[_Posted]] = {}
    for item in posted:
        by_customer.setdefault(item[0][0], []).append(item)
    batch: list[_Posted] = []
    for items in by_customer.values():
        batch.extend(items)
        if len(batch) >= POST_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


WRITE_BATCH = 2_000
"""Rows written per statement: the parameters of a whole file at once would take several times its size."""


def _execute_in_batches(session: Session, statement: Any, items: list[dict[str, Any]]) -> None:
    """Run one statement over many rows a batch at a time, letting go of each batch's rows once written."""
    items.reverse()
    while items:
        batch = [items.pop() for _ in range(min(WRITE_BATCH, len(items)))]
        session.execute(statement, batch)


def _same_contract(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether an order as the file has it is what is stored already (amounts compared as numbers)."""
    wanted = {"imported_balance" if name == "balance" else name: value for name, value in after.items()
              if name not in ("_id", "updated_at")}
    for name, value in wanted.items():
        old = before.get(name)
        if isinstance(value, Decimal) and old is not None:
            if Decimal(old) != value:
                return False
        elif old != value:
            return False
    return True


def _date_orders(table: _Table, report: ImportReport) -> dict[str, bool]:
    """Per date column, whether its dates are month first (`11/28/2026`): its own days above 12 say so, else
    the file's other date columns, else day first with a note; a column with both kinds is refused."""
    keys = [key for key in ("due_date", "start_date", "end_date") if key in table.columns]
    values = {key: [(line, table.raw(row, key)) for line, row in table.rows] for key in keys}
    own = {key: date_order(table.label(key), values[key]) for key in keys}
    file_wide = file_date_order(own.values())
    orders = {key: own[key] if own[key].evidence or own[key].refusal else
              date_order(table.label(key), values[key], file_wide) for key in keys}
    for key, order in orders.items():
        if order.refusal:
            report.errors.append(RowError(table.header_row, table.label(key), "", order.refusal))
        elif order.note:
            report.notes.append(order.note)
    return {key: orders[key].month_first if key in orders else False
            for key in ("due_date", "start_date", "end_date")}


def _order_rows(
    session: Session,
    posted: list[tuple[tuple[int, str, int], Decimal | None, Decimal | None]],
    previous_saldo: Mapping[tuple[int, str, int], Decimal | None],
) -> list[OrderRow]:
    """The written orders as the account needs them: the contract as stored now, with the file's Saldo."""
    wanted = {key for key, _saldo, _charges in posted}
    stored: dict[tuple[int, str, int], Any] = {}
    customer_ids = sorted({customer_id for customer_id, _code, _installment in wanted})
    for start in range(0, len(customer_ids), 500):
        for row in session.execute(
            select(Contract.id, Contract.customer_id, Contract.payment_code, Contract.installment,  # type: ignore[call-overload]
                   Contract.period, Contract.currency, Contract.fee, Contract.tax_rate, Contract.due_date)
            .where(Contract.customer_id.in_(customer_ids[start:start + 500]))  # type: ignore[attr-defined]
        ):
            key = (row.customer_id, row.payment_code, row.installment)
            if key in wanted:
                stored[key] = row
    rows = []
    for key, saldo, charges in posted:
        contract = stored[key]
        rows.append(OrderRow(
            contract_id=contract.id, customer_id=contract.customer_id, payment_code=contract.payment_code,
            installment=contract.installment, period=contract.period, currency=contract.currency,
            fee=contract.fee, charges=charges, tax_rate=contract.tax_rate, due_date=contract.due_date,
            saldo=saldo, previous_saldo=previous_saldo.get(key),
        ))
    return rows
