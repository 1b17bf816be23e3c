"""From words with boxes (or plain text) to ReceiptFields: labels from layout data, values beside or below."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz

from bot.ocr.engine import Word
from bot.ocr.fields import ReceiptFields
from bot.ocr.layouts import FIELDS, Layout, bank_from_labels, detect_bank, load_layouts, merged_labels, normalize
from bot.ocr.parsing import (
    Money,
    better_symbol_reading,
    clean_name,
    clean_text,
    find_amounts,
    find_client_id,
    parse_amount,
    parse_date,
    parse_phone,
    parse_reference,
    reference_date,
)

TEXT_CONFIDENCE = 0.97


@dataclass(frozen=True)
class Token:
    """A word of a row with its confidence (0..1) and, from an image, its box (left, top, right, bottom)."""

    text: str
    conf: float
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Row:
    """One visual line of the receipt, left to right."""

    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass(frozen=True)
class Value:
    """A field's raw text with the lowest confidence of its words, and the words themselves."""

    text: str
    conf: float
    tokens: tuple[Token, ...] = ()


Reread = Callable[[Sequence[Token]], list[Token] | None]
"""Reads the words' area again another way (a second language); None when it cannot."""
Recheck = Callable[[Sequence[Token], int | None], list[Token] | None]
"""Reads the words' area again with the first model, the crop starting no further left than the given x."""
SIGN_DOUBT_CONFIDENCE = 0.85
"""The most an amount gets when the digits read differently with and without the currency sign beside them."""


def rows_from_words(words: Sequence[Word]) -> list[Row]:
    """Group Tesseract's words into visual rows: same vertical band, sorted left to right."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    boxes = sorted(lines.values(), key=lambda ws: min(w.top for w in ws))
    rows: list[list[Word]] = []
    for line in boxes:
        top, bottom = min(w.top for w in line), max(w.bottom for w in line)
        if rows:
            prev = rows[-1]
            ptop, pbottom = min(w.top for w in prev), max(w.bottom for w in prev)
            overlap = min(bottom, pbottom) - max(top, ptop)
            if overlap > 0.5 * min(bottom - top, pbottom - ptop):
                prev.extend(line)
                continue
        rows.append(list(line))
    return [Row(tuple(_token(w) for w in sorted(r, key=lambda w: w.left))) for r in rows]


def _token(word: Word) -> Token:
    return Token(word.text, word.conf / 100, (word.left, word.top, word.right, word.bottom))


def rows_from_text(text: str) -> list[Row]:
    """Rows of a pasted notification: one per line."""
    return [Row(tuple(Token(t, TEXT_CONFIDENCE) for t in line.split())) for line in text.splitlines() if line.strip()]


def _match_label(row: Row, labels: dict[str, list[tuple[str, ...]]]) -> tuple[str, int] | None:
    """(field, number of label tokens) for the longest label the row starts with, allowing OCR slips."""
    norm = [normalize(t.text) for t in row.tokens]
    best: tuple[str, int, int] | None = None
    for key, options in labels.items():
        for label in options:
            taken: list[str] = []
            count = 0
            for piece in norm:
                if len(taken) >= len(label):
                    break
                count += 1
                taken.extend(piece.split())
            if taken != list(label) and (
                len(taken) != len(label)
                or fuzz.ratio(" ".join(taken), " ".join(label)) < 88
                or len(" ".join(label)) < 5
            ):
                continue
            size = len(" ".join(label))
            if best is None or size > best[2]:
                best = (key, count, size)
    return (best[0], best[1]) if best else None


def _labelled_values(rows: list[Row], labels: dict[str, list[tuple[str, ...]]]) -> dict[str, list[Value]]:
    found: dict[str, list[Value]] = {}
    matches = [_match_label(row, labels) for row in rows]
    for index, (row, match) in enumerate(zip(rows, matches, strict=True)):
        if match is None:
            continue
        key, count = match
        rest = [t for t in row.tokens[count:] if t.text.strip(":")]
        if not rest and index + 1 < len(rows) and matches[index + 1] is None:
            rest = list(rows[index + 1].tokens)
        if rest:
            text = " ".join(t.text for t in rest).lstrip(": ")
            found.setdefault(key, []).append(Value(text, min(t.conf for t in rest), tuple(rest)))
    return found


def _pattern_values(text: str, layouts: Sequence[Layout]) -> dict[str, list[Value]]:
    found: dict[str, list[Value]] = {}
    for layout in layouts:
        for key, patterns in layout.patterns.items():
            for pattern in patterns:
                for match in re.finditer(pattern, text):
                    found.setdefault(key, []).append(Value(match.group("v").strip(), TEXT_CONFIDENCE * 0.9))
    return found


def _second_reading(value: Value, reread: Reread | None) -> Value | None:
    """The value's words read again by the second model, or None without pixels."""
    if reread is None or not value.tokens:
        return None
    tokens = reread(value.tokens)
    if not tokens:
        return None
    return Value(" ".join(t.text for t in tokens).lstrip(": "), min(t.conf for t in tokens), tuple(tokens))


