"""Label/value pairs found by geometry: a label and its value on one line (after a colon, or apart with a gap),
the value under its label, or above it as a caption, whether or not the label's wording is known."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from bot.ocr.labels import (
    FUZZY,
    KEYWORD,
    KNOWN,
    SIMILAR,
    STOP_WORDS,
    LabelMatch,
    Vocabulary,
    label_words,
    side_of_verb,
)
from bot.ocr.rows import Row, Token
from bot.ocr.values import is_account, is_legal_form, is_phone, looks_like_name, strip_accounts

COLUMN_GAP = 1.3
"""A gap wider than this many text heights splits a line into separate pieces (columns, right-aligned values)."""
LEGAL_FORM_GAP = 2.5
"""A company's legal form (`S.A.`) stays with the name before it across a gap up to this many times the usual."""
LINE_GAP = 1.6
"""A value further than this many text heights below (or above) a label is not its value."""
WRAP_PITCH = 1.8
"""A value's next line whose baseline is at most this many text heights lower carries on the value (wrapped)."""
TYPE_STEP = 1.15
"""Values printed at least this much taller than the page's labels make the label type recognisable."""
UNKNOWN_TYPE_STEP = 1.3
"""A line whose words name no field is taken for a label only when values are this much taller than it (a
wrapped value's second line is often a little smaller than its first)."""
FAR_GAP = 2.8
"""The furthest a lone label's value may be when every label of the page sits on the same side of its value."""
HEADER_GAP = 2.5
"""LINE_GAP for a label in a table's header row, which stands further from the values under it."""
LABEL_CONF = 0.5
MARK_LETTERS = 3
"""A piece of at most MARK_LETTERS letters read with less confidence than LABEL_CONF throughout is marks (a rule
read as `de`), not a label."""
LABEL_SPACE = 1.6
"""A space this many times wider than a line's others sets its label apart from its value."""
SPACE = 0.4
"""The usual space between words, in text heights."""
LABEL_WORDS = 5
"""The most words a label printed without a colon has (before its value, or alone on its piece)."""
MASKED_TAIL = re.compile(r"[*xX•·.+e]{1,12}\s?\d{3,4}")
"""An account shown by its last digits behind a mask, however the stars were read (`***193`, `*e193`)."""
TYPE_SPLIT = 1.2
"""Words at least this much taller (by their median height) than the words before them on their line, and apart
from them, are a value after its label in smaller type."""
MASKED_ACCOUNT = re.compile(r"\bCR\s?\d{2}\b.*\d{3,4}\s*$|[*xX•]{3,}[\s-]*\d{3,4}\s*$")
"""A value ending with an account shown by its country code or its stars and last digits, however the rest was
read (`1077 CR69 *x*kx** ere oexx* 6079`): the holder's name may be under it."""
TABLE_ROWS = 3
"""Rows of a known label with its value apart beside it that make the page a table of labels and values."""


@dataclass(frozen=True)
class Segment:
    """Words of one row that belong together (no wide gap between them)."""

    tokens: tuple[Token, ...]
    row: int

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def boxed(self) -> bool:
        return all(t.box is not None for t in self.tokens)

    def edge(self, side: int) -> int:
        boxes = [t.box for t in self.tokens if t.box is not None]
        if not boxes:
            return 0
        return min(b[side] for b in boxes) if side in (0, 1) else max(b[side] for b in boxes)

    @property
    def height(self) -> float:
        """The text height: of the words read surely when there are any (a masked account's misread stars are
        lower than its digits)."""
        sizes = [t.box[3] - t.box[1] for t in self.tokens if t.box is not None]
        sure = [t.box[3] - t.box[1] for t in self.tokens
                if t.box is not None and t.conf >= 0.5 and sum(ch.isalnum() for ch in t.text) >= 2]
        return float(median(sure or sizes)) if sizes else 0.0


