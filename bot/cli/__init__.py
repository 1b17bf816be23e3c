"""The `paybot` command line: one sub-command module per capability, composed here in one place."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from bot.config import Settings

    Handler = Callable[[argparse.Namespace, Settings], int]


class CliError(Exception):
    """An error the user can act on, shown as one line without a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from bot.cli import (
        commands_account,
        commands_db,
        commands_intake,
        commands_ocr,
        commands_records,
        commands_run,
    )

    parser = _Parser(
        prog="paybot",
        description="Takes in payment receipts from chat, reads and checks them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # Order here is the order `paybot --help` lists them in.
    commands_run.register(sub)
    commands_intake.register(sub)
    commands_ocr.register(sub)
    commands_records.register(sub)
    commands_account.register(sub)
    commands_db.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["ocr"]:
        # Reading receipts needs neither the other commands nor the whole configuration: skip both.
        from bot.cli import commands_ocr

        try:
            return commands_ocr.main(arguments[1:], _Parser(prog="paybot ocr"))
        except KeyboardInterrupt:
            return 130
    from bot.config import load_settings
    from bot.logs import configure_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        settings = load_settings()
        configure_logging(settings)
        return handler(args, settings)
    except CliError as error:
        print(f"paybot: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a last resort: one line, never a traceback
        logging.getLogger("paybot").debug("unhandled error", exc_info=True)
        print(f"paybot: error: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return 1
