"""The plumbing every `paybot` command module shares: the Spanish argument parser, one-line errors, value types."""

from __future__ import annotations

import argparse
import errno
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from bot.config import Settings

Handler = Callable[[argparse.Namespace, "Settings"], int]
"""What a sub-command runs: the parsed arguments and the settings in, the exit status out."""


class CliError(Exception):
    """An error the user can act on, shown as one line without a traceback."""


MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""The largest file an import reads (100 000 customers take 7 MB): a bigger one is split, not loaded."""
_OS_REASONS = {errno.ENOENT: "no existe", errno.EISDIR: "es una carpeta, no un archivo",
               errno.EACCES: "no hay permiso para leerlo"}


def os_reason(error: OSError) -> str:
    """Why a file cannot be opened, in Spanish for the usual causes (the system's own words otherwise)."""
    return _OS_REASONS.get(error.errno or 0, error.strerror or str(error))


def read_input(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes, never reading past `limit` (so /dev/zero or a 10 GB log cannot exhaust memory); a
    one-line Spanish error when it cannot be read or is larger."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise CliError(f"no se puede leer {path}: {os_reason(error)}") from None
    if len(data) > limit:
        raise CliError(f"{path}: el archivo pasa de {limit // 2**20} MB: divídalo en archivos más pequeños")
    return data


_ARGPARSE_SPANISH: tuple[tuple[str, str], ...] = (
    (r"^the following arguments are required: (.*)$", r"faltan argumentos obligatorios: \1"),
    (r"^unrecognized arguments: (.*)$", r"argumentos no reconocidos: \1"),
    (r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$",
     r"argumento \1: opción no válida: \2 (elija entre \3)"),
    (r"^argument (\S+): invalid (\w+) value: (.*)$", r"argumento \1: valor no válido: \3"),
    (r"^argument (\S+): expected one argument$", r"argumento \1: falta su valor"),
    (r"^argument (\S+): expected at least one argument$", r"argumento \1: falta al menos un valor"),
    (r"^argument (\S+): not allowed with argument (\S+)$", r"argumento \1: no se permite junto con \2"),
    (r"^argument (\S+): ignored explicit argument (.*)$", r"argumento \1: no lleva valor (se dio \2)"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"opción ambigua: \1 puede ser \2"),
    (r"^argument (\S+): (.*)$", r"argumento \1: \2"),
)
"""argparse's own messages (it has no Spanish catalogue) and how the operator reads them."""


def spanish(message: str) -> str:
    """argparse's English error as the Spanish line the operator sees."""
    for pattern, replacement in _ARGPARSE_SPANISH:
        translated, count = re.subn(pattern, replacement, message)
        if count:
            return translated
    return message


class HelpFormatter(argparse.HelpFormatter):
    """`paybot --help` in Spanish: `uso:` instead of `usage:`."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="uso: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser that speaks Spanish and reports a mistake as one line with a pointer to --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="muestra esta ayuda y termina")

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {spanish(message)} (vea '{self.prog} --help')\n")


EARLIEST_DATE = date(2000, 1, 1)
"""No payment, charge or statement of this business is older: an earlier date is a typo (`0001-01-01`)."""


def iso_date(text: str) -> date:
    """An argument value `YYYY-MM-DD`, not before `EARLIEST_DATE`."""
    try:
        value = date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"no es una fecha (AAAA-MM-DD): {text!r}") from error
    if value < EARLIEST_DATE:
        raise argparse.ArgumentTypeError(f"fecha demasiado antigua: {text!r} (antes de {EARLIEST_DATE:%Y})")
    return value


MAX_NUMBER = 2**63 - 1
"""The largest id or count the database holds; a longer number is a typo, not a row."""


def row_number(text: str) -> int:
    """An argument value naming a row (a task, a payment, a message, a staff member): a whole number that fits
    the database, so a mistyped one is refused here instead of overflowing the query."""
    if not text.strip().isdigit() or int(text) > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"no es un número de la lista: {text!r}")
    return int(text)


def plain_decimal(text: str) -> Decimal:
    """An argument value like `503.10`: a point for decimals, never a float."""
    from currency.money import MoneyError, to_decimal

    if "," in text:
        raise argparse.ArgumentTypeError(f"use '.' como separador decimal: {text!r}")
    try:
        return to_decimal(text)
    except MoneyError as error:
        raise argparse.ArgumentTypeError(f"no es un número: {text!r}") from error


def local_today(settings: Settings) -> date:
    """Today in the installation's time zone."""
    return datetime.now(settings.tz).date()
