"""Turn untrusted upload bytes into one upright Pillow image, refusing anything unsafe or unknown."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from bot.ocr.errors import UnreadableReceipt

MAX_PIXELS = 40_000_000
ORIENTATION = 0x0112
"""The EXIF tag saying how a photo must be turned to stand upright."""
PDF_SCALE = 200 / 72

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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


def load_image(data: bytes, *, max_bytes: int) -> Image.Image:
    """Decode the first frame (or first PDF page), EXIF orientation applied, metadata dropped."""
    if len(data) > max_bytes:
        raise UnreadableReceipt("too_large", f"file is {len(data)} bytes, more than {max_bytes}")
    kind = sniff(data)
    if kind is None:
        raise UnreadableReceipt("unsupported_type", "not a JPEG, PNG, WEBP or PDF file")
    if kind == "pdf":
        return _render_pdf(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as opened:
                opened.seek(0)
                upright = opened.getexif().get(ORIENTATION, 1) in (0, 1)
                # exif_transpose copies the image even when it is already upright.
                image = opened if upright else ImageOps.exif_transpose(opened)
                image.load()
                clean = _flatten(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UnreadableReceipt("decompression_bomb", f"image too large to decode: {error}") from None
    except UnreadableReceipt:
        raise
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"cannot decode the {kind} image: {error}") from None
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only: alpha composited on white, palette expanded, no metadata kept."""
    if image.width * image.height > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    if image.mode == "L":
        return image.copy()
    return image.convert("RGB")


def _render_pdf(data: bytes) -> Image.Image:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"cannot open the PDF: {error}") from None
    try:
        if len(pdf) == 0:
            raise UnreadableReceipt("corrupt", "the PDF has no pages")
        page = pdf[0]
        width, height = page.get_size()
        scale = PDF_SCALE
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
        if scale <= 0.05:
            raise UnreadableReceipt("decompression_bomb", "the PDF page is too large")
        bitmap = page.render(scale=scale)
        image = bitmap.to_pil().convert("RGB")
        page.close()
        return image
    except UnreadableReceipt:
        raise
    except Exception as error:
        raise UnreadableReceipt("corrupt", f"cannot render the PDF: {error}") from None
    finally:
        pdf.close()
