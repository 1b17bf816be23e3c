"""`paybot outbox list|retry`: see the messages that did not go out, and send failed ones again."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.parser import CliError, row_number
from bot.config import Settings


def register(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="mensajes salientes sin entregar: verlos y reintentar los fallidos")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACCIÓN", parser_class=type(outbox),
                                       title="acciones")
    outbox_sub.required = True
    list_ = outbox_sub.add_parser("list", help="lista los mensajes pendientes y fallidos, del más antiguo al más nuevo")
    list_.add_argument("--failed", action="store_true", help="solo los que fallaron definitivamente")
    list_.add_argument("--limit", type=int, default=100, metavar="N", help="cuántos como máximo (por defecto: 100)")
    list_.set_defaults(handler=list_messages)
    retry = outbox_sub.add_parser(
        "retry", help="vuelve a poner en cola mensajes fallidos, con un nuevo plazo de reintentos; el servicio en "
        "marcha los envía en su siguiente pasada, cada chat en orden")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=row_number, metavar="ID",
                       help="el número del mensaje (columna id de 'list')")
    which.add_argument("--all-failed", action="store_true",
                       help="todos los fallidos, salvo los que ya llegaron por otro canal del personal")
    retry.set_defaults(handler=retry_messages)


def list_messages(args: argparse.Namespace, settings: Settings) -> int:
    """Print undelivered messages as a table."""
    from bot.db.session import make_engine
    from bot.intake.outbox import waiting_messages

    engine = make_engine(settings.database_url)
    try:
        rows = waiting_messages(engine, failed_only=args.failed, limit=args.limit)
    finally:
        engine.dispose()
    if not rows:
        print("no hay mensajes fallidos" if args.failed else "no hay mensajes pendientes ni fallidos")
        return 0
    header = ("id", "estado", "canal", "destinatario", "tipo", "comprobante", "intentos", "en cola desde", "error")
    lines = [header]
    for row in rows:
        queued = row.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        error = " ".join((row.last_error or "").split())
        lines.append((str(row.id), _state(row.state), row.channel, row.recipient, row.kind,
                      str(row.intake_id or ""), str(row.attempts), queued, error[:80]))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[-1])
    return 0


def retry_messages(args: argparse.Namespace, settings: Settings) -> int:
    """Queue one failed message, or all of them, again."""
    from bot.db.session import make_engine
    from bot.intake.outbox import retry_failed

    engine = make_engine(settings.database_url)
    try:
        if args.all_failed:
            result = retry_failed(engine)
        else:
            result = retry_failed(engine, [args.id], skip_delivered_copies=False)
    finally:
        engine.dispose()
    if not args.all_failed and not result.queued:
        raise CliError(f"no hay un mensaje fallido con id {args.id} (vea 'paybot outbox list --failed')")
    if result.queued:
        print(f"{len(result.queued)} mensaje(s) en cola de nuevo: {', '.join(map(str, result.queued))}")
    else:
        print("no había mensajes fallidos que reintentar")
    if result.skipped:
        print(f"{len(result.skipped)} no se reintentaron porque ya llegaron por otro canal del personal: "
              f"{', '.join(map(str, result.skipped))} (reintente uno con 'paybot outbox retry ID')")
    return 0


def _state(state: str) -> str:
    return {"pending": "pendiente", "failed": "fallido"}.get(state, state)
