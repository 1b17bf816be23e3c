"""What kind of value a piece of text is: an account, a phone, a date, an amount, a reference or a name.

A value is typed before it is used, so an IBAN beside a holder's name, a date in words or a phone number
is never taken for a name, and a reference is found by its shape when no label names it.
"""

from __future__ import annotations

import re
from datetime import date

from bot.ocr.layouts import normalize
from bot.ocr.parsing import parse_amount
from bot.ocr.parsing import parse_date as parse_date_as_written

MONTH_WORDS = frozenset(
    (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "setiembre", "septiembre",
        "octubre", "noviembre", "diciembre", "ene", "feb", "mar", "abr", "jun", "jul", "ago", "set", "sep", "oct",
        "nov", "dic",
    )
)
WEEKDAY_WORDS = frozenset(
    ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "lun", "mie", "jue", "vie", "sab", "dom")
)
WEEKDAY_NUMBERS = {
    "lunes": 0, "lun": 0, "martes": 1, "miercoles": 2, "mie": 2, "jueves": 3, "jue": 3, "viernes": 4, "vie": 4,
    "sabado": 5, "sab": 5, "domingo": 6, "dom": 6,
}
"""Weekday words and Python's weekday number (`mar` is left out: it is March as often as Tuesday)."""
NOT_NAME_WORDS = frozenset(
    (
        "sinpe", "movil", "colones", "dolares", "crc", "usd", "referencia", "comprobante", "monto", "fecha",
        "motivo", "cuenta", "iban", "telefono", "transferencia", "exitosa", "exitoso", "pago", "realizado",
        "realizada", "recibido", "enviado", "hoy", "ayer", "ahora", "estimado", "cliente", "saldo", "disponible",
        "comision", "aprobado", "aplicada", "completada", "procesada", "detalle", "descripcion", "concepto",
        "atentamente", "cordialmente", "saludos", "gracias", "listo", "senor", "senora", "senores",
    )
)
FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years a receipt's date may have."""
NAME_CONNECTORS = frozenset(("de", "del", "la", "las", "los", "y", "e"))
CUT_WORDS = frozenset(("de", "del", "la", "las", "los", "el", "al", "a", "por", "para", "con", "y", "en"))
_IBAN = re.compile(
    r"\bC\s?R\s?[\dO]{2}(?:[\s-]?[\dO]){14,20}\b|\bCR[\dO]{2}\b(?=[\s*]*(?:\d{4}|\*{2,}))(?:[\s-]*(?:\d{2,4}\b|\*+))*",
    re.IGNORECASE,
)
"""An IBAN; or its start (`CR24 0152 3440`, the rest wrapped to the next line, or hidden) with its digit groups."""
_MASKED = re.compile(
    r"(?:CR\d{0,2}\s?)?(?:\*{2,}\s?)+\d{3,4}\b|\bX{3,}\d{3,4}\b"
    r"|\bX[XI]{2,}(?:[\s-]+X[XI]{2,})*[\s-]*\d{3,4}\b"  # groups of X (`XXXX-XXXX-3096`, misread `XXXIX XXXX- 1905`)
    r"|\bCR\d{2}(?:\s[^\s\d]{1,6}){1,4}\s\d{3,4}\b",  # the hiding stars misread (`CR28 eek er* 0317`)
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\d-])(?:\(?\+?506\)?[\s-]?)?[2-8]\d{3}[\s-]\d{4}(?![\d-])|\(?\+?506\)?[\s-]?[2-8]\d{7}(?!\d)"
)
_CEDULA = re.compile(r"(?<![\d-])\d-\d{4}-\d{4}(?![\d-])")
_DIGIT_RUN = re.compile(r"(?<![\d.,/:-])\d{8,25}(?![\d,/:]|[.-]\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{2})\2(\d{2})(?!\d)")
_MONTH_COMMA_YEAR = re.compile(r"\b([A-Za-zÁÉÍÓÚáéíóú]{3,10})\.?\s?,\s?(\d{4})(?!\d)")
"""`2 de marzo, 2026`: a comma between the month and the year."""
_NAME_WORD = re.compile(r"^[A-Za-zÁÉÍÓÚÑÜáéíóúñü][A-Za-zÁÉÍÓÚÑÜáéíóúñü'.&-]*$")


