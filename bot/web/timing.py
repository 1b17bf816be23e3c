"""Each answer says how long the service took to produce it (`Server-Timing: app;dur=<ms>`): what the
portal's benchmark reads, and what a browser's developer tools show. An upload also says where that time
went, phase by phase (`bench/e2e.py --trace` reads them)."""

from __future__ import annotations

from time import perf_counter

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.phases import Marks, end_marks, start_marks

ARRIVED = "paybot.arrived"
"""Scope extension: when the connection's protocol got the first bytes of this request (perf_counter)."""


def header_value(started: float, marks: Marks, ended: float, arrived: float | None = None) -> str:
    """`app;dur=<ms from the app's start to the answer>`, then (when known) `headers`: from the request's
    first bytes to the app's start, then each phase's own duration in the order they ended."""
    phases = [f"app;dur={(ended - started) * 1000:.2f}"]
    if arrived is not None:
        phases.append(f"headers;dur={max(0.0, started - arrived) * 1000:.2f}")
    previous = started
    for phase, at in sorted(marks, key=lambda item: item[1]):
        phases.append(f"{phase};dur={max(0.0, at - previous) * 1000:.2f}")
        previous = max(previous, at)
    if marks:
        phases.append(f"answer;dur={max(0.0, ended - previous) * 1000:.2f}")
    return ", ".join(phases)


class ServerTiming:
    """ASGI middleware timing each request from its arrival to the start of its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        arrived = scope.get("extensions", {}).get(ARRIVED)
        marks, token = start_marks()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("Server-Timing", header_value(
                    started, marks, perf_counter(), arrived if isinstance(arrived, float) else None))
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            end_marks(token)
