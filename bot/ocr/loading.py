"""Turn untrusted upload bytes into one upright Pillow image, refusing anything unsafe, unknown or misshapen.

Every bound is checked on what the file's header declares, before any pixel is decoded: pixels, sides
and aspect ratio of an image, the page size in points of a PDF. What is decoded is then reduced to at
most WORK_PIXELS before any other work, so time and memory downstream grow with a bounded pixel count.
"""

from __future__ import annotations

import io
import math
import warnings
from importlib import import_module

from PIL import Image

from bot.ocr.errors import UnreadableReceipt

MAX_PIXELS = 25_000_000
"""The most pixels decoded from one file (held at about 4 bytes each while it is reduced to WORK_PIXELS)."""
MAX_WEBP_PIXELS = 10_000_000
"""WebP's decoder keeps its own canvas and hands the pixels over as another full copy: fewer pixels."""
MAX_DECLARED_PIXELS = 120_000_000
"""The most pixels a JPEG may declare: its decoder scales a large photo down by 2, 4 or 8 as it decodes."""
WORK_PIXELS = 12_000_000
"""The most pixels handed to preprocessing: a larger image is reduced right after decoding."""
STRIP_PIXELS = 250_000
"""Pixels converted at a time when an image's mode must change."""
MAX_SIDE = 20_000
MIN_SIDE = 20
MAX_ASPECT = 20.0
"""Longest over shortest side: a long scrolling screenshot is about 1:10; a 1 x 100 000 strip is no receipt."""
ORIENTATION = 0x0112
"""The EXIF tag saying how a photo must be turned to stand upright."""
TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""How each EXIF orientation is undone (as ImageOps.exif_transpose does)."""
PDF_SCALE = 200 / 72
MAX_PDF_POINTS = 14_400.0
"""The largest page side PDF allows (200 inches); a receipt is a fraction of it."""
MIN_PDF_POINTS = 36.0
PLUGINS = {"jpeg": ("PIL.JpegImagePlugin", "JpegImageFile"), "png": ("PIL.PngImagePlugin", "PngImageFile"),
           "webp": ("PIL.WebPImagePlugin", "WebPImageFile")}
"""The one Pillow decoder each allowed image type needs, opened directly: `Image.open` would import its five
common plugins first (and all forty-odd for a WEBP), 5-25 ms of a fresh process for formats the sniff ruled out."""

Image.MAX_IMAGE_PIXELS = MAX_DECLARED_PIXELS


def sniff(data: bytes) -> str | None:
    """The file type by its magic bytes, from the allowlist (jpeg, png, webp, pdf), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return None


def check_shape(width: float, height: float, *, unit: str = "px", max_pixels: int = MAX_PIXELS) -> None:
    """Refuse a size no receipt has: too many pixels (`too_large`), a strip or a giant side (`too_long`), a speck."""
    shown = f"{width:.10g} x {height:.10g} {unit}"
    short, long = min(width, height), max(width, height)
    max_side, min_side = (float(MAX_SIDE), float(MIN_SIDE)) if unit == "px" else (MAX_PDF_POINTS, MIN_PDF_POINTS)
    if short <= 0 or long / short > MAX_ASPECT:
        raise UnreadableReceipt("too_long", f"{shown}: un lado mide más de {MAX_ASPECT:g} veces el otro")
    if long > max_side:
        raise UnreadableReceipt("too_long", f"{shown}: un lado mide más de {max_side:g} {unit}")
    if unit == "px" and width * height > max_pixels:
        raise UnreadableReceipt("decompression_bomb", f"{shown} son más de {max_pixels} píxeles")
    if short < min_side:
        raise UnreadableReceipt("too_small", f"{shown}: un lado mide menos de {min_side:g} {unit}")


