"""Pure parsers for the values on a receipt: amounts, dates, references, phones, client IDs, names.

Every pattern here runs in time linear in its input: quantifiers over user text are bounded, number runs
start only where a run starts, and texts longer than any real value or notification are cut or refused
before they are parsed, so a pasted text of 200 000 digits costs milliseconds, not minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.ocr.layouts import normalize
from currency.money import too_large
from currency.text.amounts import parse_number
from currency.text.dates import ENGLISH_MONTHS, MONTHS, make_date, month_number

MAX_TEXT_CHARS = 10_000
"""The most of one text (a pasted notification, a receipt's whole OCR text) that is parsed; the rest is ignored."""
MAX_VALUE_CHARS = 200
"""The longest text read as one value (an amount, a reference, a phone, a name); longer is not that value."""
MAX_NUMBER_DIGITS = 20
"""The most digits an amount's number may have; a longer run of digits is not an amount."""
CENT = Decimal("0.01")

_USD = re.compile(r"US\s?\$|USD|U\.S\.|d[oó]lares|\$", re.IGNORECASE)
_CRC = re.compile(r"₡|¢|\bCRC\b|colones|\bcol\b", re.IGNORECASE)
_SIGN_MISREAD = re.compile(r"^[\s(\[{€©@C¢]+")
_NUMBER = re.compile(rf"\d[\d.,' ]{{0,{2 * MAX_NUMBER_DIGITS}}}")
_SPACED_MARK = re.compile(r"(?<=\d) (?=[.,]\d)|(?<=\d[.,]) (?=\d)")
"""A space Tesseract puts beside a thousands or decimal mark (`89 .433, 00`): the groups around it decide."""
_RUN = rf"(?<!\d)(?<!\d[.,' ])\d(?:[.,' ]?\d){{1,{MAX_NUMBER_DIGITS - 1}}}(?![.,' ]?\d)"
"""A whole number run (digits, single separators between them), never the tail of a longer one."""
_AMOUNT_IN_TEXT = re.compile(
    rf"(?:US\s?\$|USD|CRC|₡|¢|\$)\s?{_RUN}|{_RUN}\s?(?:colones|CRC|USD|d[oó]lares)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AmountReading:
    """An amount as read off a receipt: value, currency, and whether a reading choice was a guess (not
    `currency.money.Money`, which is an amount the books hold)."""

    value: Decimal
    currency: str | None
    doubtful: bool
    alternative: Decimal | None = None


def parse_amount(text: str) -> AmountReading | None:
    """Decide the decimal separator by the rightmost separator and digit groups; never guess silently."""
    if len(text) > MAX_VALUE_CHARS:
        return None
    currency: str | None = None
    doubtful = False
    if _USD.search(text):
        currency = "USD"
    elif _CRC.search(text):
        currency = "CRC"
    stripped = _SPACED_MARK.sub("", _USD.sub(" ", _CRC.sub(" ", text)).strip())
    lead = _SIGN_MISREAD.match(stripped)
    misread_sign = bool(lead and lead.group().strip())
    if misread_sign and currency is None:
        currency = "CRC"
    match = _NUMBER.search(stripped)
    if not match:
        return None
    if stripped[: match.start()].strip() and not misread_sign:
        return None
    core = match.group().rstrip(" .,'")
    tail = stripped[match.end() :].strip()
    if tail and not re.fullmatch(r"[A-Za-z.]*", tail):
        return None
    parts = re.split(r"([.,' ])", core)
    groups, seps = parts[0::2], parts[1::2]
    if any(not g.isdigit() for g in groups) or sum(map(len, groups)) > MAX_NUMBER_DIGITS:
        return None
    with_cents = bool(seps) and seps[-1] in ".," and len(groups[-1]) in (1, 2)
    thousands = seps[:-1] if with_cents else seps
    number = parse_number(core)
    stripped_one = False
    if number is None:
        repaired = _misread_groups(groups, seps, with_cents)
        if repaired is None:
            return None
        number, stripped_one = repaired
        doubtful = True
        currency = currency or ("CRC" if stripped_one else None)
    value = number.quantize(CENT)
    doubtful = doubtful or (with_cents and len(groups[-1]) == 1)
    alternative: Decimal | None = None
    if not stripped_one and misread_sign and lead and lead.group().rstrip().endswith("(") and core[:1] == "1":
        # `(1` is how the colón sign's stroke often reads: the amount may lack that 1.
        whole, cents = f"{value:.2f}".split(".")
        alternative = Decimal(f"{whole[1:] or '0'}.{cents}")
        doubtful = doubtful or not thousands
    if too_large(value):
        return None
    return AmountReading(
        value=value,
        currency=currency,
        doubtful=doubtful or (misread_sign and bool(alternative)),
        alternative=alternative,
    )


def _misread_groups(groups: list[str], seps: list[str], with_cents: bool) -> tuple[Decimal, bool] | None:
    """A number the shared grammar refuses that OCR explains, and whether a leading 1 was dropped: the thousands
    mark read as the decimal one (`794,992,00`), or the colón sign's stroke read as a 1 before a group of three
    (`1385,103.50` for `₡385,103.50`)."""
    integer, marks = (groups[:-1], seps[:-1]) if with_cents else (groups, seps)
    cents = groups[-1].ljust(2, "0") if with_cents else "00"
    if with_cents and seps[-1] in marks:
        if set(marks) != {seps[-1]} or any(len(g) != 3 for g in integer[1:]) or len(integer[0]) > 3:
            return None
        return Decimal(f"{''.join(integer)}.{cents}"), False
    if len(set(marks)) != 1 or any(len(g) != 3 for g in integer[1:]):
        return None
    if len(integer[0]) == 4 and integer[0][0] == "1":
        return Decimal(f"{''.join([integer[0][1:], *integer[1:]])}.{cents}"), True
    return None


def currency_named(text: str) -> str | None:
    """The currency a short value names on its own (`CRC`, `₡`, `Colones`, `USD`, `US$`, `Dólares`)."""
    if len(text) > 16 or any(ch.isdigit() for ch in text):
        return None
    return "USD" if _USD.search(text) else "CRC" if _CRC.search(text) else None


def find_amounts(text: str) -> list[AmountReading]:
    """Every amount with a currency mark in free text (notifications, hero lines)."""
    found = []
    for match in _AMOUNT_IN_TEXT.finditer(text[:MAX_TEXT_CHARS]):
        money = parse_amount(match.group())
        if money is not None and money.currency is not None:
            found.append(money)
    return found


_ABBREVIATIONS = {word: number for word, number in (MONTHS | ENGLISH_MONTHS).items() if len(word) == 3}
"""The three letters a month's name starts with, which is all of it OCR may leave readable."""


def _month(token: str) -> int | None:
    """A month's number from its name as read: the shared spellings, or its first three letters (a `0` read for
    an `o`, a stray stroke before it)."""
    whole = month_number(token)
    if whole is not None:
        return whole
    word = normalize(token)
    if len(word) >= 4 and word[0] in "1l|i" and word[1:4].replace("0", "o") in _ABBREVIATIONS:
        word = word[1:]
    word = word.replace("0", "o")
    return _ABBREVIATIONS.get(word[:3])


_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4}|\d{2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NAMED_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s{0,3}(?:de\s{1,3})?[/.-]?\s{0,3}([A-Za-zÁÉÍÓÚáéíóú0-9|]{3,11})\.?\s{0,3}"
    r"(?:de(?:l)?\s{1,3})?[/.-]?\s{0,3}(\d{4})(?!\d)"
)


def parse_date(text: str) -> date | None:
    """Day-first Spanish dates: 27/11/2026, 27-11-2026, 27 nov. 2026, 27 de noviembre de 2026, 27/NOV/2026."""
    text = text[:MAX_TEXT_CHARS]
    numeric = _NUMERIC_DATE.search(text)
    if numeric:
        day, month, year = (int(g) for g in numeric.groups())
        return make_date(year, month, day)
    iso = _ISO_DATE.search(text)
    if iso:
        return make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    for named in _NAMED_DATE.finditer(text):
        # A run of digits (a reference) is no month: the next match is tried.
        named_month = _month(named.group(2)) if re.search(r"[A-Za-zÁÉÍÓÚáéíóú]", named.group(2)) else None
        if named_month:
            return make_date(int(named.group(3)), named_month, int(named.group(1)))
    return None


_DIGIT_FIXES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "g": "9",
    }
)


