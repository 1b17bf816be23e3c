"""Lines the page pass left out, read again one band at a time.

Tesseract's column-aware page mode (psm 4) drops some lines whole: a till ticket's `TOTAL......: 1.530,00`
(the dot leader reads as a graphic), a lone light heading, a line beside a picture. Every band of inked
rows the page's words leave mostly uncovered is read again as a uniform block (psm 6), and the new reading
replaces the old words of that band when it finds more letters and digits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace

from PIL import Image

from bot.ocr.engine import Word, run_tesseract

INK_LEVEL = 160
"""Pixels darker than this are ink on the prepared (dark on white) page."""
INK_BYTES = bytes(int(value < INK_LEVEL) for value in range(256))
"""Each pixel value as 1 (ink) or 0."""
MIN_BAND = 8
MAX_BAND = 200
MAX_REREADS = 12
UNCOVERED_SHARE = 0.3
"""A band is read again when more than this share of its inked columns lies outside every word's box."""
BAND_PSM = "6"
LINE_KEY_BASE = 100_000
LEADER = re.compile(
    r"[.·•][.·•oO0]{2,}[!|;:]?$|[.·•][.·•oO0]{2,}|\.{2,}(?=:$)|(?<=[A-ZÁÉÍÓÚÑ])[.·•oc0]{3,}[!|;:]$"
)
"""Dot leaders as read: dots, dots mixed with `o`/`0`, or small `o`/`c` after a word in capitals, up to its colon."""


SPECKS = re.compile(r"[.:;!|+·•'\"`,_]{1,4}")
"""A word of nothing but dots and strokes: what is left of a leader, never a value."""


def _leaderless(text: str) -> str:
    """A word without its dot leader (`PAGO......:` -> `PAGO:`); dotted numbers (`1.000.000`) are kept."""

    def cut(run: re.Match[str]) -> str:
        body = run.group().rstrip("!|;:")
        dots = sum(ch in ".·•" for ch in body)
        lower = body[:1] in "oc0" and body != run.group()
        if lower or not body.strip(".") or (dots >= 3 and dots >= 0.4 * len(body)):
            return ":" if run.group() != body else ""
        return run.group()

    return LEADER.sub(cut, text)


LEADER_WORD = re.compile(r"[oOcC0nmrliueas.·•:;!|+,'`?“”\"]{2,}")
"""What Tesseract makes of a dot leader read as a word of its own: `ccococcooooo`, `rl`, `..00ococ`, `+..+:`."""
LEADER_CONF = 5
"""A leader read as letters gets a confidence near 0 (of 100); a word it really is gets far more."""
LOW_WORD = 0.5
"""A word whose ink is less than this share of its row's height sits on the baseline like dots do."""
DOTS_HIGH = 0.3
"""A word this much lower than its row's text, read with almost no confidence, is a leader's dots whatever
letters they were read as (`concocccnnons`, `:..osrmis`): no letter is that low."""
SHORT_WORDS = frozenset(("el", "en", "la", "le", "lo", "al", "un", "mi", "me", "no", "ni", "con", "los", "las", "una"))


def _same_row(a: Word, b: Word) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.3 * min(a.height, b.height)


