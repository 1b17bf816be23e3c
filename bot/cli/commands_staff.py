"""`paybot staff add|list|disable|password`: the one list of support, accounting and admin staff (which starts
with the staff the PAYBOT_*_USER_IDS and PAYBOT_WHATSAPP_*_NUMBERS settings name), and their portal logins."""

from __future__ import annotations

import argparse
import re
from typing import Any

from bot.cli.parser import CliError, row_number
from bot.config import Settings

ROLES = ("support", "accounting", "admin")
LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


def register(sub: Any) -> None:
    staff = sub.add_parser("staff", help="el personal que actúa sobre los comprobantes: agregar, listar, desactivar")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACCIÓN", parser_class=type(staff),
                                     title="acciones")
    staff_sub.required = True
    add = staff_sub.add_parser("add", help="agregar a alguien del personal (o ponerle nombre a quien ya está)")
    add.add_argument("name", metavar="NOMBRE", help="su nombre, como lo dirán las tarjetas («aprobado por ...»)")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="support (soporte), accounting (contabilidad) o admin (ambos)")
    add.add_argument("--telegram-id", type=row_number, default=None, help="su id de usuario de Telegram (un número)")
    add.add_argument("--whatsapp", default=None, help="su número de WhatsApp, p. ej. +506 8811 2233")
    add.add_argument("--login", default=None, help="su usuario para entrar al portal (/portal/), p. ej. laura")
    add.add_argument("--password", default=None,
                     help="su contraseña del portal (sin esta opción se pide sin mostrarla en pantalla)")
    add.set_defaults(handler=add_staff)
    list_ = staff_sub.add_parser("list", help="listar el personal, activo y desactivado")
    list_.set_defaults(handler=list_staff)
    disable = staff_sub.add_parser("disable", help="quitarle a alguien el permiso de actuar (queda en la lista)")
    disable.add_argument("staff_id", metavar="ID", type=row_number, help="el número de la lista (paybot staff list)")
    disable.set_defaults(handler=disable_staff)
    password = staff_sub.add_parser("password",
                                    help="cambiar la contraseña del portal de alguien (cierra sus sesiones)")
    password.add_argument("login", metavar="USUARIO", help="su usuario del portal")
    password.add_argument("--password", default=None,
                          help="la contraseña nueva (sin esta opción se pide sin mostrarla en pantalla)")
    password.set_defaults(handler=change_password)


def _login(written: str) -> str:
    login = written.strip().lower()
    if not LOGIN.match(login):
        raise CliError(f"«{written}» no sirve como usuario: de 2 a 60 letras sin acentos, números, punto, guion o _")
    return login


def _password(given: str | None, login: str) -> str:
    """The password given on the command line, or asked twice without echo."""
    from bot.portal.passwords import WeakPassword, check_strength

    if given is None:
        import getpass

        given = getpass.getpass(f"Contraseña del portal para {login}: ")
        if getpass.getpass("Repítala: ") != given:
            raise CliError("las dos contraseñas no coinciden")
    try:
        check_strength(given, login)
    except WeakPassword as weak:
        raise CliError(str(weak)) from None
    return given


