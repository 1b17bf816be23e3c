"""Fields printed in two columns side by side (a voucher) read one column at a time.

Tesseract, and the grouping of its lines into rows, puts a left-column line and the right-column line at the
same height into one row: the right column's value then sits beside, under or after the left column's label.
Where labels start at the same x in the middle of the page on two rows or more (the right column's labels),
every row of that stretch of the page is cut at that x, and the left column's rows are followed by the right
column's, as a person reads the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from bot.ocr.labels import FUZZY, KNOWN, SIMILAR, Vocabulary, label_words
from bot.ocr.pairs import COLUMN_GAP, LABEL_WORDS, Segment, segments
from bot.ocr.rows import Row, Token, same_line
from bot.ocr.values import name_words

ANCHORS = 2
"""Rows with a value on the left and a label starting at one x on the right that make the page two columns."""
ALIGN = 1.0
"""How far (in text heights) the right column's labels may start from one another."""
SHARE = 0.3
"""The least share of the pieces starting at the right column's x that start with a label."""
HEADING_WORDS = 5
"""The most words of a section heading naming a holder."""
MIDDLE = 0.25
"""The right column starts at least this share of the page's text width from its left edge."""


def split_columns(rows: Sequence[Row], vocabulary: Vocabulary) -> list[Row]:
    """`rows`, with the stretch printed in two columns read as the left column's rows, then the right one's."""
    if len(rows) < 3 or not all(t.box is not None for row in rows for t in row.tokens):
        return list(rows)
    segs = segments(rows)
    height = median(s.height for s in segs) if segs else 0.0
    found = _boundary(segs, vocabulary, height) or _side_headings(segs, vocabulary, height)
    if found is None:
        return list(rows)
    boundary, anchors = found
    first, last = min(anchors), max(anchors)
    while first > 0 and not _crosses(rows[first - 1], boundary, height):
        first -= 1
    while last + 1 < len(rows) and not _crosses(rows[last + 1], boundary, height):
        last += 1
    if any(_crosses(rows[r], boundary, height) for r in range(first, last + 1)):
        return list(rows)
    left: list[Row] = []
    right: list[Row] = []
    for row in rows[first : last + 1]:
        cut = boundary - ALIGN * height / 2
        mine = tuple(t for t in row.tokens if t.box is not None and t.box[0] < cut)
        other = tuple(t for t in row.tokens if t.box is not None and t.box[0] >= cut)
        shared = bool(mine) and bool(other)
        if mine:
            left.append(Row(mine, crowded=shared or row.crowded))
        if other:
            right.append(Row(other, crowded=shared or row.crowded))
    return [*rows[:first], *_merged(left), *_merged(right), *rows[last + 1 :]]


def _label_start(seg: Segment, vocabulary: Vocabulary) -> bool:
    """Whether a piece starts with a label: words before a colon, or up to LABEL_WORDS words (before any digit)
    that name a field."""
    texts = [t.text for t in seg.tokens]
    for count, text in enumerate(texts[:LABEL_WORDS], start=1):
        if any(ch.isdigit() for ch in text):
            return False
        if text.endswith(":") and any(ch.isalpha() for ch in text):
            return True
        match = vocabulary.match(label_words(" ".join(texts[:count])))
        if match is not None and match.kind != "unknown" and match.how != SIMILAR and (
            match.kind != "ignore" or match.how in (KNOWN, FUZZY)
        ):
            return True
    return False


def _marked(seg: Segment, vocabulary: Vocabulary) -> bool:
    """Whether a piece is plainly a label: its words end with a colon, or a known wording has its value after it."""
    texts = [t.text for t in seg.tokens]
    if any(text.endswith(":") for text in texts[:LABEL_WORDS]):
        return True
    found = vocabulary.prefix(texts)
    return found is not None and found[1].kind != "unknown" and found[0] < len(texts)


def _holds_value(seg: Segment, vocabulary: Vocabulary) -> bool:
    """Whether a piece holds a value: digits, a name of two words or more, or a label with its value after it."""
    if any(ch.isdigit() for ch in seg.text):
        return True
    if vocabulary.is_label_text(seg.text, beside=True) is not None:
        found = vocabulary.prefix([t.text for t in seg.tokens])
        return found is not None and found[0] < len(seg.tokens)
    return len(name_words(seg.text.strip(" -·|/,;:"))) >= 2


def _values_under(segs: Sequence[Segment], i: int, vocabulary: Vocabulary) -> bool:
    """Whether the row after piece i's starts with a value (a stacked layout's values under their labels), not
    with a label (a table's next row)."""
    below = next((k for k in range(i + 1, len(segs)) if segs[k].row > segs[i].row), None)
    if below is None:
        return False
    text = segs[below].text
    return vocabulary.is_label_text(text, beside=True) is None and not _label_start(segs[below], vocabulary)