@dataclass(frozen=True)
class Pair:
    """A label, what it names, where its value sat, and the value's lines in reading order."""

    match: LabelMatch
    label: str
    lines: tuple[tuple[Token, ...], ...]
    place: str
    label_tokens: tuple[Token, ...] = ()
    crowded: bool = False
    """Its label or value shares a row with other pieces (a table's header, pages side by side): which value
    belongs to which label is then a guess of geometry."""

    @property
    def kind(self) -> str:
        return self.match.kind

    @property
    def text(self) -> str:
        return " ".join(" ".join(t.text for t in line) for line in self.lines)

    @property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(t for line in self.lines for t in line)

    @property
    def conf(self) -> float:
        return min((t.conf for t in self.tokens), default=0.0)

    def line_texts(self) -> list[str]:
        return [" ".join(t.text for t in line) for line in self.lines]


def segments(rows: Sequence[Row]) -> list[Segment]:
    """Each row cut at its wide gaps."""
    out: list[Segment] = []
    for index, row in enumerate(rows):
        tokens = list(row.tokens)
        if not tokens:
            continue
        heights = [t.box[3] - t.box[1] for t in tokens if t.box is not None]
        if len(heights) != len(tokens):
            out.append(Segment(tuple(tokens), index))
            continue
        limit = COLUMN_GAP * median(heights)
        current = [tokens[0]]
        for prev, token in itertools.pairwise(tokens):
            assert prev.box is not None and token.box is not None
            if token.box[0] - prev.box[2] > limit and not (is_legal_form(token.text) and
                                                            token.box[0] - prev.box[2] <= LEGAL_FORM_GAP * limit):
                out.append(Segment(tuple(current), index))
                current = []
            current.append(token)
        out.append(Segment(tuple(current), index))
    return out


def _strip_colon(tokens: Sequence[Token]) -> tuple[Token, ...]:
    kept = [t for t in tokens if t.text.strip(":.…_|")]
    if kept and kept[0].text.startswith(":"):
        kept[0] = Token(kept[0].text.lstrip(":"), kept[0].conf, kept[0].box)
    return tuple(kept)


def _until_next_label(tokens: Sequence[Token], vocabulary: Vocabulary) -> Sequence[Token]:
    """A value stops where the next `Label:` starts on the same line."""
    texts = [t.text for t in tokens]
    for j in range(1, len(texts)):
        found = vocabulary.prefix(texts[j:])
        if found is not None and texts[j + found[0] - 1].endswith(":") and found[1].kind != "unknown":
            return tokens[:j]
    return tokens


def _overlap(a: Segment, b: Segment) -> int:
    return min(a.edge(2), b.edge(2)) - max(a.edge(0), b.edge(0))