def add_staff(args: argparse.Namespace, settings: Settings) -> int:
    """Add a member, or name the record the settings made for the same role and identity."""
    from sqlmodel import select

    from bot.db.models import StaffMember, StaffRole
    from bot.db.session import migrated_session
    from bot.intake.staff import seed_staff
    from currency.text import international_phone

    name = " ".join(args.name.split())
    if not name:
        raise CliError("el nombre no puede quedar vacío")
    if args.telegram_id is None and args.whatsapp is None and args.login is None:
        raise CliError("indique cómo se le reconoce: --telegram-id, --whatsapp o --login (uno o varios)")
    if args.password is not None and args.login is None:
        raise CliError("--password va con --login (el usuario del portal)")
    number = None
    if args.whatsapp is not None:
        number = international_phone(args.whatsapp)
        if not number:
            raise CliError(f"«{args.whatsapp}» no es un número de teléfono válido")
    login = _login(args.login) if args.login is not None else None
    role = StaffRole(args.role)
    with migrated_session(settings.database_url) as session:
        seed_staff(session, settings)
        taken = session.exec(select(StaffMember).where(StaffMember.login == login)).first() if login else None
        same = [
            member for member in session.exec(select(StaffMember).where(StaffMember.role == role.value)).all()
            if member.active and ((args.telegram_id is not None and member.telegram_user_id == args.telegram_id)
                                  or (number is not None and member.whatsapp_number == number)
                                  or (login is not None and member.login == login))
        ]
        named = [member for member in same if member.name and member.name != name]
        if named:
            raise CliError(f"ya está en la lista como #{named[0].id} {named[0].name}")
        member = same[0] if same else StaffMember(name=name, role=role.value)
        if taken is not None and taken is not member:
            raise CliError(f"el usuario «{login}» ya es de #{taken.id} {taken.name or '(sin nombre)'}")
        if login is not None and member.login not in (None, login):
            raise CliError(f"#{member.id} ya entra al portal como «{member.login}»")
        member.name = name
        member.telegram_user_id = args.telegram_id if args.telegram_id is not None else member.telegram_user_id
        member.whatsapp_number = number or member.whatsapp_number
        if login is not None:
            _set_password(member, login, _password(args.password, login))
        session.add(member)
        session.flush()
        verb = "actualizado" if same else "agregado"
        print(f"#{member.id} {member.name} ({_role(member.role)}) {verb}")
    return 0


def list_staff(args: argparse.Namespace, settings: Settings) -> int:
    """Every record: number, name, role, Telegram id, WhatsApp number, whether it may act."""
    from sqlmodel import col, select

    from bot.db.models import StaffMember
    from bot.db.session import migrated_session
    from bot.intake.staff import seed_staff

    with migrated_session(settings.database_url) as session:
        seed_staff(session, settings)
        members = session.exec(select(StaffMember).order_by(col(StaffMember.id))).all()
        if not members:
            print("no hay personal registrado (paybot staff add NOMBRE --role ...)")
            return 0
        rows = [("#", "nombre", "rol", "telegram", "whatsapp", "portal", "estado")]
        rows += [(str(m.id), m.name or "(sin nombre)", _role(m.role), str(m.telegram_user_id or "—"),
                  m.whatsapp_number or "—", m.login or "—", "activo" if m.active else "desactivado")
                 for m in members]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def disable_staff(args: argparse.Namespace, settings: Settings) -> int:
    """Take away a member's permission to act; their record and past actions stay."""
    from bot.db.models import StaffMember
    from bot.db.session import migrated_session
    from bot.intake.staff import seed_staff

    with migrated_session(settings.database_url) as session:
        seed_staff(session, settings)
        member = session.get(StaffMember, args.staff_id)
        if member is None:
            raise CliError(f"no hay nadie con el número #{args.staff_id} (paybot staff list)")
        member.active = False
        member.login_version += 1
        session.add(member)
        print(f"#{member.id} {member.name or '(sin nombre)'} desactivado: ya no puede actuar")
    return 0


def change_password(args: argparse.Namespace, settings: Settings) -> int:
    """Give a portal user a new password; every session they had open ends."""
    from sqlmodel import select

    from bot.db.models import StaffMember
    from bot.db.session import migrated_session

    login = _login(args.login)
    with migrated_session(settings.database_url) as session:
        member = session.exec(select(StaffMember).where(StaffMember.login == login)).first()
        if member is None:
            raise CliError(f"nadie entra al portal como «{login}» (paybot staff add NOMBRE --role ... --login {login})")
        _set_password(member, login, _password(args.password, login))
        session.add(member)
        print(f"#{member.id} {member.name or '(sin nombre)'}: contraseña del portal cambiada; sus sesiones se cerraron")
    return 0


def _set_password(member: Any, login: str, password: str) -> None:
    from bot.portal.passwords import hash_password

    member.login = login
    member.password_hash = hash_password(password)
    member.login_version += 1


def _role(value: str) -> str:
    return {"support": "soporte", "accounting": "contabilidad", "admin": "administración"}.get(value, value)
