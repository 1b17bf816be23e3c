"""SQLite writers of one process take turns in a queue, acknowledgements first.

SQLite lets one connection write at a time. A writer that finds the lock taken is put to sleep by SQLite's
busy handler in growing steps of up to 100 ms, so under load a receipt's acknowledgement could sleep for
most of a second behind writes that each held the lock for a millisecond. Here each connection of the
process waits for its turn before its first write (a Python condition wakes it the moment the lock is given
back) and gives the turn back when its transaction ends; a write marked urgent (a receipt being stored
before the customer is answered) goes before every waiting background write. Other processes meet at
SQLite's own lock: background writes wait in its busy handler, an urgent one tries again every half
millisecond.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic, sleep
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
URGENT, BACKGROUND = 0, 1

URGENT_RETRY_SECONDS = 0.0005
"""How often an urgent write tries again for SQLite's write lock while another process holds it."""

_urgent: ContextVar[bool] = ContextVar("urgent_writes", default=False)
_relaxed: ContextVar[bool] = ContextVar("relaxed_sync", default=False)
FULL, NORMAL = 2, 1
"""SQLite's `synchronous` levels: FULL syncs the write-ahead log at each commit; NORMAL leaves that to the
next FULL commit or checkpoint (safe if the process dies; the last NORMAL commits may be undone if the
machine loses power before then)."""


@contextmanager
def urgent_writes() -> Iterator[None]:
    """Writes made inside go before any waiting background write (storing what a customer is waiting on)."""
    token = _urgent.set(True)
    try:
        yield
    finally:
        _urgent.reset(token)


@contextmanager
def relaxed_sync() -> Iterator[None]:
    """Commits made inside skip their own disk sync (SQLite's `synchronous=NORMAL`); the next receipt's
    commit, which syncs, makes them durable too. For bookkeeping the service redoes if it is undone by a
    power cut (claims, a reading, sent marks, heartbeats), so that it holds SQLite's write lock for less time
    while a customer waits for their receipt to be stored."""
    token = _relaxed.set(True)
    try:
        yield
    finally:
        _relaxed.reset(token)


def relaxed(function: Callable[P, R]) -> Callable[P, R]:
    """`function`'s commits made under `relaxed_sync`."""
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with relaxed_sync():
            return function(*args, **kwargs)

    return run


class WriteTurns:
    """The queue of one process's writers: one holds the turn, the others wait in order, urgent ones first."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._condition = threading.Condition()
        self._waiting: list[tuple[int, int]] = []
        self._tickets = itertools.count()
        self._holder: int | None = None

    def take(self) -> bool:
        """Wait for the turn; False when waiting made no sense (this thread already holds it through another
        connection) or took longer than `timeout`: the write then goes ahead and SQLite's own lock decides."""
        me = threading.get_ident()
        with self._condition:
            if self._holder == me:
                return False
            ticket = (URGENT if _urgent.get() else BACKGROUND, next(self._tickets))
            heapq.heappush(self._waiting, ticket)
            deadline = monotonic() + self.timeout
            while self._holder is not None or self._waiting[0] != ticket:
                left = deadline - monotonic()
                if left <= 0:
                    self._waiting.remove(ticket)
                    heapq.heapify(self._waiting)
                    self._condition.notify_all()
                    return False
                self._condition.wait(left)
            heapq.heappop(self._waiting)
            self._holder = me
            return True

    def give_back(self) -> None:
        with self._condition:
            self._holder = None
            self._condition.notify_all()


class TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection that takes the process's write turn before its first write and gives it back
    when its transaction ends (commit, rollback or close)."""

    turns: WriteTurns | None = None
    holds_turn = False
    synchronous = FULL

    def take_turn(self) -> None:
        if self.turns is not None and not self.holds_turn:
            self.holds_turn = self.turns.take()
        wanted = NORMAL if _relaxed.get() and not _urgent.get() else FULL
        if wanted != self.synchronous and not self.in_transaction:
            super().execute(f"PRAGMA synchronous={wanted}")
            self.synchronous = wanted
        if _urgent.get() and self.turns is not None and self.holds_turn and not self.in_transaction:
            self._begin_promptly(self.turns.timeout)

    def _begin_promptly(self, timeout: float) -> None:
        """Take SQLite's write lock now, trying again every URGENT_RETRY_SECONDS while another process holds it:
        SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms and more between tries, so an urgent write would
        oversleep another process's short write by up to that much, or miss every gap between its writes."""
        super().execute("PRAGMA busy_timeout=0")
        deadline = monotonic() + timeout
        try:
            while True:
                try:
                    super().execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or monotonic() > deadline:
                        return
                sleep(URGENT_RETRY_SECONDS)
        finally:
            super().execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")

    def give_back_turn(self) -> None:
        if self.holds_turn and self.turns is not None:
            self.holds_turn = False
            self.turns.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_turn()


_queues: dict[str, WriteTurns] = {}
_queues_lock = threading.Lock()


def turns_for(database: str, timeout: float) -> WriteTurns:
    """The one queue of this process's writers to `database` (every engine on the file shares it)."""
    with _queues_lock:
        return _queues.setdefault(database, WriteTurns(timeout))


def wait_for_turn(_connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
    """Before each statement (a SQLAlchemy `before_cursor_execute` listener): a write waits for its turn."""
    raw = getattr(cursor, "connection", None)
    if isinstance(raw, TurnTakingConnection) and not raw.holds_turn and WRITES.match(statement):
        raw.take_turn()
