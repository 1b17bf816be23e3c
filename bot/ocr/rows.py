"""Words grouped into visual rows: what every later step of the reader works from, image or pasted text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from bot.ocr.engine import Word

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
    crowded: bool = False
    """Cut from a line printed with another column beside it (see `columns`)."""

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


def rows_from_words(words: Sequence[Word]) -> list[Row]:
    """Group Tesseract's words into visual rows: same vertical band, sorted left to right."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    boxes = sorted(lines.values(), key=lambda ws: min(w.top for w in ws))
    rows: list[list[Word]] = []
    for line in boxes:
        if rows and same_line(_band(rows[-1]), _band(line)):
            rows[-1].extend(line)
            continue
        rows.append(list(line))
    return [Row(tuple(_token(w) for w in sorted(r, key=lambda w: w.left))) for r in rows]


def same_line(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two (top, bottom) bands are one line of text: they overlap by more than half the smaller one."""
    return min(a[1], b[1]) - max(a[0], b[0]) > 0.5 * min(a[1] - a[0], b[1] - b[0])


def _band(words: Sequence[Word]) -> tuple[float, float]:
    """Where a line's text sits: from its words' median top to their median bottom, so a blot read as a word
    (a QR code's corner, a stamp) that reaches into the next line does not join the two."""
    return median(w.top for w in words), median(w.bottom for w in words)


def _token(word: Word) -> Token:
    return Token(word.text, word.conf / 100, (word.left, word.top, word.right, word.bottom))


def rows_from_text(text: str) -> list[Row]:
    """Rows of a pasted notification: one per line."""
    return [Row(tuple(Token(t, TEXT_CONFIDENCE) for t in line.split())) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Flat:
    """All rows as one paragraph, remembering which characters each word came from."""

    text: str
    spans: tuple[tuple[int, int, Token], ...]

    def tokens_between(self, start: int, end: int) -> tuple[Token, ...]:
        """The words whose characters overlap text[start:end]."""
        return tuple(token for s, e, token in self.spans if s < end and e > start)


def flatten_rows(rows: Sequence[Row], skip: frozenset[int] = frozenset()) -> Flat:
    """One paragraph of every word (but those whose id() is in `skip`), rows joined by spaces."""
    parts: list[str] = []
    spans: list[tuple[int, int, Token]] = []
    at = 0
    for row in rows:
        for token in row.tokens:
            if id(token) in skip:
                continue
            spans.append((at, at + len(token.text), token))
            parts.append(token.text)
            at += len(token.text) + 1
    return Flat(" ".join(parts), tuple(spans))
