"""Files nobody here has seen, made from the samples in data/: the same customers, payment orders and bank
movements written the way other exports write them (encodings, separators, quoting, title and footer lines,
header wordings, column order, extra columns, amount and date styles, XLSX with real cells).

Three families. `tuned` is what the importers were developed against. `held_out` adds wordings and styles
written down here before the importers were changed and never looked at one by one while tuning; only its
aggregate figures are read (`bench/import_variants.py --family held_out`). `held_out_2` was written after the
first round of changes (its header wordings in `SECOND_WORDINGS`, and bank exports with an unsigned amount
and a debit/credit column) and is read the same way. Each variant carries the rows
it must give, so a test or the benchmark can say how many rows were read right."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data"
FAMILIES = ("tuned", "held_out", "held_out_2")
MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "set", "oct", "nov", "dic")
MONTH_NAMES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "setiembre",
               "octubre", "noviembre", "diciembre")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Movement:
    """One bank movement as the bank means it: signed amount (negative leaves the account)."""

    booked_on: date
    amount: Decimal
    currency: str
    reference: str
    description: str


@dataclass(frozen=True)
class Variant:
    """One generated file and what reading it must give."""

    name: str
    kind: str
    family: str
    data: bytes
    expected: tuple[Any, ...]
    bank: str = ""
    traits: tuple[str, ...] = field(default_factory=tuple)


def _pools(family: str, tuned: Sequence[Any], held_out: Sequence[Any]) -> list[Any]:
    return list(tuned) if family == "tuned" else [*tuned, *held_out, *held_out]


SECOND_WORDINGS: dict[str, list[str]] = {
    "bank:date": ["Fecha del movimiento", "Fecha registro", "Fecha de aplicación"],
    "bank:debit": ["Débitos ₡", "Retiros/Débitos", "Monto Débito"],
    "bank:credit": ["Créditos ₡", "Depósitos/Créditos", "Monto Crédito"],
    "bank:amount": ["Monto ₡", "Importe total", "Monto de la transacción"],
    "bank:reference": ["Nº de operación", "Referencia bancaria", "Número de transacción"],
    "bank:description": ["Descripción del movimiento", "Concepto / Detalle", "Detalle de la transacción"],
    "bank:currency": ["Moneda (CRC/USD)", "Cód. moneda"],
    "customers:client_id": ["Cód. cliente", "Cliente ID"],
    "customers:document_type": ["Tipo identificación", "Tipo de documento de identidad"],
    "customers:document_number": ["Número de identificación", "Nº cédula"],
    "customers:first_names": ["Nombre / Razón social", "Nombre o razón social"],
    "customers:last_names": ["Apellido(s)", "Primer y segundo apellido"],
    "customers:country_1": ["Prefijo país", "Código de área país"],
    "customers:phone_1": ["Celular principal", "Teléfono móvil"],
    "customers:phone_2": ["Celular secundario", "Teléfono 2 (opcional)"],
    "customers:email_1": ["Correo principal", "Email de contacto"],
    "customers:email_2": ["Correo secundario", "Email 2 (opcional)"],
    "orders:document_type": ["Tipo identificación"],
    "orders:document_number": ["Número de identificación", "Nº cédula"],
    "orders:payment_code": ["Código de pago / contrato", "Número de orden"],
    "orders:installment": ["Cuota Nº", "# Cuota"],
    "orders:currency": ["Moneda (CRC/USD)"],
    "orders:fee": ["Monto cuota", "Monto a pagar"],
    "orders:charges": ["Intereses moratorios", "Cargos adicionales"],
    "orders:period": ["Periodo de pago", "Tipo de periodo"],
    "orders:tax_rate": ["IVA (%)", "Porcentaje IVA"],
    "orders:start_date": ["Fecha de inicio", "Inicio del contrato"],
    "orders:end_date": ["Fecha de fin", "Fin del contrato"],
    "orders:due_date": ["Fecha vencimiento cuota", "Fecha de pago"],
    "orders:balance": ["Saldo actual", "Saldo por pagar"],
}
"""Wordings only the second held-out family uses (kind:role)."""
DIRECTION_HEADERS = ["Tipo", "D/C", "Tipo de movimiento", "Débito/Crédito"]
DIRECTION_VALUES = [("D", "C"), ("DB", "CR"), ("Débito", "Crédito"), ("Cargo", "Abono")]


def _wordings(family: str, kind: str, role: str, vocab: Sequence[Sequence[str]]) -> list[str]:
    words = _pools(family, *vocab)
    if family == "held_out_2":
        words += SECOND_WORDINGS.get(f"{kind}:{role}", []) * 3
    return words


# --- how values are written -------------------------------------------------------------------------------

def _group(digits: str, mark: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    return mark.join([digits, *parts])


def write_amount(value: Decimal, style: str) -> str:
    """`value` (>= 0) in one written style."""
    whole, cents = f"{value.quantize(CENT):f}".split(".")
    styles: dict[str, Callable[[], str]] = {
        "es": lambda: f"{_group(whole, '.')},{cents}",
        "en": lambda: f"{_group(whole, ',')}.{cents}",
        "plain": lambda: f"{whole}.{cents}",
        "plain_comma": lambda: f"{whole},{cents}",
        "colon": lambda: f"₡{_group(whole, '.')},{cents}",
        "space": lambda: f"{_group(whole, ' ')},{cents}",
        "short": lambda: f"{whole}.{cents.rstrip('0')}".rstrip("."),
        "colon_en": lambda: f"₡ {_group(whole, ',')}.{cents}",
        "crc_es": lambda: f"CRC {_group(whole, '.')},{cents}",
        "short_comma": lambda: f"{_group(whole, '.')},{cents.rstrip('0')}".rstrip(","),
    }
    return styles[style]()


def write_negative(text: str, style: str) -> str:
    return {"minus": f"-{text}", "parens": f"({text})", "trailing": f"{text}-", "db": f"{text} DB"}[style]


def write_date(value: date, style: str, rng: random.Random) -> str:
    month = MONTHS[value.month - 1]
    return {
        "dmy": f"{value:%d/%m/%Y}",
        "dmy_dash_short": f"{value:%d-%m-%y}",
        "iso": value.isoformat(),
        "d_mon_y": f"{value.day:02d}/{month}/{value.year}",
        "long": f"{value.day} de {MONTH_NAMES[value.month - 1]} de {value.year}",
        "dmy_time": f"{value:%d/%m/%Y} {rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}",
        "dots": f"{value:%d.%m.%Y}",
        "iso_slash": f"{value:%Y/%m/%d}",
        "d_Mon_y": f"{value.day:02d}-{month.capitalize()}-{value.year}",
        "dmy_short": f"{value:%d/%m/%y}",
        "d_mon_space": f"{value.day} {month.upper()} {value.year}",
        "mdy": f"{value:%m/%d/%Y}",
        "mdy_time": f"{value:%m/%d/%Y} {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['AM', 'PM'])}",
    }[style]


AMOUNT_STYLES = (["es", "en", "plain", "plain_comma", "colon", "space"],
                 ["short", "colon_en", "crc_es", "short_comma"])
NEGATIVE_STYLES = (["minus", "parens"], ["trailing", "db"])
DATE_STYLES = (["dmy", "dmy_dash_short", "iso", "d_mon_y", "long", "dmy_time"],
               ["dots", "iso_slash", "d_Mon_y", "dmy_short", "d_mon_space"])
ENCODINGS = (["utf-8", "utf-8-sig", "cp1252", "utf-16"], ["latin-1"])
DELIMITERS = ([",", ";", "\t", "|"], [";", ","])


def _dress_header(text: str, rng: random.Random) -> str:
    """Case, accents and spaces the way people leave them in a header cell."""
    choice = rng.random()
    if choice < 0.2:
        text = text.upper()
    elif choice < 0.3:
        text = text.lower()
    if rng.random() < 0.2:
        text = text.replace("é", "e").replace("ó", "o").replace("í", "i").replace("á", "a").replace("ú", "u")
    if rng.random() < 0.2:
        text = f" {text}  "
    return text


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16":
        return text.encode("utf-16")
    return text.encode(encoding, errors="strict")


def _csv_text(rows: Sequence[Sequence[str]], delimiter: str, rng: random.Random) -> str:
    buffer = io.StringIO()
    quoting = rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=rng.choice(["\r\n", "\n"]))
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _xlsx(sheets: Sequence[tuple[str, Sequence[Sequence[Any]], Sequence[str]]]) -> bytes:
    """Workbook bytes: each sheet's rows; a row whose first cell is a title is merged across its width."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows, merged in sheets:
        ws = book.create_sheet(title=title)
        for row in rows:
            ws.append(list(row))
        for cell_range in merged:
            ws.merge_cells(cell_range)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime | date) and not isinstance(cell.value, bool):
                    cell.number_format = "DD/MM/YYYY"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _to_serial(value: date) -> int:
    return (value - date(1899, 12, 30)).days


