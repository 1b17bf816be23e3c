"""Make one image Tesseract reads well and fast: upright, dark text on white, cropped, scaled to its sweet spot.

Every step is whole-image work (Pillow operations, numpy over rows and columns of photos), never a Python
loop over pixels, so its time and memory grow with the pixel count that `loading` bounds; the output is
bounded by the same count, whatever the scaling to Tesseract's preferred line height asks for. A screenshot
is prepared with Pillow alone (a loop over its rows at most): numpy is imported for photos only, which
spares a fresh `paybot ocr` process most of its import time before its first Tesseract pass.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageChops, ImageFilter, ImageOps

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

from bot.ocr.loading import WORK_PIXELS

ANALYSIS_WIDTH = 400
BAND_PIXELS = 1_000_000
"""Pixels counted at a time when finding each row's background (bounds the counting's memory)."""
TARGET_LINE_HEIGHT = 30
MAX_SKEW_DEGREES = 8.0
STRIPS = 8
FRAMED = 1.5
PALE_LINE = 60
"""A run of rows whose darkest pixel is lighter than this is pale text (a light grey heading, a bank's name in
its accent colour), stretched to full contrast so it is read as text and not as background."""
SHADED_FLAT_ROWS = 0.9
SHADED_EDGE_ROWS = 0.35
"""A screenshot on a shaded background: this share of rows flat (no grain) and this share with both edges in the
row's own colour (a photo's edges show the surface it lies on)."""
PAPER = 240
"""Lines measured this many times taller across the whole width than in strips mean a frame joined them."""
SURFACE_DIFFERENCE = 28
"""How far (largest channel difference, 0..255) a pixel's colour must be from the surface's to be the receipt's."""
RECEIPT_SHARE = 0.3
"""A column (row) of a photo is the receipt's when this share of its pixels differ from the surface."""
RUN_GAP = 6
"""Rows or columns of a photo's receipt that may look like the surface between two parts of it."""
PAPER_SMOOTHING = 5
"""Side of the median filter (analysis pixels) that drops specks of grain from the paper mask and fills its text."""
PAPER_INSET = 3
"""The paper mask narrowed by this filter (analysis pixels), so the table's dark edge along the paper is no ink."""
PAPER_SOLID = 0.8
SURFACE_SPECKS = 0.1
PAPER_CLEARANCE = 9
"""A paper mask is trusted when this share of it differs from the surface and, beyond this many analysis pixels
around it, no more than SURFACE_SPECKS does."""
PAPER_WHITE = 200
"""On a prepared photo, anything lighter than this is paper: the grain that flattening and darkening leave there is
whitened, so Tesseract's own threshold of the page sees ink and paper (grain it kept joined letters into blobs)."""
LEADER_DOT = 0.35
"""A dot of a leader is no wider or taller than this share of its line's tallest letter (a thin stroke as tall as
the whole band, a table's rule, is none) or of the page's usual line height, whichever is less, and sits in the
lower half of its line (a full stop or comma in a value is one such mark, a leader many)."""
LEADER_INK = 200
"""Darker than this is ink when looking for leaders (pale grey labels stay whole letters, not dot-sized bits)."""
LEADER_DOTS = 4
LEADER_SPACING = 1.2
"""This many dots in a row, each no further than LEADER_SPACING line heights from the next, are a leader."""
LEADER_ROW = 2
"""A row is a text line's when its share of ink (of 255) is this much above the page's blank rows' (which a photo's
dark paper edges or a stroke down the page make more than none)."""
LEADER_CONTRAST = 2.5
"""The mark before a leader (its label's last letter) is at least this many times taller than its dots: digits
and small letters in a band inflated by something tall are no leader."""
LEADER_ONE_LINE = 1.6
"""A band of inked rows at most this many times the text's line height is one line, whose value can be moved up to
its label; a taller one (lines joined by a card's dark edge or a table's rule) is left as it is."""
FAINT_INK = 200
INKED = 60
"""Ink this dark is left as it is; paler ink (up to FAINT_INK) is darkened to it."""