def find_pairs(rows: Sequence[Row], vocabulary: Vocabulary) -> list[Pair]:
    """Every label with its value, by geometry first and wording second."""
    segs = segments(rows)
    labels: dict[int, LabelMatch] = {}
    inline: dict[int, tuple[int, LabelMatch]] = {}
    for i, seg in enumerate(segs):
        split = vocabulary.prefix([t.text for t in seg.tokens])
        if split is not None and _longer_label(segs, i, split[0], vocabulary):
            split = None
        typeset = _typeset_label(seg, vocabulary)
        if typeset is not None and (split is None or not seg.tokens[split[0] - 1].text.endswith(":")):
            split = typeset
        if split is None:
            split = _spaced_label(seg, vocabulary)
        if split is not None and split[1].how in (KNOWN, FUZZY) and _strip_colon(seg.tokens[split[0]:]):
            inline[i] = split
            continue
        leftmost = i == 0 or segs[i - 1].row != seg.row
        beside = leftmost and i + 1 < len(segs) and segs[i + 1].row == seg.row
        alone = leftmost and seg.boxed and (i + 1 == len(segs) or segs[i + 1].row != seg.row)
        whole = vocabulary.is_label_text(seg.text, beside=beside, alone=alone)
        if whole is None and beside and _smaller_than(seg, segs[i + 1]) and _label_shaped(seg.text):
            # A label in smaller type than the value beside it (a form's light labels), known or not.
            whole = vocabulary.match(label_words(seg.text)) or LabelMatch("unknown", SIMILAR)
        if whole is not None and not _marks(seg):
            labels[i] = whole
            continue
        if split is not None and (leftmost or split[1].how in (KNOWN, FUZZY)):
            inline[i] = split
    _typographic_labels(segs, labels, inline, vocabulary)
    _table_labels(segs, labels, inline, vocabulary)
    _values_under_labels(segs, labels, inline)
    pairs: list[Pair] = []
    used: set[int] = set()
    pitch = _row_pitch(segs)
    pieces = Counter(seg.row for seg in segs)
    for i, (count, match) in inline.items():
        seg = segs[i]
        rest = _until_next_label(seg.tokens[count:], vocabulary)
        value = _strip_colon(rest)
        if not value:
            labels[i] = match
            continue
        cut = len(rest) < len(seg.tokens) - count
        text = " ".join(t.text for t in value)
        holder = match.kind.startswith(("payer", "payee")) and (
            is_account(text) or is_phone(text) or bool(MASKED_ACCOUNT.search(text)))
        start = value[0].box[0] if value[0].box is not None else None
        # A value cut where the next label starts on its line does not go on at the next line.
        lines = [value, *([] if cut else _continuation(segs, i, labels, inline, seg, pitch,
                                                       seg.edge(0) if holder else None, value_left=start,
                                                       prose=match.kind == "description",
                                                       named=match.kind.endswith("_name")))]
        pairs.append(Pair(match, " ".join(t.text for t in seg.tokens[:count]), tuple(lines), "inline",
                          seg.tokens[:count], pieces[seg.row] > 1 or rows[seg.row].crowded))
    direction, settled = _direction(segs, labels, inline)
    headers = {row for row, count in Counter(segs[i].row for i in labels).items() if count >= 2}
    for i, match in sorted(labels.items()):
        seg = segs[i]
        right = next((j for j in range(i + 1, len(segs)) if segs[j].row == seg.row and not _blot(segs[j])), None)
        header = seg.row in headers
        if right is not None and right not in labels and right not in inline and not header:
            holder = match.kind.startswith(("payer", "payee")) and _contact_only(segs[right], 0)
            more = _continuation(segs, right, labels, inline, segs[right], pitch, seg.edge(0) if holder else None,
                                 prose=match.kind == "description", named=match.kind.endswith("_name"))
            lines = [_strip_colon(segs[right].tokens), *more]
            pairs.append(Pair(match, seg.text, tuple(line for line in lines if line), "right", seg.tokens,
                              pieces[seg.row] > 2 or rows[seg.row].crowded))
            used.add(right)
            continue
        if right is not None and not header:
            continue
        # A row of several labels is a table's header: each label's value is under it.
        holder = match.kind.startswith(("payer", "payee")) and not match.kind.endswith("_phone")
        # A label ending with its colon announces what follows: its value is never the line above it.
        colon = seg.text.rstrip().endswith(":")
        # A holder's label heads its block unless the page's labels are settled as captions under their values.
        chosen = _vertical(segs, i, labels, inline, 1 if colon or (holder and not settled) else direction,
                           settled or header or colon, HEADER_GAP if header or (holder and not colon) else LINE_GAP,
                           holder=holder)
        if chosen is None and settled and not header and not (colon and direction < 0):
            # A value further from its label than usual (a line between them went unread) in a layout
            # whose labels all sit on the same side of their values: taken, but as a guess.
            chosen = _vertical(segs, i, labels, inline, direction, True, FAR_GAP, holder=holder)
            far = True
        else:
            far = False
        if chosen is None:
            continue
        place, lines, first = chosen
        crowded = far or pieces[seg.row] > 1 or pieces[segs[first].row] > 1 or rows[seg.row].crowded or (
            rows[segs[first].row].crowded)
        pairs.append(Pair(match, seg.text, tuple(lines), place, seg.tokens, crowded))
    return pairs


def _values_under_labels(segs: Sequence[Segment], labels: dict[int, LabelMatch],
                         inline: dict[int, tuple[int, LabelMatch]]) -> None:
    """A line right under a label alone on its row (`Comentario:` / `Cliente ID-52132 enero`) is that label's value,
    though it starts with a word a label might be made of: a guessed inline label without a colon gives way."""
    for i, match in labels.items():
        if match.how not in (KNOWN, FUZZY, KEYWORD) or len(_row_of(segs, i)) > 1:
            continue
        j = _neighbour(segs, i, 1, overlapping=True)
        if j is None or j not in inline or len(_row_of(segs, j)) > 1 or _gap(segs[i], segs[j]) > LINE_GAP:
            continue
        count, guess = inline[j]
        named = guess.kind.endswith("_name") and looks_like_name(" ".join(t.text for t in segs[j].tokens[count:]))
        if guess.how in (KEYWORD, SIMILAR) and not segs[j].tokens[count - 1].text.endswith(":") and not named:
            # A holder's label with a name after it (`Nombre del titular Mauricio Rojas`) is a pair of its own
            # under a section's heading (`Cuenta debitada`), not that heading's value.
            del inline[j]