def _encodable(text: str, encoding: str) -> bool:
    try:
        _encode(text, encoding)
    except UnicodeEncodeError:
        return False
    return True


# --- bank movements ----------------------------------------------------------------------------------------

BANK_SAMPLES: dict[str, tuple[Movement, ...]] = {
    "BCR": (
        Movement(date(2026, 11, 2), Decimal("39550.00"), "CRC", "00012345678",
                 "SINPE MOVIL MARIA JOSE VARGAS SOLANO ID 1001"),
        Movement(date(2026, 11, 3), Decimal("-250000.00"), "CRC", "87654321", "PAGO CCSS PLANILLA OCTUBRE"),
        Movement(date(2026, 11, 5), Decimal("120000.00"), "CRC", "45678912", "DEPOSITO EFECTIVO OFICINA CENTRAL"),
        Movement(date(2026, 11, 5), Decimal("-1500.00"), "CRC", "45678913", "COMISION MANEJO DE CUENTA"),
    ),
    "BN": (
        Movement(date(2026, 11, 4), Decimal("79100.00"), "CRC", "2026110400998877",
                 "TRANSF SINPE JOSE PABLO RODRIGUEZ MORA"),
        Movement(date(2026, 11, 6), Decimal("-45300.50"), "CRC", "2026110600112233", "PAGO SERVICIO ELECTRICO CNFL"),
        Movement(date(2026, 11, 9), Decimal("1250000.00"), "CRC", "2026110900445566",
                 "TRANSF SINPE PANADERIA LA ESPIGA"),
    ),
    "BAC": (
        Movement(date(2026, 11, 10), Decimal("45200.00"), "CRC", "FT26314ABC123", "TEF DE: PANADERIA LA ESPIGA SRL"),
        Movement(date(2026, 11, 11), Decimal("39550.00"), "CRC", "91827364", "SINPE MOVIL MARIA JOSE VARGAS"),
        Movement(date(2026, 11, 12), Decimal("-150000.00"), "CRC", "55501234", "CHEQUE 001234"),
    ),
    "POPULAR": (
        Movement(date(2026, 11, 13), Decimal("79100.00"), "CRC", "33445566", "SINPE MOVIL JOSE PABLO RODRIGUEZ"),
        Movement(date(2026, 11, 14), Decimal("350.75"), "USD", "33445567", "TRANSFERENCIA INTERNACIONAL CLIENTE 1012"),
        Movement(date(2026, 11, 16), Decimal("-20000.00"), "CRC", "33445568", "PAGO PROVEEDOR OFICINA"),
    ),
}
"""What each sample in data/bank/ holds (the tests of issue 13 read the same rows from the samples)."""

