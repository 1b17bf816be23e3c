"""`paybot ocr FILE [FILE ...] [--json]`: read receipts with one warm reader and print what it found.

The command starts loading the Spanish Tesseract model (on another thread) before anything else is imported,
the argument parser included, and reads only the reader's three settings (never the whole `Settings`), so a
fresh process costs little more than plain `tesseract`; the English model is loaded only if a value needs it
(`bot.ocr.second_look`). Each input has an overall time limit (PAYBOT_OCR_TIMEOUT_SECONDS): Tesseract stops
itself at the deadline, and a watchdog answers for an input stuck anywhere else and goes on with the rest.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

    from bot.config import Settings
    from bot.ocr.defaults import ReaderSettings
    from bot.ocr.fields import ReceiptFields

    Arguments = argparse.Namespace | SimpleNamespace

MARGIN_SECONDS = 2.0
"""How much of an input's time limit the reader leaves unused, to answer with its own timeout error before the
watchdog gives up on it (a tenth of the limit when that is smaller)."""
AFTER_FAILURE = "--after-failure"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    import argparse

    parser.add_argument("files", type=Path, nargs="+", metavar="ARCHIVO",
                        help="un comprobante (JPEG, PNG, WEBP o PDF) o una notificación pegada (.txt)")
    parser.add_argument("--json", action="store_true",
                        help="un objeto JSON por archivo, en orden; el de un archivo que falló trae la clave `error`")
    parser.add_argument(AFTER_FAILURE, action="store_true", help=argparse.SUPPRESS)


def register(sub: Any) -> None:
    """Add the `ocr` sub-command."""
    ocr = sub.add_parser("ocr", help="lee comprobantes (JPEG, PNG, WEBP, PDF) o notificaciones pegadas (.txt)")
    add_arguments(ocr)
    ocr.set_defaults(handler=_with_settings)


def _with_settings(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ocr.defaults import ReaderSettings

    return read_files(args, ReaderSettings(settings.client_id_pattern, settings.ocr_timeout_seconds,
                                           settings.max_upload_bytes, settings.ocr_engine))


def main(argv: list[str], program: str) -> int:
    """`paybot ocr ...` without the rest of the CLI: the model starts loading before anything else,
    the argument parser included."""
    from bot.ocr.defaults import reader_settings

    try:
        settings = reader_settings()
    except ValueError as error:
        print(f"paybot: error: {error}", file=sys.stderr)
        return 2
    from bot.ocr.engine import ENGINE_ENV, LANGUAGE, warm_up

    os.environ[ENGINE_ENV] = settings.ocr_engine
    if any(not arg.startswith("-") and not _pasted(arg) for arg in argv):
        warm_up(LANGUAGE)
    # numpy's BLAS starts a thread per core on import, which the reader never uses: one is enough.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = plain_arguments(argv)
    if args is None:
        from bot.cli.parser import Parser

        parser = Parser(prog=program)
        add_arguments(parser)
        args = parser.parse_args(argv)
    return read_files(args, settings)


FLAGS = ("--json", AFTER_FAILURE)


def plain_arguments(argv: list[str]) -> Arguments | None:
    """The arguments of the usual `paybot ocr FILE... [--json]` as the parser would read them (the same
    attributes), without importing argparse; None for anything else (help, a mistake, `--`, a name starting
    with `-`), which the parser answers. Flags may come before or after the files, not between them, as the
    parser allows."""
    start = 0
    while start < len(argv) and argv[start] in FLAGS:
        start += 1
    end = start
    while end < len(argv) and not argv[end].startswith("-"):
        end += 1
    if end == start or any(arg not in FLAGS for arg in argv[end:]):
        return None
    from types import SimpleNamespace

    flags = {*argv[:start], *argv[end:]}
    return SimpleNamespace(files=[Path(arg) for arg in argv[start:end]], json="--json" in flags,
                     after_failure=AFTER_FAILURE in flags)


def _pasted(name: str) -> bool:
    """Whether the input is a pasted notification (`.txt`), read without Tesseract."""
    return name.lower().endswith(".txt")


class _Watchdog(threading.Thread):
    """Answers for an input that overruns its limit, then re-runs the command on the inputs after it."""

    def __init__(self, args: Arguments, limit: float) -> None:
        super().__init__(name="ocr-watchdog", daemon=True)
        self.args = args
        self.limit = limit
        self.current: int | None = None
        self.deadline = 0.0
        self.wake = threading.Condition()

    def watch(self, index: int | None) -> None:
        with self.wake:
            self.current = index
            self.deadline = time.monotonic() + self.limit
            self.wake.notify()

    def run(self) -> None:
        with self.wake:
            while True:
                if self.current is None:
                    self.wake.wait()
                    continue
                left = self.deadline - time.monotonic()
                if left > 0:
                    self.wake.wait(left)
                    continue
                self._give_up(self.current)

    def _give_up(self, index: int) -> None:
        files: list[Path] = self.args.files
        _failure(self.args, files[index], "timeout", f"la lectura tardó más de {self.limit:g} s")
        sys.stdout.flush()
        sys.stderr.flush()
        rest = [str(path) for path in files[index + 1 :]]
        if not rest:
            os._exit(1)
        flags = ["--json"] if self.args.json else []
        os.execv(sys.executable, [sys.executable, "-m", "bot", "ocr", *rest, *flags, AFTER_FAILURE])


def read_files(args: Arguments, settings: ReaderSettings) -> int:
    """Read each FILE in turn with one engine; exit 1 if any file was unusable, each one error line.

    A file read with fields missing still counts as read. Several images share the models loaded
    for the first, which is what makes a batch cheaper per image than one process per image.
    """
    from bot.ocr.engine import LANGUAGE, warm_up
    from bot.ocr.errors import UnreadableReceipt
    from bot.ocr.pasted import pasted_text
    from bot.ocr.reader import read_receipt, read_text

    files: list[Path] = args.files
    if not all(_pasted(str(path)) for path in files):
        warm_up(LANGUAGE)  # the model loads on another core while the first file is read and prepared
    limit = settings.ocr_timeout_seconds
    budget = max(0.1, limit - min(MARGIN_SECONDS, 0.1 * limit))
    watchdog = _Watchdog(args, limit)
    watchdog.start()
    failed = bool(args.after_failure)
    for number, path in enumerate(files):
        watchdog.watch(number)
        try:
            with path.open("rb") as handle:
                data = handle.read(settings.max_upload_bytes + 1)
            if len(data) > settings.max_upload_bytes:
                raise UnreadableReceipt("too_large", f"{len(data)} bytes, más de {settings.max_upload_bytes}")
            if _pasted(str(path)):
                fields = read_text(pasted_text(data), client_id_pattern=settings.client_id_pattern)
            else:
                fields = read_receipt(data, client_id_pattern=settings.client_id_pattern,
                                      timeout=budget, max_bytes=settings.max_upload_bytes)
        except OSError as error:
            watchdog.watch(None)
            failed = True
            from bot.cli.parser import os_reason

            _failure(args, path, "unreadable", f"no se puede abrir {path}: {os_reason(error)}", named=True)
            continue
        except UnreadableReceipt as error:
            watchdog.watch(None)
            failed = True
            _failure(args, path, error.kind, str(error))
            continue
        watchdog.watch(None)
        if args.json:
            import json

            print(json.dumps(fields.to_json(), ensure_ascii=False), flush=True)
        else:
            if len(files) > 1:
                print(f"{'' if number == 0 else chr(10)}{path}")
            _print_table(fields)
    return 1 if failed else 0


def _failure(args: Arguments, path: Path, kind: str, message: str, *, named: bool = False) -> None:
    """One error line on stderr and, with --json, the input's JSON line: null fields and the error."""
    import json

    from bot.ocr.fields import JSON_KEYS

    line = " ".join((message if named else f"{path}: {message}").split())
    print(f"paybot: error: {line}", file=sys.stderr, flush=True)
    if args.json:
        out: dict[str, Any] = dict.fromkeys(JSON_KEYS)
        out["confidence"] = {}
        out["error"] = line
        out["error_kind"] = kind
        print(json.dumps(out, ensure_ascii=False), flush=True)


def _print_table(fields: ReceiptFields) -> None:
    out = fields.to_json()
    confidence = out.pop("confidence")
    extra = {"payee_phone": fields.payee_phone, "payer_phone": fields.payer_phone}
    width = max(len(key) for key in [*out, *extra])
    for key, value in [*out.items(), *extra.items()]:
        shown = "-" if value is None else str(value)
        score = f"{confidence[key]:.2f}" if key in confidence else ""
        print(f"{key.ljust(width)}  {score:>4}  {shown}")
