"""`paybot ocr IMAGE [IMAGE ...] [--json]`: read receipts with one warm reader and print what it found."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.fields import ReceiptFields


def register(sub: Any) -> None:
    """Add the `ocr` sub-command."""
    ocr = sub.add_parser("ocr", help="read receipt images (JPEG, PNG, WEBP or PDF)")
    ocr.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    ocr.add_argument("--json", action="store_true", help="print one JSON object per image (the DESIGN contract)")
    ocr.set_defaults(handler=read_images)


def read_images(args: argparse.Namespace, settings: Settings) -> int:
    """Read each IMAGE in turn with one engine; exit 1 if any file was unusable, each one error line.

    A file read with fields missing still counts as read. Several images share the models loaded
    for the first, which is what makes a batch cheaper per image than one process per image.
    """
    from bot.ocr.engine import LANGUAGE, warm_up
    from bot.ocr.errors import UnreadableReceipt
    from bot.ocr.reader import read_receipt

    warm_up(LANGUAGE)  # the model loads on another core while the first file is read and prepared
    images: list[Path] = args.images
    failed = 0
    for number, path in enumerate(images):
        try:
            data = path.read_bytes()
        except OSError as error:
            failed += _error(f"cannot open {path}: {error.strerror or error}")
            continue
        try:
            fields = read_receipt(
                data,
                client_id_pattern=settings.client_id_pattern,
                timeout=settings.ocr_timeout_seconds,
                max_bytes=settings.max_upload_bytes,
            )
        except UnreadableReceipt as error:
            failed += _error(f"{path}: {error}")
            continue
        if args.json:
            print(json.dumps(fields.to_json(), ensure_ascii=False), flush=True)
        else:
            if len(images) > 1:
                print(f"{'' if number == 0 else chr(10)}{path}")
            _print_table(fields)
    return 1 if failed else 0


def _error(message: str) -> int:
    print(f"paybot: error: {message}", file=sys.stderr, flush=True)
    return 1


def _print_table(fields: ReceiptFields) -> None:
    out = fields.to_json()
    confidence = out.pop("confidence")
    extra = {"payee_phone": fields.payee_phone, "payer_phone": fields.payer_phone}
    width = max(len(key) for key in [*out, *extra])
    for key, value in [*out.items(), *extra.items()]:
        shown = "-" if value is None else str(value)
        score = f"{confidence[key]:.2f}" if key in confidence else ""
        print(f"{key.ljust(width)}  {score:>4}  {shown}")
