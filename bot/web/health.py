"""`/healthz`: 200 while the database answers (whatever the channels), 503 when it does not, with each
channel's state, so a monitor can tell "Telegram is down" from "we are down", and the last heartbeat of the
worker, the outbox sender and the scheduler, whichever processes run them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db.session import ping
from bot.heartbeat import last_beats
from bot.intake.messages import ChannelSender, OutboundMessage, SendError

DATABASE_TIMEOUT = 5.0
"""A database that takes longer than this to answer `SELECT 1` counts as unreachable."""


class ChannelState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    OFF = "off"


class ChannelHealth:
    """Each channel's state as the service last saw it: off (not configured), degraded, or ok."""

    def __init__(self, states: Mapping[str, ChannelState]) -> None:
        self._states = dict(states)

    def set(self, channel: str, state: ChannelState) -> None:
        self._states[channel] = state

    def get(self, channel: str) -> ChannelState:
        return self._states.get(channel, ChannelState.OFF)

    def as_json(self) -> dict[str, str]:
        return {channel: state.value for channel, state in self._states.items()}


class HealthReportingSender:
    """Wraps a channel's sender: a delivery marks the channel ok, an outage (a retryable failure) degraded."""

    def __init__(self, sender: ChannelSender, health: ChannelHealth) -> None:
        self.sender = sender
        self.health = health
        self.name = sender.name

    async def send(self, message: OutboundMessage) -> str:
        try:
            sent = await self.sender.send(message)
        except SendError as error:
            if error.retryable:
                self.health.set(self.name, ChannelState.DEGRADED)
            raise
        self.health.set(self.name, ChannelState.OK)
        return sent


async def healthz(request: Request) -> JSONResponse:
    """Report the database and each channel; the status code only depends on the database."""
    engine = request.app.state.engine
    try:
        database_ok = await asyncio.wait_for(asyncio.to_thread(ping, engine), DATABASE_TIMEOUT)
    except TimeoutError:
        database_ok = False
    health: ChannelHealth | None = getattr(request.app.state, "channels", None)
    channels = health.as_json() if health is not None else {}
    if not database_ok:
        status = "down"
    elif ChannelState.DEGRADED.value in channels.values():
        status = "degraded"
    else:
        status = "ok"
    body: dict[str, object] = {"status": status, "database": "ok" if database_ok else "unreachable",
                               "channels": channels}
    if database_ok:
        beats = await asyncio.to_thread(last_beats, engine)
        body["heartbeats"] = {name: when.isoformat(timespec="seconds") if when else None
                              for name, when in beats.items()}
    return JSONResponse(body, status_code=200 if database_ok else 503)
