"""A receipt as a phone photo of a screen or paper: margin, tilt, a little perspective, blur, noise, uneven light."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageFilter


def _perspective(size: tuple[int, int], corners: list[tuple[float, float]]) -> tuple[float, ...]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping the output rectangle onto `corners`."""
    w, h = size
    targets = [(0, 0), (w, 0), (w, h), (0, h)]
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (x, y), (u, v) in zip(targets, corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return tuple(_solve(rows, rhs))


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    n = len(rhs)
    a = [[*row, b] for row, b in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[r][col]:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][n] / a[i][i] for i in range(n)]


def photograph(image: Image.Image, rng: random.Random) -> Image.Image:
    """The same receipt photographed: on a table, tilted, seen slightly from one side, softly lit."""
    w, h = image.size
    margin = rng.randint(60, 200)
    tone = rng.randint(70, 150)
    table = (tone, tone - 10, tone - 25)
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), table)
    noise = Image.effect_noise(canvas.size, 18).convert("RGB")
    canvas = Image.blend(canvas, noise, 0.12)
    canvas.paste(image, (margin, margin))
    cw, ch = canvas.size
    skew = rng.uniform(0.0, 0.035)
    side = rng.choice([-1, 1])
    corners = [
        (cw * skew * (side > 0), 0.0),
        (cw - cw * skew * (side < 0), 0.0),
        (cw - cw * skew * 0.3 * (side > 0), float(ch)),
        (cw * skew * 0.3 * (side < 0), float(ch)),
    ]
    canvas = canvas.transform(canvas.size, Image.Transform.PERSPECTIVE, _perspective(canvas.size, corners),
                              resample=Image.Resampling.BICUBIC, fillcolor=table)
    angle = rng.uniform(-5, 5)
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=table)
    light = Image.linear_gradient("L").resize(canvas.size).rotate(rng.choice([0, 90, 180, 270]))
    depth = rng.uniform(0.25, 0.45)
    light = light.point(lambda v: 255 - int(v * depth))
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (0, 0, 0)), light)
    return canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))


def encode(image: Image.Image, fmt: str, quality: int = 85) -> bytes:
    """Bytes of the image in PNG, JPEG or WEBP."""
    out = io.BytesIO()
    if fmt == "PNG":
        image.save(out, "PNG", compress_level=1)
    else:
        image.save(out, fmt, quality=quality)
    return out.getvalue()