def _reading_without_sign(value: Value, recheck: Recheck | None) -> Value | None:
    """The amount's digits read again on their own, without the currency sign in front of them.

    The Spanish model has no colón sign: it reads `₡` as `(`, `C` or `€`, and the stroke it cannot
    place sometimes becomes one more digit glued to the number (`( 385,103.50` for `₡ 85,103.50`).
    A crop that starts after the sign cannot borrow from it. Only a sign read as its own word (the
    digits have their own box) can be left out; the sign's text is kept so the currency still reads.
    """
    if recheck is None or len(value.tokens) < 2:
        return None
    sign, digits = value.tokens[0], value.tokens[1:]
    if sign.box is None or any(ch.isdigit() for ch in sign.text) or not digits[0].text[:1].isdigit():
        return None
    first = digits[0].box
    if first is None:
        return None
    left = sign.box[2] + max(1, (first[0] - sign.box[2]) // 2)
    tokens = recheck(digits, left)
    if not tokens:
        return None
    text = " ".join([sign.text, *(t.text for t in tokens)])
    return Value(text, min(t.conf for t in tokens), (sign, *tokens))


def _choose_reference(labelled: list[Value], when: date | None, reread: Reread | None) -> tuple[str | None, float]:
    """The first labelled value that parses as a reference; a SINPE one is cross-checked against the date.

    A 25-digit SINPE reference starts with the receipt date (YYYYMMDD). When the first reading breaks
    that rule, or finds nothing, a second model reads the words again; the reading that fits the rule
    wins, and two readings that disagree lower the confidence.
    """
    for value in labelled:
        first = parse_reference(value.text)
        if first is not None and not _sinpe_suspect(first, when):
            return first, min(value.conf, 0.99)
        second_value = _second_reading(value, reread)
        second = parse_reference(second_value.text) if second_value else None
        if second is not None and second_value is not None and not _sinpe_suspect(second, when):
            return second, min(second_value.conf, 0.8 if first else 0.9)
        if first is not None:
            return first, min(value.conf, 0.5)
        if second is not None and second_value is not None:
            return second, min(second_value.conf, 0.5)
    return None, 0.0


def _sinpe_suspect(reference: str, when: date | None) -> bool:
    """A reference that looks like a SINPE one (starts with 20YY) but is not 25 digits of the receipt's date."""
    if when is None or not reference.startswith(f"{when:%Y}"[:2]) or len(reference) < 20:
        return False
    return reference_date(reference) != when


def _reread_symbols(value: Value, reread: Reread) -> Value:
    """The value with each word another reading restores a `#` or `ID` in (see better_symbol_reading)."""
    if not value.tokens or not any(ch.isdigit() or ch == "+" for ch in value.text):
        return value
    second = reread(value.tokens)
    if not second or len(second) != len(value.tokens):
        return value
    tokens = [b if better_symbol_reading(a.text, b.text) else a for a, b in zip(value.tokens, second, strict=True)]
    if tokens == list(value.tokens):
        return value
    return Value(" ".join(t.text for t in tokens).lstrip(": "), min(t.conf for t in tokens), tuple(tokens))


def extract(
    rows: list[Row],
    *,
    client_id_pattern: str,
    photo: bool = False,
    reread: Reread | None = None,
    recheck: Recheck | None = None,
) -> ReceiptFields:
    """Fill every field the rows support, each with a confidence from word scores and cross-checks.

    `reread` (from the image reader) reads a value's words again with a second model where one
    Spanish pass is known to drop symbols; `recheck` reads a crop again with the first model.
    Plain-text input has no pixels and passes neither.
    """
    generic, banks = load_layouts()
    full_text = "\n".join(row.text for row in rows)
    bank, bank_conf = detect_bank(full_text, banks)
    if bank is None:
        bank = bank_from_labels([row.text for row in rows], banks)
        bank_conf = 0.7 if bank else bank_conf
    labels = merged_labels(generic, bank)
    values = _labelled_values(rows, labels)
    patterned = _pattern_values(full_text, [generic] + ([bank] if bank else []))
    for key, extra in patterned.items():
        values.setdefault(key, extra)
    conf: dict[str, float] = {}

    amount_values = list(values.get("amount", []))
    sign_free = None
    if amount_values:
        # A second model's reading of the labelled amount is one more vote: agreement raises the
        # confidence, disagreement lowers it (the amount is what accounting would apply).
        second_amount = _second_reading(amount_values[0], reread)
        if second_amount is not None:
            amount_values.append(second_amount)
        sign_free = _reading_without_sign(amount_values[0], recheck)
    amount, currency, amount_conf, currency_conf = _choose_amount(rows, amount_values, photo, sign_free)
    conf["amount"], conf["currency"] = amount_conf, currency_conf

    when, date_conf = None, 0.0
    for value in values.get("date", []):
        when, date_conf = parse_date(value.text), value.conf
        if when is None:
            second_date = _second_reading(value, reread)
            when = parse_date(second_date.text) if second_date else None
            date_conf = second_date.conf * 0.9 if second_date and when else 0.0
        if when:
            break
    if when is None:
        when = parse_date(full_text)
        date_conf = 0.6 if when else 0.0

    reference, ref_conf = _choose_reference(values.get("reference", []), when, reread)
    from_ref = reference_date(reference) if reference else None
    if from_ref is not None:
        if when == from_ref:
            date_conf = min(0.99, max(date_conf, ref_conf) + 0.05)
        elif when is None:
            when, date_conf = from_ref, 0.7
        else:
            ref_conf = min(ref_conf, 0.5)
            date_conf = min(date_conf, 0.5)
    conf["reference"], conf["date"] = ref_conf, date_conf

    names: dict[str, str | None] = {}
    for key in ("payer_name", "payee_name"):
        names[key] = None
        conf[key] = 0.0
        for value in values.get(key, []):
            name = clean_name(value.text)
            if name:
                names[key], conf[key] = name, value.conf
                break

    description, desc_conf = None, 0.0
    for value in values.get("description", []):
        if reread is not None:
            value = _reread_symbols(value, reread)
        description = clean_text(value.text)
        if description:
            desc_conf = value.conf
            break
    conf["description"] = desc_conf

    client_id, client_conf = None, 0.0
    if description:
        client_id = find_client_id(description, client_id_pattern)
        client_conf = desc_conf if client_id else 0.0
    if client_id is None:
        client_id = find_client_id(full_text, client_id_pattern)
        client_conf = 0.6 if client_id else 0.0
    conf["client_id"] = client_conf

    phones: dict[str, str | None] = {}
    for key in ("payee_phone", "payer_phone"):
        phones[key] = None
        for value in values.get(key, []):
            phones[key] = parse_phone(value.text)
            if phones[key]:
                conf[key] = value.conf
                break
    conf["bank"] = bank_conf
    return ReceiptFields(
        amount=amount,
        currency=currency,
        date=when,
        reference=reference,
        payer_name=names["payer_name"],
        payee_name=names["payee_name"],
        description=description,
        client_id=client_id,
        bank=bank.name if bank else None,
        payee_phone=phones["payee_phone"],
        payer_phone=phones["payer_phone"],
        confidence={k: round(v, 3) for k, v in conf.items() if k in FIELDS or k in ("currency", "bank", "client_id")},
        raw_text=full_text,
    )


def _choose_amount(
    rows: list[Row], labelled: list[Value], photo: bool, sign_free: Value | None = None
) -> tuple[Decimal | None, str | None, float, float]:
    """The amount every reading agrees on; disagreement or a guessed reading lowers the confidence.

    `sign_free` is the labelled amount's digits read without the sign before them: when it drops a
    leading digit the first reading had, that digit is taken for the misread sign (the first
    reading's alternative), and the amount is never confident.
    """
    readings: list[tuple[Money, float, bool]] = []
    for value in labelled:
        money = parse_amount(value.text)
        if money is not None:
            readings.append((money, value.conf, True))
    sign_doubt = False
    free = parse_amount(sign_free.text) if sign_free is not None else None
    first_read = parse_amount(labelled[0].text) if labelled else None
    if free is not None and sign_free is not None and first_read is not None and free.value != first_read.value:
        first, first_conf, _ = readings[0]
        sign_doubt = True
        if f"{first.value:.2f}"[1:] == f"{free.value:.2f}":
            readings[0] = (replace(first, alternative=free.value), first_conf, True)
        readings.append((free, sign_free.conf, True))
    for row in rows:
        text = row.text
        if any(text == value.text for value in labelled):
            continue
        whole = parse_amount(text)
        if whole is not None and whole.currency is not None and len(row.tokens) <= 4:
            readings.append((whole, min(t.conf for t in row.tokens), False))
            continue
        for money in find_amounts(text):
            readings.append((money, min(t.conf for t in row.tokens), False))
    if not readings:
        return None, None, 0.0, 0.0
    votes: dict[Decimal, list[tuple[Money, float, bool]]] = {}
    for reading in readings:
        votes.setdefault(reading[0].value, []).append(reading)
    for money, _conf, _labelled in readings:
        if (
            money.alternative is not None
            and money.alternative in votes
            and money.value not in (r[0].value for r in readings if r[0].alternative is None)
        ):
            votes.setdefault(money.alternative, []).append(
                (Money(money.alternative, money.currency, True), _conf, _labelled)
            )
            votes.pop(money.value, None)
    ranked = sorted(
        votes.items(),
        key=lambda item: (len(item[1]), any(r[2] for r in item[1]), sum(not r[0].doubtful for r in item[1])),
        reverse=True,
    )
    chosen, support = ranked[0]
    clean = [r for r in support if not r[0].doubtful]
    best = max((r[1] for r in support), default=0.0)
    if len(support) >= 2 and clean:
        # Two clean readings that agree (two places, or two models) are evidence beyond the word scores,
        # which the colón sign's odd glyph drags down; alone they never claim 0.9.
        confidence = min(0.99, max(best + 0.03, 0.85 if len(clean) >= 2 else 0.0))
    elif clean:
        confidence = min(best, 0.85 if photo else 0.9)
    else:
        confidence = min(best, 0.5)
    if len(ranked) > 1:
        confidence = min(confidence, 0.4)
    if sign_doubt:
        confidence = min(confidence, SIGN_DOUBT_CONFIDENCE)
    currencies = [r[0].currency for r in support if r[0].currency]
    currency = max(set(currencies), key=currencies.count) if currencies else "CRC"
    currency_conf = min(0.99, best) if currencies else 0.5
    if any(r[0].currency and r[0].currency != currency for r in support):
        currency_conf = min(currency_conf, 0.4)
    return chosen, currency, round(confidence, 3), round(currency_conf, 3)
