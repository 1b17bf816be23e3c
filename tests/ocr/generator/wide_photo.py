"""Photographs for the wider tuned generator: the first generator's perspective and light, plus a shadow,
stronger tilt, softer focus or motion blur, a smaller sensor and a second JPEG pass (a chat app recompressing),
with every random choice, the grain included, drawn from the receipt's seed."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

from tests.ocr.generator.photo import _perspective


def _grain(size: tuple[int, int], rng: random.Random) -> Image.Image:
    w, h = max(1, size[0] // 4), max(1, size[1] // 4)
    return Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(size, Image.Resampling.NEAREST).convert("RGB")


def _shadow(canvas: Image.Image, rng: random.Random) -> Image.Image:
    """A soft dark shape over one side, as a hand or a phone casts."""
    w, h = canvas.size
    w, h = w // 8, h // 8
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    side = rng.choice(["left", "right", "top", "bottom", "corner"])
    depth = rng.uniform(0.2, 0.45)
    if side == "left":
        shape = [(0, 0), (w * depth, 0), (w * depth * rng.uniform(0.5, 1.5), h), (0, h)]
    elif side == "right":
        shape = [(w, 0), (w * (1 - depth), 0), (w * (1 - depth * rng.uniform(0.5, 1.5)), h), (w, h)]
    elif side == "top":
        shape = [(0, 0), (w, 0), (w, h * depth * 0.6), (0, h * depth * rng.uniform(0.3, 1.0))]
    elif side == "bottom":
        shape = [(0, h), (w, h), (w, h * (1 - depth * 0.6)), (0, h * (1 - depth))]
    else:
        shape = [(w, h), (w * (1 - depth * 1.5), h), (w, h * (1 - depth * 1.5))]
    draw.polygon(shape, fill=int(255 * rng.uniform(0.25, 0.45)))
    mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(2.5, 7.5))).resize(canvas.size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", canvas.size, (0, 0, 0)), canvas, mask)


def photograph_wide(image: Image.Image, rng: random.Random) -> Image.Image:
    """The receipt photographed on a table: tilted and seen from one side, unevenly lit, maybe shadowed and
    blurred, at a phone's resolution."""
    w, h = image.size
    margin = rng.randint(40, 220)
    tone = rng.randint(60, 170)
    table = (tone, tone - rng.randint(0, 15), tone - rng.randint(10, 35))
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), table)
    canvas.paste(image, (margin, margin))
    canvas = Image.blend(canvas, _grain(canvas.size, rng), rng.uniform(0.04, 0.12))
    cw, ch = canvas.size
    skew = rng.uniform(0.0, 0.06)
    side = rng.choice([-1, 1])
    corners = [
        (cw * skew * (side > 0), ch * rng.uniform(0, 0.02)),
        (cw - cw * skew * (side < 0), ch * rng.uniform(0, 0.02)),
        (cw - cw * skew * 0.3 * (side > 0), ch * (1 - rng.uniform(0, 0.02))),
        (cw * skew * 0.3 * (side < 0), float(ch)),
    ]
    canvas = canvas.transform(canvas.size, Image.Transform.PERSPECTIVE, _perspective(canvas.size, corners),
                              resample=Image.Resampling.BICUBIC, fillcolor=table)
    angle = rng.uniform(-8, 8) if rng.random() < 0.3 else rng.uniform(-3, 3)
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=table)
    light = Image.linear_gradient("L").rotate(rng.choice([0, 90, 180, 270])).resize(canvas.size)
    depth = rng.uniform(0.15, 0.5)
    light = light.point(lambda v: 255 - int(v * depth))
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (0, 0, 0)), light)
    if rng.random() < 0.35:
        canvas = _shadow(canvas, rng)
    if rng.random() < 0.2:
        size = rng.choice([3, 5])
        horizontal = rng.random() < 0.6
        kernel = [1.0 if (r == size // 2 if horizontal else r == c) else 0.0 for r in range(size) for c in range(size)]
        canvas = canvas.filter(ImageFilter.Kernel((size, size), kernel, scale=size))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.4)))
    if rng.random() < 0.4:
        scale = rng.uniform(0.7, 0.95)
        canvas = canvas.resize((int(canvas.width * scale), int(canvas.height * scale)), Image.Resampling.BILINEAR)
    return canvas


def encode_photo(image: Image.Image, rng: random.Random) -> bytes:
    """JPEG bytes as a phone saves them, sometimes recompressed by a chat app."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(55, 88))
    if rng.random() < 0.35:
        again = Image.open(io.BytesIO(out.getvalue()))
        out = io.BytesIO()
        again.save(out, "JPEG", quality=rng.randint(40, 70))
    return out.getvalue()