BANK_NAMES = {"BCR": "Banco de Costa Rica", "BN": "Banco Nacional de Costa Rica", "BAC": "BAC Credomatic",
              "POPULAR": "Banco Popular y de Desarrollo Comunal"}

BANK_HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "date": (["Fecha", "Fecha contable", "Fecha de movimiento", "F. Valor", "Fecha movimiento",
              "Fecha de Transacción"],
             ["Fecha de la transacción", "Fec. Movimiento", "Fecha Operación", "Fecha valor"]),
    "debit": (["Débito", "Débitos", "Cargo", "Retiro", "Retiros", "Débito de Transacción"],
              ["Débitos (₡)", "Cargos", "Monto débito", "Salidas"]),
    "credit": (["Crédito", "Créditos", "Abono", "Depósito", "Depósitos", "Crédito de Transacción"],
               ["Créditos (₡)", "Abonos", "Monto crédito", "Entradas"]),
    "amount": (["Monto", "Importe", "Valor"], ["Monto del movimiento", "Importe ₡", "Monto transacción"]),
    "reference": (["Referencia", "N° documento", "Comprobante", "Núm. Ref.", "Número de documento", "Documento"],
                  ["No. de referencia", "Número de comprobante", "Ref.", "Num. Documento"]),
    "description": (["Descripción", "Concepto", "Detalle", "Glosa"],
                    ["Detalle del movimiento", "Descripción de la transacción", "Concepto del movimiento",
                     "Observaciones"]),
    "currency": (["Moneda", "Divisa"], ["Tipo de moneda", "Moneda de la cuenta"]),
}
EXTRA_COLUMNS = (["Saldo", "Oficina", "Código", "Hora"], ["Saldo disponible", "Sucursal", "Cód. transacción", "Canal"])
CURRENCY_WORDS = {"CRC": (["CRC", "COLONES", "₡", "Colones"], ["COL", "¢"]),
                  "USD": (["USD", "DOLARES", "$", "Dólares"], ["US$", "DÓLARES"])}
PREAMBLES = ([
    "{bank}", "Estado de cuenta", "Movimientos de la cuenta", "Cuenta{sep}CR05015202001026284066",
    "Número de cuenta: 001-0123456-7", "Periodo{sep}01/11/2026 al 30/11/2026", "Moneda: COLONES",
    "Titular{sep}WOLK SOFTWARE S.A.",
], [
    "Reporte de movimientos", "Cliente: WOLK SOFTWARE S.A.", "Fecha de emisión: 28/11/2026 08:15",
    "IBAN{sep}CR05 0152 0200 1026 2840 66", "Saldo inicial{sep}1.000.000,00", "Consulta del 01/11/2026 al 30/11/2026",
])
FOOTERS = ([
    "Total{sep}{sep}{debits}{sep}{credits}", "Saldo final{sep}{balance}", "Página 1 de 1",
    "Saldo inicial{sep}1.000.000,00", "Resumen de Estado Bancario",
], [
    "Total de movimientos: {count}", "*** Fin del reporte ***", "Totales{sep}{debits}{sep}{credits}",
    "Saldo al corte{sep}{balance}", "Este documento no tiene validez legal sin firma",
])
DESCRIPTIONS = [
    "SINPE MOVIL {name}", "TRANSF. DE: {name}, S.A.", "DEPOSITO; VENTANILLA {office}", 'PAGO "SERVICIOS" {name}',
    "TEF DE: {name}\nREF {ref}", "COMISION | MANEJO DE CUENTA", "TRANSFERENCIA {name} ID {client}",
]
NAMES = ["MARÍA JOSÉ VARGAS", "PANADERÍA LA ESPIGA", "JOSÉ PABLO RODRÍGUEZ", "FERRETERÍA EL TORNILLO",
         "ANA LUCÍA JIMÉNEZ", "SODA LA ESQUINA", "CLÍNICA DENTAL SONRISAS", "NIÑOS DEL MAÑANA"]


def _random_movements(rng: random.Random, start: date, count: int, currency: str) -> list[Movement]:
    movements = []
    for index in range(count):
        amount = Decimal(rng.randint(500, 2_500_000)) + Decimal(rng.choice([0, 0, 50, 25, 99])) / 100
        if rng.random() < 0.4:
            amount = -amount
        name = rng.choice(NAMES)
        reference = rng.choice([str(rng.randint(10_000_000, 99_999_999)), f"FT{rng.randint(10**9, 10**10)}",
                                f"000{rng.randint(1_000_000, 9_999_999)}", str(rng.randint(10**15, 10**16 - 1))])
        description = rng.choice(DESCRIPTIONS).format(name=name, office=rng.randint(1, 99), ref=reference[-4:],
                                                      client=1000 + index)
        movements.append(Movement(start + timedelta(days=rng.randint(0, 20)), amount, currency, reference,
                                  description))
    return movements


OWN_HEADERS: dict[str, dict[str, str]] = {
    "BCR": {"date": "Fecha contable", "reference": "Número de documento", "description": "Descripción",
            "debit": "Débito", "credit": "Crédito"},
    "BN": {"date": "Fecha movimiento", "reference": "Documento", "description": "Descripción",
           "debit": "Débitos", "credit": "Créditos"},
    "BAC": {"date": "Fecha de Transacción", "reference": "Referencia de Transacción",
            "description": "Descripción de Transacción", "debit": "Débito de Transacción",
            "credit": "Crédito de Transacción"},
    "POPULAR": {"date": "Fecha", "reference": "Comprobante", "description": "Concepto", "amount": "Monto",
                "currency": "Moneda"},
}
"""The headers of each bank's own export (its mapping in bot/accounting/banks/)."""