_WHITEN_GRAIN = [value if value <= PAPER_WHITE else 255 for value in range(256)]
_INK = [255 if value < LEADER_INK else 0 for value in range(256)]


@dataclass(frozen=True)
class Prepared:
    """The image for Tesseract and what was decided about it."""

    image: Image.Image
    photo: bool
    dark: bool
    scale: float
    skew: float


def prepare(image: Image.Image, *, target_line_height: int = TARGET_LINE_HEIGHT) -> Prepared:
    """Grayscale, ink on white per band (dark mode, coloured headers), photos deskewed and cropped, scaled."""
    gray = image.convert("L")
    small = _small(gray)
    photo = _looks_like_photo(small) and not _shaded_screen(gray)
    dark = _looks_dark(small, photo)
    skew = 0.0
    if photo:
        if dark:
            gray = ImageOps.invert(gray)
        skew = _find_skew(_flatten_light(_small(gray)))
        paper = _paper(image if image.mode == "RGB" else image.convert("RGB"), _small(gray).size)
        if abs(skew) >= 0.3:
            fill = gray.getpixel((0, 0))
            gray = gray.rotate(skew, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=fill)
            if paper is not None:
                paper = paper.rotate(skew, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
        mask = None
        if paper is not None:
            mask = paper.resize(gray.size, Image.Resampling.NEAREST)
            box = mask.getbbox()
            if box:
                gray, mask = gray.crop(box), mask.crop(box)
        gray = _flatten_bands(gray, tiles=12, rows=6, paper=mask)
    else:
        gray = _flatten_bands(gray)
    gray = _crop_to_ink(gray)
    line = _line_height(gray)
    scale = 1.0
    if line:
        scale = max(0.35, min(3.0, target_line_height / line))
    scale = min(scale, math.sqrt(WORK_PIXELS / max(1, gray.width * gray.height)))
    if abs(scale - 1.0) > 0.08:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    else:
        scale = 1.0
    if photo:
        gray = _stretch_faint(gray).point(_WHITEN_GRAIN)
    else:
        gray = _without_dot_leaders(gray, line * scale if line else None)
    return Prepared(image=gray, photo=photo, dark=dark, scale=scale, skew=skew)


def _flatten_bands(gray: Image.Image, *, tiles: int = 1, rows: int = 1, paper: Image.Image | None = None,
                   ) -> Image.Image:
    """Ink as the distance from the local background colour: dark mode, coloured headers and cards alike.

    A screenshot is built of horizontal bands of flat colour (status bar, header, cards, the page);
    the commonest value of a row is its background, so light-on-dark and dark-on-light text both
    come out dark on white without deciding per band which way round it is. Photos add uneven light,
    so there the row is cut into `tiles` pieces, `rows` pixels high, values grouped by 8 against grain.
    Where a `paper` mask is given, only its pixels count (a tile on the table takes its nearest paper
    tile's colour) and everything outside it comes out white.
    """
    if tiles == 1:
        source = gray.resize((min(gray.width, 270), gray.height), Image.Resampling.NEAREST)
        modes = _row_modes(source)
        height = source.height
    else:
        modes, height = _tile_modes(gray.point(lambda v: (v & 0xF8) + 4), tiles, rows, paper)
    grid = Image.frombytes("L", (tiles, height), modes).filter(
        ImageFilter.MedianFilter(7 if tiles > 1 else 5)
    )
    resample = Image.Resampling.NEAREST if tiles == 1 else Image.Resampling.BILINEAR
    background = grid.resize(gray.size, resample)
    ink = ImageChops.difference(gray, background)
    if paper is not None:
        ink = ImageChops.multiply(ink, paper)
    page = ImageOps.autocontrast(ImageOps.invert(ink), cutoff=(0.2, 0))
    return _stretch_lines(page) if tiles == 1 else page


def _row_modes(source: Image.Image) -> bytes:
    """The commonest value of each row (the lowest of equally common ones); a value filling over half a row
    is its mode without counting the rest."""
    width, data = source.width, source.tobytes()
    modes = bytearray(source.height)
    for y in range(source.height):
        row = data[y * width : (y + 1) * width]
        first = row[0]
        if 2 * row.count(first) > width:
            modes[y] = first
            continue
        counts = Counter(row)
        modes[y] = max(counts.items(), key=lambda item: (item[1], -item[0]))[0]
    return bytes(modes)


def _tile_modes(source: Image.Image, tiles: int, rows: int, paper: Image.Image | None = None) -> tuple[bytes, int]:
    """The commonest value of each tile, `tiles` across and `rows` pixels high (numpy: photos only); with a
    `paper` mask only its pixels are counted, and a tile without any takes the nearest counted tile's value."""
    import numpy as np

    height = -(-source.height // rows)
    # A last band shorter than `rows` is counted with black below the image, as a crop past the edge reads.
    pixels = np.pad(np.asarray(source), ((0, height * rows - source.height), (0, 0)))
    if paper is not None:
        outside = np.pad(np.asarray(paper) == 0, ((0, height * rows - source.height), (0, 0)))
        pixels = np.where(outside, 0, pixels)
    step = source.width / tiles
    edges = [round(t * step) for t in range(tiles + 1)]
    column_tile = np.searchsorted(edges, np.arange(source.width), side="right") - 1
    modes = np.empty((height, tiles), dtype=np.uint8)
    band = max(rows, (BAND_PIXELS // max(1, source.width)) // rows * rows)
    for top in range(0, pixels.shape[0], band):
        chunk = pixels[top : top + band].astype(np.int64)
        cell = (np.arange(chunk.shape[0])[:, None] // rows) * tiles + column_tile[None, :]
        counts = np.bincount((cell * 256 + chunk).ravel(), minlength=(-(-chunk.shape[0] // rows)) * tiles * 256)
        counts = counts.reshape(-1, tiles, 256)
        if paper is not None:
            counts[:, :, 0] = 0
        first = top // rows
        modes[first : first + -(-chunk.shape[0] // rows)] = counts.argmax(axis=2)
    if paper is not None:
        modes = _fill_holes(_fill_holes(modes, axis=1), axis=0)
    return modes.tobytes(), height


def _fill_holes(grid: NDArray[np.uint8], axis: int) -> NDArray[np.uint8]:
    """Zeros along `axis` replaced by the nearest non-zero value on their line (the one before on a tie)."""
    import numpy as np

    lines = grid if axis == 1 else grid.T
    size = lines.shape[1]
    index = np.arange(size)[None, :]
    valid = lines != 0
    before = np.maximum.accumulate(np.where(valid, index, -1), axis=1)
    after = np.flip(np.minimum.accumulate(np.flip(np.where(valid, index, size), axis=1), axis=1), axis=1)
    use_after = (before < 0) | ((after < size) & (after - index < index - before))
    source = np.where(use_after, after, before)
    filled = np.where(source >= 0, np.take_along_axis(lines, np.clip(source, 0, size - 1), axis=1), 0)
    filled = np.where(source >= size, 0, filled).astype(np.uint8)
    return filled if axis == 1 else filled.T


def _stretch_lines(page: Image.Image) -> Image.Image:
    """Each run of inked rows whose ink is pale is stretched until its darkest pixel is black."""
    darkest = _row_minimums(page)
    stretched = page
    for top, bottom in _runs_where([value < PAPER for value in darkest]):
        low = min(darkest[top:bottom])
        if low > PALE_LINE:
            if stretched is page:
                stretched = page.copy()
            band = (0, top, page.width, bottom)
            stretched.paste(page.crop(band).point(_stretch_table(255 / (255 - low))), band)
    return stretched


def _row_minimums(image: Image.Image) -> list[int]:
    """The darkest value of each row: the image folded in halves across, keeping the darker pixel each time."""
    column = image
    while column.width > 1:
        half = (column.width + 1) // 2
        column = ImageChops.darker(column.crop((0, 0, half, column.height)),
                                   column.crop((column.width - half, 0, column.width, column.height)))
    return list(column.tobytes())


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def _stretch_table(gain: float) -> list[int]:
    """`255 - (255 - v) * gain` for every value, in single precision, clipped and truncated."""
    factor = _float32(gain)
    return [int(min(255.0, max(0.0, _float32(255 - _float32((255 - v) * factor))))) for v in range(256)]


def _runs_where(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of true flags."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, flag in enumerate(flags):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    return runs


def _small(gray: Image.Image) -> Image.Image:
    if gray.width <= ANALYSIS_WIDTH:
        return gray
    height = max(1, round(gray.height * ANALYSIS_WIDTH / gray.width))
    return gray.resize((ANALYSIS_WIDTH, height), Image.Resampling.BOX)


def _looks_like_photo(small: Image.Image) -> bool:
    """Screenshots have a flat background colour; photos have grain and a light gradient."""
    hist = small.histogram()
    total = sum(hist) or 1
    peak = _argmax(hist)
    flat = sum(hist[max(0, peak - 3) : peak + 4]) / total
    if flat < 0.30:
        return True
    width, height = small.size
    edges = [small.crop((0, 0, min(2, width), height)), small.crop((max(0, width - 2), 0, width, height))]
    near = sum(sum(edge.histogram()[max(0, peak - 8) : peak + 9]) for edge in edges)
    on_background = near / max(1, sum(edge.width * edge.height for edge in edges))
    return on_background < 0.5


def _shaded_screen(gray: Image.Image) -> bool:
    """A screenshot whose background shades from top to bottom (a lock screen's wallpaper): nearly every row is one
    flat colour over most of its width, with no grain, and on many rows both edges are that colour; a photo's rows
    carry grain, or the surface it lies on at the edges."""
    height = max(1, round(gray.height * ANALYSIS_WIDTH / max(1, gray.width)))
    sample = gray.resize((ANALYSIS_WIDTH, height), Image.Resampling.NEAREST)
    width, data = sample.width, sample.tobytes()
    flat = edged = 0
    for y in range(height):
        row = data[y * width : (y + 1) * width]
        counts = Counter(row)
        mode = counts.most_common(1)[0][0]
        flat += sum(counts.get(v, 0) for v in range(mode - 2, mode + 3)) > width // 2
        edged += all(abs(row[x] - mode) <= 3 for x in (0, 1, width - 2, width - 1))
    return flat >= SHADED_FLAT_ROWS * height and edged >= SHADED_EDGE_ROWS * height


def _looks_dark(small: Image.Image, photo: bool) -> bool:
    region = small
    if photo:
        w, h = small.size
        region = small.crop((w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    hist = region.histogram()
    total = sum(hist) or 1
    return sum(hist[:100]) / total > 0.5


def _argmax(values: list[int]) -> int:
    """The index of the largest value (the first of equal ones)."""
    return max(range(len(values)), key=values.__getitem__)


def _background(gray: Image.Image) -> Image.Image:
    factor = max(1, min(gray.size) // 150)
    tiny = gray.resize((max(1, gray.width // factor), max(1, gray.height // factor)), Image.Resampling.BOX)
    tiny = tiny.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(3))
    return tiny.resize(gray.size, Image.Resampling.BILINEAR)


def _flatten_light(gray: Image.Image) -> Image.Image:
    """Uneven light removed: ink as darkness below the local paper brightness, stretched."""
    ink = ImageChops.subtract(_background(gray), gray)
    return ImageOps.autocontrast(ImageOps.invert(ink), cutoff=(0.5, 0))


def _ink_mask(gray: Image.Image) -> Image.Image:
    peak = _argmax(gray.histogram())
    return gray.point(lambda v: 255 if abs(v - peak) > 60 else 0)


def _profile(mask: Image.Image, axis: int) -> bytes:
    """Mean value of each row (axis 0) or column (axis 1), 0..255."""
    size = (1, mask.height) if axis == 0 else (mask.width, 1)
    return mask.resize(size, Image.Resampling.BOX).tobytes()


def _above(profile: bytes, level: int) -> list[int]:
    """Indices of the profile's values above `level`."""
    return [index for index, value in enumerate(profile) if value > level]


def _find_skew(small: Image.Image) -> float:
    """The rotation that makes the text rows sharpest in the horizontal projection."""
    mask = _ink_mask(small)
    best, best_score = 0.0, -1.0
    steps = int(MAX_SKEW_DEGREES * 4)
    for step in range(-steps, steps + 1):
        angle = step / 4
        rows = _profile(mask.rotate(angle, resample=Image.Resampling.NEAREST), 0)
        score = float(sum(value * value for value in rows))
        if score > best_score:
            best, best_score = angle, score
    return best


def _paper(color: Image.Image, size: tuple[int, int]) -> Image.Image | None:
    """The paper or screen in a photo, as a mask of `size` (255 on it): where colours stop being the surface's.

    The surface is what the photo's left and right edges show on each row; light falls across a photo
    evenly enough that, between the two edges, the surface's colour is their blend. Whatever differs from
    that blend is the receipt, lighter or darker than the table, shadowed or not, so a shadow over the
    label column or a dark phone screen on a light table is kept whole. The mask is the convex outline of
    what differs, so a receipt seen from one side (a trapezoid) leaves no wedge of table beside it, and a
    corner of paper that happens to match the surface is kept. A mask that is not solid, or has much that
    differs around it (a dark screen on a dark table, a paper running off the photo's edge), is no mask: the
    photo is then read uncropped rather than cut through its text.
    """
    import numpy as np
    from PIL import ImageDraw  # with its fonts (FreeType): photos only

    small = color.resize(size, Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float64)
    height, width = pixels.shape[:2]
    edge = max(2, width // 50)
    left = np.median(pixels[:, :edge], axis=1)
    right = np.median(pixels[:, -edge:], axis=1)
    share = np.linspace(0.0, 1.0, width)[None, :, None]
    surface = left[:, None, :] * (1 - share) + right[:, None, :] * share
    differs = np.abs(pixels - surface).max(axis=2) > SURFACE_DIFFERENCE
    x0, x1 = _longest_run(differs.mean(axis=0) > RECEIPT_SHARE)
    if x1 - x0 < width // 4:
        return None
    y0, y1 = _longest_run(differs[:, x0:x1].mean(axis=1) > RECEIPT_SHARE)
    if y1 - y0 < height // 4:
        return None
    inside = np.zeros((height, width), dtype=bool)
    inside[y0:y1, x0:x1] = differs[y0:y1, x0:x1]
    flagged = Image.fromarray((inside * 255).astype(np.uint8)).filter(ImageFilter.MedianFilter(PAPER_SMOOTHING))
    inside = np.asarray(flagged) > 0
    rows = np.flatnonzero(inside.any(axis=1))
    if len(rows) < height // 4:
        return None
    first = np.argmax(inside[rows], axis=1)
    last = width - np.argmax(inside[rows, ::-1], axis=1)
    outline = _hull([(int(x), int(y)) for x, y in zip(first, rows, strict=True)]
                    + [(int(x), int(y) + 1) for x, y in zip(first, rows, strict=True)]
                    + [(int(x), int(y)) for x, y in zip(last, rows, strict=True)]
                    + [(int(x), int(y) + 1) for x, y in zip(last, rows, strict=True)])
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).polygon(outline, fill=255)
    solid = np.asarray(mask) > 0
    around = np.asarray(mask.filter(ImageFilter.MaxFilter(PAPER_CLEARANCE))) == 0
    if differs[solid].mean() < PAPER_SOLID or (around.any() and differs[around].mean() > SURFACE_SPECKS):
        return None
    return mask.filter(ImageFilter.MinFilter(PAPER_INSET))


def _hull(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The convex hull of the points, in order around it (Andrew's monotone chain)."""
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return ordered

    def turn(o: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[int, int]] = []
    upper: list[tuple[int, int]] = []
    for point in ordered:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(ordered):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def _longest_run(flags: NDArray[np.bool_]) -> tuple[int, int]:
    """(start, end) of the longest run of true flags, gaps of a few false ones bridged (a rule, a gutter)."""
    runs = _runs_where([bool(flag) for flag in flags])
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] <= max(RUN_GAP, len(flags) // 10):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return max(merged, key=lambda run: run[1] - run[0], default=(0, 0))


def _crop_to_ink(gray: Image.Image) -> Image.Image:
    mask = _ink_mask(gray)
    ys = _above(_profile(mask, 0), 1)
    xs = _above(_profile(mask, 1), 1)
    if not ys or not xs:
        return gray
    pad = 12
    box = (
        max(0, xs[0] - pad),
        max(0, ys[0] - pad),
        min(gray.width, xs[-1] + pad + 1),
        min(gray.height, ys[-1] + pad + 1),
    )
    return gray.crop(box)


def _line_height(gray: Image.Image) -> float | None:
    """Median height of the runs of text rows, the size Tesseract's accuracy and speed depend on.

    A frame or a card's edge inks every row it spans and merges the lines beside it into one run; when
    the whole width says lines are much taller than vertical strips of the page do, the strips are right.
    """
    mask = _ink_mask(gray)
    whole = _median_run(_profile(mask, 0))
    step = gray.width / STRIPS
    pooled: list[int] = []
    for k in range(STRIPS):
        strip = mask.crop((round(k * step), 0, max(round(k * step) + 1, round((k + 1) * step)), gray.height))
        pooled.extend(_runs(_profile(strip, 0)))
    pooled.sort()
    strips = float(pooled[len(pooled) // 2]) if pooled else None
    if whole is not None and strips is not None and whole > FRAMED * strips:
        return strips
    return whole


def _runs(profile: bytes) -> list[int]:
    """Heights of the runs of inked rows, six rows or more."""
    lengths = [end - start for start, end in _runs_where([value > 2 for value in profile])]
    return [length for length in lengths if length >= 6]


def _median_run(profile: bytes) -> float | None:
    runs = sorted(_runs(profile))
    return float(runs[len(runs) // 2]) if runs else None


def _stretch_faint(page: Image.Image) -> Image.Image:
    """A photo's pale ink stretched to black where it is pale (grey text on a card, a bank's name in small light
    type), so one threshold for the page does not drop it beside bold black text: each tile of about two lines
    is darkened until its darkest ink (a low percentile, against grain) is black; a tile whose darkest pixel
    is paler than FAINT_INK holds only grain and is left alone."""
    import numpy as np

    pixels = np.asarray(page)
    height, width = pixels.shape
    size = 2 * TARGET_LINE_HEIGHT
    rows, cols = -(-height // size), -(-width // size)
    padded = np.pad(pixels, ((0, rows * size - height), (0, cols * size - width)), constant_values=255)
    tiles = padded.reshape(rows, size, cols, size).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    darkest = np.partition(tiles, size * size // 100, axis=2)[:, :, size * size // 100]
    darkest = np.where((darkest > FAINT_INK) | (darkest < INKED), INKED, darkest).astype(np.uint8)
    low = np.asarray(Image.fromarray(darkest).resize(page.size, Image.Resampling.BILINEAR), dtype=np.float32)
    stretched = 255 - (255 - pixels.astype(np.float32)) * (255 - INKED) / np.maximum(1.0, 255 - low)
    return Image.fromarray(np.clip(stretched, 0, 255).astype(np.uint8))


def _without_dot_leaders(page: Image.Image, text_line: float | None = None) -> Image.Image:
    """A ticket's dot leaders (`MONTO........: 17 229,00`) cut out, the rest of the line moved up to the label:
    Tesseract reads the dots as letters and sometimes takes the label with them (`REF.....:` read as nothing,
    `ASUNTO......:` as `OS eya aya mus:`), and a wide blank in their place splits the line into two columns.
    Bands of several lines joined by a frame are left alone."""
    ink = page.point(_INK)
    shares = list(ink.resize((1, page.height), Image.Resampling.BOX).tobytes())
    floor = sorted(shares)[len(shares) // 10]
    cores = _runs_where([value > floor + LEADER_ROW for value in shares])
    bands: list[tuple[int, int]] = []
    for index, (top, bottom) in enumerate(cores):
        above = cores[index - 1][1] if index else 0
        below = cores[index + 1][0] if index + 1 < len(cores) else page.height
        while top > above and shares[top - 1] > floor:
            top -= 1
        while bottom < below and shares[bottom] > floor:
            bottom += 1
        if bands and bands[-1][1] >= top and 2 * (bottom - top) < bands[-1][1] - bands[-1][0]:
            bands[-1] = (bands[-1][0], bottom)
        elif bottom - top >= 8:
            bands.append((top, bottom))
    if not bands:
        return page
    line = round(text_line) if text_line else sorted(bottom - top for top, bottom in bands)[len(bands) // 2]
    out: Image.Image | None = None
    for top, bottom in bands:
        height = bottom - top
        if height > LEADER_ONE_LINE * line:
            continue
        band = ink.crop((0, top, page.width, bottom))
        marks = _runs_where([value > 0 for value in band.resize((page.width, 1), Image.Resampling.BOX).tobytes()])
        narrow = "".join("." if right - left <= LEADER_DOT * height else "x" for left, right in marks)
        if "." * LEADER_DOTS not in narrow:
            continue
        spans = [band.crop((left, 0, right, height)).getbbox() or (0, 0, 0, 0) for left, right in marks]
        tallest = min(line, max((box[3] - box[1] for (left, right), box in zip(marks, spans, strict=True)
                                 if box[3] - box[1] < height or right - left > LEADER_DOT * height), default=0))
        dots = [flag == "." and right - left <= LEADER_DOT * tallest and box[3] - box[1] <= LEADER_DOT * tallest
                and box[3] >= height - tallest // 2
                for flag, (left, right), box in zip(narrow, marks, spans, strict=True)]
        first = 0
        while first < len(marks):
            last = first
            while (dots[first] and last + 1 < len(marks) and dots[last + 1]
                   and marks[last + 1][0] - marks[last][1] <= LEADER_SPACING * line):
                last += 1
            tallest_dot = max(box[3] - box[1] for box in spans[first : last + 1])
            if (dots[first] and last - first + 1 >= LEADER_DOTS and first > 0
                    and spans[first - 1][3] - spans[first - 1][1] >= LEADER_CONTRAST * tallest_dot):
                out = out or page.copy()
                left, right = max(0, marks[first][0] - 2), min(page.width, marks[last][1] + 1)
                rows = (max(0, top - 1), min(page.height, bottom + 1))
                rest = out.crop((right, rows[0], page.width, rows[1]))
                out.paste(255, (left, rows[0], page.width, rows[1]))
                out.paste(rest, (left, rows[0]))
                marks = [(a - (right - left), b - (right - left)) if a >= right else (a, b) for a, b in marks]
            first = last + 1
    return page if out is None else out
