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
    """Grayscale, invert dark mode, flatten light and deskew photos, crop to the text, scale."""
    gray = image.convert("L")
    small = _small(gray)
    photo = _looks_like_photo(small)
    dark = _looks_dark(small, photo)
    if dark:
        gray = ImageOps.invert(gray)
    if not photo:
        gray = _invert_dark_bands(gray, 128)
    skew = 0.0
    if photo:
        skew = _find_skew(_flatten_light(small))
        if abs(skew) >= 0.3:
            fill = gray.getpixel((0, 0))
            gray = gray.rotate(skew, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=fill)
        gray = _flatten_light(_crop_to_receipt(gray))
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
    line = mask.resize(size, Image.Resampling.BOX)
    return [int(line.getpixel((0, i) if axis == 0 else (i, 0)) or 0) for i in range(max(size))]  # type: ignore[arg-type]


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


def _crop_to_receipt(gray: Image.Image) -> Image.Image:
    """The paper or screen in a photo: its bright columns, and the rows that differ from the surface beside it."""
    small = _small(gray)
    threshold = _otsu(small.histogram())
    bright = small.point(lambda v: 255 if v > threshold else 0)
    cols = _profile(bright, 1)
    xs = [i for i, v in enumerate(cols) if v > 128]
    if not xs:
        return gray
    x0, x1 = xs[0], xs[-1] + 1
    inside = _profile(small.crop((x0, 0, x1, small.height)), 0)
    strips = [small.crop((0, 0, x0 - 4, small.height))] if x0 > 10 else []
    if small.width - x1 > 10:
        strips.append(small.crop((x1 + 4, 0, small.width, small.height)))
    ys = [i for i, v in enumerate(_profile(bright.crop((x0, 0, x1, small.height)), 0)) if v > 128]
    if not ys:
        return gray
    y0, y1 = ys[0], ys[-1] + 1
    if strips:
        outside = [sum(values) / len(values) for values in zip(*(_profile(s, 0) for s in strips), strict=True)]
        while y0 > 0 and abs(inside[y0 - 1] - outside[y0 - 1]) > 20:
            y0 -= 1
        while y1 < small.height and abs(inside[y1] - outside[y1]) > 20:
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
        return gray
    return gray.crop(box)


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


def _invert_dark_bands(image: Image.Image, level: int) -> Image.Image:
    """Light text on a solid dark band (a coloured header) turned into dark text on light."""
    rows = _profile(image, 0)
    start = None
    for y, value in enumerate([*rows, 255]):
        if value < level and start is None:
            start = y
        elif value >= level and start is not None:
            if y - start >= 8:
                box = (0, start, image.width, y)
                image.paste(ImageOps.autocontrast(ImageOps.invert(image.crop(box)), cutoff=(0, 60)), box)
            start = None
    return image


def _binarize(gray: Image.Image) -> Image.Image:
    """Black text on white, with solid dark bands (coloured headers) turned back to dark-on-light."""
    threshold = _otsu(gray.histogram())
    return _invert_dark_bands(gray.point(lambda v: 255 if v > threshold else 0), 110)


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
