"""`paybot db ...` and `paybot config`: the schema and the effective settings."""

from __future__ import annotations

import argparse
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.cli.parser import CliError, read_input
from bot.config import Settings, describe

SAMPLE_BUY, SAMPLE_SELL = Decimal("503.10"), Decimal("509.85")
SAMPLE_SOURCE = "muestra"
"""`paybot db seed` stores today's rate marked as a sample, so USD sample customers show the full calculation."""


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="esquema de la base de datos: actualizar, revertir, datos de muestra")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACCIÓN", title="acciones", parser_class=type(db))
    db_sub.required = True
    up = db_sub.add_parser("upgrade", help="lleva la base de datos al esquema más reciente")
    up.add_argument("revision", nargs="?", default="head", metavar="REVISIÓN",
                    help="revisión de Alembic a la que llegar (por defecto: head, la más reciente)")
    up.set_defaults(handler=db_upgrade)
    down = db_sub.add_parser("downgrade",
                             help="revierte el esquema de la base de datos (por defecto: hasta dejarla vacía)")
    down.add_argument("revision", nargs="?", default="base", metavar="REVISIÓN",
                      help="revisión de Alembic a la que volver (por defecto: base, sin tablas)")
    down.set_defaults(handler=db_downgrade)

    backup = db_sub.add_parser(
        "backup", help="copia la base SQLite (con la API de copia en línea de SQLite, también con el servicio en "
        "marcha) y la carpeta de archivos recibidos a una carpeta nueva")
    backup.add_argument("destination", type=Path, metavar="DESTINO", help="carpeta nueva o vacía para la copia")
    backup.set_defaults(handler=db_backup)
    restore = db_sub.add_parser(
        "restore", help="restaura una copia de 'paybot db backup' en una instalación nueva (PAYBOT_DATABASE_URL y "
        "PAYBOT_DATA_DIR), tras comprobar cada archivo")
    restore.add_argument("source", type=Path, metavar="COPIA", help="la carpeta que escribió 'paybot db backup'")
    restore.set_defaults(handler=db_restore)

    seed = db_sub.add_parser(
        "seed",
        help="carga los clientes y contratos de muestra (y un tipo de cambio de muestra de hoy) en una base vacía",
    )
    seed.add_argument("--customers", type=Path, default=Path("data/customers.csv"), metavar="ARCHIVO.csv",
                      help="clientes de muestra (por defecto: data/customers.csv)")
    seed.add_argument("--contracts", type=Path, default=Path("data/contracts.csv"), metavar="ARCHIVO.csv",
                      help="contratos de muestra (por defecto: data/contracts.csv)")
    seed.set_defaults(handler=db_seed)

    config = sub.add_parser("config", help="muestra la configuración efectiva (los secretos, ocultos)")
    config.set_defaults(handler=show_config)


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the configured database up."""
    from bot.db import migrate

    migrate.upgrade(settings.database_url, args.revision)
    print(f"base de datos {_safe_url(settings.database_url)} en la revisión {args.revision}")
    return 0


def db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the configured database down."""
    from bot.db import migrate

    migrate.downgrade(settings.database_url, args.revision)
    print(f"base de datos {_safe_url(settings.database_url)} en la revisión {args.revision}")
    return 0


def db_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the running installation's database and media."""
    from bot.db.backup import BackupError, backup

    if settings.media_store != "folder":
        raise CliError("las imágenes están en un bucket S3 (PAYBOT_MEDIA_STORE=s3): respáldelo con las herramientas "
                       "del bucket (versionado o replicación); 'paybot db backup' copia la base SQLite y la carpeta")
    try:
        report = backup(settings.database_url, settings.media_dir, args.destination)
    except BackupError as error:
        raise CliError(str(error)) from None
    print(f"copia en {report.folder}: {sum(report.tables.values())} filas en {len(report.tables)} tablas, "
          f"{report.media_files} archivos ({report.media_bytes / 1e6:.1f} MB)")
    if report.missing_media:
        print(f"aviso: {len(report.missing_media)} archivo(s) nombrados en la base ya no estaban "
              "(borrados por la retención mientras se copiaba)")
    return 0


def db_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Put a backup in place for the configured installation, then bring its schema up to date."""
    from bot.db import migrate
    from bot.db.backup import BackupError, restore

    try:
        report = restore(args.source, settings.database_url, settings.media_dir)
    except BackupError as error:
        raise CliError(str(error)) from None
    migrate.upgrade(settings.database_url)
    print(f"restaurada en {report.folder}: {sum(report.tables.values())} filas, {report.media_files} archivos "
          f"en {settings.media_dir}")
    if report.missing_media:
        print(f"aviso: {len(report.missing_media)} archivo(s) nombrados en la base no están en la copia")
    return 0


def db_seed(args: argparse.Namespace, settings: Settings) -> int:
    """Give a fresh installation the sample customers; a database that has customers is left alone."""
    from sqlmodel import select

    from bot.contracts.importer import import_contracts, import_customers
    from bot.db.models import Customer, ExchangeRate
    from bot.db.rates import store_rate
    from bot.db.session import migrated_session
    from currency.rates import RateQuote

    today = datetime.now(settings.tz).date()
    with migrated_session(settings.database_url) as session:
        if session.exec(select(Customer.id)).first() is not None:
            print("la base de datos ya tiene clientes: no se cargaron los datos de muestra")
            return 0
        customers = import_customers(session, read_input(args.customers))
        if customers.errors:
            raise CliError(f"{args.customers}: {len(customers.errors)} filas rechazadas; no se cargó nada")
        session.flush()
        contracts = import_contracts(session, read_input(args.contracts), default_tax_rate=settings.iva_rate,
                                     today=today, whole_colones=settings.whole_colones)
        if contracts.errors:
            raise CliError(f"{args.contracts}: {len(contracts.errors)} filas rechazadas; no se cargó nada")
        sample_rate = None
        if not session.exec(select(ExchangeRate.id).where(ExchangeRate.date == today)).first():
            sample_rate = store_rate(session, RateQuote(today, SAMPLE_BUY, SAMPLE_SELL, SAMPLE_SOURCE))
    print(f"clientes y contratos de muestra cargados de {args.customers} y {args.contracts}")
    if sample_rate is not None:
        print(f"tipo de cambio de muestra del {today.isoformat()}: compra {SAMPLE_BUY} venta {SAMPLE_SELL} "
              f"(fuente '{SAMPLE_SOURCE}': reemplácelo con 'paybot rates set' o 'paybot rates fetch')")
    return 0


def show_config(args: argparse.Namespace, settings: Settings) -> int:
    """Print every setting with its effective value; secrets show as asterisks."""
    rows = describe(settings)
    width = max(len(name) for name, _, _ in rows)
    for name, value, _description in rows:
        if name == "PAYBOT_DATABASE_URL":
            value = _safe_url(value)
        print(f"{name.ljust(width)}  {value}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
