"""Informes: the payments report over a date range."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.portal.guard import Portal
from bot.portal.sessions import Viewer


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        return portal.pages.render(request, "reports.html")

    return [Route("/informes", portal.guard(index), methods=["GET"])]
