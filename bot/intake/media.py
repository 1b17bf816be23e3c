"""Where received files are kept: content-addressed under the data folder, so nothing is stored twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

_MAGIC = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"%PDF-", ".pdf"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
    (b"BM", ".bmp"),
    (b"PK\x03\x04", ".zip"),
    (b"OggS", ".ogg"),
    (b"\x1aE\xdf\xa3", ".webm"),
)
_DECLARED = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf",
    "image/gif": ".gif", "image/tiff": ".tif", "image/bmp": ".bmp", "image/heic": ".heic", "image/heif": ".heif",
    "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/amr": ".amr", "video/mp4": ".mp4",
    "video/3gpp": ".3gp", "text/plain": ".txt", "text/vcard": ".vcf", "application/zip": ".zip",
}
UNKNOWN = ".unknown"
_ZIP_BASED = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
"""Formats that are a zip inside, named by their declared type (a spreadsheet we made, not a sender's archive)."""


def sniff_extension(data: bytes, declared_type: str | None = None) -> str:
    """An extension from the magic bytes; for content we cannot recognise, the declared type's, else `.unknown`.

    Never a name the sender chose; the declared type only names files the reader will refuse anyway.
    """
    for magic, extension in _MAGIC:
        if data.startswith(magic):
            if extension == ".zip":
                return _ZIP_BASED.get((declared_type or "").split(";")[0].strip().lower(), extension)
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return ".heic" if brand in (b"heic", b"heix", b"mif1", b"heif") else ".mp4"
    return _DECLARED.get((declared_type or "").split(";")[0].strip().lower(), UNKNOWN)


def store_media(media_dir: Path, data: bytes, declared_type: str | None = None) -> tuple[Path, str]:
    """Write `data` once under `media_dir` and return (path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = media_dir / digest[:2]
    path = folder / f"{digest}{sniff_extension(data, declared_type)}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path, digest