def _marks(seg: Segment) -> bool:
    """A piece of a letter or three read unsurely: marks (a rule, a border) read as a short word (`de`, `De`)."""
    return sum(ch.isalpha() for ch in seg.text) <= MARK_LETTERS and max(t.conf for t in seg.tokens) < LABEL_CONF


def _blot(seg: Segment) -> bool:
    """A piece of at most three letters or digits read unsurely: a shaded band's edge or an icon (`MN`), no value."""
    return sum(ch.isalnum() for ch in seg.text) <= MARK_LETTERS and max(t.conf for t in seg.tokens) < LABEL_CONF


def _spaced_label(seg: Segment, vocabulary: Vocabulary) -> tuple[int, LabelMatch] | None:
    """(words taken, match) for a label set apart from its value by a wider space than its words are (a voucher's
    bold label without a colon: `Descripción del pago   ID WOLK 43713`), its words naming a field."""
    tokens = seg.tokens
    if len(tokens) < 2 or not seg.boxed:
        return None
    gaps = [b.box[0] - a.box[2] for a, b in itertools.pairwise(tokens) if a.box and b.box]
    widest = max(range(len(gaps)), key=lambda k: gaps[k])
    if widest + 1 > LABEL_WORDS or any(ch.isdigit() for t in tokens[: widest + 1] for ch in t.text):
        return None
    others = [g for k, g in enumerate(gaps) if k != widest]
    if len(others) < 2 or gaps[widest] < LABEL_SPACE * max(median(others), SPACE * seg.height):
        return None
    words = label_words(" ".join(t.text for t in tokens[: widest + 1]))
    if not words or not all(vocabulary.familiar(w) or w in STOP_WORDS for w in words):
        return None
    match = vocabulary.match(words)
    if match is None or match.how not in (KNOWN, FUZZY, KEYWORD) or match.kind == "ignore":
        return None
    return widest + 1, match


def _smaller_than(seg: Segment, other: Segment) -> bool:
    """Whether a piece is printed in clearly smaller type than another that holds a value (by its words' median and
    tallest box; an icon read as a letter or two holds none)."""
    mine = [t.box[3] - t.box[1] for t in seg.tokens if t.box is not None]
    theirs = [t.box[3] - t.box[1] for t in other.tokens if t.box is not None]
    return (bool(mine and theirs) and median(mine) * TYPE_SPLIT <= median(theirs) and max(mine) < max(theirs)
            and sum(ch.isalnum() for ch in other.text) >= 2)


def _label_shaped(text: str, *, known: bool = False) -> bool:
    """Words a label may be (a few words, no digits; not a name's capitals, unless it starts with a `known`
    wording: `Desc. Adicional`)."""
    return (text[:1].isalpha() and not any(ch.isdigit() for ch in text) and len(text.split()) <= LABEL_WORDS
            and (known or not looks_like_name(text.rstrip(":"))))


def _typeset_label(seg: Segment, vocabulary: Vocabulary) -> tuple[int, LabelMatch] | None:
    """(words taken, match) for a label printed in smaller type than the value after it on its line, apart by the
    line's widest space (a form's light labels against a gutter: `Descripción adicional   Cliente ID-98574`),
    whether or not its words are known; a wording nobody knows is a label of no field (its value typed by shape)."""
    tokens = seg.tokens
    if len(tokens) < 2 or not seg.boxed:
        return None
    boxes = [t.box for t in tokens if t.box is not None]
    gaps = [b[0] - a[2] for a, b in itertools.pairwise(boxes)]
    heights = [b[3] - b[1] for b in boxes]
    widest = max(range(len(gaps)), key=lambda k: gaps[k])
    count = widest + 1
    left, right = heights[:count], heights[count:]
    others = [g for k, g in enumerate(gaps) if k != widest]
    if count > LABEL_WORDS or any(ch.isdigit() for t in tokens[:count] for ch in t.text):
        return None
    if sum(ch.isalnum() for t in tokens[count:] for ch in t.text) < 2:
        return None  # an icon after a line (a message box's send button read `O`) is no value
    if gaps[widest] < LABEL_SPACE * max(median(others) if others else 0.0, SPACE * median(right)):
        return None
    if median(left) * TYPE_SPLIT > median(right) or max(left) >= max(right):
        return None
    text = " ".join(t.text for t in tokens[:count])
    if not text[:1].isalpha() or (looks_like_name(text) and vocabulary.match(label_words(text)) is None):
        return None
    match = vocabulary.match(label_words(text))
    return count, match if match is not None else LabelMatch("unknown", SIMILAR)


