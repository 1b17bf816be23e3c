"""`paybot run`: the service (webhooks, bot, scheduler, sandbox)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.parser import CliError
from bot.config import Settings

ROLE_LINES = {
    "web": "Rol web: webhooks, sandbox y /healthz; las imágenes las leen los procesos worker",
    "worker": "Rol worker: lee, revisa y envía; /healthz y /metrics en este puerto",
    "scheduler": "Rol scheduler: tareas programadas (un solo proceso a la vez las ejecuta; los demás esperan)",
}


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="ejecuta el servicio: webhooks, bot, tareas programadas, sandbox")
    run.add_argument("--host", metavar="DIRECCIÓN", help="dirección en que escucha (por defecto: PAYBOT_HOST)")
    run.add_argument("--port", type=int, metavar="PUERTO", help="puerto en que escucha (por defecto: PAYBOT_PORT)")
    run.add_argument("--no-migrate", action="store_true", help="no actualiza antes el esquema de la base de datos")
    run.add_argument("--role", choices=("web", "worker", "scheduler", "all"), default="all",
                     help="qué hace este proceso: web (webhooks, sandbox, /healthz; nunca lee imágenes), worker (lee, "
                     "revisa y envía), scheduler (tareas programadas, un solo proceso a la vez) o all (todo; por "
                     "defecto)")
    run.add_argument("--under", type=int, metavar="PID", help=argparse.SUPPRESS)
    run.add_argument("--wake-fd", type=int, help=argparse.SUPPRESS)
    run.add_argument("--ready-fd", type=int, help=argparse.SUPPRESS)
    run.set_defaults(handler=run_service)


def run_service(args: argparse.Namespace, settings: Settings) -> int:
    """Upgrade the schema, say which channels run, and serve until stopped."""
    from bot.service import channel_summary, configuration_problems, serve, serve_child, template_gaps

    if args.under is not None and args.role in ("worker", "scheduler"):
        return serve_child(settings, args.role, args.under, args.wake_fd, args.ready_fd)
    updates: dict[str, Any] = {}
    if args.host:
        updates["host"] = args.host
    if args.port:
        updates["port"] = args.port
    settings = settings.model_copy(update=updates)
    problems = configuration_problems(settings)
    if problems:
        raise CliError("; ".join(problems))
    if not args.no_migrate:
        from bot.db import migrate

        migrate.upgrade(settings.database_url)
    if args.role in ("web", "all"):
        for line in channel_summary(settings):
            print(line, flush=True)
        for line in template_gaps(settings):
            print(f"aviso: {line}", flush=True)
    if args.role != "all":
        print(ROLE_LINES[args.role], flush=True)
    return serve(settings, args.role)