def _bank_rows(movements: Sequence[Movement], rng: random.Random, family: str,
               own: dict[str, str] | None, wide: dict[str, Any] | None = None
               ) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    """Header and typed cells of one export (values still Python objects; written later per format)."""
    wide = wide or {}
    layout = rng.choice(_pools(family, ["split", "split", "signed"], ["signed_suffix"]))
    if family == "held_out_2" and rng.random() < 0.3:
        layout = "direction"
    if own is not None:
        layout = "signed" if "amount" in own else "split"
    if wide.get("layout"):
        layout = wide["layout"]
    roles = ["date", "reference", "description"]
    roles += ["debit", "credit"] if layout == "split" else ["amount"]
    if layout == "direction":
        roles.append("direction")
    with_currency = any(m.currency != "CRC" for m in movements) or rng.random() < 0.3
    if own is not None:
        with_currency = "currency" in own
    if with_currency:
        roles.append("currency")
    extras = rng.sample(_pools(family, *EXTRA_COLUMNS), k=rng.randint(0, 2))
    if wide.get("balance") and "Saldo" not in extras:
        extras.append("Saldo")
    columns: list[str] = roles + [f"extra:{name}" for name in extras]
    if rng.random() < 0.7:
        rng.shuffle(columns)
        if "date" in columns and rng.random() < 0.6:
            columns.remove("date")
            columns.insert(0, "date")
    if wide.get("adjacent") and "debit" in columns:
        columns.remove("credit")
        columns.insert(columns.index("debit") + 1, "credit")
    headers = []
    for column in columns:
        if column.startswith("extra:"):
            headers.append(_dress_header(column[6:], rng))
        elif own is not None:
            headers.append(own[column])
        else:
            wordings = ([*DIRECTION_HEADERS] if column == "direction"
                        else _wordings(family, "bank", column, BANK_HEADERS[column]))
            headers.append(_dress_header(rng.choice(wordings), rng))
            if column in wide.get("titles", {}):
                headers[-1] = wide["titles"][column]
    style = {
        "layout": layout,
        "amount": rng.choice(_pools(family, *AMOUNT_STYLES)),
        "negative": rng.choice(_pools(family, *NEGATIVE_STYLES)),
        "date": rng.choice(_pools(family, *DATE_STYLES)),
        "empty": rng.choice(_pools(family, ["", "", "0.00"], ["-"])),
        "currency": {c: rng.choice(_pools(family, *CURRENCY_WORDS[c])) for c in CURRENCY_WORDS},
    }
    if layout == "direction":
        style["direction"] = rng.choice(DIRECTION_VALUES)
    style.update(wide.get("style", {}))
    style["columns"] = columns
    balance = Decimal("90000000.00") if wide.get("balance") else Decimal("1000000.00")
    rows = []
    for movement in movements:
        balance += movement.amount
        row: list[Any] = []
        for column in columns:
            value: Any
            if column == "date":
                value = ("date", movement.booked_on)
            elif column == "reference":
                value = ("text", movement.reference)
            elif column == "description":
                value = ("text", movement.description)
            elif column == "debit":
                value = ("money", -movement.amount) if movement.amount < 0 else ("empty", None)
            elif column == "credit":
                value = ("money", movement.amount) if movement.amount > 0 else ("empty", None)
            elif column == "amount":
                value = ("money", abs(movement.amount)) if layout == "direction" else ("signed", movement.amount)
            elif column == "direction":
                value = ("text", style["direction"][0 if movement.amount < 0 else 1])
            elif column == "currency":
                value = ("text", style["currency"][movement.currency])
            elif "Saldo" in column:
                value = ("money", balance)
            elif "Hora" in column:
                value = ("text", f"{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}")
            else:
                value = ("text", rng.choice(["Central", "TF", "SP", "0101", "Web", "San Pedro"]))
            row.append(value)
        rows.append(row)
    style["balance"] = balance
    return headers, rows, style


def _cell_text(cell: tuple[str, Any], style: dict[str, Any], rng: random.Random) -> str:
    kind, value = cell
    if kind == "text":
        return str(value)
    if kind == "empty":
        return str(style["empty"])
    if kind == "date":
        return write_date(value, style["date"], rng)
    if kind == "money":
        return write_amount(value, style["amount"])
    if kind == "signed":
        text = write_amount(abs(value), style["amount"])
        if style["layout"] == "signed_suffix":
            return f"{text} {'DB' if value < 0 else 'CR'}"
        return write_negative(text, style["negative"]) if value < 0 else text
    raise ValueError(kind)


def _cell_value(cell: tuple[str, Any], style: dict[str, Any], rng: random.Random, xlsx: dict[str, Any]) -> Any:
    kind, value = cell
    if kind == "date":
        return {"datetime": datetime.combine(value, datetime.min.time()), "serial": _to_serial(value),
                "text": write_date(value, style["date"], rng)}[xlsx["dates"]]
    if kind in ("money", "signed") and xlsx["numbers"]:
        return value
    if kind == "empty":
        return None
    return _cell_text(cell, style, rng)


WIDE_BANKS = {
    "DAVIVIENDA": "Davivienda (Costa Rica) S.A.", "PROMERICA": "Banco Promerica de Costa Rica",
    "COOPENAE": "Coopenae R.L.", "COOPESERVIDORES": "Coopeservidores R.L.", "MUCAP": "Mutual Cartago (MUCAP)",
    "BCT": "Banco BCT", "LAFISE": "Banco LAFISE",
}
"""Costa Rican banks and cooperatives with no mapping in bot/accounting/banks/: read by their titles or contents
(tuned family only)."""
UNKNOWN_SPLIT_TITLES = [("Egresos", "Ingresos"), ("Sale", "Entra"), ("Rebajos", "Acreditaciones"),
                        ("Col. D", "Col. E")]
