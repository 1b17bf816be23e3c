"""Story images drawn to order: text placed where a story needs it (a layout invented for the story, not one of
the generator's families), so a test shows exactly the arrangement it is about."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.ocr.generator import encode
from tests.ocr.generator.draw import SANS, font, put

GREY = (112, 112, 120)
INK = (25, 25, 25)


@dataclass(frozen=True)
class Text:
    """One piece of text: where it starts (or ends, with anchor `ra`), its size, and whether it is a label's
    smaller grey type or a value's."""

    x: int
    y: int
    text: str
    size: int = 34
    bold: bool = False
    grey: bool = False
    anchor: str = "la"


def sketch(pieces: list[Text], *, width: int = 1080, face: str = "dejavu") -> bytes:
    """A white screenshot (PNG) with these pieces of text on it."""
    height = max(p.y for p in pieces) + 120
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    regular, bold = SANS[face]
    for piece in pieces:
        put(draw, (piece.x, piece.y), piece.text, font(bold if piece.bold else regular, piece.size),
            GREY if piece.grey else INK, piece.anchor)
    return encode(image, "PNG")


def label_above(rows: list[tuple[str, str]], *, top: int = 140, x: int = 60, title: str | None = None) -> list[Text]:
    """Each label in small grey type with its value under it in larger dark type (a card layout)."""
    out = [Text(x, 40, title, 40, bold=True)] if title else []
    y = top
    for label, value in rows:
        out += [Text(x, y, label, 26, grey=True), Text(x, y + 36, value, 36)]
        y += 110
    return out
