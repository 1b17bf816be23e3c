"""`paybot payments record`, `paybot account ...`, `paybot statement`: the customer's account from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.commands_collections import register_payment_actions
from bot.cli.parser import CliError, iso_date, local_today
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.db.models import Contract, Customer

METHODS = ("efectivo", "transferencia", "sinpe", "deposito")
FORMATS = ("table", "csv", "html", "pdf")


def register(sub: Any) -> None:
    payments = sub.add_parser("payments",
                              help="pagos capturados a mano (efectivo, una transferencia vista en el banco)")
    payments_sub = payments.add_subparsers(dest="payments_command", metavar="ACCIÓN", parser_class=type(payments),
                                           title="acciones")
    payments_sub.required = True
    record = payments_sub.add_parser("record", help="registra un pago y lo aplica a la cuenta del cliente")
    record.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    record.add_argument("--amount", required=True, type=_amount, metavar="MONTO", help="monto pagado, p. ej. 39550.00")
    record.add_argument("--currency", choices=("CRC", "USD"), default="CRC", help="moneda del pago (por defecto: CRC)")
    record.add_argument("--method", required=True, choices=METHODS, help="cómo se pagó")
    record.add_argument("--date", required=True, type=iso_date, metavar="FECHA", help="día del pago, AAAA-MM-DD")
    record.add_argument("--bank", default="", metavar="BANCO", help="banco, p. ej. BAC")
    record.add_argument("--reference", default=None, metavar="REFERENCIA",
                        help="referencia bancaria (se aplica una sola vez)")
    record.add_argument("--code", default=None, metavar="CÓDIGO",
                        help="código de pago de la orden que paga (por defecto: la más antigua primero)")
    record.set_defaults(handler=record_payment)
    register_payment_actions(payments_sub)

    account = sub.add_parser("account", help="la cuenta del cliente: ajustes, cargos de periodo")
    account_sub = account.add_subparsers(dest="account_command", metavar="ACCIÓN", parser_class=type(account),
                                         title="acciones")
    account_sub.required = True
    adjust = account_sub.add_parser("adjust",
                                    help="ajusta un saldo con un motivo escrito (el monto puede ser negativo)")
    adjust.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    adjust.add_argument("--amount", required=True, type=_amount,
                        metavar="MONTO", help="positivo suma a lo que se debe, negativo resta, p. ej. -500")
    adjust.add_argument("--reason", required=True, metavar="MOTIVO",
                        help="por qué, en palabras (queda con el movimiento)")
    adjust.add_argument("--code", default=None, metavar="CÓDIGO", help="código de pago de la orden a la que se refiere")
    adjust.add_argument("--currency", choices=("CRC", "USD"), default=None,
                        help="la moneda de la cuenta, cuando el cliente tiene ambas")
    adjust.add_argument("--date", type=iso_date, default=None, metavar="FECHA", help="AAAA-MM-DD (por defecto: hoy)")
    adjust.set_defaults(handler=adjust_account)
    charges = account_sub.add_parser("charges", help="carga cada contrato cuyo nuevo periodo ya empezó")
    charges.add_argument("--date", type=iso_date, default=None, metavar="FECHA", help="AAAA-MM-DD (por defecto: hoy)")
    charges.set_defaults(handler=generate_charges)

    statement = sub.add_parser("statement",
                               help="el estado de cuenta de un cliente, con su saldo movimiento a movimiento")
    statement.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    statement.add_argument("--from", dest="start", type=iso_date, default=None, metavar="FECHA",
                           help="primer día, AAAA-MM-DD")
    statement.add_argument("--to", dest="end", type=iso_date, default=None, metavar="FECHA",
                           help="último día, AAAA-MM-DD (por defecto: hoy)")
    statement.add_argument("--format", choices=FORMATS, default="table", help="table (por defecto), csv, html o pdf")
    statement.add_argument("--output", type=Path, default=None, metavar="ARCHIVO",
                           help="lo escribe en ARCHIVO en vez de la salida estándar")
    statement.set_defaults(handler=print_statement)


def _amount(text: str) -> Decimal:
    from currency.money import MAX_AMOUNT, MoneyError, to_decimal, too_large

    if "," in text:
        raise argparse.ArgumentTypeError(f"use '.' como separador decimal: {text!r}")
    try:
        value = to_decimal(text)
    except MoneyError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    if too_large(value):
        raise argparse.ArgumentTypeError(f"monto demasiado grande: {text!r} (a lo sumo {MAX_AMOUNT})")
    if value != value.quantize(Decimal("0.01")):
        raise argparse.ArgumentTypeError(f"a lo sumo dos decimales: {text!r}")
    return value


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _customer(session: Session, client_id: str) -> Customer:
    from bot.contracts.registry import find_by_client_id

    customer = find_by_client_id(session, client_id)
    if customer is None or customer.id is None:
        raise CliError(f"no hay cliente con ID {client_id}")
    return customer


def _order(session: Session, customer: Customer, code: str | None) -> Contract | None:
    """The order a payment code names; among its cuotas the earliest one still open."""
    from bot.contracts.registry import order_named

    if not code:
        return None
    assert customer.id is not None
    found = order_named(session, customer.id, code)
    if found is None:
        raise CliError(f"el cliente {customer.client_id} no tiene el contrato {code}")
    return found


def record_payment(args: argparse.Namespace, settings: Settings) -> int:
    """Seed 001's "captura manual": store the payment once, apply it oldest charge first, show the result."""
    from bot.account.entries import PaymentMethod
    from bot.account.operations import AccountError, AccountPolicy, PaymentRequest, apply_payment
    from bot.db.session import migrated_session
    from currency.money import Money

    if args.amount <= 0:
        raise CliError("el monto del pago debe ser mayor que cero")
    today = local_today(settings)
    if args.date > today:
        raise CliError(f"la fecha del pago {args.date:%d/%m/%Y} está en el futuro")
    try:
        with migrated_session(settings.database_url) as session:
            customer = _customer(session, args.client_id)
            order = _order(session, customer, args.code)
            assert customer.id is not None
            result = apply_payment(
                session,
                PaymentRequest(
                    customer_id=customer.id,
                    amount=Money(args.amount, args.currency),
                    paid_on=args.date,
                    method=PaymentMethod(args.method),
                    actor=_actor(),
                    contract_id=order.id if order else None,
                    bank=args.bank,
                    reference=args.reference,
                ),
                policy=AccountPolicy.from_settings(settings),
                now=datetime.now(settings.tz),
            )
            queue_for_erp(session, settings, result.payment_id)
    except AccountError as error:
        raise CliError(str(error)) from error
    print(f"Pago registrado para ID {customer.client_id}, {customer.full_name} (pago {result.payment_id})")
    for line in result.lines():
        print(line)
    return 0


