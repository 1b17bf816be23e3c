"""`paybot`: builds the one parser from every command module, in one place, and runs the chosen command."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from bot.cli.parser import Handler, Parser

PROGRAM = "paybot"


def version() -> str:
    """The installed package's version (`paybot --version`)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(PROGRAM)
    except PackageNotFoundError:
        return "desconocida (no instalado)"


def build_parser() -> Parser:
    """Every command's parser; command modules are imported here, so `paybot ocr` never loads the others."""
    from bot.cli.commands_account import register as register_account
    from bot.cli.commands_accounting import register as register_accounting
    from bot.cli.commands_collections import register as register_collections
    from bot.cli.commands_collections import register_customers
    from bot.cli.commands_customers import register_actions as register_customer_data
    from bot.cli.commands_db import register as register_db
    from bot.cli.commands_intake import register as register_intake
    from bot.cli.commands_ocr import register as register_ocr
    from bot.cli.commands_outbox import register as register_outbox
    from bot.cli.commands_records import register as register_records
    from bot.cli.commands_run import register as register_run
    from bot.cli.commands_staff import register as register_staff
    from bot.cli.parser import Parser

    parser = Parser(
        prog=PROGRAM,
        description="Recibe comprobantes de pago por chat, los lee y los revisa contra el contrato del cliente.",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {version()}",
                        help="muestra la versión de paybot y termina")
    sub = parser.add_subparsers(dest="command", metavar="COMANDO", parser_class=Parser, title="comandos")
    sub.required = True
    # Order here is the order `paybot --help` lists them in.
    register_run(sub)
    register_intake(sub)
    register_ocr(sub)
    register_records(sub)
    register_account(sub)
    register_accounting(sub)
    register_collections(sub)
    register_customer_data(register_customers(sub))
    register_staff(sub)
    register_outbox(sub)
    register_db(sub)
    return parser


def _leave(status: int) -> NoReturn:
    """End the program now that its output is written: freeing the models and modules one by one on the
    way out is work nobody waits for."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["ocr"]:
        # Reading receipts needs neither the other commands nor the whole configuration: skip both. A process of
        # its own takes the regular expressions an earlier one compiled.
        if argv is None:
            from bot.cli.regex_cache import install, save

            install()
        from bot.cli.commands_ocr import main as read_receipts

        try:
            status = read_receipts(arguments[1:], f"{PROGRAM} ocr")
        except KeyboardInterrupt:
            status = 130
        if argv is None:
            save()
            _leave(status)
        return status
    import logging

    from bot.cli.parser import CliError
    from bot.config import load_settings
    from bot.logs import configure_logging

    parser = build_parser()
    args = parser.parse_args(arguments)
    handler: Handler = args.handler
    try:
        settings = load_settings()
        configure_logging(settings)
        return handler(args, settings)
    except CliError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a last resort: one line, never a traceback
        logging.getLogger("paybot").debug("unhandled error", exc_info=True)
        print(f"{PROGRAM}: error: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return 1
