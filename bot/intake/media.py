"""Where receipt files are kept: content-addressed under the data folder, so nothing is stored twice."""

from __future__ import annotations

import hashlib
from pathlib import Path

_EXTENSIONS = {
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"%PDF-": ".pdf",
}


def sniff_extension(data: bytes) -> str:
    """A file extension from the magic bytes (never from a name the sender chose)."""
    for magic, extension in _EXTENSIONS.items():
        if data.startswith(magic):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".bin"


def store_media(media_dir: Path, data: bytes) -> tuple[Path, str]:
    """Write `data` once under `media_dir` and return (path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = media_dir / digest[:2]
    path = folder / f"{digest}{sniff_extension(data)}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path, digest