def _longer_label(segs: Sequence[Segment], i: int, count: int, vocabulary: Vocabulary) -> bool:
    """Whether a known wording at the start of a piece only starts a longer label: the rest is label words
    (`Nombre del cliente` + `origen`, `Ref.` + `SINPE Móvil`) and the value is the next piece on the row, or the
    rest only says which side (`Nombre del cliente` + `destino`, alone on its line)."""
    rest = [t.text for t in segs[i].tokens[count:]]
    if not rest or len(rest) > LABEL_WORDS or any(ch.isdigit() for text in rest for ch in text):
        return False
    words = label_words(" ".join(rest))
    if i + 1 < len(segs) and segs[i + 1].row == segs[i].row:
        if _smaller_than(segs[i], segs[i + 1]) and _label_shaped(segs[i].text, known=True):
            return True  # the whole piece is printed as a label against its value (`Descripción adicional`)
        value = [t.text for t in segs[i + 1].tokens]
        if len(rest) <= 2 and all(w.isalpha() and w.islower() for w in rest) and vocabulary.prefix(value) is None:
            return True  # a wording's lower-case tail, its value the piece apart beside it (`... adicional   Abono`)
        return bool(words) and all(vocabulary.familiar(w) or w in STOP_WORDS for w in words)
    sides = vocabulary.keywords.get("payer", frozenset()) | vocabulary.keywords.get("payee", frozenset())
    if any(w in sides or side_of_verb([w]) for w in words) and all(vocabulary.familiar(w) or w in STOP_WORDS
                                                                    for w in words):
        # The rest names a side among label words, the line holding nothing else (`TITULAR` + `DE LA CUENTA
        # ACREDITADA`): one label over its value.
        return not rest[-1].endswith(":") or len(rest) <= 3
    # A wording's tail joined by `de` (`CONCEPTO` + `DE PAGO`), alone on its line: a value never starts with `de`.
    return len(words) >= 2 and words[0] in ("de", "del") and all(vocabulary.familiar(w) or w in STOP_WORDS
                                                                 for w in words)


def _table_labels(segs: Sequence[Segment], labels: dict[int, LabelMatch], inline: dict[int, tuple[int, LabelMatch]],
                  vocabulary: Vocabulary) -> None:
    """Add to `labels` the first pieces of rows laid out like the page's label/value rows (a piece where the known
    labels start, a value apart where their values start), whatever their words: a label nobody knows
    (`Justificación`), its value typed by its shape."""
    rows = [r for r in _two_piece_rows(segs) if r not in inline and r + 1 not in labels and r + 1 not in inline]
    known = [r for r in rows if r in labels]
    if len(known) < TABLE_ROWS:
        return
    height = median(segs[r].height for r in known)
    left = median(segs[r].edge(0) for r in known)
    starts = median(segs[r + 1].edge(0) for r in known)
    ends = median(segs[r + 1].edge(2) for r in known)
    for r in rows:
        seg, value = segs[r], segs[r + 1]
        if r in labels or abs(seg.edge(0) - left) > height or not (
            abs(value.edge(0) - starts) < 2 * height or abs(value.edge(2) - ends) < 2 * height
        ):
            continue
        text = seg.text
        if any(ch.isdigit() for ch in text) or not 1 <= len(text.split()) <= 4 or not text[:1].isalpha():
            continue
        above = _neighbour(segs, r, -1)
        if _contact(value) or (above is not None and above in labels and len(_row_of(segs, above)) == 1
                               and _gap(segs[above], seg) <= LINE_GAP):
            continue  # a holder's name beside its account, or the value of the label over it
        match = vocabulary.match(label_words(text))
        labels[r] = match if match is not None and match.kind != "unknown" else LabelMatch("unknown", SIMILAR)


