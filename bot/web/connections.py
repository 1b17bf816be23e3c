"""Deadlines on reading a request and a cap on connections, so a client that sends its headers or body a
byte at a time (slowloris), or opens connections faster than the deadlines close them, cannot starve the
service of file descriptors (it needs them for receipts, its database and its readers)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import logging
import resource
import struct
import termios
from collections.abc import Iterator
from time import monotonic, perf_counter
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.web.timing import ARRIVED


class Throttled:
    """A warning that may happen thousands of times a second under attack: logged at most once per
    `seconds`, with how many times it happened since the previous line."""

    def __init__(self, message: str, seconds: float = 10.0) -> None:
        self.message = message
        self.seconds = seconds
        self.count = 0
        self.logged_at = -seconds

    def __call__(self) -> None:
        self.count += 1
        now = monotonic()
        if now - self.logged_at >= self.seconds:
            logging.getLogger("uvicorn.error").warning(self.message, self.count)
            self.count = 0
            self.logged_at = now


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with two deadlines and a cap. The headers of each request must arrive within
    `header_seconds` of the connection (or of the previous response), and its body within `body_seconds`
    of its headers; a client past either is disconnected (the application sees an ordinary disconnect).
    Past `max_connections`, the connection that has waited longest for its first request's headers is
    closed (an honest client sends them at once, so only idle and trickling connections go), and only when
    there is none, the longest idle one kept alive after an answer."""

    header_seconds: float = 10.0
    body_seconds: float = 120.0
    max_connections: int = 1000
    waiting: ClassVar[dict[GuardedH11Protocol, None]] = {}
    """Connections waiting for their first request's headers, oldest first (one dict per server)."""
    kept_alive: ClassVar[dict[GuardedH11Protocol, None]] = {}
    """Connections waiting for the next request after an answer, oldest first (one dict per server)."""
    too_slow: ClassVar[Throttled] = Throttled("Closed %d connection(s) that sent their request too slowly.")
    crowded: ClassVar[Throttled] = Throttled("Closed %d idle connection(s) to stay under the connection cap.")
    _deadline: asyncio.TimerHandle | None = None
    _arrived: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._leave_queues()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._arrived is None:
            self._arrived = perf_counter()
        super().data_received(data)

    def handle_events(self) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE
        super().handle_events()
        if waiting_for_headers and self.conn.their_state is not h11.IDLE:
            self._leave_queues()
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
            self.kept_alive[self] = None

    def _await_headers(self) -> None:
        self._arm(self.header_seconds)
        self.waiting[self] = None

    def _leave_queues(self) -> None:
        self.waiting.pop(self, None)
        self.kept_alive.pop(self, None)

    def _make_room(self) -> None:
        victim = next(idle_ones(self.waiting), None) or next(idle_ones(self.kept_alive), self)
        victim._leave_queues()
        victim._disarm()
        victim.transport.close()
        self.crowded()

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
            self._leave_queues()
            self.transport.close()
            self.too_slow()


SCAN_FOR_IDLE = 64
"""How many of the oldest waiting connections are looked at for one with nothing sent (bounds the cost)."""


def idle_ones(queue: dict[GuardedH11Protocol, None]) -> Iterator[GuardedH11Protocol]:
    """The oldest connections of `queue` whose client has sent nothing the loop has not read yet: under a
    flood the loop accepts connections in batches before it reads any, and an honest client's request may
    already be waiting in its socket."""
    for protocol in itertools.islice(queue, SCAN_FOR_IDLE):
        if unread_bytes(protocol.transport) == 0:
            yield protocol


def unread_bytes(transport: asyncio.Transport) -> int:
    """Bytes received on this connection's socket and not yet read (0 if it cannot tell)."""
    sock = transport.get_extra_info("socket")
    try:
        return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0" * 4))[0])
    except (AttributeError, OSError):
        return 0


def guarded_protocol(header_seconds: float, body_seconds: float,
                     max_connections: int = 1000) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, with these deadlines and this cap."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {
        "header_seconds": header_seconds, "body_seconds": body_seconds, "max_connections": max_connections,
        "waiting": {}, "kept_alive": {},
        "too_slow": Throttled(GuardedH11Protocol.too_slow.message),
        "crowded": Throttled(GuardedH11Protocol.crowded.message),
    })


def connection_limits(max_connections: int) -> tuple[int, int]:
    """The connection cap and the listen backlog, within the files this process may open (raised first to
    the hard limit): a connection closed over the cap frees its descriptor only on the loop's next turn,
    after up to a backlog more were accepted, so cap + two backlogs stay under the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    files = soft if soft != resource.RLIM_INFINITY else 1 << 20
    return min(max_connections, files // 2), min(2048, max(64, files // 8))