def parse_reference(text: str) -> str | None:
    """A bank reference; letters Tesseract confuses with digits are fixed only in mostly-numeric ones."""
    if len(text) > MAX_VALUE_CHARS:
        return None
    tokens = text.split()
    if not tokens:
        return None
    joined = "".join(tokens) if all(re.fullmatch(r"[\dOolIS|B]+", t) for t in tokens) else tokens[0]
    joined = joined.strip(".,:;#-")
    digits = sum(ch.isdigit() for ch in joined)
    if len(joined) >= 4 and digits / len(joined) >= 0.7:
        fixed = joined.translate(_DIGIT_FIXES)
        return fixed if fixed.isdigit() else None
    if re.fullmatch(r"[A-Z0-9][A-Z0-9-]{3,}", joined) and digits >= 3:
        return joined
    return None


def reference_date(reference: str) -> date | None:
    """The date a SINPE reference (25 digits, or the 20 of some banks' comprobantes) starts with (YYYYMMDD), if it is
    a real date."""
    if len(reference) not in (20, 25) or not reference.isdigit():
        return None
    return make_date(int(reference[:4]), int(reference[4:6]), int(reference[6:8]))


def parse_phone(text: str) -> str | None:
    """An 8-digit Costa Rican number from 8888-7777, +506 8888 7777 or 88887777."""
    if len(text) > MAX_VALUE_CHARS:
        return None
    digits = re.sub(r"[\s\-().]", "", text.translate(_DIGIT_FIXES) if re.search(r"\d{4}", text) else text)
    match = re.search(r"(?:\+?506)?([2-8]\d{7})(?!\d)", digits)
    return match.group(1) if match else None