UNKNOWN_AMOUNT_TITLES = ["Suma", "Valor en libros", "Cifra"]
UNKNOWN_DATE_TITLES = ["Día", "Aplicado el", "Registrado"]
WIDE_TRAITS = ("unknown_split", "headerless", "two_rows", "month_first", "unknown_amount", "unknown_date",
               "latin1_bom_totals")
"""What the tuned family adds to the samples' exports (`wide=` in traits): debit and credit under titles nobody
lists (told apart by the balance), no title row, a merged «Monto» over «Débito | Crédito», month-first dates
(with a day above 12 to show it), amount or date under unknown titles, Latin-1 or BOM files with totals."""


def _wide_bank(bank: str, seed: int, family: str, own: dict[str, str] | None) -> dict[str, Any]:
    """The tuned family's wider habits for one export (nothing for the held-out families or a bank's own
    titles); its own random stream, so the files the samples gave before stay as they were."""
    if family != "tuned" or own is not None:
        return {}
    rng = random.Random(f"wide-{bank}-{seed}")
    if bank not in WIDE_BANKS and rng.random() < 0.5:
        return {}
    trait = rng.choice(WIDE_TRAITS)
    wide: dict[str, Any] = {"trait": trait, "style": {}}
    if trait == "unknown_split":
        debit, credit = rng.choice(UNKNOWN_SPLIT_TITLES)
        wide.update(layout="split", balance=True, titles={"debit": debit, "credit": credit})
    elif trait == "headerless":
        wide.update(layout=rng.choice(["split_balance", "signed"]))
        if wide["layout"] == "split_balance":
            wide.update(layout="split", balance=True)
    elif trait == "two_rows":
        wide.update(layout="split", adjacent=True)
    elif trait == "month_first":
        wide["style"]["date"] = rng.choice(["mdy", "mdy_time"])
    elif trait == "unknown_amount":
        wide.update(layout="signed", titles={"amount": rng.choice(UNKNOWN_AMOUNT_TITLES)})
    elif trait == "unknown_date":
        wide.update(titles={"date": rng.choice(UNKNOWN_DATE_TITLES)})
    else:
        wide["encoding"] = rng.choice(["latin-1", "utf-8-sig"])
        wide["totals"] = True
    return wide


def bank_variant(bank: str, seed: int, family: str) -> Variant:
    """One export of `bank`'s account in a style this seed picks."""
    rng = random.Random(f"{family}-{bank}-{seed}")
    base = list(BANK_SAMPLES.get(bank, ()))
    start = min(m.booked_on for m in base) if base else date(2026, 11, 2)
    own = OWN_HEADERS.get(bank) if rng.random() < 0.35 else None
    currency = "USD" if rng.random() < 0.1 and (own is None or "currency" in own) else "CRC"
    movements = base + _random_movements(rng, start, rng.randint(2, 9) + (0 if base else 3), currency)
    if rng.random() < 0.5:
        movements.sort(key=lambda m: m.booked_on)
    wide = _wide_bank(bank, seed, family, own)
    if wide.get("trait") == "month_first" and all(m.booked_on.day <= 12 for m in movements):
        movements.append(Movement(date(2026, 11, 27), Decimal("15000.00"), currency, "99887766", "SINPE CIERRE"))
    headers, rows, style = _bank_rows(movements, rng, family, own, wide)
    bank_name = BANK_NAMES.get(bank) or WIDE_BANKS[bank]
    preamble = rng.sample(_pools(family, *PREAMBLES), k=rng.randint(0, 4))
    footers = rng.sample(_pools(family, *FOOTERS), k=rng.randint(0, 2))
    if wide.get("totals"):
        footers = ["Total{sep}{sep}{debits}{sep}{credits}", "Saldo final{sep}{balance}"]
    debits = sum((-m.amount for m in movements if m.amount < 0), Decimal(0))
    credits = sum((m.amount for m in movements if m.amount > 0), Decimal(0))
    traits = [f"layout={style['layout']}", f"amount={style['amount']}", f"date={style['date']}",
              f"own_headers={own is not None}"]
    if wide:
        traits.append(f"wide={wide['trait']}")
    fmt = rng.choice(["csv"] * 4 + ["xlsx"])
    name = f"{family}-{bank.lower()}-{seed:03d}.{fmt}"
    expected = tuple(movements)
    headerless = wide.get("trait") == "headerless"
    title_rows = [headers]
    if wide.get("trait") == "two_rows":
        columns = style["columns"]
        top = [("Monto" if column == "debit" else "" if column == "credit" else header)
               for column, header in zip(columns, headers, strict=True)]
        below = [("Débito" if column == "debit" else "Crédito" if column == "credit" else "") for column in columns]
        title_rows = [top, below]
    if headerless:
        preamble, title_rows = [], []

    def fill(template: str, sep: str) -> list[str]:
        text = template.format(bank=bank_name, sep="\x00", debits=write_amount(debits, style["amount"]),
                               credits=write_amount(credits, style["amount"]), count=len(movements),
                               balance=write_amount(style["balance"], style["amount"]))
        return text.split("\x00")

    if fmt == "xlsx":
        xlsx = {"dates": rng.choice(["datetime", "serial", "text"]), "numbers": rng.random() < 0.7}
        traits += [f"xlsx_dates={xlsx['dates']}", f"xlsx_numbers={xlsx['numbers']}"]
        sheet_rows: list[list[Any]] = []
        merged = []
        if rng.random() < 0.6 and not headerless:
            sheet_rows.append([bank_name] + [None] * (len(headers) - 1))
            merged.append(f"A1:{chr(64 + len(headers))}1")
        sheet_rows += [fill(line, "\x00") for line in preamble]
        if rng.random() < 0.5 and not headerless:
            sheet_rows.append([])
        sheet_rows += [list(row) for row in title_rows]
        if len(title_rows) == 2:
            debit_at = style["columns"].index("debit")
            line = len(sheet_rows) - 1
            merged.append(f"{chr(65 + debit_at)}{line}:{chr(66 + debit_at)}{line}")
            sheet_rows[-2][debit_at + 1] = None
        sheet_rows += [[_cell_value(cell, style, rng, xlsx) for cell in row] for row in rows]
        sheet_rows += [fill(line, "\x00") for line in footers]
        sheets = [("Movimientos", sheet_rows, merged)]
        if rng.random() < 0.4:
            summary = ("Resumen", [["Resumen de la cuenta"], ["Saldo inicial", 1000000], ["Saldo final", 1200000]], [])
            if family != "tuned" and rng.random() < 0.6:
                sheets.insert(0, summary)
                traits.append("data_on_second_sheet")
            else:
                sheets.append(summary)
        return Variant(name, "bank", family, _xlsx(sheets), expected, bank, tuple(traits))

    encoding = wide.get("encoding") or rng.choice(_pools(family, *ENCODINGS))
    delimiter = "\t" if encoding == "utf-16" else rng.choice(_pools(family, *DELIMITERS))
    traits += [f"encoding={encoding}", f"delimiter={delimiter!r}"]
    table: list[list[str]] = [fill(line, delimiter) for line in preamble]
    if preamble and rng.random() < 0.7:
        table.append([])
    table += [list(row) for row in title_rows]
    for row in rows:
        table.append([_cell_text(cell, style, rng) for cell in row])
        if rng.random() < 0.08:
            table.append([])
    table += [fill(line, delimiter) for line in footers]
    text = _csv_text(table, delimiter, rng)
    if not _encodable(text, encoding):
        encoding = "utf-8-sig"
        traits[-2] = f"encoding={encoding}"
    return Variant(name, "bank", family, _encode(text, encoding), expected, bank, tuple(traits))


