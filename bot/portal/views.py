"""How portal pages are drawn: the Jinja2 templates (autoescaped), the filters they use, and the words for
states and channels staff read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.intake.states import IntakeState
from bot.portal.sessions import csrf_token, take_notice
from currency.money import Money, format_money

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATE_LABELS = {
    IntakeState.RECEIVED: "recibido",
    IntakeState.READ: "leído",
    IntakeState.CHECKED: "revisado por el bot",
    IntakeState.IN_REVIEW: "en revisión",
    IntakeState.FORWARDED: "en contabilidad",
    IntakeState.APPLIED: "aplicado",
    IntakeState.SYNCED: "sincronizado",
    IntakeState.REJECTED: "rechazado",
    IntakeState.NEEDS_INFO: "falta información",
    IntakeState.SYNC_FAILED: "pagado sin sincronizar",
}
CHANNEL_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "sandbox": "Sandbox", "cli": "Terminal",
                  "portal": "Portal"}


def state_label(value: str) -> str:
    try:
        return STATE_LABELS[IntakeState(value)]
    except ValueError:
        return value


def _money(value: Any, currency: str = "CRC") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Money):
        return format_money(value)
    return format_money(Money(Decimal(str(value)), currency or "CRC"))


def _fecha(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value:%d/%m/%Y}"


class Pages:
    """The portal's template set, rendering in the installation's time zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(money=_money, fecha=_fecha, cuando=self.when, state=state_label,
                                channel=lambda value: CHANNEL_LABELS.get(value, value), percent=_percent,
                                change=_change, plain=_plain)
        self.env.globals.update(query=_query)

    def when(self, value: datetime | None) -> str:
        """A moment in local time, day first."""
        if value is None:
            return "—"
        return f"{value.astimezone(self.tz):%d/%m/%Y %H:%M}"

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Page `name` with what every page shows: who is logged in, the form token, the last action's result."""
        session = request.scope.get("session", {})
        text = self.env.get_template(name).render(
            viewer=getattr(request.state, "viewer", None), csrf=csrf_token(session), notice=take_notice(session),
            path=request.url.path, params=request.query_params, **context)
        return HTMLResponse(text, status_code=status_code, headers=NO_STORE)


NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                       "script-src 'self'; form-action 'self'; frame-ancestors 'none'"}
"""Headers of every portal answer: never cached, never framed, nothing loaded from elsewhere."""


def _plain(label: str) -> str:
    """A chat button's label without its leading emoji (the portal draws no pictures in buttons)."""
    first, _, rest = label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in first) else label


def _change(value: Any) -> str:
    """An audit row's change as staff read it: `before → after` for a pair, the value otherwise."""
    if isinstance(value, list) and len(value) == 2:
        before, after = ("—" if part in (None, "") else str(part) for part in value)
        return f"{before} → {after}"
    return "—" if value in (None, "") else str(value)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def _query(params: Any, **changes: Any) -> str:
    """The current query string with `changes` (None removes a key): for filter and page links."""
    merged = {key: value for key, value in params.items() if value}
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged) if merged else "?"
