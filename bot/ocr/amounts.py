"""The amount: every reading of it (labelled, unlabelled, a second model's, the digits without their sign)
votes, and any disagreement keeps it below the confidence an automatic forward needs."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.ocr.parsing import AmountReading, parse_amount
from bot.ocr.rows import Token

Reread = Callable[[Sequence[Token]], list[Token] | None]
"""Reads the words' area again another way (a second language); None when it cannot."""
Recheck = Callable[[Sequence[Token], int | None], list[Token] | None]
"""Reads the words' area again with the first model, the crop starting no further left than the given x."""
SIGN_DOUBT_CONFIDENCE = 0.85
RIVAL_DOUBT_CONFIDENCE = 0.85
"""The most an amount gets when another, doubtful, amount is written elsewhere on the receipt."""
"""The most an amount gets when the digits read differently with and without the currency sign beside them."""


@dataclass(frozen=True)
class Value:
    """A field's raw text with the lowest confidence of its words, and the words themselves."""

    text: str
    conf: float
    tokens: tuple[Token, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One reading of the amount: the money, its word confidence, and whether a label named it."""

    money: AmountReading
    conf: float
    labelled: bool


_GLUED_SIGN = re.compile(
    r"\s*[^\w\s$₡¢]?[A-Za-z¿?¡!{}|]?(?P<num>\d[\d.,' ]*\d)\s*(?P<word>colones|CRC|USD|d[oó]lares)?\s*"
)


_SIGN_AS_DIGIT = re.compile(r"\s*\d\s+(?P<rest>\d[\d.,' ]*\d(?:\s*(?:colones|CRC|USD|d[oó]lares))?)\s*")
"""A lone digit, a space, then a number: the colón sign read as a digit (`4 65 213,00` for `₡65 213,00`)."""


def lenient_amount(text: str) -> AmountReading | None:
    """The amount as written, or read past one stray character where the colón sign was (`t829,00`,
    `¿4.017,00`), or past a lone digit the sign was read as when the digit groups prove it is no part of the
    number (`4 65 213,00`): then it is doubtful, so it never stands alone for a sure amount."""
    money = parse_amount(text)
    if money is not None:
        return money
    sign = _SIGN_AS_DIGIT.fullmatch(text)
    rest = parse_amount(sign.group("rest")) if sign else None
    if rest is not None and sign is not None and re.search(r"\d[.,' ]\d", sign.group("rest")):
        return replace(rest, currency=rest.currency or "CRC", doubtful=True)
    glued = _GLUED_SIGN.fullmatch(text)
    if glued is None or glued.group("num") == text.strip():
        return None
    money = parse_amount(f"{glued.group('num')} {glued.group('word') or ''}".strip())
    if money is None:
        return None
    return replace(money, currency=money.currency or "CRC", doubtful=True)


def second_reading(value: Value, reread: Reread | None) -> Value | None:
    """The value's words read again by the second model, or None without pixels."""
    if reread is None or not value.tokens or any(t.box is None for t in value.tokens):
        return None
    tokens = reread(value.tokens)
    if not tokens:
        return None
    return Value(" ".join(t.text for t in tokens).lstrip(": "), min(t.conf for t in tokens), tuple(tokens))


def reading_without_sign(value: Value, recheck: Recheck | None) -> Value | None:
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
    if first is None or first[0] <= sign.box[2]:
        return None  # the digits are not after the sign on its line (a value's lines out of order)
    left = sign.box[2] + max(1, (first[0] - sign.box[2]) // 2)
    tokens = recheck(digits, left)
    if not tokens:
        return None
    text = " ".join([sign.text, *(t.text for t in tokens)])
    return Value(text, min(t.conf for t in tokens), (sign, *tokens))


def choose_amount(
    labelled: Sequence[Value],
    others: Sequence[Reading],
    photo: bool,
    sign_free: Value | None = None,
    *,
    cap: float = 0.99,
) -> tuple[Decimal | None, str | None, float, float]:
    """The amount every reading agrees on; disagreement or a guessed reading lowers the confidence.

    `labelled` are the values a label names (the first one best), `others` the amounts written elsewhere
    (a hero line, a sentence). `sign_free` is the first labelled amount's digits read without the sign
    before them: when it drops a leading digit the first reading had, that digit is taken for the
    misread sign (the first reading's alternative), and the amount is never confident. `cap` is the most
    the way the amount was found allows (a label whose wording was only guessed allows less).
    """
    readings: list[Reading] = []
    for value in labelled:
        money = lenient_amount(value.text)
        if money is not None:
            readings.append(Reading(money, value.conf, True))
    sign_doubt = False
    free = parse_amount(sign_free.text) if sign_free is not None else None
    first_read = lenient_amount(labelled[0].text) if labelled else None
    if free is not None and sign_free is not None and first_read is not None and free.value != first_read.value:
        first = readings[0]
        sign_doubt = True
        if f"{first.money.value:.2f}"[1:] == f"{free.value:.2f}":
            readings[0] = replace(first, money=replace(first.money, alternative=free.value))
        readings.append(Reading(free, sign_free.conf, True))
    # A payment of nothing is no payment: a zero (a fee's `0,00`, a number cut to its cents) is never the amount.
    readings = [r for r in (*readings, *others) if r.money.value > 0]
    if not readings:
        return None, None, 0.0, 0.0
    votes: dict[Decimal, list[Reading]] = {}
    for reading in readings:
        votes.setdefault(reading.money.value, []).append(reading)
    for reading in readings:
        money = reading.money
        if (
            money.alternative is not None
            and money.alternative in votes
            and money.value not in (r.money.value for r in readings if r.money.alternative is None)
        ):
            votes.setdefault(money.alternative, []).append(
                Reading(AmountReading(money.alternative, money.currency, True), reading.conf, reading.labelled)
            )
            votes.pop(money.value, None)
    ranked = sorted(
        votes.items(),
        key=lambda item: (len(item[1]), any(r.labelled for r in item[1]), sum(not r.money.doubtful for r in item[1])),
        reverse=True,
    )
    chosen, support = ranked[0]
    clean = [r for r in support if not r.money.doubtful]
    best = max((r.conf for r in support), default=0.0)
    if len(support) >= 2 and clean:
        # Two clean readings that agree (two places, or two models) are evidence beyond the word scores,
        # which the colón sign's odd glyph drags down; alone they never claim 0.9.
        confidence = min(0.99, max(best + 0.03, 0.85 if len(clean) >= 2 else 0.0))
    elif clean:
        confidence = min(best, 0.85 if photo else 0.9)
    else:
        confidence = min(best, 0.5)
    if len(ranked) > 1:
        # A rival that a label named, or read cleanly, leaves the amount a toss-up; one read only past a
        # misread sign or with no currency still keeps it from a sure reading.
        serious = any(r.labelled or not r.money.doubtful for _, rivals in ranked[1:] for r in rivals)
        confidence = min(confidence, 0.4 if serious else RIVAL_DOUBT_CONFIDENCE)
    if sign_doubt:
        confidence = min(confidence, SIGN_DOUBT_CONFIDENCE)
    confidence = min(confidence, cap)
    currencies = [r.money.currency for r in support if r.money.currency]
    currency = max(set(currencies), key=currencies.count) if currencies else "CRC"
    currency_conf = min(0.99, best) if currencies else 0.5
    if any(r.money.currency and r.money.currency != currency for r in support):
        currency_conf = min(currency_conf, 0.4)
    return chosen, currency, round(confidence, 3), round(currency_conf, 3)
