"""One Tesseract pass over a prepared image, returning words with boxes and confidences."""

from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass

from PIL import Image

from bot.ocr.errors import UnreadableReceipt

LANGUAGE = "spa"
PAGE_SEGMENTATION = "4"


@dataclass(frozen=True)
class Word:
    """A word Tesseract found: text, confidence 0..100 and its box."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line_key: tuple[int, int, int]

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def tesseract_env() -> dict[str, str]:
    """The environment for Tesseract: one OpenMP thread, since parallelism comes from the pool."""
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def run_tesseract(image: Image.Image, *, timeout: float, psm: str = PAGE_SEGMENTATION) -> list[Word]:
    """Words from one `image_to_data`-style TSV pass; the image travels on stdin, no temp files."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    command = ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", psm, "--dpi", "300", "tsv"]
    try:
        done = subprocess.run(
            command,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=tesseract_env(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableReceipt("timeout", f"tesseract took more than {timeout:g} s") from None
    except FileNotFoundError:
        raise RuntimeError("tesseract is not installed or not on PATH") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UnreadableReceipt("corrupt", f"tesseract failed: {message[-1] if message else done.returncode}")
    return parse_tsv(done.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Word]:
    """Words (level 5 rows with text) out of Tesseract's TSV output."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        words.append(
            Word(
                text=parts[11].strip(),
                conf=max(0.0, float(parts[10])),
                left=int(parts[6]),
                top=int(parts[7]),
                width=int(parts[8]),
                height=int(parts[9]),
                line_key=(int(parts[2]), int(parts[3]), int(parts[4])),
            )
        )
    return words