def bank_variants(family: str, count: int) -> list[Variant]:
    banks = sorted(BANK_SAMPLES) + (sorted(WIDE_BANKS) if family == "tuned" else [])
    return [bank_variant(banks[index % len(banks)], index, family) for index in range(count)]


# --- customers and payment orders -------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerTruth:
    client_id: str
    document_type: str
    document_number: str
    first_names: str
    last_names: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]


@dataclass(frozen=True)
class OrderTruth:
    document_type: str
    document_number: str
    payment_code: str
    installment: int
    currency: str
    fee: Decimal
    charges: Decimal
    period: str
    tax_rate: Decimal
    start_date: date | None
    end_date: date | None
    due_date: date
    balance: Decimal | None


def sample_customers() -> list[CustomerTruth]:
    with (DATA / "customers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [CustomerTruth(
        row["ID cliente"], row["Tipo de documento"], row["Número de documento"], row["Nombres"], row["Apellidos"],
        tuple(p for p in (row["Celular_1"], row["Celular_2"]) if p),
        tuple(e for e in (row["Correo"], row["Correo2"]) if e),
    ) for row in rows]


def sample_orders() -> list[OrderTruth]:
    periods = {"mensual": "monthly", "anual": "annual", "cuota": "installment"}
    with (DATA / "contracts.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [OrderTruth(
        row["Tipo de documento"], row["Número de documento"], row["Código de pago"], int(row["Cuota"] or 0),
        row["Moneda"], Decimal(row["Monto"]), Decimal(row["Cargos e intereses"]), periods[row["Periodo"]],
        Decimal(row["IVA"]), date.fromisoformat(row["Fecha inicio"]), date.fromisoformat(row["Fecha fin"]),
        date.fromisoformat(row["Fecha de vencimiento"]), Decimal(row["Saldo"]),
    ) for row in rows]


CUSTOMER_HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "client_id": (["ID cliente", "ID Wolk", "Código de cliente", "Id. Cliente"], ["Código del cliente", "No. cliente"]),
    "document_type": (["Tipo de documento", "Tipo ID", "Tipo de identificación", "Tipo doc"],
                      ["Clase de identificación", "Tipo de cédula"]),
    "document_number": (["Número de documento", "Número ID Fiscal", "Cédula", "Identificación",
                         "N° de identificación"], ["Número de cédula", "No. identificación", "Cédula/DIMEX"]),
    "first_names": (["Nombres", "Nombre"], ["Nombre del cliente"]),
    "last_names": (["Apellidos", "Apellido"], ["Apellidos del cliente"]),
    "country_1": (["Celular_1 código país", "Código país", "Cód. país"], ["Código de país"]),
    "phone_1": (["Celular_1", "Celular", "Teléfono", "Móvil", "Tel. celular"],
                ["WhatsApp", "Teléfono celular", "Número celular"]),
    "phone_2": (["Celular_2", "Teléfono 2", "Celular 2"], ["Otro teléfono", "Tel. 2"]),
    "email_1": (["Correo", "Correo electrónico", "E-mail", "Email"], ["Correo-e", "Dirección de correo"]),
    "email_2": (["Correo2", "Correo 2", "Email 2"], ["Otro correo", "Correo alterno"]),
}
ORDER_HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "document_type": CUSTOMER_HEADERS["document_type"],
    "document_number": CUSTOMER_HEADERS["document_number"],
    "payment_code": (["Código de pago", "Código pago", "Contrato", "N° contrato"],
                     ["Código de la orden", "Referencia de pago"]),
    "installment": (["Cuota", "Número de cuota", "N° cuota"], ["Nro. cuota"]),
    "currency": (["Moneda", "Divisa"], ["Tipo de moneda"]),
    "fee": (["Monto", "Monto (OP)", "Importe", "Valor cuota"], ["Monto original", "Monto de la orden"]),
    "charges": (["Cargos e intereses", "Cargos e Intereses (OP)", "Intereses"], ["Cargos y recargos"]),
    "period": (["Periodo", "Período", "Frecuencia"], ["Periodicidad"]),
    "tax_rate": (["IVA", "Impuesto", "% IVA"], ["Tarifa IVA", "Impuesto (%)"]),
    "start_date": (["Fecha inicio", "Inicio"], ["Fecha de inicio del contrato"]),
    "end_date": (["Fecha fin", "Fin de contrato"], ["Fecha de finalización"]),
    "due_date": (["Fecha de vencimiento", "Vencimiento", "Fecha vence", "F. vencimiento"],
                 ["Fecha límite de pago", "Vence"]),
    "balance": (["Saldo", "Saldo pendiente"], ["Saldo adeudado", "Pendiente"]),
}
PHONE_STYLES = (["plain", "dash", "space", "plus", "506"], ["paren", "plus_dash", "dots"])
DOCUMENT_STYLES = (["plain", "plain", "dash"], ["space"])
TAX_STYLES = (["fraction", "percent", "whole"], ["comma", "percent_space"])
CURRENCY_STYLES = (["code", "word", "symbol"], ["lower"])
PERIOD_STYLES = (["lower", "title", "upper"], ["english"])
TABLE_PREAMBLES = (["Clientes exportados del ERP", "Reporte generado el 28/11/2026"],
                   ["Listado de clientes activos al 28/11/2026", "Empresa: WOLK SOFTWARE S.A."])