def queue_for_erp(session: Session, settings: Settings, payment_id: int) -> None:
    """With an ERP connector configured, the captured payment is queued for it in the same transaction."""
    from bot.accounting.sync import queue_sync
    from bot.db.models import Payment

    payment = session.get(Payment, payment_id)
    if settings.erp_connector != "none" and payment is not None:
        queue_sync(session, payment, tz=settings.tz)


def adjust_account(args: argparse.Namespace, settings: Settings) -> int:
    """A staff adjustment with its reason; it appears in the statement with who made it."""
    from bot.account.operations import AccountError, adjust
    from bot.db.session import migrated_session

    reason = args.reason.strip()
    if not reason:
        raise CliError("el motivo es obligatorio: --reason \"...\"")
    if args.amount == 0:
        raise CliError("el monto del ajuste no puede ser cero")
    try:
        with migrated_session(settings.database_url) as session:
            customer = _customer(session, args.client_id)
            order = _order(session, customer, args.code)
            assert customer.id is not None
            result = adjust(
                session, customer.id, args.amount, reason=reason, actor=_actor(),
                on_date=args.date or local_today(settings), currency=args.currency,
                contract_id=order.id if order else None,
            )
    except AccountError as error:
        raise CliError(str(error)) from error
    print(f"Ajuste registrado para ID {customer.client_id}, {customer.full_name}: {reason}")
    for line in result.lines():
        print(line)
    return 0


def generate_charges(args: argparse.Namespace, settings: Settings) -> int:
    """What the scheduler runs each day; safe to run again (a period is charged once)."""
    from bot.account.orders import generate_period_charges
    from bot.db.session import migrated_session

    today = local_today(settings)
    on_date = args.date or today
    if on_date > today:
        raise CliError(f"--date {on_date:%d/%m/%Y} está en el futuro: se cargan los periodos que ya empezaron, "
                       "hasta hoy como mucho (¿un año mal escrito?)")
    with migrated_session(settings.database_url) as session:
        written = generate_period_charges(session, on_date, whole_colones=settings.whole_colones)
    print(f"{written} cargos de periodo nuevos al {on_date:%d/%m/%Y}")
    return 0


def print_statement(args: argparse.Namespace, settings: Settings) -> int:
    """Write the statement to standard output or to --output, in the chosen format."""
    from bot.account.documents import StatementFormat, render
    from bot.account.operations import AccountPolicy, load_statement
    from bot.db.session import migrated_session

    today = local_today(settings)
    end = args.end or today
    if args.start is not None and args.start > end:
        raise CliError("--from es posterior a --to")
    with migrated_session(settings.database_url) as session:
        customer = _customer(session, args.client_id)
        assert customer.id is not None
        statement = load_statement(
            session, customer.id, company=settings.company_name, today=today, start=args.start, end=end,
            policy=AccountPolicy.from_settings(settings),
        )
    data = render(statement, StatementFormat(args.format), templates_dir=settings.templates_dir)
    if args.output is not None:
        try:
            args.output.write_bytes(data)
        except OSError as error:
            raise CliError(f"no se pudo escribir {args.output}: {error.strerror or error}") from error
        print(f"estado de cuenta de ID {customer.client_id} guardado en {args.output}")
        return 0
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0
