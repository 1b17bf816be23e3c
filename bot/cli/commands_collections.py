"""`paybot delinquents`, `paybot remind`, `paybot tags`, `paybot tasks`, `paybot customers block|unblock`,
`paybot payments return|undo|import-returns`: collections from the shell (issue 15)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.parser import CliError, iso_date, local_today, read_input, row_number
from bot.config import Settings

if TYPE_CHECKING:
    from bot.collections.desk import CollectionsDesk, Operator

BANDS = ("1-30", "31-60", "61-90", "90+")
FORMATS = ("table", "csv", "xlsx", "json")
REMIND_CHOICES = ("overdue", "due", "statement")


def register(sub: Any) -> None:
    delinquents = sub.add_parser("delinquents", help="los clientes con saldo vencido (morosos), por tramo de mora")
    delinquents.add_argument("--min-days", type=int, default=1, metavar="N", help="al menos N días de atraso")
    delinquents.add_argument("--band", choices=BANDS, default=None, help="tramo de mora: 1-30, 31-60, 61-90 o 90+")
    delinquents.add_argument("--tag", default=None, metavar="ETIQUETA", help="solo clientes con esta etiqueta")
    delinquents.add_argument("--from", dest="start", type=iso_date, default=None, metavar="FECHA",
                             help="vencidos desde este día (la cuota más antigua), AAAA-MM-DD")
    delinquents.add_argument("--to", dest="end", type=iso_date, default=None, metavar="FECHA",
                             help="vencidos hasta este día, AAAA-MM-DD")
    delinquents.add_argument("--format", choices=FORMATS, default="table", help="table (por defecto), csv, xlsx o json")
    delinquents.add_argument("--output", type=Path, default=None, metavar="ARCHIVO",
                             help="lo escribe en ARCHIVO en vez de la salida estándar")
    delinquents.set_defaults(handler=list_delinquents)

    remind = sub.add_parser("remind", help="envía a un cliente un recordatorio de lo que debe (queda registrado)")
    remind.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
    remind.add_argument("--kind", choices=REMIND_CHOICES, default=None,
                        help="overdue (lo vencido), due (lo que vence pronto) o statement (el estado de cuenta en "
                             "PDF); por defecto lo vencido, o si no hay, lo que vence")
    remind.set_defaults(handler=send_reminder)

    tags = sub.add_parser("tags", help="etiquetas de clientes (p. ej. para listas de morosos)")
    tags_sub = tags.add_subparsers(dest="tags_command", metavar="ACCIÓN", parser_class=type(tags), title="acciones")
    tags_sub.required = True
    for name, text in (("add", "pone una etiqueta"), ("remove", "quita una etiqueta")):
        action = tags_sub.add_parser(name, help=text)
        action.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente, p. ej. 1001")
        action.add_argument("tag", metavar="ETIQUETA", help="p. ej. llamar, moroso, bloqueo")
        action.set_defaults(handler=change_tag, remove=name == "remove")

    tasks = sub.add_parser("tasks", help="tareas de llamada a clientes (tarea CRM): listar, asignar, cerrar")
    tasks.add_argument("--mine", action="store_true", help="solo las mías (PAYBOT_CLI_STAFF_ID)")
    tasks.add_argument("--all", action="store_true", help="también las cerradas")
    tasks.set_defaults(handler=list_tasks)
    tasks_sub = tasks.add_subparsers(dest="tasks_command", metavar="ACCIÓN", parser_class=type(tasks),
                                     title="acciones")
    add = tasks_sub.add_parser("add", help="asigna un cliente a alguien del personal para que lo llame")
    add.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente")
    add.add_argument("--to", dest="staff_id", type=row_number, required=True, metavar="ID",
                     help="quién llama: su número en paybot staff list")
    add.add_argument("--note", default="", metavar="NOTA", help="qué hay que hablar")
    add.set_defaults(handler=add_task)
    close = tasks_sub.add_parser("close", help="cierra una tarea con el resultado de la llamada")
    close.add_argument("task_id", type=row_number, metavar="ID", help="el número de la tarea")
    close.add_argument("--note", required=True, metavar="RESULTADO", help="qué se habló o acordó")
    close.set_defaults(handler=close_task)


def register_customer_actions(customers_sub: Any) -> None:
    """`paybot customers block|unblock` (added to the `customers` group)."""
    for name, text in (("block", "bloquea el acceso del cliente a su sistema"),
                       ("unblock", "restablece el acceso del cliente a su sistema")):
        action = customers_sub.add_parser(name, help=text)
        action.add_argument("client_id", metavar="ID_CLIENTE", help="el ID del cliente")
        action.add_argument("--reason", required=True, metavar="MOTIVO", help="por qué, en palabras")
        action.set_defaults(handler=set_access, blocked=name == "block")


def register_customers(sub: Any) -> Any:
    """`paybot customers ...`; returns its actions, for other command modules to add theirs."""
    customers = sub.add_parser("customers", help="los clientes: bloquear y desbloquear su acceso; exportar o "
                               "anonimizar sus datos personales (Ley 8968)")
    customers_sub = customers.add_subparsers(dest="customers_command", metavar="ACCIÓN", parser_class=type(customers),
                                             title="acciones")
    customers_sub.required = True
    register_customer_actions(customers_sub)
    return customers_sub


def register_payment_actions(payments_sub: Any) -> None:
    """`paybot payments return|undo|import-returns` (added to the `payments` group)."""
    back = payments_sub.add_parser("return", help="un pago aplicado que el banco devolvió: se vuelve a cobrar "
                                                  "con vencimiento un mes después")
    back.add_argument("payment_id", type=row_number, metavar="ID_PAGO", help="el número del pago")
    back.add_argument("--reason", required=True, metavar="MOTIVO", help="p. ej. transferencia rebotada")
    back.add_argument("--quiet", action="store_true", help="no avisar al cliente")
    back.set_defaults(handler=take_back, kind="returned")
    undo = payments_sub.add_parser("undo", help="anula un pago marcado aplicado por error (sin volver a cobrar)")
    undo.add_argument("payment_id", type=row_number, metavar="ID_PAGO", help="el número del pago")
    undo.add_argument("--reason", required=True, metavar="MOTIVO", help="por qué se anula")
    undo.add_argument("--tell", action="store_true", help="avisar al cliente (por defecto no)")
    undo.set_defaults(handler=take_back, kind="undone")
    results = payments_sub.add_parser("import-returns", help="el archivo de resultados del banco (Fecha, "
                                                             "Referencia, Monto, Motivo): todas las filas o ninguna")
    results.add_argument("file", type=Path, metavar="ARCHIVO.csv", help="el archivo CSV de resultados del banco")
    results.add_argument("--dry-run", action="store_true", help="solo revisa el archivo, no devuelve nada")
    results.set_defaults(handler=import_returns)


def _operator(settings: Settings) -> Operator:
    from bot.collections.desk import Operator

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return Operator(name=f"cli:{user}" if user else "cli", staff_id=settings.cli_staff_id, channel="cli", user=user)


def _desk(settings: Settings) -> tuple[CollectionsDesk, Any]:
    from bot.collections.desk import CollectionsDesk
    from bot.db import migrate
    from bot.db.session import make_engine
    from bot.intake.replies import Replies
    from bot.intake.sending import Messenger

    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    messenger = Messenger(settings, Replies(settings.templates_dir))
    return CollectionsDesk(settings, engine, messenger), engine


def _run(settings: Settings, action: Any) -> Any:
    from bot.collections.desk import CollectionsRefused

    desk, engine = _desk(settings)
    try:
        return action(desk)
    except CollectionsRefused as refusal:
        raise CliError(str(refusal)) from None
    finally:
        engine.dispose()


def _write(data: bytes, output: Path | None, what: str) -> None:
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CliError(f"no se pudo escribir {output}: {error.strerror or error}") from error
        print(f"{what} guardado en {output}")
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def list_delinquents(args: argparse.Namespace, settings: Settings) -> int:
    """Customers with something overdue, most days late first, amounts straight from the account."""
    from bot.collections.delinquents import Filters, delinquents, render
    from bot.collections.tags import TagRefused, clean_tag
    from bot.db.session import migrated_session

    if args.start and args.end and args.start > args.end:
        raise CliError("--from es posterior a --to")
    try:
        tag = clean_tag(args.tag) if args.tag else None
    except TagRefused as refusal:
        raise CliError(str(refusal)) from None
    today = local_today(settings)
    with migrated_session(settings.database_url) as session:
        lines = delinquents(session, today, Filters(min_days=args.min_days, band=args.band, tag=tag,
                                                    start=args.start, end=args.end))
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise CliError("XLSX es un archivo: use --output ARCHIVO.xlsx")
    _write(render(lines, args.format, settings.tz, today), args.output, f"lista de {len(lines)} morosos")
    return 0


def send_reminder(args: argparse.Namespace, settings: Settings) -> int:
    """A reminder by hand: queued for the running service to send (in business hours), audited."""
    operator = _operator(settings)
    print(_run(settings, lambda desk: desk.remind(args.client_id, operator, kind=args.kind)))
    return 0


def change_tag(args: argparse.Namespace, settings: Settings) -> int:
    operator = _operator(settings)
    print(_run(settings, lambda desk: desk.tag(args.client_id, args.tag, operator, remove=args.remove)))
    return 0


def set_access(args: argparse.Namespace, settings: Settings) -> int:
    operator = _operator(settings)
    print(_run(settings, lambda desk: desk.set_access(args.client_id, operator, blocked=args.blocked,
                                                      reason=args.reason)))
    return 0


def list_tasks(args: argparse.Namespace, settings: Settings) -> int:
    """Open call tasks (or all), each with its customer, who calls and the note."""
    from bot.collections.tasks import listed
    from bot.db.models import Customer, StaffMember
    from bot.db.session import migrated_session
    from bot.intake.staff import shown_name

    if args.mine and settings.cli_staff_id is None:
        raise CliError("--mine necesita PAYBOT_CLI_STAFF_ID (su número en paybot staff list)")
    with migrated_session(settings.database_url) as session:
        rows = listed(session, assigned_to=settings.cli_staff_id if args.mine else None, include_closed=args.all)
        if not rows:
            print("no hay tareas abiertas" if not args.all else "no hay tareas")
            return 0
        for task in rows:
            customer = session.get(Customer, task.customer_id)
            member = session.get(StaffMember, task.assigned_to)
            who = shown_name(member) if member else f"#{task.assigned_to}"
            name = f"{customer.client_id} {customer.full_name}" if customer else f"cliente {task.customer_id}"
            state = "abierta" if task.state == "open" else f"cerrada: {task.outcome}"
            print(f"#{task.id}  {task.created_at.astimezone(settings.tz):%d/%m/%Y}  {name}  → {who}  "
                  f"({state}){'  · ' + task.note if task.note else ''}")
    return 0


def add_task(args: argparse.Namespace, settings: Settings) -> int:
    operator = _operator(settings)
    task = _run(settings, lambda desk: desk.assign_task(args.client_id, args.staff_id, operator, note=args.note))
    print(f"tarea #{task.id} asignada a #{args.staff_id}; se le avisó en su chat")
    return 0


def close_task(args: argparse.Namespace, settings: Settings) -> int:
    operator = _operator(settings)
    task = _run(settings, lambda desk: desk.close_task(args.task_id, operator, note=args.note))
    print(f"tarea #{task.id} cerrada: {task.outcome}")
    return 0


def take_back(args: argparse.Namespace, settings: Settings) -> int:
    """Return (the bank sent it back) or undo (applied by mistake) one payment."""
    from bot.collections.returns import ReversalKind

    kind = ReversalKind(args.kind)
    tell = not args.quiet if kind is ReversalKind.RETURNED else args.tell
    operator = _operator(settings)
    reversal = _run(settings, lambda desk: desk.take_back(args.payment_id, operator, kind=kind, reason=args.reason,
                                                          tell=tell))
    for line in reversal.lines():
        print(line)
    print("Se avisó al cliente." if reversal.record.customer_told else "No se avisó al cliente.")
    return 0


def import_returns(args: argparse.Namespace, settings: Settings) -> int:
    """Seed 002's semi-automatic path: every row of the bank's results file reversed, or none."""
    from sqlmodel import Session

    from bot.collections.desk import reversal_to_erp, tell_about_reversal
    from bot.collections.returns import apply_returns, read_returns
    from bot.db.types import utcnow

    data = read_input(args.file)
    desk, engine = _desk(settings)
    today = local_today(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = read_returns(session, data, today=today)
            if not report.ok:
                print(report.to_text())
                return 1
            if args.dry_run:
                print(f"{len(report.rows)} filas correctas; no se devolvió nada (--dry-run)")
                return 0
            reversals = apply_returns(session, report, actor=_operator(settings).name, today=today)
            for reversal in reversals:
                tell_about_reversal(session, desk.messenger, reversal)
                reversal_to_erp(session, settings, reversal, now=utcnow())
            session.commit()
    finally:
        engine.dispose()
    for reversal in reversals:
        print("; ".join(reversal.lines()[:2]))
    print(report.to_text())
    return 0
