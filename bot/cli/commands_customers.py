"""`paybot customers export|forget`: a customer's personal data under Ley 8968, seen whole or anonymised."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli.parser import CliError
from bot.config import Settings


def register_actions(customers_sub: Any) -> None:
    """`paybot customers export|forget` (added to the `customers` group)."""
    export = customers_sub.add_parser(
        "export", help="imprime en JSON todo lo que se guarda de un cliente: ficha, contratos, comprobantes con su "
        "historial, pagos, cuenta, recordatorios y mensajes")
    export.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    export.set_defaults(handler=export_customer)
    forget = customers_sub.add_parser(
        "forget", help="anonimiza los datos personales del cliente y borra las imágenes de sus comprobantes; "
        "conserva montos, fechas, referencias y su cuenta para contabilidad")
    forget.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    forget.add_argument("--include-open", action="store_true",
                        help="anonimiza también si tiene comprobantes que el personal aún no ha resuelto")
    forget.set_defaults(handler=forget_customer)


def export_customer(args: argparse.Namespace, settings: Settings) -> int:
    """Print the customer's data as one JSON document."""
    from bot.db.session import migrated_session
    from bot.media_store import media_store
    from bot.privacy import UnknownCustomer, export

    try:
        with migrated_session(settings.database_url) as session:
            document = export(session, args.client_id, media=media_store(settings))
    except UnknownCustomer:
        raise CliError(f"no hay un cliente con ID {args.client_id}") from None
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def forget_customer(args: argparse.Namespace, settings: Settings) -> int:
    """Anonymise the customer, then delete the receipt files nobody else sent."""
    from bot.db.session import migrated_session
    from bot.media_store import media_store
    from bot.privacy import UnknownCustomer, delete_files, forget, open_receipts

    try:
        with migrated_session(settings.database_url) as session:
            still_open = open_receipts(session, args.client_id)
            if still_open and not args.include_open:
                raise CliError(f"el cliente {args.client_id} tiene comprobantes sin resolver "
                               f"({', '.join(f'#{n}' for n in still_open)}); resuélvalos o use --include-open")
            done = forget(session, args.client_id)
            session.commit()
            deleted = delete_files(session, done.files, media_store(settings))
    except UnknownCustomer:
        raise CliError(f"no hay un cliente con ID {args.client_id}") from None
    print(f"cliente {args.client_id} anonimizado: {done.receipts} comprobantes, {deleted} imágenes borradas, "
          f"{done.messages} mensajes, {done.reminders_cancelled} recordatorios cancelados; se conservan "
          f"{done.kept_payments} pagos y {done.kept_entries} movimientos de su cuenta")
    return 0
