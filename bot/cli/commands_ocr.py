"""`paybot ocr IMAGE [--json]`: read one receipt and print what the reader found."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.config import Settings


def register(sub: Any) -> None:
    """Add the `ocr` sub-command."""
    ocr = sub.add_parser("ocr", help="read one receipt image (JPEG, PNG, WEBP or PDF)")
    ocr.add_argument("image", type=Path, metavar="IMAGE")
    ocr.add_argument("--json", action="store_true", help="print one JSON object (the DESIGN contract)")
    ocr.set_defaults(handler=read_image)


def read_image(args: argparse.Namespace, settings: Settings) -> int:
    """Read IMAGE; exit 0 when it was read, even with fields missing."""
    from bot.cli import CliError
    from bot.ocr import UnreadableReceipt, read_receipt

    try:
        data = args.image.read_bytes()
    except OSError as error:
        raise CliError(f"cannot open {args.image}: {error.strerror or error}") from None
    try:
        fields = read_receipt(
            data,
            client_id_pattern=settings.client_id_pattern,
            timeout=settings.ocr_timeout_seconds,
            max_bytes=settings.max_upload_bytes,
        )
    except UnreadableReceipt as error:
        raise CliError(f"{args.image}: {error}") from None
    out = fields.to_json()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    confidence = out.pop("confidence")
    extra = {"payee_phone": fields.payee_phone, "payer_phone": fields.payer_phone}
    width = max(len(key) for key in [*out, *extra])
    for key, value in [*out.items(), *extra.items()]:
        shown = "-" if value is None else str(value)
        score = f"{confidence[key]:.2f}" if key in confidence else ""
        print(f"{key.ljust(width)}  {score:>4}  {shown}")
    return 0