def _two_piece_rows(segs: Sequence[Segment]) -> list[int]:
    """The first piece's index of every row cut into exactly two boxed pieces."""
    counts = Counter(seg.row for seg in segs)
    return [i for i, seg in enumerate(segs)
            if counts[seg.row] == 2 and (i == 0 or segs[i - 1].row != seg.row) and seg.boxed and segs[i + 1].boxed]


def _typographic_labels(segs: Sequence[Segment], labels: dict[int, LabelMatch],
                        inline: dict[int, tuple[int, LabelMatch]], vocabulary: Vocabulary) -> None:
    """Add to `labels` the lone lines printed like the page's known labels (their smaller type, where values are
    clearly larger) whose words name a field only by a keyword or resemblance (`Persona que envía`)."""
    lone = [i for i in labels if len(_row_of(segs, i)) == 1 and segs[i].boxed]
    if len(lone) < 2:
        return
    heights = [segs[i].height for i in lone]
    beside = [segs[j].height for i in lone for j in (_neighbour(segs, i, 1), _neighbour(segs, i, -1))
              if j is not None and j not in labels and j not in inline and segs[j].boxed]
    if not beside or median(beside) < TYPE_STEP * median(heights):
        return
    value_height = median(beside)
    for i, seg in enumerate(segs):
        if i in labels or i in inline or not seg.boxed or len(_row_of(segs, i)) > 1:
            continue
        text = seg.text
        if any(ch.isdigit() for ch in text) or not 1 <= len(text.split()) <= 5 or not text[:1].isalpha():
            continue
        if not 0.85 * min(heights) <= seg.height <= 1.1 * max(heights) or seg.height * TYPE_STEP > value_height:
            continue
        match = vocabulary.match(label_words(text))
        if not text[:1].isupper() and (match is None or match.how not in (KNOWN, FUZZY, KEYWORD)):
            continue  # a label in lower case is printed like the others and names a field
        if match is not None and match.kind != "unknown":
            labels[i] = match
        elif match is None and not looks_like_name(text) and value_height >= UNKNOWN_TYPE_STEP * seg.height and any(
            j is not None and j not in labels and segs[j].height >= UNKNOWN_TYPE_STEP * seg.height
            for j in (_neighbour(segs, i, 1), _neighbour(segs, i, -1))
        ):
            # A label whose words name no field (`Información adicional`), and no name: its value is typed by its
            # shape.
            labels[i] = LabelMatch("unknown", SIMILAR)


def _neighbour(segs: Sequence[Segment], i: int, step: int, *, overlapping: bool = False) -> int | None:
    """The segment in the next row up or down that sits under (or over) segment i; unless `overlapping` is asked
    for (a line that carries on a value), the nearest one to its right when none overlaps it."""
    seg = segs[i]
    j = i + step
    while 0 <= j < len(segs) and segs[j].row == seg.row:
        j += step
    if not 0 <= j < len(segs):
        return None
    same = _row_of(segs, j)
    if not seg.boxed:
        return same[0] if same else None
    best = max(same, key=lambda k: _overlap(seg, segs[k]))
    if _overlap(seg, segs[best]) > 0:
        return best
    if overlapping:
        return None
    rightward = [k for k in same if segs[k].edge(0) >= seg.edge(0)]
    return min(rightward, key=lambda k: segs[k].edge(0)) if rightward else None


def _row_of(segs: Sequence[Segment], j: int) -> range:
    """The indices of the segments on segment j's row (segments are in row order)."""
    lo = hi = j
    while lo > 0 and segs[lo - 1].row == segs[j].row:
        lo -= 1
    while hi + 1 < len(segs) and segs[hi + 1].row == segs[j].row:
        hi += 1
    return range(lo, hi + 1)


def _gap(upper: Segment, lower: Segment) -> float:
    if not (upper.boxed and lower.boxed):
        return 0.0
    return (lower.edge(1) - upper.edge(3)) / max(1.0, min(upper.height, lower.height) or 1.0)