_ABBREVIATED_END = re.compile(
    r"(?:\b[A-Za-z]\.){2,}$|\b[A-Z]\.$|\b(?:ltda|cia|c[ií]a|hnos|inc|corp|soc|sucs?|cnel|lic|dr|dra|ing|sr|sra)\.$",
    re.IGNORECASE,
)
"""A name whose last word is an abbreviation (`S.A.`, `Ltda.`, `Cía.`, `Hnos.`): its full stop is its own."""


_LEGAL_FORM = re.compile(r"(?:S\.\s?A|S\.\s?R\.\s?L|R\.\s?L|Ltda|C[ií]a|Inc|Corp)\.?", re.IGNORECASE)
"""A company's legal form as printed after its name (`S.A.`, `S.R.L.`, `Ltda.`, `R.L.`, `Cía.`)."""


def is_legal_form(word: str) -> bool:
    """Whether a word is a company's legal form, which belongs to the name printed before it."""
    return bool(_LEGAL_FORM.fullmatch(word.strip(",;")))


def ends_abbreviated(text: str) -> bool:
    """Whether the text's final full stop belongs to an abbreviation (a company's legal form, initials)."""
    return bool(_ABBREVIATED_END.search(text))


def is_account(text: str) -> bool:
    """An IBAN (CRdd followed by digits, grouped or not), or an account shown with hidden digits."""
    return bool(_IBAN.search(text) or _MASKED.search(text))


def strip_accounts(text: str) -> str:
    """The text with IBANs and masked account numbers taken out (what may sit beside them is kept)."""
    return " ".join(_MASKED.sub(" ", _IBAN.sub(" ", text)).split())


def is_phone(text: str) -> bool:
    """A Costa Rican phone number written as one (8888-7777, +506 8888 7777, (506) 8888-7777)."""
    return bool(_PHONE.search(text))


def parse_date(text: str) -> date | None:
    """A day-first date as the parser reads it, in capitals too (`3 DE ABRIL DE 2026`), year first (`2026/10/14`),
    or with a comma before the year (`2 de marzo, 2026`); a year no payment of this century has (`01/02/2403`, a
    misread) is no date."""
    iso = _ISO_DATE.search(text)
    text = _MONTH_COMMA_YEAR.sub(lambda m: f"{m.group(1)} {m.group(2)}" if normalize(m.group(1)) in MONTH_WORDS
                                 else m.group(), text)
    found = parse_date_as_written(f"{iso.group(1)}-{iso.group(3)}-{iso.group(4)}") if iso else (
        parse_date_as_written(text) or parse_date_as_written(text.lower())
    )
    return found if found is not None and FIRST_YEAR <= found.year <= LAST_YEAR else None


def weekday_disagrees(text: str, when: date) -> bool:
    """Whether the text names a weekday and none of the ones it names is the date's (`mié. 23 ene. 2026`: the 23rd
    was a Friday, so a digit was misread)."""
    named = {WEEKDAY_NUMBERS[w] for w in re.findall(r"[a-z]+", normalize(text)) if w in WEEKDAY_NUMBERS}
    return bool(named) and when.weekday() not in named


def has_date(text: str) -> bool:
    return parse_date(text) is not None


def is_amount(text: str) -> bool:
    """Nothing but an amount (with its currency sign, code or word, or two decimals)."""
    rest = re.sub(r"(?i)US\s?\$|USD|CRC|colones|d[oó]lares|[₡¢$]", " ", text)
    if re.search(r"[A-Za-zÁÉÍÓÚáéíóúÑñ]{2,}", rest):
        return False
    money = parse_amount(text)
    return money is not None and (money.currency is not None or bool(re.search(r"\d[.,]\d{2}\b", text)))