def _boundary(segs: Sequence[Segment], vocabulary: Vocabulary, height: float) -> tuple[int, list[int]] | None:
    """The x where the right column's labels start and the rows they are on.

    A piece in the middle of the page that starts with a label is a column's line for sure when a piece holding
    a value stands before it on its row (a label/value table's value stands beside its label and may look like
    one); alone on its row or beside a label or a table's header it may be either (a stacked voucher's labels
    side by side, a ticket's heading). Two at one x, one of them sure and the other sure, plainly a label (a
    colon, a value after it) or beside a label (a stacked voucher's), or two rows of a label beside a label, and
    a fair share of what starts there, make the page two columns.
    """
    if not height:
        return None
    page_left = min(s.edge(0) for s in segs)
    page_right = max(s.edge(2) for s in segs)
    inner = [(s.edge(0), k) for k, s in enumerate(segs) if s.edge(0) - page_left >= MIDDLE * (page_right - page_left)]
    starts = {k: _label_start(segs[k], vocabulary) for _, k in inner}
    for x, k in sorted(inner):
        if not starts[k]:
            continue
        group = [j for y, j in inner if abs(y - x) <= ALIGN * height]
        sure: list[int] = []
        either: list[int] = []
        headed: list[int] = []
        for j in group:
            if not starts[j]:
                continue
            beside = j > 0 and segs[j - 1].row == segs[j].row
            (sure if beside and _holds_value(segs[j - 1], vocabulary) else either).append(j)
            lone = not any(ch.isdigit() for ch in segs[j].text)
            if beside and lone and vocabulary.is_label_text(segs[j - 1].text, beside=True) and _values_under(
                segs, j - 1, vocabulary
            ):
                headed.append(j)
        labelled = sure + either
        marked = [j for j in either if _marked(segs[j], vocabulary)]
        columns = len({*sure, *marked, *headed}) >= ANCHORS and bool(sure or len(marked) >= ANCHORS or headed)
        if columns and len(labelled) >= SHARE * len(group):
            return min(segs[j].edge(0) for j in labelled), [segs[j].row for j in labelled]
    return None


def _side(seg: Segment, vocabulary: Vocabulary) -> str | None:
    """The holder a short heading names (`Datos del ordenante`, `DESTINO DE LOS FONDOS`), if exactly one."""
    words = label_words(seg.text)
    if not 1 <= len(words) <= HEADING_WORDS or any(ch.isdigit() for ch in seg.text) or seg.text.rstrip().endswith(":"):
        return None
    sides = {side for side in ("payer", "payee") for w in words if w in vocabulary.keywords.get(side, frozenset())}
    return sides.pop() if len(sides) == 1 else None


def _side_headings(segs: Sequence[Segment], vocabulary: Vocabulary, height: float,
                   ) -> tuple[int, list[int]] | None:
    """The x where the right one of two section headings on one row starts (the payer's block and the payee's
    side by side, `Datos del ordenante` | `Datos del beneficiario`), and that row."""
    if not height:
        return None
    page_left = min(s.edge(0) for s in segs)
    page_right = max(s.edge(2) for s in segs)
    for k in range(1, len(segs)):
        a, b = segs[k - 1], segs[k]
        if a.row != b.row or (k + 1 < len(segs) and segs[k + 1].row == b.row) or (k > 1 and segs[k - 2].row == a.row):
            continue
        if b.edge(0) - page_left < MIDDLE * (page_right - page_left):
            continue
        sides = (_side(a, vocabulary), _side(b, vocabulary))
        if None not in sides and sides[0] != sides[1]:
            return b.edge(0), [b.row]
    return None


def _crosses(row: Row, boundary: int, height: float) -> bool:
    """Whether the row runs over the column boundary (a title, a paragraph across the page): a word over it, or
    words either side of it no further apart than the words of one piece are."""
    cut = boundary - ALIGN * height / 2
    if any(t.box is not None and t.box[0] < cut and t.box[2] > boundary - height / 4 for t in row.tokens):
        return True
    ends = [t.box[2] for t in row.tokens if t.box is not None and t.box[0] < cut]
    starts = [t.box[0] for t in row.tokens if t.box is not None and t.box[0] >= cut]
    return bool(ends and starts) and min(starts) - max(ends) <= COLUMN_GAP * height


def _merged(rows: list[Row]) -> list[Row]:
    """A column's rows, with two that overlap in height (cut from neighbouring rows of the page) made one."""
    out: list[Row] = []
    for row in rows:
        if out and same_line(_band(out[-1].tokens), _band(row.tokens)):
            out[-1] = replace(out[-1], tokens=tuple(sorted((*out[-1].tokens, *row.tokens),
                                                           key=lambda t: t.box[0] if t.box else 0)))
            continue
        out.append(row)
    return out


def _band(tokens: Sequence[Token]) -> tuple[float, float]:
    """A cut row's height on the page: its highest top to its lowest bottom."""
    return min(t.box[1] for t in tokens if t.box), max(t.box[3] for t in tokens if t.box)