def _leader_words(words: Sequence[Word]) -> set[int]:
    """Words that are a dot leader or its colon read as letters, sitting between two words of their row (a label
    and its value): leader-like letters read with almost no confidence, as low as dots on the baseline, or as
    tall as a blot of dots and colon; or a glyph as thin as a colon, unsure, far from both its neighbours
    (`CUENTAHABIENTE   Z   JOSE`)."""
    out: set[int] = set()
    for k, word in enumerate(words):
        thin = word.width < COLON_WIDTH * word.height and len(word.text) <= 2 and word.conf < ODD_CONF
        row = [w for w in words if w is not word and _same_row(w, word) and any(ch.isalnum() for ch in w.text)]
        tall = sorted(w.height for w in row if len(w.text) >= 2)
        middle = tall[len(tall) // 2] if tall else 0
        dots = (bool(tall) and word.height < DOTS_HIGH * middle and word.conf < LEADER_CONF
                and 4 * sum(ch.isdigit() for ch in word.text) <= len(word.text) and len(word.text) >= 3)
        if not thin and not dots and (not LEADER_WORD.fullmatch(word.text) or word.text.lower() in SHORT_WORDS):
            continue
        low = bool(tall) and word.height < LOW_WORD * middle
        blot = bool(tall) and word.height > ODD_TALL * middle and word.conf < ODD_CONF
        if thin:
            apart = max(middle, word.height)
            between = any(w.right <= word.left - apart for w in row) and any(w.left >= word.right + apart for w in row)
        else:
            between = any(w.right <= word.left + 2 for w in row) and any(w.left >= word.right - 2 for w in row)
        unsure = word.conf < LEADER_CONF and (len(word.text) >= 4 or not word.text.isalpha())
        if between and (low or unsure or blot or thin):
            out.add(k)
    return out


COLON_WIDTH = 0.35
"""A glyph narrower than this share of its height is as thin as a colon."""
ODD_LOW = 0.4
ODD_TALL = 1.2
ODD_CONF = 60
"""A word far shorter or taller than its row's text, read with little confidence, is a piece of a leader."""
SMALL_LETTERS = re.compile(r"[aceimnorsuvwxz0-9%«»°]+")
"""Letters with neither ascender nor descender: what dots and dashes are read as."""
SMALL_CONF = 45


def _leader_runs(words: Sequence[Word]) -> set[int]:
    """Words of a dot or dash leader read as a run of odd words (`sono cun suse`, `a 5% ro ems`, `«050 1 050`):
    every word between a label and its value far shorter or taller than the row's sure text and unsure itself.
    A thermal printer's leader gives boxes as low as dots or as tall as two lines."""
    out: set[int] = set()
    rows: list[list[int]] = []
    for k, word in enumerate(words):
        for row in rows:
            if word.line_key == words[row[0]].line_key:
                row.append(k)
                break
        else:
            rows.append([k])
    for row in rows:
        ordered = sorted(row, key=lambda k: words[k].left)
        sure = sorted(words[k].height for k in ordered if words[k].conf >= ODD_CONF and len(words[k].text) >= 2)
        if len(ordered) < 4 or not sure:
            continue
        middle = sure[len(sure) // 2]

        def odd(k: int, middle: int = middle) -> bool:
            word = words[k]
            shape = word.height < ODD_LOW * middle or word.height > ODD_TALL * middle
            small = word.conf < SMALL_CONF and bool(SMALL_LETTERS.fullmatch(word.text.lower()))
            return (shape or small) and word.conf < ODD_CONF and not re.fullmatch(r"[\d.,]*\d[.,]\d{2}", word.text)

        run: list[int] = []
        for position, k in enumerate(ordered):
            if odd(k) and position > 0:
                run.append(k)
                continue
            lettered = sum(sum(ch.isalpha() for ch in words[j].text) >= 2 for j in run)
            digits = sum(any(ch.isdigit() for ch in words[j].text) for j in run)
            if (len(run) >= 2 and words[ordered[position - len(run) - 1]].text[-1:] in ".:;" and lettered
                    and 2 * digits < len(run)):
                # Blobs read as letters; a number split into odd boxes (`([89 .433, 00`) is the value.
                out.update(run)
            run = []
    return out


def without_leaders(words: Sequence[Word]) -> list[Word]:
    """Words with dot leaders removed; a colon left alone joins the word before it on its line, and the
    specks a leader leaves between a label and its value (`+!`, `.:`, or letters like `ccocooo`) go."""
    out: list[Word] = []
    leaders = _leader_words(words) | _leader_runs(words)
    for k, word in enumerate(words):
        text = ":" if k in leaders else _leaderless(word.text)
        if SPECKS.fullmatch(text) and text not in (":", "-"):
            text = ":" if text[-1] in ":!" else ""
        if text == word.text and text != ":":
            out.append(word)
        elif text == ":" and out and (out[-1].line_key == word.line_key or (k in leaders and _same_row(out[-1], word))):
            label = out[-1].text.rstrip(":")
            if k in leaders and label.rstrip(".").isalpha():
                label = label.rstrip(".")
            out[-1] = replace(out[-1], text=label + ":")
        elif text.strip():
            out.append(replace(word, text=text))
    return out


PICTURE_TALL = 1.8
PICTURE_CONF = 40
"""A line's first word this many times taller than the line's text and read with less confidence than this (of
100) is a picture read as letters: an icon at the start of a table's header band (`o)`, `MN`, `DS]`)."""


def without_pictures(words: Sequence[Word]) -> list[Word]:
    """Words without the icons read as a letter or two at the start of their line."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    dropped: set[int] = set()
    for line in lines.values():
        first = min(line, key=lambda w: w.left)
        text = [w.height for w in line if w is not first and len(w.text) >= 2 and w.conf >= ODD_CONF]
        if not text or first.conf >= PICTURE_CONF or sum(ch.isalnum() for ch in first.text) > 3:
            continue
        if first.height >= PICTURE_TALL * sorted(text)[len(text) // 2]:
            dropped.add(id(first))
    return [w for w in words if id(w) not in dropped]


SPECK_LOW = 0.25
"""A word of a letter or two less than this share of the page's text height high, read unsurely, is a speck
(a rule's end, an accent's dot) read as a letter."""


def without_specks(words: Sequence[Word]) -> list[Word]:
    """Words without the specks read as `o` or `.`."""
    heights = sorted(w.height for w in words if sum(ch.isalnum() for ch in w.text) >= 2 and w.conf >= ODD_CONF)
    if not heights:
        return list(words)
    low = SPECK_LOW * heights[len(heights) // 2]
    return [w for w in words
            if not (w.height < low and w.conf < ODD_CONF and sum(ch.isalnum() for ch in w.text) <= 2)]


class _Ink:
    """The page as one byte per pixel, 1 for ink: rows and columns counted without numpy (Python ints as bit
    rows), which a fresh `paybot ocr` process would import for this alone."""

    def __init__(self, page: Image.Image) -> None:
        self.width = page.width
        self.height = page.height
        self.pixels = page.convert("L").tobytes().translate(INK_BYTES)

    def bands(self) -> list[tuple[int, int]]:
        """Runs of rows with ink (two pixels or more), at least MIN_BAND rows high."""
        width, pixels = self.width, self.pixels
        out: list[tuple[int, int]] = []
        start = None
        for y in range(self.height + 1):
            inked = y < self.height and pixels.count(1, y * width, (y + 1) * width) >= 2
            if inked and start is None:
                start = y
            elif not inked and start is not None:
                if y - start >= MIN_BAND:
                    out.append((start, y))
                start = None
        return out

    def columns(self, top: int, bottom: int) -> int:
        """The band's inked columns, one byte per column (1 or 0) in a big-endian int."""
        width, pixels, inked = self.width, self.pixels, 0
        for y in range(top, bottom):
            inked |= int.from_bytes(pixels[y * width : (y + 1) * width], "big")
        return inked


def _in_band(word: Word, top: int, bottom: int) -> bool:
    middle = word.top + word.height / 2
    return top <= middle <= bottom


def _uncovered(ink: _Ink, words: Sequence[Word], top: int, bottom: int) -> tuple[int, int]:
    """Inked columns of the band, and how many of them no word's box (widened by half a line) covers."""
    columns = ink.columns(top, bottom)
    covered = bytearray(ink.width)
    pad = max(4, (bottom - top) // 2)
    for word in words:
        start, end = max(0, word.left - pad), min(ink.width, word.right + pad)
        if end > start:
            covered[start:end] = b"\x01" * (end - start)
    return columns.bit_count(), (columns & ~int.from_bytes(covered, "big")).bit_count()


def _alnum(words: Sequence[Word]) -> int:
    return sum(ch.isalnum() for w in words for ch in w.text)


def fill_missed_lines(page: Image.Image, words: list[Word], deadline: float) -> list[Word]:
    """`words` with every mostly unread band of the page read again where that finds more text."""
    ink = _Ink(page)
    out = list(words)
    rereads = 0
    for number, (top, bottom) in enumerate(ink.bands()):
        if bottom - top > MAX_BAND or rereads >= MAX_REREADS:
            continue
        mine = [w for w in out if _in_band(w, top, bottom)]
        inked, missed = _uncovered(ink, mine, top, bottom)
        if missed <= max(2 * (bottom - top), UNCOVERED_SHARE * inked):
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0.2:
            break
        rereads += 1
        pad = max(6, (bottom - top) // 3)
        y0, y1 = max(0, top - pad), min(page.height, bottom + pad)
        again = run_tesseract(page.crop((0, y0, page.width, y1)), timeout=remaining, psm=BAND_PSM)
        again = [
            replace(w, top=w.top + y0, line_key=(LINE_KEY_BASE + number * 100 + w.line_key[0], *w.line_key[1:]))
            for w in again
            if _in_band(replace(w, top=w.top + y0), top, bottom)
        ]
        if _alnum(again) > _alnum(mine):
            kept = {id(w) for w in mine}
            out = [w for w in out if id(w) not in kept] + again
    return without_specks(without_leaders(without_pictures(out)))