def _direction(segs: Sequence[Segment], labels: dict[int, LabelMatch], inline: dict[int, tuple[int, LabelMatch]],
               ) -> tuple[int, bool]:
    """+1 when lone labels sit above their values (most layouts), -1 when below them (captions); and whether
    enough labels agree that a label with no value that way is left without one."""
    votes = 0
    for i, match in labels.items():
        if match.how not in (KNOWN, FUZZY):
            continue  # a guessed label may be a title or a footer (`Comprobante de transferencia`)
        right = next((j for j in range(i + 1, len(segs)) if segs[j].row == segs[i].row), None)
        if right is not None and right not in labels and right not in inline:
            continue  # its value is beside it: it says nothing about above or below
        below, above = _neighbour(segs, i, 1), _neighbour(segs, i, -1)
        free_below = below is not None and below not in labels and below not in inline
        free_above = above is not None and above not in labels and above not in inline
        if free_below and free_above:
            assert below is not None and above is not None
            votes += 1 if _gap(segs[i], segs[below]) <= _gap(segs[above], segs[i]) else -1
        elif free_below:
            votes += 1
        elif free_above:
            votes -= 1
    return (-1 if votes < 0 else 1), abs(votes) >= 2


def _contact(seg: Segment) -> bool:
    """A line that is an account or a phone number, with or without its own label."""
    return is_account(seg.text) or is_phone(seg.text)


def _contact_only(seg: Segment, label_words: int) -> bool:
    """A line (after its own label's first `label_words` words) holding an account or a phone and no name."""
    value = " ".join(t.text for t in seg.tokens[label_words:])
    typed = is_account(value) or is_phone(value) or bool(re.fullmatch(r"[\d\s()+-]{8,20}", value)) or bool(
        MASKED_TAIL.fullmatch(value))
    return typed and not re.search(r"[^\W\d_]{2}", strip_accounts(value).replace("+506", ""))


def _vertical(segs: Sequence[Segment], i: int, labels: dict[int, LabelMatch],
              inline: dict[int, tuple[int, LabelMatch]], direction: int, settled: bool, reach: float = LINE_GAP,
              *, holder: bool = False) -> tuple[str, list[tuple[Token, ...]], int] | None:
    """The value under (or over) a lone label. A holder's label (`Hacia`, `Cuenta de origen`) heads a section
    whose first lines may be the account or phone (labelled or not) before the holder's name: those are passed."""
    for step in (direction,) if settled else (direction, -direction):
        j = _neighbour(segs, i, step)
        near = i
        for _ in range(2):
            contact = j is not None and _contact_only(segs[j], inline[j][0] if j in inline else 0)
            if not holder or j is None or not contact or j in labels:
                break
            a, b = (segs[near], segs[j]) if step > 0 else (segs[j], segs[near])
            if _gap(a, b) > reach:
                break
            near, j = j, _neighbour(segs, j, step)
        if j is None or j in labels or j in inline or (j > 0 and segs[j - 1].row == segs[j].row and j - 1 in labels):
            continue  # taken, or the value of the label left of it on its row (`Celular:   (506) 7506-3928`)
        upper, lower = (segs[near], segs[j]) if step > 0 else (segs[j], segs[near])
        if _gap(upper, lower) > reach:
            continue
        lines = [segs[j].tokens]
        first_step = abs(segs[j].edge(1) - segs[near].edge(1))
        k = j
        for _ in range(3):
            n = _neighbour(segs, k, step, overlapping=True)
            if n is None or any(m in labels or m in inline for m in _row_of(segs, n)):
                break  # a line that carries its own label starts another pair
            a, b = (segs[k], segs[n]) if step > 0 else (segs[n], segs[k])
            wrapped = b.edge(3) - a.edge(3) <= WRAP_PITCH * max(a.height, b.height)
            if not b.boxed or (b.edge(1) - a.edge(1) > 1.5 * first_step and not wrapped) or _gap(a, b) > LINE_GAP:
                break
            if abs(segs[n].height - segs[k].height) > 0.45 * max(segs[n].height, segs[k].height):
                break
            lines.append(segs[n].tokens)
            k = n
        if step < 0:
            lines.reverse()
        return ("below" if step > 0 else "above"), [_strip_colon(line) for line in lines if _strip_colon(line)], j
    return None


