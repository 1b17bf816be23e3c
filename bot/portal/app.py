"""The portal as one Starlette app mounted at /portal: the signed session cookie, the login and logout, and
the routes of each page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.collections.desk import CollectionsDesk
from bot.config import Settings
from bot.db.types import utcnow
from bot.intake.messages import IntakePort
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.media_store import MediaStore, media_store
from bot.portal import cases, customers, delinquents, inbox, intake_page, payments, reports, staff_page, tasks_page
from bot.portal.collecting import Collecting
from bot.portal.guard import PREFIX, Portal, back_to, read_form
from bot.portal.logins import LoginOutcome, attempt_login
from bot.portal.sessions import COOKIE, CSRF_FIELD, Viewer, csrf_ok, end_sessions, logged_in, signing_key, start
from bot.portal.views import Pages

STATIC = Path(__file__).resolve().parent / "static"


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: only a portal path on this site."""
    if value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def login_routes(portal: Portal) -> list[BaseRoute]:
    async def login_page(request: Request) -> Response:
        viewer = await asyncio.to_thread(logged_in, portal.engine, request.session,
                                         portal.settings.portal_session_hours * 3600)
        if viewer is not None:
            return back_to(_safe_next(request.query_params.get("next")))
        return portal.pages.render(request, "login.html", next=_safe_next(request.query_params.get("next")),
                                   login="", error="")

    async def log_in(request: Request) -> Response:
        form = await read_form(request, None)
        login, password = str(form.get("login") or ""), str(form.get("password") or "")
        target = _safe_next(str(form.get("next") or ""))
        if not csrf_ok(request.session, form.get(CSRF_FIELD)):
            return portal.pages.render(request, "login.html", status_code=403, next=target, login=login,
                                       error="El formulario venció: intente de nuevo.")
        address = request.client.host if request.client else "desconocida"
        result = await asyncio.to_thread(attempt_login, portal.engine, portal.settings, login, password, address,
                                         portal.clock())
        if result.outcome is LoginOutcome.OK and result.member is not None:
            start(request.session, result.member)
            return back_to(target)
        if result.outcome is LoginOutcome.LIMITED:
            minutes = portal.settings.portal_login_window_minutes
            return portal.pages.render(request, "login.html", status_code=429, next=target, login=login,
                                       error=f"Demasiados intentos fallidos: espere {minutes} minutos.")
        return portal.pages.render(request, "login.html", status_code=401, next=target, login=login,
                                   error="Usuario o contraseña incorrectos.")

    async def log_out(request: Request, viewer: Viewer) -> Response:
        await asyncio.to_thread(end_sessions, portal.engine, viewer.id)
        request.session.clear()
        return back_to(f"{PREFIX}/login")

    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", log_in, methods=["POST"]),
        Route("/logout", portal.guard(log_out), methods=["POST"]),
    ]


def portal_app(settings: Settings, engine: Engine, core: IntakePort, clock: Callable[[], datetime] = utcnow,
               media: MediaStore | None = None, collections: CollectionsDesk | None = None) -> Starlette:
    """The portal's app, to mount at /portal on the service; `collections` is the core's collections desk."""
    desk = collections or CollectionsDesk(settings, engine, Messenger(settings, Replies(settings.templates_dir)), clock)
    portal = Portal(settings, engine, core, Pages(settings.tz), clock, media or media_store(settings),
                    Collecting(core, desk))
    routes: list[BaseRoute] = [
        *login_routes(portal),
        *inbox.routes(portal),
        *intake_page.routes(portal),
        *payments.routes(portal),
        *customers.routes(portal),
        *reports.routes(portal),
        *delinquents.routes(portal),
        *tasks_page.routes(portal),
        *cases.routes(portal),
        *staff_page.routes(portal),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    secure = settings.public_url.lower().startswith("https://")
    return Starlette(routes=routes, middleware=[Middleware(
        SessionMiddleware, secret_key=signing_key(settings), session_cookie=COOKIE,
        max_age=int(settings.portal_session_hours * 3600), path=PREFIX, same_site="lax", https_only=secure,
    )])

