"""`paybot import`, `paybot quote`, `paybot rates`: customers, contracts and money from the shell."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli.parser import CliError, iso_date, local_today, plain_decimal, read_input
from bot.config import Settings

if TYPE_CHECKING:
    from bot.account.operations import CustomerBalance


def register(sub: Any) -> None:
    imp = sub.add_parser("import", help="carga o actualiza clientes o contratos desde un archivo CSV")
    imp_sub = imp.add_subparsers(dest="import_kind", metavar="TIPO", parser_class=type(imp), title="tipos")
    imp_sub.required = True
    for kind, text in (("customers", "clientes"), ("contracts", "contratos (órdenes de pago)")):
        parser = imp_sub.add_parser(kind, help=f"importa {text}: todas las filas o ninguna")
        parser.add_argument("file", type=Path, metavar="ARCHIVO.csv",
                            help=f"el archivo de {text}, con los encabezados en español de la plataforma de cobro")
        parser.add_argument("--dry-run", action="store_true", help="solo valida, no escribe nada")
        bar = parser.add_mutually_exclusive_group()
        bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                         help="muestra siempre la barra de progreso")
        bar.add_argument("--no-progress", dest="progress", action="store_false",
                         help="nunca muestra la barra de progreso")
        parser.set_defaults(handler=import_file)

    quote = sub.add_parser("quote", help="lo que debe un cliente, como lo muestra la hoja «CÁLCULO $ A COLONES»")
    quote.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    quote.add_argument("--date", type=iso_date, default=None, metavar="FECHA", help="AAAA-MM-DD (por defecto: hoy)")
    quote.add_argument("--code", default=None, metavar="CÓDIGO",
                       help="código de pago, cuando el cliente tiene varios contratos")
    quote.set_defaults(handler=quote_client)

    rates = sub.add_parser("rates", help="tipos de cambio USD/CRC: registrar, importar, consultar al servicio, listar")
    rates_sub = rates.add_subparsers(dest="rates_command", metavar="ACCIÓN", parser_class=type(rates), title="acciones")
    rates_sub.required = True
    set_ = rates_sub.add_parser("set", help="registra la compra y la venta de una fecha")
    set_.add_argument("date", type=iso_date, metavar="FECHA", help="AAAA-MM-DD")
    set_.add_argument("--buy", required=True, type=plain_decimal, metavar="COMPRA",
                      help="tipo de cambio de compra, p. ej. 503.10")
    set_.add_argument("--sell", required=True, type=plain_decimal, metavar="VENTA",
                      help="tipo de cambio de venta, p. ej. 509.85")
    set_.set_defaults(handler=rates_set)
    imp_rates = rates_sub.add_parser("import",
                                     help="registra los tipos de cambio de un archivo CSV (fecha, compra, venta)")
    imp_rates.add_argument("file", type=Path, metavar="ARCHIVO.csv", help="columnas fecha, compra y venta")
    imp_rates.set_defaults(handler=rates_import)
    fetch = rates_sub.add_parser("fetch", help="consulta el tipo de cambio de una fecha en PAYBOT_RATES_URL")
    fetch.add_argument("--date", type=iso_date, default=None, metavar="FECHA", help="AAAA-MM-DD (por defecto: hoy)")
    fetch.add_argument("--refresh", action="store_true", help="consulta de nuevo aunque la fecha ya esté registrada")
    fetch.set_defaults(handler=rates_fetch)
    list_ = rates_sub.add_parser("list",
                                 help="muestra los tipos de cambio registrados (por defecto: los últimos 30 días)")
    list_.add_argument("--days", type=int, default=30, metavar="DÍAS",
                       help="cuántos días hacia atrás (por defecto: 30)")
    list_.set_defaults(handler=rates_list)


class _ProgressBar:
    """A one-line bar on stderr, redrawn in place; silent for small files unless asked for."""

    def __init__(self, label: str, stream: TextIO, forced: bool | None, minimum: int = 1000) -> None:
        self.label, self.stream, self.forced, self.minimum = label, stream, forced, minimum
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if self.forced is False:
            return
        if self.forced is None and (total < self.minimum or not self.stream.isatty()):
            return
        width = 30
        filled = width * done // max(total, 1)
        percent = 100 * done // max(total, 1)
        drawn = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label} [{drawn}] {percent:3d}% {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the whole file, then write all of it in one transaction, or print why not."""
    from bot.contracts.importer import ImportFileError, import_contracts, import_customers
    from bot.db.session import migrated_session

    path: Path = args.file
    data = read_input(path)
    bar = _ProgressBar(args.import_kind, sys.stderr, args.progress)
    try:
        with migrated_session(settings.database_url) as session:
            if args.import_kind == "customers":
                report = import_customers(session, data, dry_run=args.dry_run, progress=bar)
            else:
                report = import_contracts(
                    session, data, dry_run=args.dry_run, progress=bar, default_tax_rate=settings.iva_rate,
                    today=local_today(settings), whole_colones=settings.whole_colones,
                )
            if not report.applied:
                session.rollback()
    except ImportFileError as error:
        raise CliError(f"{path}: {error}") from error
    finally:
        bar.close()
    print(report.to_text(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def quote_client(args: argparse.Namespace, settings: Settings) -> int:
    """Print a client's amount due line by line, like the support spreadsheet."""
    from bot.account.operations import AccountPolicy, customer_balance
    from bot.contracts.checks import PERIOD_LABELS
    from bot.contracts.due import contract_amount_due
    from bot.contracts.registry import customer_contracts, find_by_client_id, select_contract
    from bot.db.session import migrated_session
    from currency.rates import RateNotFound

    on_date: date = args.date or local_today(settings)
    with migrated_session(settings.database_url) as session:
        customer = find_by_client_id(session, args.client_id)
        if customer is None or customer.id is None:
            raise CliError(f"no hay cliente con ID {args.client_id}")
        if args.code:
            matches = [c for c in customer_contracts(session, customer.id) if c.payment_code == args.code]
            contract = matches[0] if matches else None
        else:
            contract = select_contract(session, customer.id, on_date)
        if contract is None:
            which = f" {args.code}" if args.code else ""
            raise CliError(f"el cliente {customer.client_id} no tiene el contrato{which}")
        try:
            due = contract_amount_due(contract, on_date, session, settings)
        except RateNotFound as error:
            raise CliError(
                f"no hay tipo de cambio USD/CRC registrado al {on_date.isoformat()} ni antes: "
                "use 'paybot rates set FECHA --buy X --sell Y' o 'paybot rates fetch'"
            ) from error
        balance = customer_balance(session, customer.id, today=on_date, policy=AccountPolicy.from_settings(settings))
    print(f"CÁLCULO $ A COLONES al {on_date:%d/%m/%Y}")
    print(f"Cliente: ID {customer.client_id}, {customer.full_name}")
    period = PERIOD_LABELS.get(contract.period, contract.period)
    line = f"Contrato: {contract.payment_code}"
    if contract.installment:
        line += f", cuota {contract.installment}"
    line += f", {period}"
    if contract.end_date:
        expired = " (VENCIDO)" if contract.end_date < on_date else ""
        line += f", fecha fin {contract.end_date:%d/%m/%Y}{expired}"
    print(line)
    rows = due.lines()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    for line in balance_lines(balance):
        print(line)
    return 0


def balance_lines(balance: CustomerBalance) -> list[str]:
    """The account under the sheet: each open charge with its due date, credit, and the total to pay."""
    from currency.money import CRC, Money, format_money

    lines = ["", f"Cuenta al {balance.today:%d/%m/%Y}:"]
    if not balance.accounts:
        return [*lines, "  sin cargos registrados"]
    for account in balance.accounts:
        for charge in account.open_charges:
            late = ", vencido" if charge.overdue(balance.today) else ""
            lines.append(f"  {charge.description}: {format_money(charge.open_money)} "
                         f"(vence {charge.due_date:%d/%m/%Y}{late})")
        if account.credit > 0:
            lines.append(f"  Saldo a favor: {format_money(Money(account.credit, account.currency))}")
        owed = Money(max(account.balance, Decimal("0")), account.currency)
        text = f"  Saldo pendiente: {format_money(owed)}"
        if account.currency != CRC and balance.rate is not None:
            text += f" = {format_money(Money(owed.amount * balance.rate.value, CRC).rounded())} " \
                    f"({balance.rate.describe()})"
        lines.append(text)
    return lines


def rates_set(args: argparse.Namespace, settings: Settings) -> int:
    """Store the manual rate of a date, replacing any rate of that date."""
    from bot.db.rates import set_manual_rate
    from bot.db.session import migrated_session
    from currency.rates import RateError

    try:
        with migrated_session(settings.database_url) as session:
            row = set_manual_rate(session, args.date, args.buy, args.sell)
    except RateError as error:
        raise CliError(str(error)) from error
    print(f"{row.date.isoformat()}: compra {row.buy} venta {row.sell} ({row.source})")
    return 0


def rates_import(args: argparse.Namespace, settings: Settings) -> int:
    """Store every rate of a CSV file, or none if a row is wrong."""
    from bot.db.rates import import_rates_csv
    from bot.db.session import migrated_session
    from currency.rates import RateError

    if not args.file.is_file():
        raise CliError(f"no se puede leer {args.file}: no existe el archivo")
    try:
        with migrated_session(settings.database_url) as session:
            rows = import_rates_csv(session, args.file)
    except RateError as error:
        raise CliError(f"{args.file}: {error}") from error
    if rows:
        first, last = min(r.date for r in rows), max(r.date for r in rows)
        print(f"{len(rows)} tipos de cambio guardados, del {first.isoformat()} al {last.isoformat()}")
    else:
        print("el archivo no trae tipos de cambio")
    return 0


def rates_fetch(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch (or reuse the stored) rate of a date from the configured JSON service."""
    from bot.db.rates import fetch_rate
    from bot.db.session import migrated_session
    from currency.rates import HttpJsonRateProvider, RateError

    if not settings.rates_url:
        raise CliError("no hay servicio de tipos de cambio: configure PAYBOT_RATES_URL (y los nombres de los campos)")
    provider = HttpJsonRateProvider(settings.rates_url, settings.rates_buy_field, settings.rates_sell_field)
    on_date: date = args.date or local_today(settings)
    try:
        with migrated_session(settings.database_url) as session:
            row = fetch_rate(session, provider, on_date, refresh=args.refresh)
    except RateError as error:
        raise CliError(str(error)) from error
    print(f"{row.date.isoformat()}: compra {row.buy} venta {row.sell} ({row.source})")
    return 0


def rates_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print the stored rates of the last days, oldest first."""
    from datetime import timedelta

    from bot.db.rates import rates_between
    from bot.db.session import migrated_session

    end = local_today(settings)
    with migrated_session(settings.database_url) as session:
        rows = list(rates_between(session, end - timedelta(days=args.days), end))
    for row in rows:
        print(f"{row.date.isoformat()}  compra {row.buy}  venta {row.sell}  {row.source}")
    if not rows:
        print(f"no hay tipos de cambio registrados en los últimos {args.days} días")
    return 0