_DOMAIN = re.compile(r"[a-z]\.(?:[a-z]{2,}\.)*(?:fi\.cr|cr|com|net|org)\b")
"""A mail or web address's domain (`notificaciones@bac.fi.cr` with its `@` misread): no name has one."""


def name_words(text: str) -> list[str]:
    """The words of a holder's name, or [] when the text cannot be one (digits, dates, accounts, keywords)."""
    if any(ch.isdigit() for ch in text) or "@" in text or "*" in text or _DOMAIN.search(text):
        return []
    words = [w.strip(",;:") for w in text.split()]
    words = [w for w in words if w]
    if not words or len(words) > 8:
        return []
    plain = [normalize(w) for w in words]
    if any(p in MONTH_WORDS or p in WEEKDAY_WORDS or p in NOT_NAME_WORDS for p in plain):
        return []
    if not all(_NAME_WORD.match(w) for w in words):
        return []
    if any(w.islower() and w not in NAME_CONNECTORS for w in words):
        return []
    if sum(len(p) for p in plain) < 4 or not any(len(p) >= 3 for p in plain):
        return []
    return words


def looks_like_name(text: str) -> bool:
    """Two or more name-like words (or one long one), none of them a date, an account, a number or a keyword."""
    words = name_words(text)
    return len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 5 and words[0][:1].isupper())


def sentence(text: str) -> str:
    """The text up to the end of its sentence: a period (or `|`) followed by a capitalised word, a long number or a
    date; or up to a comma that introduces the reference (`pago ID 55, ref 99887766`)."""
    match = re.search(r"(?<![A-Z]\.[A-Z])(?<!\b[A-Z])[.|]\s+(?=[A-ZÁÉÍÓÚÑ¿¡]|\d{6,}|\d{1,2}(?:\s+de\s+[a-z]|/\d))",
                      text)
    text = text[: match.start()] if match else text
    return re.split(r",\s*(?=(?:ref|referencia|comprobante|autorizaci[oó]n|confirmaci[oó]n|documento)\b)", text,
                    maxsplit=1, flags=re.IGNORECASE)[0].strip()


def name_after_account(text: str) -> str:
    """The name printed after an account whose hiding stars were misread (`CRE* ete ore O610 Servicios Técnicos`):
    what follows the last word with a digit or star, when that is a name; else the text as it was."""
    words = text.split()
    marked = [k for k, w in enumerate(words) if re.search(r"[\d*#]", w)]
    if not marked or marked[-1] == len(words) - 1:
        return text
    tail = " ".join(words[marked[-1] + 1 :])
    return tail if looks_like_name(tail) and len(tail.split()) >= 2 else text


def name_before_account(text: str) -> str:
    """The name printed before a dash and an account whose letters, digits or hiding stars were misread
    (`Daniela Elizondo Torres - CRY8 **** ex xx`); else the text as it was."""
    parts = re.split(r"\s[-–—|]\s", text, maxsplit=1)
    if len(parts) == 2 and re.search(r"[\d*#]", parts[1]) and looks_like_name(parts[0]):
        return parts[0]
    return text


def cut_phrase(text: str) -> bool:
    """A phrase cut out of a longer one: it ends with a preposition or article, or starts with `de` (`Número de`,
    `de la transacción`), which no description, name or label does on its own."""
    words = normalize(text).split()
    return bool(words) and (words[-1] in CUT_WORDS or words[0] in ("de", "del"))


def reference_candidates(text: str) -> list[str]:
    """Runs of 8 to 25 digits that are not part of an account, a phone, an ID card number, a date or an amount."""
    cleaned = _CEDULA.sub(" ", _PHONE.sub(" ", _MASKED.sub(" ", _IBAN.sub(" ", text))))
    return [m.group() for m in _DIGIT_RUN.finditer(cleaned)]