def write_phone(number: str, style: str) -> str:
    a, b = number[:4], number[4:]
    return {"plain": number, "dash": f"{a}-{b}", "space": f"{a} {b}", "plus": f"+506 {a} {b}",
            "506": f"506{number}", "paren": f"(506) {a}-{b}", "plus_dash": f"+506-{a}-{b}",
            "dots": f"{a}.{b}"}[style]


def write_document(number: str, style: str) -> str:
    if style == "plain" or not number.isdigit():
        return number
    if len(number) == 9:
        parts = (number[0], number[1:5], number[5:])
    elif len(number) == 10:
        parts = (number[0], number[1:4], number[4:])
    else:
        return number
    return ("-" if style == "dash" else " ").join(parts)


def _headers_for(kind: str, keys: Sequence[str], vocab: dict[str, tuple[list[str], list[str]]], family: str,
                 rng: random.Random, traits: list[str]) -> list[str]:
    """Seed 004's own headers for about a third of the files, other wordings for the rest."""
    if rng.random() < 0.35:
        traits.append("own_headers")
        return [vocab[key][0][0] for key in keys]
    return [_dress_header(rng.choice(_wordings(family, kind, key, vocab[key])), rng) for key in keys]


def _table_file(name: str, kind: str, family: str, headers: list[str], rows: list[list[Any]],
                rng: random.Random, expected: tuple[Any, ...], traits: list[str]) -> Variant:
    preamble = [[line] for line in rng.sample(_pools(family, *TABLE_PREAMBLES), k=rng.choice([0, 0, 1, 2]))]
    if preamble:
        traits.append("preamble")
    fmt = rng.choice(["csv"] * 3 + ["xlsx"])
    if fmt == "xlsx":
        body = [*preamble, *([[]] if preamble else []), headers, *rows]
        return Variant(f"{name}.xlsx", kind, family, _xlsx([("Hoja1", body, [])]), expected, traits=tuple(traits))
    text_rows = [[_plain(value) for value in row] for row in rows]
    encoding = rng.choice(_pools(family, *ENCODINGS))
    delimiter = "\t" if encoding == "utf-16" else rng.choice(_pools(family, *DELIMITERS))
    body_rows = [*preamble, *([[]] if preamble else []), headers, *text_rows]
    if rng.random() < 0.3:
        body_rows.append([])
    text = _csv_text(body_rows, delimiter, rng)
    if not _encodable(text, encoding):
        encoding = "utf-8-sig"
    traits += [f"encoding={encoding}", f"delimiter={delimiter!r}"]
    return Variant(f"{name}.csv", kind, family, _encode(text, encoding), expected, traits=tuple(traits))


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value)


WIDE_TITLES: dict[str, dict[str, list[str]]] = {
    "customers": {"phone_1": ["Línea", "Contacto", "Número"], "email_1": ["Buzón", "Dirección electrónica"],
                  "document_number": ["Identificador", "Documento fiscal"], "country_1": ["Prefijo", "Lada"]},
    "orders": {"due_date": ["Día de cobro", "Pagar antes de", "Cobrar el"], "fee": ["Cobro", "Suma a cobrar"],
               "payment_code": ["Operación", "Folio"], "period": ["Ciclo", "Modalidad"],
               "tax_rate": ["Gravamen", "Imp. ventas"]},
}
"""Titles a company gives a column that no vocabulary lists (tuned family: the column is told by its contents)."""


def _wide_titles(kind: str, seed: int, family: str, keys: Sequence[str], headers: list[str],
                 traits: list[str]) -> None:
    """In about a third of the tuned family's files, one or two columns get a title nobody lists."""
    if family != "tuned":
        return
    rng = random.Random(f"wide-{kind}-{seed}")
    if rng.random() >= 0.35:
        return
    for key in rng.sample(sorted(WIDE_TITLES[kind]), k=rng.choice([1, 1, 2])):
        if key in keys:
            headers[keys.index(key)] = rng.choice(WIDE_TITLES[kind][key])
            traits.append(f"wide_title={key}")


