"""Make one image Tesseract reads well and fast: upright, dark text on white, cropped, scaled to its sweet spot."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps

ANALYSIS_WIDTH = 400
TARGET_LINE_HEIGHT = 30
MAX_SKEW_DEGREES = 8.0


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
    photo = _looks_like_photo(small)
    dark = _looks_dark(small, photo)
    skew = 0.0
    if photo:
        if dark:
            gray = ImageOps.invert(gray)
        skew = _find_skew(_flatten_light(_small(gray)))
        color = image.convert("RGB")
        if abs(skew) >= 0.3:
            fill = gray.getpixel((0, 0))
            gray = gray.rotate(skew, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=fill)
            color = color.rotate(skew, resample=Image.Resampling.NEAREST, expand=True, fillcolor=color.getpixel((0, 0)))
        box = _receipt_box(gray, color)
        gray = _flatten_bands(gray.crop(box) if box else gray, tiles=12, rows=6)
    else:
        gray = _flatten_bands(gray)
    gray = _crop_to_ink(gray)
    line = _line_height(gray)
    scale = 1.0
    if line:
        scale = max(0.35, min(3.0, target_line_height / line))
    if abs(scale - 1.0) > 0.08:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    else:
        scale = 1.0
    if photo:
        gray = _binarize(gray)
    return Prepared(image=gray, photo=photo, dark=dark, scale=scale, skew=skew)


def _flatten_bands(gray: Image.Image, *, tiles: int = 1, rows: int = 1) -> Image.Image:
    """Ink as the distance from the local background colour: dark mode, coloured headers and cards alike.

    A screenshot is built of horizontal bands of flat colour (status bar, header, cards, the page);
    the commonest value of a row is its background, so light-on-dark and dark-on-light text both
    come out dark on white without deciding per band which way round it is. Photos add uneven light,
    so there the row is cut into `tiles` pieces, `rows` pixels high, values grouped by 8 against grain.
    """
    if tiles == 1:
        source = gray.resize((min(gray.width, 270), gray.height), Image.Resampling.NEAREST)
    else:
        source = gray.point(lambda v: (v & 0xF8) + 4)
    height = -(-gray.height // rows)
    step = source.width / tiles
    modes = bytearray(tiles * height)
    for ty in range(height):
        for tx in range(tiles):
            hist = source.crop((round(tx * step), ty * rows, round((tx + 1) * step), (ty + 1) * rows)).histogram()
            modes[ty * tiles + tx] = hist.index(max(hist))
    grid = Image.frombytes("L", (tiles, height), bytes(modes)).filter(ImageFilter.MedianFilter(7 if tiles > 1 else 5))
    resample = Image.Resampling.NEAREST if tiles == 1 else Image.Resampling.BILINEAR
    background = grid.resize(gray.size, resample)
    ink = ImageChops.difference(gray, background)
    return ImageOps.autocontrast(ImageOps.invert(ink), cutoff=(0.2, 0))


def _small(gray: Image.Image) -> Image.Image:
    if gray.width <= ANALYSIS_WIDTH:
        return gray
    height = max(1, round(gray.height * ANALYSIS_WIDTH / gray.width))
    return gray.resize((ANALYSIS_WIDTH, height), Image.Resampling.BOX)


def _looks_like_photo(small: Image.Image) -> bool:
    """Screenshots have a flat background colour; photos have grain and a light gradient."""
    hist = small.histogram()
    total = sum(hist) or 1
    peak = max(range(256), key=hist.__getitem__)
    flat = sum(hist[max(0, peak - 3) : peak + 4]) / total
    if flat < 0.30:
        return True
    edges = [
        *small.crop((0, 0, 2, small.height)).get_flattened_data(),
        *small.crop((small.width - 2, 0, small.width, small.height)).get_flattened_data(),
    ]
    on_background = sum(1 for v in edges if abs(v - peak) <= 8) / max(1, len(edges))
    return on_background < 0.5


def _looks_dark(small: Image.Image, photo: bool) -> bool:
    region = small
    if photo:
        w, h = small.size
        region = small.crop((w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    hist = region.histogram()
    total = sum(hist) or 1
    dark = sum(hist[:100]) / total
    return dark > 0.5


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
    hist = gray.histogram()
    peak = max(range(256), key=hist.__getitem__)
    return gray.point(lambda v: 255 if abs(v - peak) > 60 else 0)


def _profile(mask: Image.Image, axis: int) -> list[int]:
    """Mean value of each row (axis 0) or column (axis 1), 0..255."""
    size = (1, mask.height) if axis == 0 else (mask.width, 1)
    return list(mask.resize(size, Image.Resampling.BOX).tobytes())


def _find_skew(small: Image.Image) -> float:
    """The rotation that makes the text rows sharpest in the horizontal projection."""
    mask = _ink_mask(small)
    best, best_score = 0.0, -1.0
    steps = int(MAX_SKEW_DEGREES * 4)
    for step in range(-steps, steps + 1):
        angle = step / 4
        rows = _profile(mask.rotate(angle, resample=Image.Resampling.NEAREST), 0)
        score = float(sum(v * v for v in rows))
        if score > best_score:
            best, best_score = angle, score
    return best


def _row_colors(image: Image.Image) -> list[tuple[int, ...]]:
    """Mean colour of each row of an RGB image."""
    column = image.resize((1, image.height), Image.Resampling.BOX)
    data = column.tobytes()
    return [tuple(data[3 * y : 3 * y + 3]) for y in range(image.height)]


def _receipt_box(gray: Image.Image, color: Image.Image) -> tuple[int, int, int, int] | None:
    """The paper or screen in a photo: its bright columns, and the rows whose colour differs from the surface.

    Colour, not brightness, decides where the receipt starts and ends, so a dark coloured header (the
    bank's name) is kept even when it is as dark as the table beside it.
    """
    small = _small(gray)
    threshold = _otsu(small.histogram())
    bright = small.point(lambda v: 255 if v > threshold else 0)
    cols = _profile(bright, 1)
    xs = [i for i, v in enumerate(cols) if v > 128]
    if not xs:
        return None
    x0, x1 = xs[0], xs[-1] + 1
    ys = [i for i, v in enumerate(_profile(bright.crop((x0, 0, x1, small.height)), 0)) if v > 128]
    if not ys:
        return None
    y0, y1 = ys[0], ys[-1] + 1
    small_color = color.resize(small.size, Image.Resampling.BOX)
    strips = [small_color.crop((0, 0, x0 - 4, small.height))] if x0 > 10 else []
    if small.width - x1 > 10:
        strips.append(small_color.crop((x1 + 4, 0, small.width, small.height)))
    if strips:
        inside = _row_colors(small_color.crop((x0 + 3, 0, x1 - 3, small.height)))
        outside_rows = [_row_colors(strip) for strip in strips]
        outside = [
            tuple(sum(ch) / len(ch) for ch in zip(*cells, strict=True)) for cells in zip(*outside_rows, strict=True)
        ]

        def differs(y: int) -> bool:
            return max(abs(a - b) for a, b in zip(inside[y], outside[y], strict=True)) > 20

        while y0 > 0 and differs(y0 - 1):
            y0 -= 1
        while y1 < small.height and differs(y1):
            y1 += 1
    ratio = gray.width / small.width
    inset = 3
    box = (
        round((x0 + inset) * ratio),
        round((y0 + inset) * ratio),
        round((x1 - inset) * ratio),
        round((y1 - inset) * ratio),
    )
    if box[2] - box[0] < gray.width // 4 or box[3] - box[1] < gray.height // 4:
        return None
    return box


def _crop_to_ink(gray: Image.Image) -> Image.Image:
    mask = _ink_mask(gray)
    rows = _profile(mask, 0)
    cols = _profile(mask, 1)
    ys = [i for i, v in enumerate(rows) if v > 1]
    xs = [i for i, v in enumerate(cols) if v > 1]
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
    """Median height of the runs of text rows, the size Tesseract's accuracy and speed depend on."""
    mask = _ink_mask(gray)
    rows = _profile(mask, 0)
    runs: list[int] = []
    length = 0
    for value in [*rows, 0]:
        if value > 2:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    runs = [r for r in runs if r >= 6]
    if not runs:
        return None
    runs.sort()
    return float(runs[len(runs) // 2])


def _binarize(gray: Image.Image) -> Image.Image:
    """Black text on white by Otsu's threshold (grain and blur of photos are what Tesseract reads worst)."""
    threshold = _otsu(gray.histogram())
    return gray.point(lambda v: 255 if v > threshold else 0)


def _otsu(hist: list[int]) -> int:
    total = sum(hist) or 1
    weighted = sum(i * h for i, h in enumerate(hist))
    best, best_var = 128, -1.0
    w0 = 0
    s0 = 0.0
    for t in range(256):
        w0 += hist[t]
        if w0 == 0 or w0 == total:
            continue
        s0 += t * hist[t]
        m0 = s0 / w0
        m1 = (weighted - s0) / (total - w0)
        var = w0 * (total - w0) * (m0 - m1) ** 2
        if var > best_var:
            best, best_var = t, var
    return best
