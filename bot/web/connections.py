"""Deadlines on reading a request, so a client that sends its headers or body a byte at a time (slowloris)
cannot hold connections open forever and starve the service of file descriptors."""

from __future__ import annotations

import asyncio
from time import perf_counter

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.web.timing import ARRIVED


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with two deadlines: the headers of each request must arrive within
    `header_seconds` of the connection (or of the previous response), and its body within `body_seconds`
    of its headers. A client past either is disconnected; the application sees an ordinary disconnect."""

    header_seconds: float = 10.0
    body_seconds: float = 120.0
    _deadline: asyncio.TimerHandle | None = None
    _arrived: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._arrived is None:
            self._arrived = perf_counter()
        super().data_received(data)

    def handle_events(self) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE
        super().handle_events()
        if waiting_for_headers and self.conn.their_state is not h11.IDLE:
            self._arm(self.body_seconds)
            if self._arrived is not None:
                extensions: dict[str, object] = dict(self.scope.get("extensions") or {})
                extensions[ARRIVED] = self._arrived
                self.scope["extensions"] = extensions  # type: ignore[typeddict-item]
            self._arrived = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE:
            self._arm(self.header_seconds)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._past_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _past_deadline(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.logger.warning("Closed a connection that sent its request too slowly (%s).", self.client)
            self.transport.close()


def guarded_protocol(header_seconds: float, body_seconds: float) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, with these deadlines."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,),
                {"header_seconds": header_seconds, "body_seconds": body_seconds})
