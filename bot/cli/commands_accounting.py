"""`paybot sync`, `paybot report payments`, `paybot bank`: accounting's work without a chat (the ERP sync,
the payments report, the company's bank movements and their reconciliation)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.parser import CliError, local_today, read_input
from bot.config import Settings

if TYPE_CHECKING:
    from bot.accounting.matching import Unmatched
    from bot.accounting.spreadsheet import Sheet

FORMATS = ("table", "csv", "xlsx", "json")
PENDING_ROWS = 200
"""Payments `paybot sync pending` shows one by one (without a connector every payment stays pending)."""


def register(sub: Any) -> None:
    sync = sub.add_parser("sync", help="sincronización con el ERP: pendientes, sincronizar ahora, marcar a mano")
    sync_sub = sync.add_subparsers(dest="sync_command", metavar="ACCIÓN", parser_class=type(sync),
                                   title="acciones")
    sync_sub.required = True
    pending = sync_sub.add_parser("pending", help="pagos sin sincronizar (pagado sin sincronizar primero)")
    pending.set_defaults(handler=sync_pending)
    now = sync_sub.add_parser("now", help="«Sincronizar ahora»: enviar el pago al ERP y marcarlo pagado")
    now.add_argument("payment_id", type=_positive, metavar="PAGO", help="número del pago")
    now.set_defaults(handler=sync_now)
    mark = sync_sub.add_parser("mark", help="«Sincronizar manualmente»: marcarlo sincronizado sin tocar el ERP")
    mark.add_argument("payment_id", type=_positive, metavar="PAGO", help="número del pago")
    mark.add_argument("--reason", required=True, metavar="MOTIVO", help="por qué, por escrito (se guarda y se audita)")
    mark.set_defaults(handler=sync_mark)

    report = sub.add_parser("report", help="informes de contabilidad")
    report_sub = report.add_subparsers(dest="report_kind", metavar="INFORME", parser_class=type(report),
                                       title="informes")
    report_sub.required = True
    payments = report_sub.add_parser("payments", help="pagos aplicados por día, banco, origen o canal, con totales")
    payments.add_argument("--from", dest="start", type=_date, default=None, metavar="FECHA",
                          help="primer día, AAAA-MM-DD o DD/MM/AAAA (por omisión: el 1 del mes de --to)")
    payments.add_argument("--to", dest="end", type=_date, default=None, metavar="FECHA",
                          help="último día (por omisión: hoy)")
    payments.add_argument("--by", choices=("day", "bank", "origin", "channel"), default="day",
                          help="agrupar por día (por omisión), banco, origen o canal")
    payments.add_argument("--format", choices=FORMATS, default="table", help="table, csv, xlsx o json")
    payments.add_argument("--output", type=Path, default=None, metavar="ARCHIVO",
                          help="escribir en ARCHIVO en vez de la salida")
    payments.set_defaults(handler=report_payments)

    bank = sub.add_parser("bank", help="movimientos de las cuentas de la empresa y conciliación con los pagos")
    bank_sub = bank.add_subparsers(dest="bank_command", metavar="ACCIÓN", parser_class=type(bank),
                                   title="acciones")
    bank_sub.required = True
    imp = bank_sub.add_parser("import", help="cargar el CSV o XLSX que exporta el banco; todas las filas o ninguna")
    imp.add_argument("file", type=Path, metavar="ARCHIVO", help="el CSV o XLSX exportado por el banco")
    imp.add_argument("--bank", required=True, metavar="BANCO",
                     help="banco que exportó el archivo (BCR, BN, BAC, POPULAR, ...); otro nombre: se leen las "
                          "columnas por su título")
    imp.add_argument("--dry-run", action="store_true", help="solo validar, no guardar nada")
    imp.add_argument("--partial", action="store_true",
                     help="importar las filas válidas y listar las rechazadas (sale con 2 si hubo rechazadas)")
    imp.set_defaults(handler=bank_import)
    unmatched = bank_sub.add_parser("unmatched", help="pagos sin movimiento en el banco y dinero sin comprobante")
    unmatched.add_argument("--days", type=_non_negative, default=None, metavar="DÍAS",
                           help="días después del pago (por omisión PAYBOT_BANK_UNMATCHED_DAYS)")
    unmatched.add_argument("--format", choices=FORMATS, default="table", help="table, csv, xlsx o json")
    unmatched.add_argument("--output", type=Path, default=None, metavar="ARCHIVO",
                          help="escribir en ARCHIVO en vez de la salida")
    unmatched.set_defaults(handler=bank_unmatched)
    banks = bank_sub.add_parser("banks", help="bancos cuyo formato de exportación se conoce")
    banks.set_defaults(handler=bank_list)


def _date(text: str) -> date:
    from currency.text import parse_date

    found = parse_date(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"no es una fecha (AAAA-MM-DD o DD/MM/AAAA): {text!r}")
    return found


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"número de pago no válido: {text!r}")
    return int(text)


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"número de días no válido: {text!r}")
    return int(text)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _emit(data: bytes, output: Path | None, what: str, binary: bool = False) -> None:

    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CliError(f"no se pudo escribir {output}: {error.strerror or error}") from error
        print(f"{what} guardado en {output}")
        return
    if binary and sys.stdout.isatty():
        raise CliError("un XLSX no se muestra en la terminal: use --output ARCHIVO")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


# -- sync -------------------------------------------------------------------------------------------

def sync_pending(args: argparse.Namespace, settings: Settings) -> int:
    """List payments not synced; says so when no connector is configured (still exit 0)."""
    from bot.accounting.spreadsheet import Sheet, to_text
    from bot.accounting.sync import unsynced_payments
    from bot.db.session import migrated_session

    if settings.erp_connector == "none":
        print("No hay conector de ERP configurado (PAYBOT_ERP_CONNECTOR=none): ningún pago se envía al ERP. "
              "Si ya están registrados allí, márquelos con «paybot sync mark PAGO --reason ...».")
    with migrated_session(settings.database_url) as session:
        rows = unsynced_payments(session)
    if not rows:
        print("Todos los pagos están sincronizados.")
        return 0
    failed = sum(1 for row in rows if row.payment.sync_state == "sync_failed")
    print(f"{len(rows)} pagos sin sincronizar ({failed} pagado sin sincronizar):")
    sheet = Sheet("Pagos sin sincronizar", (
        "Pago", "Aplicado", "ID cliente", "Cliente", "Monto", "Moneda", "Estado", "Intentos", "Próximo intento",
        "Último error"), [
        (row.payment.id, row.payment.applied_at, row.client_id, row.customer_name, row.payment.amount,
         row.payment.currency, row.label, row.attempts, row.next_attempt_at, row.last_error or "")
        for row in rows[:PENDING_ROWS]
    ])
    print(to_text([sheet], settings.tz), end="")
    if len(rows) > PENDING_ROWS:
        print(f"… y {len(rows) - PENDING_ROWS} más (los más antiguos primero; «paybot report payments --format csv» "
              "los da todos con su estado).")
    return 0


def _messenger(settings: Settings) -> Any:
    from bot.intake.replies import Replies
    from bot.intake.sending import Messenger

    return Messenger(settings, Replies(settings.templates_dir))


def sync_now(args: argparse.Namespace, settings: Settings) -> int:
    """Seed 000's "Sincronizar ahora" from the shell; exit 1 when the ERP did not take it. The customer's
    "applied" reply (with the invoice) is queued like from a chat."""
    from bot.accounting.desk import erp_sync
    from bot.accounting.erp import ErpConfigError
    from bot.accounting.sync import SyncRefused, SyncResult
    from bot.db import migrate
    from bot.db.session import make_engine

    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sync = erp_sync(settings, engine, _messenger(settings))
        if sync is None:
            raise CliError("no hay conector de ERP configurado (PAYBOT_ERP_CONNECTOR=none): "
                           "use «paybot sync mark PAGO --reason ...» si el pago ya está en el ERP")
        sync.release_dead_claims()
        outcome = asyncio.run(sync.sync_now(args.payment_id, _actor()))
    except ErpConfigError as error:
        raise CliError(str(error)) from error
    except SyncRefused as error:
        raise CliError(str(error)) from error
    finally:
        engine.dispose()
    print(outcome.message)
    return 0 if outcome.result in (SyncResult.SYNCED, SyncResult.ALREADY) else 1


def sync_mark(args: argparse.Namespace, settings: Settings) -> int:
    """Seed 000's "Sincronizar manualmente": the reason is required, stored and audited."""
    from bot.accounting.desk import SyncOutcomes
    from bot.accounting.sync import SyncPolicy, SyncRefused, mark_synced
    from bot.db.session import migrated_session
    from bot.media_store import media_store

    try:
        with migrated_session(settings.database_url) as session:
            payment = mark_synced(session, args.payment_id, reason=args.reason, actor=_actor(),
                                  lease=SyncPolicy.from_settings(settings).lease)
            SyncOutcomes(_messenger(settings), media_store(settings)).tell_customer_applied(session, payment)
            note = payment.sync_note
    except SyncRefused as error:
        raise CliError(str(error)) from error
    print(f"Pago {args.payment_id} sincronizado manualmente: {note}")
    return 0


