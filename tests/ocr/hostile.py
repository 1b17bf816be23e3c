"""A corpus of hostile and broken files, generated on demand, each with the error kind the reader must give.

Shared by the reader's tests, the service's tests and `bench/ocr_hostile.py`. Files are small on disk and
built to cost a naive reader gigabytes or minutes: extreme shapes, decompression bombs, a PDF page of
ten million points, truncated and disguised files, and noise that keeps Tesseract busy.
"""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Hostile:
    """One hostile file and what the reader must answer: an error kind (or None: it reads, bounded)."""

    name: str
    data: bytes
    kind: str | None


def minimal_pdf(width: float, height: float, content: bytes = b"") -> bytes:
    """A one-page PDF of `width` x `height` points, with correct cross-reference offsets."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.10g} {height:.10g}] /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` 8-bit RGBA pixels and carries a few bytes of them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + chunk(
        b"IEND", b""
    )


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def tall_strip() -> bytes:
    """4 x 9 999 999 pixels: just under the pixel cap, 73 KB as a PNG (the issue's file)."""
    image = Image.new("L", (4, 9_999_999), 255)
    ImageDraw.Draw(image).line((0, 0, 3, 9_999_998), fill=0)
    return _png(image)


def huge_page_pdf() -> bytes:
    """A PDF of a few hundred bytes whose page is 3 x 10 000 000 points."""
    return minimal_pdf(3, 10_000_000, b"0 0 0 rg 0 0 3 10000000 re f")


def rgba_square() -> bytes:
    """A 6300 x 6300 RGBA PNG, mostly transparent, with a little text: a few hundred KB on disk."""
    image = Image.new("RGBA", (6300, 6300), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    for row in range(40):
        draw.text((100, 100 + row * 150), f"Monto 25.000,00 colones fila {row}", fill=(0, 0, 0, 255))
    return _png(image)


def thin_line() -> bytes:
    """1 x 100 000 pixels."""
    return _png(Image.new("L", (1, 100_000), 0))


def noise(side: int = 2600, seed: int = 7) -> bytes:
    """Random black and white specks: Tesseract finds 'text' everywhere and reads it slowly."""
    rng = random.Random(seed)
    image = Image.frombytes("L", (side, side), rng.randbytes(side * side)).point(lambda v: 255 if v > 128 else 0)
    return _png(image)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _receipt_data(photographed: bool) -> bytes:
    from tests.ocr.receipts import generate

    return generate(11 if photographed else 1, photographed=photographed).data


MAKERS: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "tall 4x9999999 png": (tall_strip, "too_long"),
    "pdf page 3x10000000 pt": (huge_page_pdf, "too_long"),
    "rgba 6300x6300 png": (rgba_square, "too_large"),
    "1x100000 png": (thin_line, "too_long"),
    "png bomb 20000x20000": (lambda: _png(Image.new("1", (20_000, 20_000), 1)), "too_large"),
    "png header of 30000x30000, no pixels": (lambda: png_header_only(30_000, 30_000), "too_large"),
    "png header of 4000x4000, no pixels": (lambda: png_header_only(4_000, 4_000), "unreadable"),
    "pdf page 14400x14400 pt": (lambda: minimal_pdf(14_400, 14_400), "unreadable"),
    "truncated png receipt": (lambda: _truncated(_receipt_data(False)), "unreadable"),
    "truncated jpeg photo": (lambda: _truncated(_receipt_data(True)), "unreadable"),
    "pdf named png (disguised)": (lambda: minimal_pdf(300, 500), "unreadable"),
    "zip disguised as receipt": (lambda: b"PK\x03\x04" + b"\x00" * 200, "unreadable"),
    "html disguised as receipt": (lambda: b"<html><body><img src=x></body></html>", "unreadable"),
    "png signature then jpeg": (lambda: b"\x89PNG\r\n\x1a\n" + _jpeg(Image.new("RGB", (400, 400))), "unreadable"),
    "jpeg signature then garbage": (lambda: b"\xff\xd8\xff\xe0" + random.Random(3).randbytes(5000), "unreadable"),
    "speck 8x8 png": (lambda: _png(Image.new("L", (8, 8), 0)), "unreadable"),
}
"""Each hostile file's maker and the error kind the reader must answer it with."""


@cache
def hostile(name: str) -> Hostile:
    """One hostile file by name, built once per process."""
    make, kind = MAKERS[name]
    return Hostile(name, make(), kind)


def corpus() -> tuple[Hostile, ...]:
    """Every hostile file (a few seconds to build the first time)."""
    return tuple(hostile(name) for name in MAKERS)


def dense_text(side: int = 3000, seed: int = 5) -> bytes:
    """A page packed with small random words: real work for Tesseract, many seconds of it (the slow file)."""
    rng = random.Random(seed)
    image = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(image)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    for top in range(4, side - 14, 14):
        words = " ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(side // 40))
        draw.text((4, top), words, fill=0)
    return _png(image)


def at_the_cap(mode: str, kind: str = "PNG", pixels: int = 29_900_000) -> bytes:
    """The largest image the bounds let through, with a receipt's text drawn large enough to read."""
    from tests.ocr.receipts import generate

    side = int(pixels**0.5)
    receipt = Image.open(io.BytesIO(generate(1, photographed=False).data)).convert("RGB")
    scale = min(side / receipt.width, side / receipt.height)
    page = Image.new("RGB", (side, side), "white")
    page.paste(receipt.resize((int(receipt.width * scale), int(receipt.height * scale))), (0, 0))
    image = page.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 90} if kind == "JPEG" else {"lossless": False} if kind == "WEBP" else {}))
    return buffer.getvalue()