def _continuation(segs: Sequence[Segment], i: int, labels: dict[int, LabelMatch],
                  inline: dict[int, tuple[int, LabelMatch]], first: Segment, pitch: float,
                  holder_edge: int | None = None, *, value_left: int | None = None,
                  prose: bool = False, named: bool = False) -> list[tuple[Token, ...]]:
    """Lines under a value that carry on its text: alone on their row, aligned with it (or with where the value
    starts after its label, `value_left`), closer than rows are. Under a holder's account (`holder_edge`: its
    label's left edge), the holder's name may start under the label. A description (`prose`) wraps as text does,
    up to six more lines at the row's own pitch, each starting where its value does; a holder's name (`named`)
    wraps so once, when the line carries the name on (`Constructora Monteverde` / `S.A.`)."""
    out: list[tuple[Token, ...]] = []
    if not first.boxed:
        return out
    k = i
    for _ in range(6 if prose else 3 if named else 2):
        n = _neighbour(segs, k, 1)
        if n is None and holder_edge is not None and not out:
            # The holder's name under its phone's label rather than under the number (`Celular:   (506) ...` /
            # `Greivin Madrigal`).
            below = [j for j in range(k + 1, len(segs)) if segs[j].row == segs[k].row + 1]
            n = next((j for j in below if abs(segs[j].edge(0) - holder_edge) < first.height), None)
        if n is None or n in labels or n in inline or not segs[n].boxed:
            break
        aligned = abs(segs[n].edge(0) - first.edge(0)) < first.height or abs(segs[n].edge(2) - first.edge(2)) < (
            first.height
        ) or (value_left is not None and abs(segs[n].edge(0) - value_left) < first.height)
        holder_line = holder_edge is not None and not out and looks_like_name(segs[n].text) and (
            aligned or abs(segs[n].edge(0) - holder_edge) < first.height
        )
        starts = abs(segs[n].edge(0) - (value_left if value_left is not None else first.edge(0))) < first.height
        before = " ".join(t.text for t in out[-1]) if out else " ".join(
            t.text for t in first.tokens if value_left is None or (t.box and t.box[0] >= value_left - 2))
        carried = named and starts and (is_legal_form(segs[n].text) or looks_like_name(f"{before} {segs[n].text}"))
        far = 1.05 if holder_line or (prose and starts) or carried else 0.8
        if len(_row_of(segs, n)) > 1 or segs[n].edge(1) - segs[k].edge(1) > far * pitch:
            break
        if abs(segs[n].height - segs[k].height) > 0.45 * max(segs[k].height, segs[n].height) and not holder_line:
            break
        aligned = aligned or holder_line
        if not aligned:
            break
        out.append(segs[n].tokens)
        k = n
    return out


def _row_pitch(segs: Sequence[Segment]) -> float:
    """The usual distance from one row's top to the next one's."""
    tops: dict[int, int] = {}
    for seg in segs:
        if seg.boxed:
            tops[seg.row] = min(tops.get(seg.row, seg.edge(1)), seg.edge(1))
    ordered = [tops[r] for r in sorted(tops)]
    steps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    return float(median(steps)) if steps else 1e9


def holder_lines(rows: Sequence[Row], vocabulary: Vocabulary, pairs: Sequence[Pair]) -> list[str]:
    """Names that no label claims but an account or phone line sits right under or over (a heading unread).

    Receipts list the origin before the destination, so the first such name is the payer's and the second
    the payee's; the reader trusts this little.
    """
    claimed = {id(t) for p in pairs for t in p.tokens}
    contact = {id(t) for p in pairs if p.kind.endswith(("_account", "_phone")) for t in p.tokens}
    segs = segments(rows)
    out: list[str] = []
    for i, seg in enumerate(segs):
        if not seg.boxed or any(id(t) in claimed for t in seg.tokens) or len(seg.text.split()) < 2:
            continue
        if vocabulary.is_label_text(seg.text) or vocabulary.prefix([t.text for t in seg.tokens]):
            continue
        if not looks_like_name(seg.text) or any(ch.isdigit() for ch in seg.text):
            continue
        beside = [_neighbour(segs, i, step) for step in (1, -1)]
        if any(j is not None and (is_account(segs[j].text) or is_phone(segs[j].text)
                                  or any(id(t) in contact for t in segs[j].tokens)) for j in beside):
            out.append(seg.text)
    return out
