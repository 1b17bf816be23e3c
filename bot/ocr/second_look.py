"""The second reading a value gets: the Spanish model again at another scale, the English model only where
Spanish is known to fail.

A second model costs a fresh `paybot ocr` as much CPU to load as the first (about 60 ms), and on most receipts
it only agrees with what Spanish read. So a value's words are first read again by the Spanish model on the crop
enlarged (a different picture for the same model: what it misread by chance it reads another way), and that
reading stands when it says the same. The English model is asked, and loaded on its first need, where Spanish
cannot be trusted: the two Spanish readings differ; an amount reads only doubtfully (a stray sign, groups that
do not fit); or a word's first glyph may be a `#`, which the Spanish model has no letter for (`#3159` comes out
`343159`, `43159` or `3159`): glyphs that are not one per character, or a first glyph with two bars across it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from PIL import Image

from bot.ocr.parsing import fix_id_word, may_gain_symbol, parse_amount
from bot.ocr.rows import Token

SCALE = 1.5
"""How much the Spanish second reading enlarges the crop."""
INK = 128
"""Darker than this is ink (the prepared page is dark text on white)."""
BAR = 0.75
"""A row of a glyph inked across this share of its width is a bar."""
EDGE = 0.15
"""A `#`'s bars stand inside its height: further than this share from its top and bottom."""
WIDE = 1.5
"""A glyph this many times as wide as the word's median glyph may hold two characters (touching ink)."""
_ID_READ_TWICE = re.compile(r"(?<![A-Za-z0-9])[1l|](?=ID\d)")
"""`1ID7412`: the enlarged crop's reading of the `ID` the page pass read `1D`."""
_ID_MISREAD = re.compile(r"[1lIi|][D0Oo]")
"""How a word starting with `ID` may have been read (`1D7412`, `10787`): `parsing.may_gain_symbol`'s other half."""
_AMOUNT_LIKE = re.compile(r"\d[.,]\d{1,2}\b|colones|CRC|USD|d[oó]lares", re.IGNORECASE)
EDGES = " .,;:|()[]{}-_—~'\"“”«»¡!¿?"
"""What two readings of the same words may differ by at their ends and still agree (marks and specks)."""


class LineReader(Protocol):
    """Reads a few words' box again; `left`, when given, is the x its crop may not start before."""

    def __call__(self, tokens: Sequence[Token], left: int | None = None) -> list[Token] | None: ...


def _inked(page: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The box's ink as 255 on 0."""
    crop = page.crop(box)
    if crop.mode != "L":
        crop = crop.convert("L")
    return crop.point([255 if v < INK else 0 for v in range(256)])


def _runs(profile: bytes, least: int) -> list[tuple[int, int]]:
    """Start and end of each run of values at least `least` in a projection."""
    runs: list[tuple[int, int]] = []
    start = None
    for k, value in enumerate((*profile, 0)):
        if value >= least and start is None:
            start = k
        elif value < least and start is not None:
            runs.append((start, k))
            start = None
    return runs


def glyphs(page: Image.Image, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """The runs of inked columns in a word's box, left to right (x from the box's left): one per glyph of most
    printed text."""
    inked = _inked(page, box)
    return _runs(inked.resize((inked.width, 1), Image.Resampling.BOX).tobytes(), 1)


def _two_bars(page: Image.Image, box: tuple[int, int, int, int], glyph: tuple[int, int]) -> bool:
    """Whether a glyph has two horizontal bars across it, both inside its height: a `#` (no digit has them)."""
    inked = _inked(page, (box[0] + glyph[0], box[1], box[0] + glyph[1], box[3]))
    ink = inked.getbbox()
    if ink is None or ink[3] - ink[1] < 6:
        return False
    inked = inked.crop(ink)
    rows = inked.resize((1, inked.height), Image.Resampling.BOX).tobytes()
    bars = [(start + end) / 2 / inked.height for start, end in _runs(rows, round(BAR * 255))]
    return len(bars) == 2 and bars[0] > EDGE and bars[1] < 1 - EDGE


def symbol_suspect(page: Image.Image, token: Token) -> bool:
    """Whether a word read as digits may have a `#` (or another mark) the Spanish model read as digits or
    dropped: a mark before the digits (a `+` only when its glyph is not a `#`), more glyphs than characters, a first
    glyph with a `#`'s two bars, or a first glyph as wide as two (a `#` touching its digit). Digits touching further
    on, fewer glyphs than characters, say nothing of a `#`."""
    text = token.text
    if token.box is None or not may_gain_symbol(text):
        return False
    if not text[:1].isdigit() and not (text[:1] == "+" and text[1:2].isdigit()):
        return True
    found = glyphs(page, token.box)
    if not found or len(found) > len(text) or _two_bars(page, token.box, found[0]):
        return True
    if len(found) == 1:
        return len(text) > 1
    widths = sorted(end - start for start, end in found)
    return found[0][1] - found[0][0] >= WIDE * widths[len(widths) // 2]


def doubtful_amount(text: str) -> bool:
    """Whether words read as an amount only doubtfully (a sign that may have been read as a digit, groups that
    do not fit), or look like one (cents, a currency) and do not read as one at all."""
    money = parse_amount(text)
    if money is not None:
        return money.doubtful or money.alternative is not None
    return bool(_AMOUNT_LIKE.search(text))


def _said(tokens: Sequence[Token]) -> str:
    """What words say for comparing two readings: `1D` (or `1ID`) read as `ID` (as the parsers do), without marks at
    the ends and without spaces (a thousands space, a reference split in two)."""
    return re.sub(r"\s+", "", fix_id_word(_ID_READ_TWICE.sub("", " ".join(t.text for t in tokens))).strip(EDGES))


def _as_id(word: str) -> str:
    """A word that both readings say is `ID` and a number (`1D7412`, `1ID7412`) written so."""
    return fix_id_word(_ID_READ_TWICE.sub("", word))


def second_opinion(page: Image.Image, spanish: LineReader, english: LineReader, *, symbols: bool = False,
                   ) -> LineReader:
    """A Reread: the Spanish reading of the enlarged crop when it says what the first reading said, else the
    English model's. With `symbols` (for a caller that takes only a `#` or an `ID` restored from the answer, as a
    description's words), words whose glyphs show no `#` and that hold no misread `ID` are not read again: no
    reading could restore anything in them."""

    def reread(tokens: Sequence[Token], left: int | None = None) -> list[Token] | None:
        if not doubtful_amount(" ".join(t.text for t in tokens)) and not any(symbol_suspect(page, t) for t in tokens):
            if symbols and not any(_ID_MISREAD.match(t.text) and not t.text.startswith("ID") for t in tokens):
                return None
            again = spanish(tokens, left)
            if again is not None and _said(again) == _said(tokens):
                return [Token(_as_id(t.text), t.conf, t.box) for t in again]
        return english(tokens, left)

    return reread
