"""What every portal page and action shares: the `Portal` (settings, database, the core's port, templates,
clock) and its guard (a session, the role, the form's CSRF token), and small form helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.config import Settings
from bot.db.types import utcnow
from bot.intake.messages import IntakePort
from bot.media_store import MediaStore, media_store
from bot.portal.collecting import Collecting
from bot.portal.sessions import CSRF_FIELD, Viewer, csrf_ok, logged_in
from bot.portal.views import Pages
from currency.text import printable

PREFIX = "/portal"
FORM_BYTES = 64 * 1024

Handler = Callable[[Request, Viewer], Awaitable[Response]]


@dataclass
class Portal:
    """What the portal's pages use: the settings, the database, the core's port for staff actions (the same
    one the chats use), the templates and the clock."""

    settings: Settings
    engine: Engine
    core: IntakePort
    pages: Pages
    clock: Callable[[], datetime] = utcnow
    media: MediaStore | None = None
    """Where receipt images are read from (the settings' store when None)."""
    collecting: Collecting | None = None

    @property
    def files(self) -> MediaStore:
        return self.media or media_store(self.settings)

    @property
    def collections(self) -> Collecting:
        """Collections' actions through their desk (set when the app is built)."""
        assert self.collecting is not None
        return self.collecting

    def today(self) -> date:
        return self.clock().astimezone(self.settings.tz).date()

    def guard(self, handler: Handler, *, may: Callable[[Viewer], bool] | None = None,
              upload_bytes: int | None = None) -> Callable[[Request], Awaitable[Response]]:
        """Wrap `handler`: no session sends to the login page (303); a role without the right is refused
        (403); a form without the session's CSRF token is refused (403) before anything is done."""
        max_age = self.settings.portal_session_hours * 3600

        async def endpoint(request: Request) -> Response:
            viewer = await asyncio.to_thread(logged_in, self.engine, request.session, max_age)
            if viewer is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)
            request.state.viewer = viewer
            if may is not None and not may(viewer):
                return self.pages.render(request, "refused.html", status_code=403,
                                         why="Su rol no permite esta página o acción.")
            if request.method == "POST":
                form = await read_form(request, upload_bytes)
                if not csrf_ok(request.session, form.get(CSRF_FIELD)):
                    await form.close()
                    return self.pages.render(request, "refused.html", status_code=403,
                                             why="El formulario venció o no salió de esta página: recárguela.")
                request.state.form = form
            return await handler(request, viewer)

        return endpoint

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Database work off the event loop."""
        return await asyncio.to_thread(function, *args)


async def read_form(request: Request, upload_bytes: int | None) -> FormData:
    """The posted form, its text fields without NUL or control characters (PostgreSQL refuses NUL)."""
    if upload_bytes is None:
        form = await request.form(max_files=0, max_fields=50, max_part_size=FORM_BYTES)
    else:
        form = await request.form(max_files=1, max_fields=20, max_part_size=upload_bytes + 1)
    return FormData([(key, printable(value) if isinstance(value, str) else value) for key, value in form.multi_items()])


def form_text(request: Request, name: str, limit: int = 1000) -> str:
    value = request.state.form.get(name)
    return " ".join(str(value).split())[:limit] if isinstance(value, str) else ""


def back_to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)
