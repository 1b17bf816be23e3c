"""Personal (admins only): who is on staff, their portal login, adding someone, disabling them, and giving
them a new password (which ends their sessions); each change is written to the audit table."""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import AuditEvent, StaffMember, StaffRole
from bot.intake.staff import PORTAL, ROLE_LABELS, shown_name
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.passwords import WeakPassword, check_strength, hash_password
from bot.portal.sessions import Viewer, notify

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


def list_staff(engine: Engine) -> list[StaffMember]:
    with Session(engine) as session:
        return list(session.exec(select(StaffMember).order_by(col(StaffMember.id))).all())


def _audit(session: Session, viewer: Viewer, action: str, member: StaffMember, detail: str) -> None:
    session.add(AuditEvent(kind="staff_changed", channel=PORTAL, user=str(viewer.id), chat=PORTAL, action=action,
                           reason="admin", staff_id=viewer.id,
                           detail=f"{viewer.name}: {detail} #{member.id} {shown_name(member)}"))


def add_member(engine: Engine, viewer: Viewer, name: str, role: str, login: str, password: str) -> tuple[bool, str]:
    login = login.strip().lower()
    if not name or role not in {r.value for r in StaffRole} or not LOGIN.match(login):
        return False, "Indique nombre, rol y un usuario válido (letras sin acentos, números, punto, guion)."
    try:
        check_strength(password, login)
    except WeakPassword as weak:
        return False, f"La contraseña no sirve: {weak}."
    with Session(engine, expire_on_commit=False) as session:
        if session.exec(select(StaffMember).where(StaffMember.login == login)).first() is not None:
            return False, f"El usuario «{login}» ya existe."
        member = StaffMember(name=name, role=role, login=login, password_hash=hash_password(password),
                             login_version=1)
        session.add(member)
        session.flush()
        _audit(session, viewer, "staff_add", member, f"agregó ({ROLE_LABELS[StaffRole(role)]})")
        session.commit()
        return True, f"#{member.id} {name} agregado; entra como «{login}»."


def disable_member(engine: Engine, viewer: Viewer, staff_id: int) -> tuple[bool, str]:
    with Session(engine, expire_on_commit=False) as session:
        member = session.get(StaffMember, staff_id)
        if member is None:
            return False, f"No existe #{staff_id}."
        if member.id == viewer.id:
            return False, "No puede desactivarse a sí mismo."
        member.active = False
        member.login_version += 1
        session.add(member)
        _audit(session, viewer, "staff_disable", member, "desactivó a")
        session.commit()
        return True, f"#{member.id} {shown_name(member)} desactivado: ya no puede actuar."


def reset_password(engine: Engine, viewer: Viewer, staff_id: int, password: str) -> tuple[bool, str]:
    with Session(engine, expire_on_commit=False) as session:
        member = session.get(StaffMember, staff_id)
        if member is None or not member.login:
            return False, f"#{staff_id} no tiene usuario del portal."
        try:
            check_strength(password, member.login)
        except WeakPassword as weak:
            return False, f"La contraseña no sirve: {weak}."
        member.password_hash = hash_password(password)
        member.login_version += 1
        session.add(member)
        _audit(session, viewer, "staff_password", member, "cambió la contraseña de")
        session.commit()
        return True, f"Contraseña de {shown_name(member)} cambiada; sus sesiones se cerraron."


def routes(portal: Portal) -> list[BaseRoute]:
    def admin(viewer: Viewer) -> bool:
        return viewer.is_admin

    async def index(request: Request, viewer: Viewer) -> Response:
        members = await portal.run(list_staff, portal.engine)
        return portal.pages.render(request, "staff.html", members=members, roles=ROLE_LABELS)

    async def add(request: Request, viewer: Viewer) -> Response:
        password = request.state.form.get("password")
        ok, message = await portal.run(add_member, portal.engine, viewer, form_text(request, "name", 200),
                                       form_text(request, "role", 20), form_text(request, "login", 60),
                                       password if isinstance(password, str) else "")
        notify(request.session, ok, message)
        return back_to("/portal/personal")

    async def disable(request: Request, viewer: Viewer) -> Response:
        ok, message = await portal.run(disable_member, portal.engine, viewer, request.path_params["staff_id"])
        notify(request.session, ok, message)
        return back_to("/portal/personal")

    async def password(request: Request, viewer: Viewer) -> Response:
        given = request.state.form.get("password")
        ok, message = await portal.run(reset_password, portal.engine, viewer, request.path_params["staff_id"],
                                       given if isinstance(given, str) else "")
        notify(request.session, ok, message)
        return back_to("/portal/personal")

    return [
        Route("/personal", portal.guard(index, may=admin), methods=["GET"]),
        Route("/personal", portal.guard(add, may=admin), methods=["POST"]),
        Route("/personal/{staff_id:int}/desactivar", portal.guard(disable, may=admin), methods=["POST"]),
        Route("/personal/{staff_id:int}/contrasena", portal.guard(password, may=admin), methods=["POST"]),
    ]