def load_image(data: bytes, *, max_bytes: int) -> Image.Image:
    """Decode the first frame (or first PDF page), EXIF orientation applied, metadata dropped, at most WORK_PIXELS."""
    if len(data) > max_bytes:
        raise UnreadableReceipt("too_large", f"el archivo tiene {len(data)} bytes, más de {max_bytes}")
    kind = sniff(data)
    if kind is None:
        raise UnreadableReceipt("unsupported_type", "no es un archivo JPEG, PNG, WEBP ni PDF")
    if kind == "pdf":
        return _render_pdf(data)
    try:
        module, decoder = PLUGINS[kind]
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with getattr(import_module(module), decoder)(io.BytesIO(data)) as opened:
                if opened.width * opened.height > Image.MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{opened.width * opened.height} pixels")
                if kind == "jpeg":
                    check_shape(*opened.size, max_pixels=MAX_DECLARED_PIXELS)
                    _draft(opened)
                check_shape(*opened.size, max_pixels=MAX_WEBP_PIXELS if kind == "webp" else MAX_PIXELS)
                opened.seek(0)
                turn = TURNS.get(opened.getexif().get(ORIENTATION, 1))
                opened.load()
                image = _working(opened)
                return image if turn is None else image.transpose(turn)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UnreadableReceipt("decompression_bomb", f"imagen demasiado grande para decodificarla: {error}") from None
    except UnreadableReceipt:
        raise
    except MemoryError:
        raise UnreadableReceipt("out_of_memory", f"la imagen {kind} no cabe en la memoria de un lector") from None
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"no se puede decodificar la imagen {kind}: {error}") from None


def _draft(jpeg: Image.Image) -> None:
    """Have the JPEG decoder scale a large photo down as it decodes (by 2, 4 or 8), so it never holds the full size."""
    width, height = jpeg.size
    scale = 1
    while scale < 8 and width * height / (scale * scale) > max(MAX_PIXELS // 2, WORK_PIXELS):
        scale *= 2
    if scale > 1:
        jpeg.draft(None, (width // scale, height // scale))


def _working(image: Image.Image) -> Image.Image:
    """RGB or L pixels only, at most WORK_PIXELS: alpha composited on white, palette expanded, no metadata.

    Images that need converting (alpha, palette, other modes) are converted a strip at a time, so the
    decoded image is never copied whole at its full size.
    """
    factor = max(1.0, math.sqrt(image.width * image.height / WORK_PIXELS))
    size = (max(1, int(image.width / factor)), max(1, int(image.height / factor)))
    alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    mode = "L" if image.mode in ("L", "1") and not alpha else "RGB"
    if image.mode == mode:
        return image.copy() if size == image.size else image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    out = Image.new(mode, size, 255 if mode == "L" else (255, 255, 255))
    scale = image.height / size[1]
    step = max(1, STRIP_PIXELS // size[0])
    for top in range(0, size[1], step):
        bottom = min(size[1], top + step)
        first, last = math.floor(top * scale), min(image.height, math.ceil(bottom * scale))
        strip = image.crop((0, first, image.width, last))
        strip = strip.convert("RGBA" if alpha else mode)
        if size != image.size:
            box = (0.0, top * scale - first, float(image.width), bottom * scale - first)
            strip = strip.resize((size[0], bottom - top), Image.Resampling.BOX, box=box)
        if alpha:
            out.paste(strip.convert(mode), (0, top), strip.getchannel("A"))
        else:
            out.paste(strip, (0, top))
    return out


def _render_pdf(data: bytes) -> Image.Image:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"no se puede abrir el PDF: {error}") from None
    try:
        if len(pdf) == 0:
            raise UnreadableReceipt("corrupt", "el PDF no tiene páginas")
        page = pdf[0]
        width, height = page.get_size()
        check_shape(width, height, unit="pt")
        scale = min(PDF_SCALE, math.sqrt(WORK_PIXELS / (width * height)))
        bitmap = page.render(scale=scale)
        image = bitmap.to_pil().convert("RGB")
        page.close()
        return image
    except UnreadableReceipt:
        raise
    except MemoryError:
        raise UnreadableReceipt("out_of_memory", "la página del PDF no cabe en la memoria de un lector") from None
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"no se puede dibujar el PDF: {error}") from None
    finally:
        pdf.close()
