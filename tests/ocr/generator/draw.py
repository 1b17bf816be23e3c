"""Drawing helpers shared by every layout: fonts, colours, text with the colón sign, wrapping, cropping."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype"
SANS = {
    "dejavu": (f"{FONT_DIR}/dejavu/DejaVuSans.ttf", f"{FONT_DIR}/dejavu/DejaVuSans-Bold.ttf"),
    "noto": (f"{FONT_DIR}/noto/NotoSans-Regular.ttf", f"{FONT_DIR}/noto/NotoSans-Bold.ttf"),
    "liberation": (
        f"{FONT_DIR}/liberation/LiberationSans-Regular.ttf",
        f"{FONT_DIR}/liberation/LiberationSans-Bold.ttf",
    ),
}
SERIF = {
    "dejavu-serif": (f"{FONT_DIR}/dejavu/DejaVuSerif.ttf", f"{FONT_DIR}/dejavu/DejaVuSerif-Bold.ttf"),
    "liberation-serif": (
        f"{FONT_DIR}/liberation/LiberationSerif-Regular.ttf",
        f"{FONT_DIR}/liberation/LiberationSerif-Bold.ttf",
    ),
}
MONO = {
    "dejavu-mono": (f"{FONT_DIR}/dejavu/DejaVuSansMono.ttf", f"{FONT_DIR}/dejavu/DejaVuSansMono-Bold.ttf"),
    "liberation-mono": (
        f"{FONT_DIR}/liberation/LiberationMono-Regular.ttf",
        f"{FONT_DIR}/liberation/LiberationMono-Bold.ttf",
    ),
}
SYMBOL_FONT = f"{FONT_DIR}/dejavu/DejaVuSans.ttf"
RGB = tuple[int, int, int]


@cache
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A TrueType font, loaded once per size."""
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class Look:
    """How one receipt is printed: colours (light or dark mode) and its regular and bold faces."""

    bg: RGB
    fg: RGB
    muted: RGB
    accent: RGB
    regular: str
    bold: str
    size: int
    dark: bool

    def face(self, scale: float = 1.0, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        return font(self.bold if bold else self.regular, max(12, round(self.size * scale)))


def make_look(rng: random.Random, accent: RGB, dark: bool, faces: dict[str, tuple[str, str]] | None = None) -> Look:
    """Colours and fonts for one receipt."""
    regular, bold = (faces or SANS)[rng.choice(sorted(faces or SANS))]
    if dark:
        bg, fg, muted = (18, 18, 20), (235, 235, 235), (150, 150, 156)
    else:
        bg, fg = (255, 255, 255), (25, 25, 25)
        muted = rng.choice([(105, 105, 110), (120, 120, 128), (90, 96, 110)])
    return Look(bg, fg, muted, accent, regular, bold, rng.choice([32, 34, 38, 42]), dark)


def has_glyph(face: ImageFont.FreeTypeFont, char: str) -> bool:
    """Whether the face draws `char` itself instead of its missing-glyph box."""
    return face.getmask(char).getbbox() != face.getmask("\uffff").getbbox()


def text_width(face: ImageFont.FreeTypeFont, text: str) -> float:
    return face.getlength(text)


def put(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont,
    fill: RGB,
    anchor: str = "la",
) -> None:
    """Draw text; a colón sign the face lacks is drawn with DejaVu, as phones substitute a font."""
    if "₡" not in text or has_glyph(face, "₡"):
        draw.text(xy, text, font=face, fill=fill, anchor=anchor)
        return
    symbol = font(SYMBOL_FONT, int(face.size))
    parts = text.split("₡")
    widths = [face.getlength(p) for p in parts]
    total = sum(widths) + symbol.getlength("₡") * (len(parts) - 1)
    x = xy[0] - (total if anchor.startswith("r") else total / 2 if anchor.startswith("m") else 0)
    for i, part in enumerate(parts):
        if i:
            draw.text((x, xy[1]), "₡", font=symbol, fill=fill, anchor="l" + anchor[1])
            x += symbol.getlength("₡")
        draw.text((x, xy[1]), part, font=face, fill=fill, anchor="l" + anchor[1])
        x += widths[i]


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, rng: random.Random | None = None,
         breaks: float = 0.0) -> list[str]:
    """Words into lines no wider than `width`; with `breaks`, a line also ends early at random (any word).

    A newline in the text always ends a line (stories use it to put a break exactly where they want it).
    """
    if "\n" in text:
        return [line for part in text.split("\n") for line in wrap(part, face, width, rng, breaks)]
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        trial = " ".join([*current, word])
        if current and face.getlength(trial) > width:
            lines.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
        if rng is not None and current and rng.random() < breaks:
            lines.append(" ".join(current))
            current = []
    if current:
        lines.append(" ".join(current))
    return lines


def crop_height(image: Image.Image, height: int, margin: int = 60) -> Image.Image:
    """The page cut just below what was drawn."""
    return image.crop((0, 0, image.width, min(image.height, int(height) + margin)))


def status_bar(draw: ImageDraw.ImageDraw, width: int, look: Look, fill: RGB, rng: random.Random) -> None:
    """A phone's status bar: the time and a battery."""
    clock = f"{rng.randint(6, 11)}:{rng.randint(0, 59):02d}"
    draw.text((60, 40), clock, font=look.face(0.8, bold=True), fill=fill, anchor="lm")
    draw.rectangle((width - 120, 28, width - 64, 52), outline=fill, width=3)
    draw.rectangle((width - 116, 32, width - 80, 48), fill=fill)