def customers_variant(seed: int, family: str) -> Variant:
    rng = random.Random(f"{family}-customers-{seed}")
    truth = sample_customers()
    merge_phones = rng.random() < 0.25
    keys = ["client_id", "document_type", "document_number", "first_names", "last_names", "phone_1"]
    if rng.random() < 0.4:
        keys.append("country_1")
    if not merge_phones:
        keys.append("phone_2")
    keys += ["email_1", "email_2"]
    if rng.random() < 0.6:
        tail = keys[3:]
        rng.shuffle(tail)
        keys[3:] = tail
    phone_style = rng.choice(_pools(family, *PHONE_STYLES))
    document_style = rng.choice(_pools(family, *DOCUMENT_STYLES))
    no_phone = set(rng.sample(range(len(truth)), k=2)) if rng.random() < 0.5 else set()
    expected = []
    rows = []
    for index, customer in enumerate(truth):
        phones = () if index in no_phone else customer.phones
        expected.append(CustomerTruth(customer.client_id, customer.document_type, customer.document_number,
                                      customer.first_names, customer.last_names, phones, customer.emails))
        row: list[Any] = []
        for key in keys:
            if key == "client_id":
                row.append(customer.client_id)
            elif key == "document_type":
                row.append(customer.document_type)
            elif key == "document_number":
                row.append(write_document(customer.document_number, document_style))
            elif key == "first_names":
                row.append(customer.first_names)
            elif key == "last_names":
                row.append(customer.last_names)
            elif key == "country_1":
                row.append("506")
            elif key == "phone_1":
                written = [write_phone(p, "plain" if phone_style in ("plus", "506", "paren", "plus_dash")
                                       and key == "phone_1" and "country_1" in keys else phone_style)
                           for p in phones]
                if not phones:
                    row.append("1")
                elif merge_phones:
                    row.append(rng.choice([" / ", ", ", "; ", " y "]).join(written))
                else:
                    row.append(written[0])
            elif key == "phone_2":
                row.append(write_phone(phones[1], phone_style) if len(phones) > 1 else "")
            elif key == "email_1":
                email = customer.emails[0]
                row.append(rng.choice([email, email, f" {email} ", email.upper()]))
            elif key == "email_2":
                row.append(customer.emails[1] if len(customer.emails) > 1 else "")
        rows.append(row)
    traits = [f"phones={phone_style}", f"documents={document_style}", f"merged_phones={merge_phones}"]
    headers = _headers_for("customers", keys, CUSTOMER_HEADERS, family, rng, traits)
    _wide_titles("customers", seed, family, keys, headers, traits)
    return _table_file(f"{family}-customers-{seed:03d}", "customers", family, headers, rows, rng, tuple(expected),
                       traits)


def orders_variant(seed: int, family: str) -> Variant:
    rng = random.Random(f"{family}-orders-{seed}")
    truth = sample_orders()
    keys = list(ORDER_HEADERS)
    if rng.random() < 0.6:
        tail = keys[2:]
        rng.shuffle(tail)
        keys[2:] = tail
    amount_style = rng.choice(_pools(family, ["plain", "en", "es", "short"], ["colon", "space"]))
    date_style = rng.choice(_pools(family, ["iso", "dmy", "d_mon_y", "long"], ["dots", "dmy_short"]))
    if family == "tuned" and random.Random(f"wide-orders-dates-{seed}").random() < 0.2:
        date_style = "mdy"
    tax_style = rng.choice(_pools(family, *TAX_STYLES))
    currency_style = rng.choice(_pools(family, *CURRENCY_STYLES))
    period_style = rng.choice(_pools(family, *PERIOD_STYLES))
    document_style = rng.choice(_pools(family, *DOCUMENT_STYLES))
    xlsx_cells = rng.random() < 0.5
    period_words = {"monthly": "mensual", "annual": "anual", "installment": "cuota"}
    rows = []
    for order in truth:
        row: list[Any] = []
        for key in keys:
            value: Any
            if key == "document_type":
                value = order.document_type
            elif key == "document_number":
                value = write_document(order.document_number, document_style)
            elif key == "payment_code":
                value = order.payment_code
            elif key == "installment":
                value = order.installment or ""
            elif key == "currency":
                value = {"code": order.currency, "word": {"CRC": "Colones", "USD": "Dólares"}[order.currency],
                         "symbol": {"CRC": "₡", "USD": "$"}[order.currency],
                         "lower": order.currency.lower()}[currency_style]
            elif key in ("fee", "charges", "balance"):
                amount = getattr(order, key)
                value = amount if xlsx_cells else write_amount(amount, amount_style)
            elif key == "period":
                word = period_words[order.period]
                value = {"lower": word, "title": word.title(), "upper": word.upper(),
                         "english": order.period}[period_style]
            elif key == "tax_rate":
                percent = (order.tax_rate * 100).normalize()
                value = {"fraction": f"{order.tax_rate}", "percent": f"{percent:f}%", "whole": f"{percent:f}",
                         "comma": f"{order.tax_rate}".replace(".", ","), "percent_space": f"{percent:f} %"}[tax_style]
            else:
                day = getattr(order, key)
                value = datetime.combine(day, datetime.min.time()) if xlsx_cells else write_date(day, date_style, rng)
            row.append(value)
        rows.append(row)
    traits = [f"amount={amount_style}", f"date={date_style}", f"tax={tax_style}", f"currency={currency_style}",
              f"documents={document_style}"]
    headers = _headers_for("orders", keys, ORDER_HEADERS, family, rng, traits)
    _wide_titles("orders", seed, family, keys, headers, traits)
    if not xlsx_cells:
        rows = [[_plain(v) if not isinstance(v, str) else v for v in row] for row in rows]
    return _table_file(f"{family}-orders-{seed:03d}", "orders", family, headers, rows, rng, tuple(truth), traits)


def all_variants(family: str, count: int) -> list[Variant]:
    """`count` bank files, `count // 2` customers files and `count // 2` payment-order files."""
    return [*bank_variants(family, count),
            *(customers_variant(seed, family) for seed in range(count // 2)),
            *(orders_variant(seed, family) for seed in range(count // 2))]