_ID_MISREAD_WORD = re.compile(r"(?<![A-Za-z0-9])[1l|]D(?=\s{0,3}[:#-]?\s{0,3}(?:WOLK\s{0,3}[:#-]?\s{0,3})?#?\s{0,3}\d)")
_ID_GLUED = re.compile(r"(?<=\d)[1l|]D(?=\s{1,3}#?\d)")
_ID_AS_TEN = re.compile(r"(?<![\w.,:])[1l|][0O](?=[:#]\d{3,}(?!\d*[:.,]\d))")
_HASH_AS_PLUSES = re.compile(r"(?<![\w+])\+\+(?=\d)")


def fix_id_word(text: str) -> str:
    """`1D`, `lD` or `|D` before a number is how Tesseract often reads the word `ID` (glued to a number before
    it when the space is narrow: `Cuota No. 41D 15844`), `10:` before three or more digits (no time of day) how a
    ticket's `ID:` is read, and `++` glued to a number how the Spanish model reads the `#` in front of it."""
    text = _ID_AS_TEN.sub("ID", _ID_GLUED.sub(" ID", _ID_MISREAD_WORD.sub("ID", text)))
    return _HASH_AS_PLUSES.sub("#", text)


def find_client_id(text: str, pattern: str) -> str | None:
    """The client ID by the configured pattern; `1D`/`lD` read for `ID` before a number is fixed first."""
    match = re.search(pattern, fix_id_word(text[:MAX_TEXT_CHARS]), re.IGNORECASE)
    if not match:
        return None
    return match.group(1) if match.groups() else match.group(0)


def clean_name(text: str) -> str | None:
    """A person's or company's name without OCR specks, kept as printed."""
    if len(text) > MAX_VALUE_CHARS:
        return None
    words = [w for w in text.split() if re.search(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]", w)]
    words = [re.sub(r"[^\wÁÉÍÓÚÑáéíóúñü.&'-]", "", w) for w in words]
    words = [w.strip("-'") for w in words if w.strip("-'.")]
    while words and len(words[0]) == 1 and not words[0].isupper():
        words.pop(0)
    name = " ".join(words).strip(" ,;:")
    if not name or not re.search(r"[A-Za-zÁÉÍÓÚÑáéíóúñ]{2}", name):
        return None
    return name


def clean_text(text: str) -> str | None:
    """A free-text value (the description) with edge punctuation and specks removed."""
    value = fix_id_word(" ".join(text[:MAX_TEXT_CHARS].split()).strip(" |:;,-_—").strip('"“”«»').strip())
    return value or None


_HASH_READING = re.compile(r"#(\d+)")
_HASH_MISREAD = re.compile(r"[+#34H1$¿?*]{0,2}")
_ID_READING = re.compile(r"ID([:#]?.*)")
_ID_MISREAD = re.compile(r"[1lIi|][D0Oo]")
_MAY_GAIN_HASH = re.compile(r"[+#34H1$¿?*]{0,2}\d+[.,;:)]*")


def better_symbol_reading(first: str, second: str) -> bool:
    """Whether `second` (another model's reading of the same word) restores a `#` or an `ID` that `first` lost.

    Spanish Tesseract reads `#4968` as `44968`, `344968`, `+4968` or `++4968`, and `ID787` as `10787`; a reading
    that differs only there, with the same digits after it (and the same closing stop or comma), is taken.
    Anything else keeps the first.
    """
    if first == second:
        return False
    tail = re.search(r"[.,;:)]*$", second).group()  # type: ignore[union-attr]
    if tail:
        if not first.endswith(tail):
            return False
        first, second = first[: -len(tail)], second[: -len(tail)]
    hashed = _HASH_READING.fullmatch(second)
    if hashed:
        digits = hashed.group(1)
        prefix = first[: len(first) - len(digits)]
        return first.endswith(digits) and bool(_HASH_MISREAD.fullmatch(prefix))
    tagged = _ID_READING.fullmatch(second)
    if tagged:
        return bool(_ID_MISREAD.match(first)) and first[2:] == tagged.group(1)
    return False


def may_gain_symbol(first: str) -> bool:
    """Whether any second reading could restore a `#` or an `ID` in the word (better_symbol_reading): digits
    with at most two misread marks before them, or an `ID` misread; a word read as `ID...` already gains none.
    A line without such a word is not worth reading again."""
    return bool(_MAY_GAIN_HASH.fullmatch(first)) or (bool(_ID_MISREAD.match(first)) and not first.startswith("ID"))
