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

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.ocr.engine import Word, run_tesseract

INK_LEVEL = 160
"""Pixels darker than this are ink on the prepared (dark on white) page."""
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


SPECKS = re.compile(r"[.:;!|+·•'\"`,]{1,4}")
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


def without_leaders(words: Sequence[Word]) -> list[Word]:
    """Words with dot leaders removed; a colon left alone joins the word before it on its line, and the
    specks a leader leaves between a label and its value (`+!`, `.:`) go."""
    out: list[Word] = []
    for word in words:
        text = _leaderless(word.text)
        if SPECKS.fullmatch(text) and text not in (":", "-"):
            text = ":" if text[-1] in ":!" else ""
        if text == word.text:
            out.append(word)
        elif text == ":" and out and out[-1].line_key == word.line_key:
            out[-1] = replace(out[-1], text=out[-1].text.rstrip(":") + ":")
        elif text.strip():
            out.append(replace(word, text=text))
    return out


def _bands(ink: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Runs of rows with ink (two pixels or more), at least MIN_BAND rows high."""
    inked = np.concatenate([[False], ink.sum(axis=1) >= 2, [False]])
    changes = np.flatnonzero(inked[1:] != inked[:-1])
    return [(int(a), int(b)) for a, b in zip(changes[0::2], changes[1::2], strict=True) if b - a >= MIN_BAND]


def _in_band(word: Word, top: int, bottom: int) -> bool:
    middle = word.top + word.height / 2
    return top <= middle <= bottom


def _uncovered(ink: NDArray[np.bool_], words: Sequence[Word], top: int, bottom: int) -> tuple[int, int]:
    """Inked columns of the band, and how many of them no word's box (widened by half a line) covers."""
    columns = ink[top:bottom].any(axis=0)
    covered = np.zeros_like(columns)
    pad = max(4, (bottom - top) // 2)
    for word in words:
        covered[max(0, word.left - pad) : word.right + pad] = True
    inked = int(columns.sum())
    return inked, int((columns & ~covered).sum())


def _alnum(words: Sequence[Word]) -> int:
    return sum(ch.isalnum() for w in words for ch in w.text)


def fill_missed_lines(page: Image.Image, words: list[Word], deadline: float) -> list[Word]:
    """`words` with every mostly unread band of the page read again where that finds more text."""
    ink = np.asarray(page.convert("L")) < INK_LEVEL
    out = list(words)
    rereads = 0
    for number, (top, bottom) in enumerate(_bands(ink)):
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
    return without_leaders(out)