# -- report -----------------------------------------------------------------------------------------

def report_payments(args: argparse.Namespace, settings: Settings) -> int:
    """Payments applied in the period, grouped, with totals per currency, in the chosen format."""
    from bot.accounting.report import GroupBy, ReportFormat, payments_report, render
    from bot.db.session import migrated_session

    end = args.end or local_today(settings)
    start = args.start or end.replace(day=1)
    if start > end:
        raise CliError("--from es posterior a --to")
    fmt = ReportFormat(args.format)
    with migrated_session(settings.database_url) as session:
        report = payments_report(session, start=start, end=end, by=GroupBy(args.by), tz=settings.tz)
    _emit(render(report, fmt, settings.tz), args.output, "informe de pagos", binary=fmt is ReportFormat.XLSX)
    return 0


# -- bank -------------------------------------------------------------------------------------------

def bank_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.accounting.bank_profiles import ProfileError, load_profiles

    try:
        profiles = load_profiles(settings.bank_profiles_dir)
    except ProfileError as error:
        raise CliError(str(error)) from error
    for profile in profiles.values():
        print(f"{profile.bank:<10} {profile.name} ({profile.source})")
    return 0


def bank_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load one bank export: all rows or none, a row already loaded is skipped, then match payments."""
    from bot.accounting.bank_import import import_movements
    from bot.accounting.bank_profiles import ProfileError, find_profile, load_profiles, unprofiled_bank
    from bot.accounting.matching import MatchPolicy, match_movements
    from bot.db.session import migrated_session

    try:
        known = load_profiles(settings.bank_profiles_dir)
        try:
            profile = find_profile(args.bank, settings.bank_profiles_dir)
        except ProfileError:
            profile = unprofiled_bank(args.bank)
    except ProfileError as error:
        raise CliError(str(error)) from error
    data = read_input(args.file)
    with migrated_session(settings.database_url) as session:
        report = import_movements(session, data, profile, file_name=str(args.file), actor=_actor(),
                                  dry_run=args.dry_run, others=known.values(), partial=args.partial)
        if not report.ok:
            session.rollback()
            print(report.to_text(), file=sys.stderr)
            return 1
        if not args.dry_run:
            report.matched = match_movements(session, MatchPolicy.from_settings(settings), settings.tz)
    print(("(prueba, nada guardado) " if args.dry_run else "") + report.to_text())
    return 2 if report.rejected else 0


def _unmatched_sheets(found: Unmatched) -> list[Sheet]:
    from bot.accounting.spreadsheet import Sheet

    payments = Sheet("Pagos sin movimiento en el banco", (
        "Pago", "Fecha de pago", "ID cliente", "Cliente", "Monto", "Moneda", "Banco", "Referencia", "Aviso"), [
        (row.payment.id, row.paid_on, row.client_id, row.customer_name, row.payment.amount, row.payment.currency,
         row.payment.bank, row.payment.reference or "",
         (f"el banco muestra {row.same_reference.amount} {row.same_reference.currency} con esa referencia "
          f"el {row.same_reference.booked_on:%d/%m/%Y}: ¿comprobante editado?") if row.same_reference
         else "posible comprobante falso o editado")
        for row in found.payments
    ])
    movements = Sheet("Dinero sin comprobante", (
        "Movimiento", "Fecha", "Banco", "Monto", "Moneda", "Referencia", "Descripción"), [
        (m.id, m.booked_on, m.bank, m.amount, m.currency, m.reference, m.description) for m in found.movements
    ])
    return [payments, movements]


def bank_unmatched(args: argparse.Namespace, settings: Settings) -> int:
    """Payments applied with no bank movement after N days, and movements with no payment."""
    import json

    from bot.accounting.matching import MatchPolicy, unmatched
    from bot.accounting.spreadsheet import to_csv, to_text, to_xlsx
    from bot.db.session import migrated_session

    days = settings.bank_unmatched_days if args.days is None else args.days
    with migrated_session(settings.database_url) as session:
        found = unmatched(session, today=local_today(settings), days=days, policy=MatchPolicy.from_settings(settings),
                          tz=settings.tz)
        sheets = _unmatched_sheets(found)
    if args.format == "csv":
        _emit(to_csv(sheets, settings.tz), args.output, "conciliación")
    elif args.format == "xlsx":
        _emit(to_xlsx(sheets, settings.tz), args.output, "conciliación", binary=True)
    elif args.format == "json":
        data = {
            "covered_until": found.covered_until.isoformat() if found.covered_until else None, "days": days,
            "payments": [{"payment_id": r.payment.id, "paid_on": r.paid_on.isoformat(), "client_id": r.client_id,
                          "amount": str(r.payment.amount), "currency": r.payment.currency,
                          "reference": r.payment.reference,
                          "bank_amount_same_reference": str(r.same_reference.amount) if r.same_reference else None}
                         for r in found.payments],
            "movements": [{"movement_id": m.id, "booked_on": m.booked_on.isoformat(), "bank": m.bank,
                           "amount": str(m.amount), "currency": m.currency, "reference": m.reference,
                           "description": m.description} for m in found.movements],
        }
        _emit((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode(), args.output, "conciliación")
    else:
        if found.covered_until is None:
            print("No hay movimientos del banco importados: cargue uno con «paybot bank import FILE --bank NOMBRE».")
            return 0
        print(f"Movimientos importados hasta el {found.covered_until:%d/%m/%Y}; pagos de hace {days} días o más.")
        for sheet, empty in zip(sheets, ("Todos los pagos aparecen en el banco.",
                                         "Todo el dinero recibido tiene su pago."), strict=True):
            print()
            print(to_text([sheet], settings.tz) if sheet.rows else f"{sheet.title}: ninguno. {empty}", end="\n")
    return 0
